"""Synthetic one-page documents other than the avis d'impôt: taxe foncière, taxe d'habitation,
CAF/MSA attestation de ressources inférieures au RSA, foreign tax certificates.

Each document object says its ``kind``, draws its page (``page_drawer``) and gives the
contract fields a perfect reader must return (``expected_fields``). Layouts are plausible
inventions from shared/reference/documents.md §2.3–2.6 (mostly [I]); names and numbers are
invented, numbers have valid formats (keys included where one exists).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from docproc.samples.identities import Person
from docproc.samples.page_canvas import H, Page


def national_amount(value: float, style: str) -> str:
    """'28.456,00' (be/es), '96 500,00' (fr/ma, no-break spaces), '31,250.00' (uk)."""
    whole, cents = f"{value:,.2f}".split(".")
    if style == "uk":
        return f"{whole}.{cents}"
    sep = "\u00a0" if style == "fr" else "."
    return f"{whole.replace(',', sep)},{cents}"


class Sheet:
    """A one-page synthetic document that describes itself to the generator."""

    kind: ClassVar[str]
    pages: ClassVar[int] = 1

    def draw(self, p: Page) -> None:
        raise NotImplementedError

    def expected_fields(self) -> dict[str, Any]:
        raise NotImplementedError

    def page_drawer(self, n: int) -> Callable[[Page], None]:
        if n != 1:
            raise ValueError("document d'une seule page")
        return self.draw

    def expected_document(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "complete": True,
            "missing_pages": [],
            "fields": self.expected_fields(),
        }


def local_header(p: Page, title: str, subtitle: str | None, departement: str) -> None:
    p.text(40, 40, "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", 10, bold=True)
    p.text(40, 56, "AVIS D'IMPÔTS LOCAUX", 9)
    p.text(40, 78, title, 14, bold=True)
    if subtitle:
        p.text(40, 94, subtitle, 8)
    p.text(360, 120, "CENTRE DES FINANCES PUBLIQUES", 8, bold=True)
    p.text(360, 131, f"SIP DU {departement}", 8)


def addressee(p: Page, person: Person, adresse: str, top: float = 160) -> None:
    street, _, town = adresse.partition(" | ")
    p.text(330, top, f"{person.civilite} {person.identite}", 10)
    p.text(330, top + 13, street, 10)
    p.text(330, top + 26, town, 10)


def references(p: Page, rows: list[tuple[str, str]], top: float = 215) -> float:
    p.text(40, top, "Vos références", 11, bold=True)
    top += 16
    for label, value in rows:
        p.text(40, top, label, 8)
        p.text(175, top, value, 8)
        top += 12
    return top


def total_box(p: Page, top: float, total: int) -> float:
    """The amount to pay, across the page (no other column shares its line)."""
    p.box(40, top, 515, 34)
    p.text(50, top + 21, "Montant de votre impôt :", 10, bold=True)
    p.right(545, top + 21, f"{p.amount(total)} €", 12, bold=True)
    return top + 56


#: Editions of the local-tax avis the generator draws. "classic" is the first synthetic layout
#: (kept byte for byte); "2023" and "2024" follow the real editions' habits (documents.md
#: §2.3–2.4, [I]): white headings on blue banners as on the IR avis, other title wordings
#: ("Taxes foncières 2023", "TAXES FONCIÈRES 2024"), labels without colons, values under their
#: label, the properties as a table (2023) or as labelled lines (2024).
EDITIONS = ("classic", "2023", "2024")


#: The banner blue of the DGFiP avis (white text on it).
BANNER_BLUE = (0.27, 0.45, 0.72)


LIGHT_BLUE = (0.86, 0.90, 0.97)


def banner(
    p: Page,
    x: float,
    top: float,
    w: float,
    h: float,
    text: str,
    size: float = 10,
    right_text: str | None = None,
) -> None:
    """A heading in white on a blue banner (``top`` is the banner's top edge)."""
    p.c.saveState()
    p.c.setFillColorRGB(*BANNER_BLUE)
    p.c.rect(x, H - top - h, w, h, stroke=0, fill=1)
    p.c.setFillColorRGB(1, 1, 1)
    baseline = top + h / 2 + size * 0.35
    p.text(x + 8, baseline, text, size, bold=True)
    if right_text:
        p.right(x + w - 8, baseline, right_text, size + 1, bold=True)
    p.c.restoreState()


def light_row(p: Page, x: float, top: float, w: float, h: float) -> None:
    p.c.saveState()
    p.c.setFillColorRGB(*LIGHT_BLUE)
    p.c.rect(x, H - top - h, w, h, stroke=0, fill=1)
    p.c.restoreState()


def references_grid(p: Page, pairs: list[tuple[str, str]], top: float) -> float:
    """ "Vos références" on a banner, then label over value, two pairs a row."""
    banner(p, 40, top, 250, 16, "Vos références", 10)
    top += 30
    for k in range(0, len(pairs), 2):
        for (label, value), x in zip(pairs[k : k + 2], (40, 175), strict=False):
            p.text(x, top, label, 7.5)
            p.text(x, top + 11, value, 8.5, bold=True)
        top += 28
    return top


def amount_below(p: Page, x: float, top: float, w: float, label: str, total: int) -> float:
    """The amount to pay under its banner, in a light row, starting under the label."""
    banner(p, x, top, w, 18, label, 10)
    light_row(p, x, top + 18, w, 20)
    p.text(x + 8, top + 33, f"{p.amount(total)} €", 12, bold=True)
    return top + 50
