"""Bad input ends in a rejection with a reason code and a French message, never an exception."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from reportlab.lib import pdfencrypt
from reportlab.pdfgen.canvas import Canvas

from docproc.models import Upload
from docproc.pipeline import extract
from tests.conftest import SAMPLES

pytestmark = pytest.mark.adversarial
AVIS = SAMPLES / "avis_2025_couple_4p.pdf"


def _pdf(pages: int = 1, encrypt: str | None = None) -> bytes:
    buf = io.BytesIO()
    enc = pdfencrypt.StandardEncryption(encrypt, canPrint=1) if encrypt else None
    c = Canvas(buf, encrypt=enc)
    for i in range(pages):
        c.drawString(72, 720, f"Page {i + 1} d'un document de test sans rapport avec un avis")
        c.showPage()
    c.save()
    return buf.getvalue()


def _file(data: bytes, name: str = "upload.pdf") -> dict:  # type: ignore[type-arg]
    result = extract([Upload(name, data)], date(2025, 10, 1)).to_contract()
    [f] = result["files"]
    return f


def _failed(f: dict) -> list[str]:  # type: ignore[type-arg]
    return [c["code"] for c in f["checks"] if not c["ok"]]


def test_empty_file() -> None:
    f = _file(b"")
    assert not f["accepted"] and _failed(f) == ["fichier.vide"]


def test_oversized_file() -> None:
    data = AVIS.read_bytes() + b"%" + b"0" * (2 * 1024 * 1024)
    f = _file(data)
    assert not f["accepted"] and _failed(f) == ["fichier.taille"]
    assert "2 Mo" in f["checks"][0]["message"]


def test_zip_named_pdf() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("avis.pdf", AVIS.read_bytes())
    f = _file(buf.getvalue(), "avis.pdf")
    assert not f["accepted"] and _failed(f) == ["fichier.type"]
    assert f["checks"][-1]["data"]["detected"].startswith("archive ZIP")


def test_garbage_with_pdf_header() -> None:
    f = _file(b"%PDF-1.7\n" + b"\x00garbage" * 500)
    assert not f["accepted"] and _failed(f) == ["fichier.endommage"]


def test_truncated_pdf() -> None:
    data = AVIS.read_bytes()
    f = _file(data[: len(data) // 3])
    assert not f["accepted"] and _failed(f) == ["fichier.endommage"]


def test_encrypted_pdf() -> None:
    f = _file(_pdf(encrypt="secret"))
    assert not f["accepted"] and _failed(f) == ["pdf.chiffre"]
    assert "mot de passe" in f["checks"][-1]["message"]


def test_too_many_pages() -> None:
    f = _file(_pdf(pages=11))
    assert not f["accepted"] and _failed(f) == ["pdf.trop_de_pages"]
    assert f["checks"][-1]["data"] == {"pages": 11, "max_pages": 10}


def test_unrelated_pdf_is_an_unknown_document() -> None:
    result = extract([Upload("x.pdf", _pdf(pages=2))], date(2025, 10, 1)).to_contract()
    [doc] = result["documents"]
    assert doc["kind"] == "inconnu" and doc["status"] == "rejected" and doc["fields"] == {}


def test_one_bad_file_does_not_spoil_the_others() -> None:
    result = extract(
        [Upload("bad.pdf", b"%PDF-1.4 nope"), Upload("avis.pdf", AVIS.read_bytes())],
        date(2025, 10, 1),
    ).to_contract()
    assert [f["accepted"] for f in result["files"]] == [False, True]
    assert result["documents"][0]["kind"] == "avis_impot_revenu"


def test_cli_exits_zero_with_rejection_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"PK\x03\x04 not a pdf")
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "extract", str(bad), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["files"][0]["accepted"] is False and "Traceback" not in proc.stderr


def test_cli_unreadable_path_exits_two(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "extract", str(tmp_path / "absent.pdf")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2 and "absent.pdf" in proc.stderr and "Traceback" not in proc.stderr


def test_pdf_after_junk_is_not_a_pdf() -> None:
    f = _file(b"junk" * 100 + AVIS.read_bytes())
    assert not f["accepted"] and _failed(f) == ["fichier.type"]


def test_pdf_zip_polyglot() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("x.txt", "hello")
    f = _file(AVIS.read_bytes() + buf.getvalue())
    assert not f["accepted"] and _failed(f) == ["fichier.polyglotte"]


def test_pdf_with_javascript() -> None:
    buf = io.BytesIO()
    c = Canvas(buf)
    c.drawString(72, 720, "Document de test")
    c.setPageCompression(0)
    c.showPage()
    c.save()
    data = buf.getvalue().replace(
        b"/Type /Catalog", b"/Type /Catalog /Names << /JavaScript 99 0 R >>", 1
    )
    f = _file(data)
    assert not f["accepted"] and _failed(f) == ["pdf.contenu_actif"]


def test_active_content_names_inside_a_stream_are_not_active() -> None:
    """Regression: a scan whose JPEG bytes happened to hold "/JS " was refused as active content."""
    buf = io.BytesIO()
    c = Canvas(buf)
    c.setPageCompression(0)
    c.drawString(72, 720, "Texte de test /JS (pas du JavaScript) /Launch /XFA")
    c.showPage()
    c.save()
    f = _file(buf.getvalue())
    assert f["accepted"], _failed(f)
