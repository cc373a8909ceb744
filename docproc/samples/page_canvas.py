"""The A4 canvas every synthetic document is drawn on: fonts, French number formats, :class:`Page`
(y from the top, what was drawn where) and :func:`render` to a PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

W, H = A4

FONTS = {
    "helvetica": ("Helvetica", "Helvetica-Bold"),
    "times": ("Times-Roman", "Times-Bold"),
    "dejavu": ("DejaVuSans", "DejaVuSans-Bold"),
}

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def _register_fonts() -> None:
    if "DejaVuSans" in pdfmetrics.getRegisteredFontNames():
        return
    if (_DEJAVU / "DejaVuSans.ttf").exists():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(_DEJAVU / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(_DEJAVU / "DejaVuSans-Bold.ttf")))
    else:  # keep generation possible without the Debian font package
        FONTS["dejavu"] = FONTS["helvetica"]


def amount(value: int, sep: str = " ") -> str:
    """French grouping: 25 123 (space or no-break space), minus sign kept."""
    digits = f"{abs(value):,}".replace(",", sep)
    return f"-{digits}" if value < 0 else digits


def parts(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


#: What a page drawer put where: (text, or "<2D-Doc>" for the code, box as fractions of the
#: page, origin top-left). The tests compare the boxes of extracted values with these.
Drawn = list[tuple[str, tuple[float, float, float, float]]]


class Page:
    """A thin helper over the canvas with y measured from the top of the page."""

    def __init__(self, c: Canvas, font: str, sep: str) -> None:
        self.c, self.sep = c, sep
        self.regular, self.bold = FONTS[font]
        self.drawn: Drawn = []

    def _record(self, s: str, x0: float, top: float, font: str, size: float) -> None:
        ascent, descent = pdfmetrics.getAscentDescent(font, size)
        x1 = x0 + pdfmetrics.stringWidth(s, font, size)
        self.drawn.append((s, (x0 / W, (top - ascent) / H, x1 / W, (top - descent) / H)))

    def text(self, x: float, top: float, s: str, size: float = 9, bold: bool = False) -> None:
        font = self.bold if bold else self.regular
        self.c.setFont(font, size)
        self.c.drawString(x, H - top, s)
        self._record(s, x, top, font, size)

    def right(self, x: float, top: float, s: str, size: float = 9, bold: bool = False) -> None:
        font = self.bold if bold else self.regular
        self.c.setFont(font, size)
        self.c.drawRightString(x, H - top, s)
        self._record(s, x - pdfmetrics.stringWidth(s, font, size), top, font, size)

    def code(self, image: Any, x: float, top: float, side: float) -> None:
        """The 2D-Doc image, its top-left corner at (x, top), ``side`` points wide and high."""
        self.c.drawImage(ImageReader(image), x, H - top - side, side, side)
        self.drawn.append(("<2D-Doc>", (x / W, top / H, (x + side) / W, (top + side) / H)))

    def box(self, x: float, top: float, w: float, h: float) -> None:
        self.c.rect(x, H - top - h, w, h)

    def rule(self, x0: float, x1: float, top: float) -> None:
        self.c.line(x0, H - top, x1, H - top)

    def amount(self, value: int) -> str:
        return amount(value, self.sep)


def render(
    pages: list[tuple[Callable[[Page], None], str, str]], drawn: list[Drawn] | None = None
) -> bytes:
    """A PDF from page drawers: (drawer, font key, thousands separator). ``drawn``, when given,
    receives what each page drew where (:data:`Drawn`)."""
    import io

    _register_fonts()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle("Document synthétique docproc")
    c.setAuthor("docproc")
    for draw, font, sep in pages:
        page = Page(c, font, sep)
        draw(page)
        if drawn is not None:
            drawn.append(page.drawn)
        c.showPage()
    c.save()
    return buf.getvalue()
