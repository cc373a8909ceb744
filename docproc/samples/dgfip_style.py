"""How the real DGFiP layout is drawn: :class:`Style` (the real one and its seeded variations,
wording chosen only from the closed lists here), the avis it draws (:class:`DgfipAvis`), number
formats and the banner and frame every page uses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from docproc.samples.avis import AvisData
from docproc.samples.identities import group_numero_fiscal
from docproc.samples.page_canvas import H, Page, amount

#: Banner blue of the real pages, and the light-blue row under the amount banner.
DGFIP_BLUE = (0.27, 0.45, 0.72)

LIGHT_BLUE = (0.80, 0.87, 0.97)

#: Other banner colours a variation may use (always dark enough for white text).
BANNER_COLOURS = ((0.27, 0.45, 0.72), (0.0, 0.16, 0.45), (0.12, 0.33, 0.58), (0.20, 0.38, 0.66))

LIGHT_COLOURS = ((0.80, 0.87, 0.97), (0.86, 0.90, 0.97), (0.75, 0.84, 0.95), (0.90, 0.93, 0.98))

NNBSP = "\u202f"

NBSP = "\u00a0"

#: The closed lists of wordings (first = the real page's). Keys are Style.labels keys.
WORDINGS: dict[str, tuple[str, ...]] = {
    "payment": (
        "Somme qu'il vous reste à payer",
        "Somme restant à payer",
        "Montant de votre impôt",
    ),
    "refund": (
        "Somme qui vous sera remboursée",
        "Montant qui vous sera remboursé",
        "Montant remboursé",
    ),
    "reference": ("Référence de l'avis :", "Référence de l'avis d'impôt :"),
    "numero_fiscal": ("c", "plain", "nf2"),  # see _numero_rows
    "rfr": ("Revenu fiscal de référence :", "Revenu fiscal de référence"),
    "parts": ("Nombre de parts :", "Nombre de part(s) :"),
    "recouvrement": (
        "Date de mise en recouvrement :",
        "Date de mise en recouvrement de l'avis d'impôt :",
    ),
    "adresse": ("au", "plain"),  # "Adresse d'imposition au 01/01/YYYY :" | "Adresse d'imposition :"
    "situation": ("Situation de famille :", "Situation du foyer :"),
    "pac": ("Nombre de personnes à charge :", "Nombre de personne(s) à charge :"),
    "imposable": ("Revenu imposable", "Revenu net imposable"),
    "columns": ("long", "short"),
}

COLUMN_HEADS = {
    "long": ("Déclarant 1", "Déclarant 2", "Pers. à charge", "Foyer"),
    "short": ("Décl. 1", "Décl. 2", "PAC", "Foyer"),
}

SITUATIONS = {
    "M": "Marié(e)s",
    "O": "Pacsé(e)s",
    "C": "Célibataire",
    "D": "Divorcé(e)/séparé(e)",
    "V": "Veuf(ve)",
}

#: Fixed offsets so that consecutive seeds walk every list in a different order.
_SALT = {key: i for i, key in enumerate(WORDINGS)}


@dataclass(frozen=True)
class Style:
    """How to draw: the real layout (defaults) or a seeded variation of it."""

    name: str = "real"
    seed: int = 0
    font: str = "helvetica"
    size: float = 0.0  # added to every font size
    spacing: float = 1.0  # line-spacing factor
    head_dy: float = 0.0  # everything under the title block
    left_dx: float = 0.0  # left column (and so the right one)
    left_dy: float = 0.0  # "Vos références" / "Vos contacts"
    right_dy: float = 0.0  # amount box and RFR box
    code_dx: float = 0.0  # the 2D-Doc
    addr_dx: float = 0.0  # centre des finances publiques + addressee
    swap_right: bool = False  # RFR box above the amount box, addressee above the centre
    banner: tuple[float, float, float] = DGFIP_BLUE
    light: tuple[float, float, float] = LIGHT_BLUE
    detail_banners: bool = True  # continuation-page headings as banners (else bold text)
    body_h: float = 260.0  # height of the (mostly empty) box under the amount
    sep: str = " "
    euro: bool = True  # " €" after the amount and the RFR
    parts_decimals: int = 2
    labels: dict[str, str] = field(default_factory=lambda: {k: v[0] for k, v in WORDINGS.items()})

    @classmethod
    def variation(cls, seed: int) -> Style:
        """A seeded variation: wording walks the lists with the seed, geometry is random."""
        rng = random.Random(f"dgfip-style-{seed}")
        labels = {k: v[(seed + _SALT[k]) % len(v)] for k, v in WORDINGS.items()}

        def offset(low: float = 20.0, high: float = 40.0) -> float:
            return rng.choice((-1, 1)) * rng.uniform(low, high)

        font = ("helvetica", "times", "dejavu")[seed % 3]
        sep = (NNBSP, NBSP)[seed % 2] if font == "dejavu" else (" ", NBSP)[seed % 2]
        colour = rng.randrange(len(BANNER_COLOURS))
        return cls(
            name="variation",
            seed=seed,
            font=font,
            size=round(rng.uniform(-1.5, 1.5), 2),
            spacing=round(rng.uniform(0.92, 1.15), 3),
            head_dy=round(rng.uniform(0, 30), 1),
            left_dx=round(rng.uniform(0, 28), 1),
            left_dy=round(rng.uniform(20, 40), 1),
            right_dy=round(offset(), 1),
            code_dx=round(offset(10, 25), 1),
            addr_dx=round(offset(), 1),
            swap_right=seed % 2 == 1,
            banner=BANNER_COLOURS[colour],
            light=LIGHT_COLOURS[colour],
            detail_banners=rng.random() < 0.5,
            body_h=round(rng.uniform(110, 200), 1),
            sep=sep,
            euro=(seed // 2) % 2 == 0,
            parts_decimals=(2, 1)[(seed // 2) % 2],
            labels=labels,
        )

    def fs(self, size: float) -> float:
        return max(5.0, size + self.size)

    def lead(self, step: float) -> float:
        return step * self.spacing


@dataclass
class DgfipAvis(AvisData):
    """An avis / ASDIR drawn in the real DGFiP layout (``style`` says how)."""

    style: Style = field(default_factory=Style)
    watermark: bool = False  # a diagonal "SPECIMEN" on every page

    def expected_fields(self) -> dict[str, Any]:
        """As AvisData's, except that amounts of the "Pers. à charge" column (declarant 3 here)
        belong to the foyer: declarant null in the contract (specs/avis_impot_revenu.toml)."""
        fields = super().expected_fields()
        fields["revenus"] = [
            {**r, "declarant": None if r["declarant"] == 3 else r["declarant"]}
            for r in fields["revenus"]
        ]
        return fields


def address_lines(d: AvisData) -> list[str]:
    return [part.strip() for part in d.adresse.split("|")]


def fmt_amount(value: int, st: Style, euro: bool | None = None) -> str:
    text = amount(value, st.sep)
    return f"{text} €" if (st.euro if euro is None else euro) else text


def fmt_parts(d: AvisData, st: Style) -> str:
    if d.kind == "asdir" and st.name == "real":
        return f"{d.nombre_parts:.1f}"  # the real ASDIR prints "2.0"
    return f"{d.nombre_parts:.{st.parts_decimals}f}".replace(".", ",")


def printed_numero_fiscal(d: AvisData, i: int) -> str:
    n = d.declarants[i].numero_fiscal
    return n if d.kind == "asdir" else group_numero_fiscal(n)


def banner(
    p: Page,
    st: Style,
    x: float,
    top: float,
    w: float,
    text: str,
    *,
    h: float = 16,
    size: float = 10.5,
    align: str = "center",
) -> None:
    c = p.c
    c.saveState()
    c.setFillColorRGB(*st.banner)
    c.rect(x, H - top - h, w, h, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(p.bold, st.fs(size))
    base = H - top - h + (h - st.fs(size)) / 2 + 2
    if align == "right":
        c.drawRightString(x + w - 8, base, text)
    elif align == "left":
        c.drawString(x + 8, base, text)
    else:
        c.drawCentredString(x + w / 2, base, text)
    c.restoreState()


def frame(p: Page, st: Style, x: float, top: float, w: float, h: float, fill: Any = None) -> None:
    c = p.c
    c.saveState()
    c.setStrokeColorRGB(*st.banner)
    c.setLineWidth(1.2)
    if fill is not None:
        c.setFillColorRGB(*fill)
    c.rect(x, H - top - h, w, h, stroke=1, fill=1 if fill is not None else 0)
    c.restoreState()


def grey_text(p: Page, x: float, top: float, s: str, size: float, bold: bool = False) -> None:
    p.c.saveState()
    p.c.setFillColorRGB(0.45, 0.45, 0.45)
    p.text(x, top, s, size, bold)
    p.c.restoreState()
