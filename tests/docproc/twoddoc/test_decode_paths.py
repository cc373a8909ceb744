"""Both ways a PDF can carry its code: an embedded image (fast path) and vector drawing (render)."""

from __future__ import annotations

import io
from datetime import date

from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from docproc.twoddoc import build_payload, find_in_pdf, render_datamatrix
from docproc.twoddoc.trust_bundle import fr00_test_key_pem

FIELDS = {
    "44": "2569K15000811",
    "45": "2024",
    "46": "MARCHAND JULIEN",
    "47": "1914177763379",
    "43": "1,00",
    "4A": "31072025",
    "41": "12345",
}


def _payload() -> str:
    return build_payload(
        FIELDS,
        issue_date=date(2025, 7, 9),
        signature_date=date(2025, 7, 9),
        key_pem=fr00_test_key_pem(),
    )


def test_code_embedded_as_an_image() -> None:
    payload = _payload()
    buf = io.BytesIO()
    c = Canvas(buf)
    c.drawImage(ImageReader(render_datamatrix(payload, module_px=4)), 36, 730, 76, 76)
    c.showPage()
    c.save()
    assert find_in_pdf(buf.getvalue()) == (payload, 0)


def test_code_drawn_as_vector_modules_is_found_by_rendering() -> None:
    payload = _payload()
    img = render_datamatrix(payload, module_px=1).convert("L")
    buf = io.BytesIO()
    c = Canvas(buf)
    module = 76 / img.width
    for y in range(img.height):
        for x in range(img.width):
            if img.getpixel((x, y)) < 128:
                c.rect(36 + x * module, 806 - (y + 1) * module, module, module, stroke=0, fill=1)
    c.showPage()
    c.save()
    assert find_in_pdf(buf.getvalue()) == (payload, 0)
