"""Text nobody sees. A "sandwich" PDF: a picture of the page with an invisible text layer
(text render mode 3) laid under it by a scanner app or OCRmyPDF; that layer is someone else's
OCR, and read as a text layer its misreadings came out at full confidence: the page is OCR'd
like a scan instead. And a doctored file: an invisible figure laid over a printed one, which a
reader of the text layer took for the value: only what is drawn is read."""

from __future__ import annotations

import io
from datetime import date

import pypdfium2
import pytest
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from docproc.models import Upload
from docproc.pipeline import extract
from docproc.text import pdf_text
from tests import paths

pytestmark = pytest.mark.ocr

SAMPLE = paths.ROOT / "samples" / "avis_2025_couple_4p.pdf"
RFR = 54439  # printed on the sample's page 1
MISREAD = "54 489"  # what the scanner app's hidden layer says


def _sandwich(hidden: bool) -> bytes:
    """Page 1 of a sample as a 150-dpi picture, with the sample's own words laid over it
    (invisible when ``hidden``), the RFR misread."""
    doc = pypdfium2.PdfDocument(SAMPLE.read_bytes())
    page = doc[0]
    width, height = page.get_size()
    picture = page.render(scale=150 / 72).to_pil()
    words = pdf_text.page_segments(doc, 0)
    doc.close()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(width, height))
    c.drawImage(ImageReader(picture), 0, 0, width, height)
    text = c.beginText()
    text.setTextRenderMode(3 if hidden else 0)
    for w in words:
        text.setTextOrigin(w.x0 * width, (1 - w.y1) * height + 1)
        text.setFont("Helvetica", max(4.0, (w.y1 - w.y0) * height * 0.8))
        text.textOut(w.text.replace("54 439", MISREAD).replace("439", "489"))
    c.drawText(text)
    c.showPage()
    c.save()
    return out.getvalue()


def _rfr(data: bytes) -> tuple[object, object]:
    doc = extract([Upload("scan.pdf", data)], date(2025, 10, 1)).to_contract()["documents"][0]
    prov = doc["provenance"].get("revenu_fiscal_reference", {})
    return doc["fields"].get("revenu_fiscal_reference"), prov.get("source")


def test_an_invisible_text_layer_is_not_read_the_page_is_ocrd() -> None:
    data = _sandwich(hidden=True)
    doc = pypdfium2.PdfDocument(data)
    assert pdf_text.hidden_text(doc[0])
    doc.close()
    assert _rfr(data) == (RFR, "ocr")


def test_a_visible_text_layer_is_still_read_as_text() -> None:
    # Control: drawn visibly, the same layer is the page's text layer.
    data = _sandwich(hidden=False)
    doc = pypdfium2.PdfDocument(data)
    assert not pdf_text.hidden_text(doc[0])
    doc.close()
    assert _rfr(data)[1] == "text"


def _overlaid() -> bytes:
    """Page 1 of a sample drawn as text, with an invisible "12 000" laid right where its RFR
    (54 439) is printed: a doctored file that a reader of the text layer alone would trust."""
    doc = pypdfium2.PdfDocument(SAMPLE.read_bytes())
    width, height = doc[0].get_size()
    words = pdf_text.page_segments(doc, 0)
    doc.close()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(width, height))
    for hidden in (True, False):  # the hidden figure first, as a doctored file would put it
        c.saveState()  # the render mode is graphics state: restored after the block
        text = c.beginText()
        text.setTextRenderMode(3 if hidden else 0)
        for w in words:
            if hidden and "54 439" not in w.text:
                continue
            text.setTextOrigin(w.x0 * width, (1 - w.y1) * height + 1)
            text.setFont("Helvetica", max(4.0, (w.y1 - w.y0) * height * 0.8))
            text.textOut(w.text.replace("54 439", "12 000") if hidden else w.text)
        c.drawText(text)
        c.restoreState()
    c.showPage()
    c.save()
    return out.getvalue()


def test_invisible_text_laid_over_the_values_is_not_read() -> None:
    data = _overlaid()
    rfr, source = _rfr(data)
    assert (rfr, source) == (RFR, "text")
