"""A synthetic avis-like A4 page for the OCR tests, and how to look for its text."""

from __future__ import annotations

import io
import re

import pypdfium2
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

#: Strings that must come out of the OCR of the test page (whitespace collapsed).
KEY_STRINGS = (
    "Revenu fiscal de référence",
    "25 123",
    "Nombre de parts",
    "2,5",
    "30 23 217 600 053",
    "2575A12345678",
    "40 347",
    "18 250",
    "3 906",
)

#: The amounts of the ruled table, one per row: every row must come back.
TABLE_ROWS = (
    ("Salaires, traitements", "40 347", "18 250"),
    ("Allocations chômage", "1 208", "0"),
    ("Pensions, retraites, rentes", "12 540", "9 876"),
    ("Revenus de capitaux mobiliers", "312", "127"),
    ("Revenus fonciers nets", "3 906", "2 127"),
    ("Plus-values", "0", "540"),
    ("Pensions alimentaires reçues", "2 400", "0"),
    ("Autres revenus", "75", "1 999"),
)

_PARAGRAPH = (
    "Cet avis vous est adressé à titre d'information. Le montant de votre impôt a été calculé",
    "à partir des revenus que vous avez déclarés. Si vous constatez une erreur, vous pouvez",
    "corriger votre déclaration en ligne depuis votre espace particulier sur impots.gouv.fr.",
    "Conservez ce document : il peut vous être demandé pour bénéficier de certaines prestations.",
)


def make_avis_pdf() -> bytes:
    """A one-page A4 PDF laid out like the first page of an avis d'impôt."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    y = height - 60
    c.setFont("Helvetica-Bold", 14)
    c.drawString(50, y, "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES")
    y -= 20
    c.setFont("Helvetica", 11)
    c.drawString(50, y, "Impôt sur les revenus de 2024")
    c.drawString(360, y, "CENTRE DES FINANCES PUBLIQUES")
    y -= 16
    c.drawString(50, y, "Avis d'impôt établi en 2025")
    c.drawString(360, y, "SIP PARIS 11E")
    y -= 36
    c.setFont("Helvetica-Bold", 11)
    c.drawString(50, y, "Vos références")
    c.drawString(360, y, "M. DUPONT JEAN PIERRE")
    c.setFont("Helvetica", 10)
    refs = (
        ("Numéro fiscal :", "30 23 217 600 053"),
        ("Référence de l'avis :", "2575A12345678"),
        ("Date d'établissement :", "08/07/2025"),
        ("Date de mise en recouvrement :", "31/07/2025"),
    )
    right = ("12 RUE DES LILAS", "75011 PARIS", "", "")
    for (label, value), addr in zip(refs, right, strict=True):
        y -= 15
        c.drawString(50, y, label)
        c.drawString(210, y, value)
        if addr:
            c.drawString(360, y, addr)
    y -= 34
    c.setFont("Helvetica", 10)
    for text in (
        "Revenu fiscal de référence : 25 123 €",
        "Nombre de parts : 2,5",
        "Situation de famille : Marié(e)s",
    ):
        c.drawString(50, y, text)
        y -= 15
    y -= 14
    c.setFont("Helvetica-Bold", 11)
    c.drawString(50, y, "Détail des revenus de l'année 2024")
    y -= 10
    # A ruled table: header, 8 rows of amounts right-aligned, column rules.
    top = y
    row_h = 17
    cols = (50, 330, 440, 545)
    c.setLineWidth(0.8)
    c.setFont("Helvetica-Bold", 9.5)
    c.drawString(cols[0] + 4, y - 12, "Revenus")
    c.drawRightString(cols[2] - 6, y - 12, "Déclarant 1")
    c.drawRightString(cols[3] - 6, y - 12, "Déclarant 2")
    y -= row_h
    c.line(cols[0], y, cols[-1], y)
    c.setFont("Helvetica", 9.5)
    for label, a, b in TABLE_ROWS:
        c.drawString(cols[0] + 4, y - 12, label)
        c.drawRightString(cols[2] - 6, y - 12, a)
        c.drawRightString(cols[3] - 6, y - 12, b)
        y -= row_h
        c.line(cols[0], y, cols[-1], y)
    c.line(cols[0], top, cols[-1], top)
    for x in cols:
        c.line(x, top, x, y)
    y -= 30
    c.setFont("Helvetica", 9.5)
    for line in _PARAGRAPH:
        c.drawString(50, y, line)
        y -= 13
    y -= 20
    c.setFont("Helvetica-Bold", 10)
    c.drawString(50, y, "Impôt sur le revenu net avant corrections")
    c.drawRightString(545, y, "1 874 €")
    y -= 16
    c.drawString(50, y, "Somme qu'il vous reste à payer")
    c.drawRightString(545, y, "312 €")
    c.setFont("Helvetica", 8)
    c.drawString(50, 40, "30 23 217 600 053")
    c.drawRightString(545, 40, "1/4")
    c.showPage()
    c.save()
    return buf.getvalue()


def render_300(pdf_bytes: bytes) -> Image.Image:
    """Page 1 of a PDF rendered at 300 dpi in greyscale, like a flatbed scan."""
    pdf = pypdfium2.PdfDocument(pdf_bytes)
    try:
        page = pdf[0]
        img = page.render(scale=300 / 72, grayscale=True).to_pil().copy()
        page.close()
    finally:
        pdf.close()
    img.info["dpi"] = (300, 300)
    return img


def collapse(text: str) -> str:
    return " ".join(text.split())


def normalized(text: str) -> str:
    """Whitespace collapsed, thousands groups joined ("25 123" → "25123"), no space before €.

    OCR may or may not see the space of a thousands group; the field extractor reads both.
    """
    text = collapse(text)
    text = re.sub(r"(?<=\d) (?=\d)", "", text)
    return text.replace(" €", "€")


def missing(text: str, wanted: tuple[str, ...] | list[str]) -> list[str]:
    """The wanted strings not found in ``text`` (both normalized)."""
    have = normalized(text)
    return [w for w in wanted if normalized(w) not in have]


#: Whole lines of the test page, as ``PageText.text`` must give them (normalized).
EXPECTED_LINES = (
    "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES",
    "Avis d'impôt établi en 2025",
    "Numéro fiscal : 30 23 217 600 053",
    "Référence de l'avis : 2575A12345678",
    "Date de mise en recouvrement : 31/07/2025",
    "Revenu fiscal de référence : 25 123 €",
    "Nombre de parts : 2,5",
    "M. DUPONT JEAN PIERRE",
    "Somme qu'il vous reste à payer 312 €",
) + tuple(f"{label} {a} {b}" for label, a, b in TABLE_ROWS)
