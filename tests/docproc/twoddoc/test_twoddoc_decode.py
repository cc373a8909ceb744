"""Image and PDF decoding with the real zxing-cpp and pdfium, and the build/render round trip."""

from __future__ import annotations

import io
import time
from datetime import date

import numpy as np
import pytest
from PIL import Image

from bench.twoddoc import bench_decode
from docproc.twoddoc import (
    build_payload,
    find_in_image,
    find_in_pdf,
    parse_and_verify,
    render_datamatrix,
)
from tests.docproc.twoddoc.twoddoc_samples import (
    REFERENCE_CODES,
    SPECIMEN_FIELDS,
    as_decoded,
    pdf_with_code,
)


@pytest.fixture(scope="module")
def payload(fr00_key: bytes) -> str:
    return build_payload(
        SPECIMEN_FIELDS, issue_date=None, signature_date=date(2025, 9, 1), key_pem=fr00_key
    )


def test_render_is_a_square_symbol_with_quiet_zone(payload: str) -> None:
    img = render_datamatrix(payload, module_px=3)
    assert img.mode == "L" and img.width == img.height
    arr = np.asarray(img)
    assert (arr[:12, :] == 255).all() and (arr[:, :12] == 255).all()  # 4 modules x 3 px
    assert (arr < 128).any()


def test_build_render_find_round_trip(payload: str, trust_fr00: None) -> None:
    found = find_in_image(render_datamatrix(payload))
    assert found == payload
    doc = parse_and_verify(found, today=date(2025, 10, 1))
    assert doc.valid_signature is True and doc.fields == SPECIMEN_FIELDS


def test_reference_code_round_trip_keeps_control_characters() -> None:
    code = as_decoded(REFERENCE_CODES["28"])
    assert find_in_image(render_datamatrix(code, module_px=2)) == code


def _photo(payload: str, *, angle: float, scale: float, quality: int) -> Image.Image:
    page = Image.new("L", (1654, 2339), 240)  # A4 at 200 dpi, greyish paper
    page.paste(render_datamatrix(payload, module_px=4), (100, 60))
    page = page.rotate(angle, expand=True, fillcolor=200, resample=Image.Resampling.BILINEAR)
    page = page.resize(
        (int(page.width * scale), int(page.height * scale)), Image.Resampling.LANCZOS
    )
    rng = np.random.default_rng(7)
    noisy = np.clip(np.asarray(page, dtype=np.float32) + rng.normal(0, 8, page.size[::-1]), 0, 255)
    buf = io.BytesIO()
    Image.fromarray(noisy.astype(np.uint8)).convert("RGB").save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue()))


@pytest.mark.parametrize(
    ("angle", "scale", "quality"), [(0, 1.0, 80), (6, 0.8, 60), (90, 1.0, 70), (-12, 1.3, 50)]
)
def test_find_in_photo_like_image(payload: str, angle: float, scale: float, quality: int) -> None:
    assert find_in_image(_photo(payload, angle=angle, scale=scale, quality=quality)) == payload


def test_find_in_image_without_code_is_none_and_bounded() -> None:
    rng = np.random.default_rng(3)
    noise = Image.fromarray(rng.integers(0, 256, (1500, 1100), dtype=np.uint8))
    start = time.monotonic()
    assert find_in_image(noise, time_budget_s=1.0) is None
    assert time.monotonic() - start < 5.0
    assert find_in_image(Image.new("RGB", (5, 5))) is None


def test_find_in_pdf_top_left(payload: str) -> None:
    pdf = pdf_with_code(render_datamatrix(payload), size_mm=27)
    assert find_in_pdf(pdf) == (payload, 0)


def test_find_in_pdf_small_code(payload: str) -> None:
    pdf = pdf_with_code(render_datamatrix(payload), size_mm=20)
    assert find_in_pdf(pdf) == (payload, 0)


def test_find_in_pdf_other_page(payload: str) -> None:
    pdf = pdf_with_code(render_datamatrix(payload), pages=3, code_page=1)
    assert find_in_pdf(pdf) is None  # page 1 only by default
    assert find_in_pdf(pdf, page_indexes=(0, 1, 2)) == (payload, 1)
    assert find_in_pdf(pdf, page_indexes=(2, 7, -1)) is None


def test_find_in_pdf_without_code_or_not_a_pdf() -> None:
    assert find_in_pdf(pdf_with_code(None)) is None
    assert find_in_pdf(b"%PDF-1.7 truncated garbage") is None
    assert find_in_pdf(b"") is None


def test_decode_time_on_a_text_pdf(payload: str) -> None:
    """Target: decoding adds at most 50 ms per text-PDF avis (loose bound for slow CI)."""
    pdf = pdf_with_code(render_datamatrix(payload))
    median_ms = bench_decode(pdf, repeat=15)
    no_code_ms = bench_decode(pdf_with_code(None), repeat=5)
    print(f"find_in_pdf median: {median_ms:.1f} ms with code, {no_code_ms:.1f} ms without")
    assert median_ms < 150
