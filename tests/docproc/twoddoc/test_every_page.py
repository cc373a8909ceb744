"""Every page of every file is searched for a 2D-Doc as it is read, and every document that
carries one reports it (issue "2D-Docs are dropped"). Real PDFs and images, real zxing-cpp."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from docproc import code_hints
from docproc.models import Upload
from docproc.pipeline import extract
from docproc.settings import get_settings
from docproc.text.acquire import read_file
from docproc.twoddoc import (
    build_payload,
    decode_pdf,
    find_on_pdf_page,
    find_on_scan,
    render_datamatrix,
)
from tests import paths
from tests.docproc.twoddoc.twoddoc_samples import (
    REFERENCE_CODES,
    SPECIMEN_FIELDS,
    as_decoded,
    pdf_with_code,
)

SAMPLES = paths.SAMPLES
REQUEST = date(2025, 10, 1)


@pytest.fixture(scope="module")
def payload(fr00_key: bytes) -> str:
    return build_payload(
        SPECIMEN_FIELDS, issue_date=None, signature_date=date(2025, 9, 1), key_pem=fr00_key
    )


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(300, 300))
    return buf.getvalue()


def _vector_code_pdf(payload: str, *, code_page: int, pages: int = 2) -> bytes:
    """Text pages; on ``code_page`` the code drawn as one filled square per dark module."""
    modules = render_datamatrix(payload, module_px=1).convert("L")
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    width, height = A4
    for page in range(pages):
        c.setFont("Helvetica", 10)
        for i in range(40):
            c.drawString(60, height - 120 - i * 14, f"Ligne {i + 1} du document, page {page + 1}")
        c.rect(50, 60, width - 100, height - 200, stroke=1, fill=0)
        if page == code_page:
            size = 76 / modules.width
            for y in range(modules.height):
                for x in range(modules.width):
                    if modules.getpixel((x, y)) < 128:
                        c.rect(400 + x * size, 800 - (y + 1) * size, size, size, stroke=0, fill=1)
        c.showPage()
    c.save()
    return buf.getvalue()


# -- PDFs with a text layer ---------------------------------------------------------------


def test_code_on_page_2_of_a_pdf_is_found_on_that_page(payload: str) -> None:
    data = pdf_with_code(render_datamatrix(payload, module_px=4), pages=2, code_page=1)
    read = read_file(Upload("deux_pages.pdf", data), get_settings())
    assert [p.source for p in read.pages] == ["text", "text"]
    assert [p.twoddoc for p in read.pages] == [None, payload]


def test_code_on_page_2_is_reported_by_its_document(payload: str, trust_fr00: None) -> None:
    data = pdf_with_code(render_datamatrix(payload, module_px=4), pages=2, code_page=1)
    docs = extract([Upload("deux_pages.pdf", data)], REQUEST).to_contract()["documents"]
    codes = [d["twoddoc"] for d in docs if "twoddoc" in d]
    assert len(codes) == 1
    assert codes[0]["present"] is True and codes[0]["doc_type"] == "28"
    assert codes[0]["fields"]["44"] == SPECIMEN_FIELDS["44"]


def test_vector_code_is_rendered_only_on_the_page_that_draws_it(
    payload: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[object] = []
    real = decode_pdf._render

    def counting(page: pdfium.PdfPage, dpi: int, region: object = None) -> np.ndarray:
        rendered.append(region)
        return real(page, dpi, region)  # type: ignore[arg-type]

    monkeypatch.setattr(decode_pdf, "_render", counting)
    pdf = pdfium.PdfDocument(_vector_code_pdf(payload, code_page=1))
    try:
        assert find_on_pdf_page(pdf, 0) is None
        assert rendered == []  # text and rules only: never rendered
        assert find_on_pdf_page(pdf, 1) == payload
        assert rendered and rendered[0] is not None  # the region of the squares, not the page
        assert find_on_pdf_page(pdf, 7) is None
    finally:
        pdf.close()


def test_text_samples_find_the_code_on_page_1_only() -> None:
    read = read_file(
        Upload("a.pdf", (SAMPLES / "avis_2025_couple_4p.pdf").read_bytes()), get_settings()
    )
    found = [p.twoddoc is not None for p in read.pages]
    assert found == [True, False, False, False]
    assert read.pages[0].twoddoc is not None and read.pages[0].twoddoc.startswith("DC04")


# -- images and scans ---------------------------------------------------------------------

#: A justificatif de domicile (type 01, e.g. an energy bill): no spec of ours claims this type.
DOMICILE_FIELDS = {
    "10": "M/DUPONT/JEAN",
    "22": "12 RUE DES LILAS",
    "24": "69003",
    "25": "LYON",
    "26": "FR",
}


@pytest.fixture(scope="module")
def domicile_payload(fr00_key: bytes) -> str:
    return build_payload(
        DOMICILE_FIELDS,
        doc_type="01",
        issue_date=date(2025, 6, 2),
        signature_date=date(2025, 6, 2),
        key_pem=fr00_key,
    )


def _code_page(payload: str) -> bytes:
    page = Image.new("L", (1200, 1200), 255)
    page.paste(render_datamatrix(payload, module_px=6), (300, 300))
    return _png(page)


def test_code_alone_in_a_png_is_an_inconnu_document_with_its_code(
    domicile_payload: str, trust_fr00: None
) -> None:
    docs = extract([Upload("code.png", _code_page(domicile_payload))], REQUEST).to_contract()[
        "documents"
    ]
    assert len(docs) == 1
    doc = docs[0]
    assert doc["kind"] == "inconnu"
    code = doc["twoddoc"]
    assert code["present"] is True
    assert (
        code["doc_type"] == "01" and code["authority"] == "FR00" and code["certificate"] == "0001"
    )
    assert code["fields"] == DOMICILE_FIELDS
    assert code["mismatches"] == []
    # a type we do not verify is reported, in French, for information only
    assert code["valid_signature"] is False and "01" in code["reason"]
    check = next(c for c in doc["checks"] if c["code"] == "twoddoc.signature")
    assert not check["ok"] and check["level"] == "info"


def test_avis_code_alone_in_a_png_is_reported_valid(payload: str, trust_fr00: None) -> None:
    docs = extract([Upload("code.png", _code_page(payload))], REQUEST).to_contract()["documents"]
    codes = [d["twoddoc"] for d in docs if "twoddoc" in d]
    assert len(codes) == 1
    assert codes[0]["present"] is True and codes[0]["valid_signature"] is True
    assert codes[0]["doc_type"] == "28" and codes[0]["fields"] == SPECIMEN_FIELDS
    assert "reason" not in codes[0]


def test_untrusted_code_says_why_in_french(payload: str) -> None:
    docs = extract([Upload("code.png", _code_page(payload))], REQUEST).to_contract()["documents"]
    code = next(d["twoddoc"] for d in docs if "twoddoc" in d)
    assert code["present"] is True and code["valid_signature"] is False
    assert "test" in code["reason"]


def test_scanned_avis_page_1_carries_its_code() -> None:
    data = (SAMPLES / "scan_avis_2025_seul_2p" / "avis.pdf").read_bytes()
    read = read_file(Upload("avis.pdf", data), get_settings())
    assert [p.source for p in read.pages] == ["ocr", "ocr"]
    assert read.pages[0].twoddoc is not None and read.pages[0].twoddoc.startswith("DC04")
    assert read.pages[1].twoddoc is None


def test_code_on_a_scanned_taxe_fonciere_is_reported_without_cross_check(
    payload: str, trust_fr00: None
) -> None:
    pdf = pdfium.PdfDocument(
        (SAMPLES / "scan_taxe_fonciere_2025_indivision" / "a.pdf").read_bytes()
    )
    try:
        bitmap = pdf[0].render(scale=300 / 72, grayscale=True)
        page = bitmap.to_pil().convert("L")
    finally:
        pdf.close()
    code = render_datamatrix(payload, module_px=5)
    x, y = page.width - code.width - 120, page.height - code.height - 120
    under = np.asarray(page.crop((x, y, x + code.width, y + code.height)))
    assert (under < 128).mean() < 0.01  # nothing printed there
    page.paste(code, (x, y))
    buf = io.BytesIO()
    page.save(buf, "JPEG", quality=85, dpi=(300, 300))  # a PNG of the scan passes the 2 MB cap
    docs = extract([Upload("tf.jpg", buf.getvalue())], REQUEST).to_contract()["documents"]
    assert [d["kind"] for d in docs] == ["taxe_fonciere"]
    doc = docs[0]
    assert doc["twoddoc"]["present"] is True and doc["twoddoc"]["valid_signature"] is True
    assert doc["twoddoc"]["mismatches"] == []
    assert not any(c["code"] == "twoddoc.concordance" for c in doc["checks"])
    assert doc["status"] == "accepted"


def test_find_on_scan_is_cheap_on_a_page_of_text() -> None:
    pdf = pdfium.PdfDocument((SAMPLES / "scan_avis_2025_seul_2p" / "avis.pdf").read_bytes())
    try:
        page = pdf[1].render(scale=300 / 72, grayscale=True).to_pil().convert("L")
    finally:
        pdf.close()
    assert find_on_scan(page) is None
    assert find_on_scan(Image.new("L", (4, 4))) is None


def test_find_on_scan_reads_a_reference_code_with_control_characters() -> None:
    code = as_decoded(REFERENCE_CODES["04"])
    page = Image.new("L", (2480, 3508), 250)
    page.paste(render_datamatrix(code, module_px=4), (150, 150))
    assert find_on_scan(page) == code


# -- the classification hint --------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "garbage",
        "DC04",
        "DC04FR000001FFFF2547",
        "DC04FR00\x00\x1f" * 3,
        "x" * 5000,
        "DC04FR000001FFFF25472801FR44ÉÉ\x1fAAAA",
        "DC07FR000001FFFF25472801FR4163198\x1fAAAA",
        "DC04FR000001GGGG25472801FR\x1f",
    ],
)
def test_code_hint_on_a_malformed_payload_is_none(bad: str) -> None:
    assert code_hints.code_hint(bad) is None


def test_code_hint_of_a_code_cut_before_its_signature_is_not_proof() -> None:
    hint = code_hints.code_hint(as_decoded(REFERENCE_CODES["28"])[:40])
    assert hint is None or hint.valid_signature is False


def test_code_hint_on_a_non_string_is_none() -> None:
    assert code_hints.code_hint(None) is None  # type: ignore[arg-type]
    assert code_hints.code_hint(b"DC04") is None  # type: ignore[arg-type]


def test_code_hint_of_a_signed_avis_code(payload: str, trust_fr00: None) -> None:
    hint = code_hints.code_hint(payload)
    assert hint is not None
    assert hint.doc_type == "28"
    assert hint.annee_revenus == 2021 and hint.annee_avis == 2022
    assert hint.numero_fiscal == SPECIMEN_FIELDS["47"]
    assert hint.fields["revenu_fiscal_reference"] == 63198
    assert hint.fields["reference_avis"] == SPECIMEN_FIELDS["44"]
    assert hint.valid_signature is True
    assert code_hints.code_hint(payload) is hint  # verified once, then cached


def test_code_hint_follows_the_trust_switch(payload: str, monkeypatch: pytest.MonkeyPatch) -> None:
    untrusted = code_hints.code_hint(payload)
    assert untrusted is not None and untrusted.valid_signature is False
    monkeypatch.setenv("DOCPROC_TRUST_TEST_2DDOC", "1")
    trusted = code_hints.code_hint(payload)
    assert trusted is not None and trusted.valid_signature is True


def test_code_hint_of_a_taxe_habitation_code(trust_fr00: None) -> None:
    hint = code_hints.code_hint(as_decoded(REFERENCE_CODES["02"]))
    assert hint is not None and hint.doc_type == "02"
    assert hint.annee_revenus is None and hint.numero_fiscal is None and hint.fields == {}
