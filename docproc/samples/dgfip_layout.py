"""The real DGFiP layout of the avis d'impôt and the ASDIR (editions 2022–2026), and variations.

Drawn from the two public real pages in shared/real/ (avis 2025 and ASDIR 2025, page 1) and
from shared/reference/documents.md §1–2: Marianne block top left, title block, 2D-Doc under
the title with its "2D-DOC" caption, "CENTRE DES FINANCES PUBLIQUES" and the SIP address on
the right, section headings in white on blue banners, "Vos références" and "Vos contacts"
boxes on the left, the amount box ("Somme qu'il vous reste à payer") and the RFR / parts box
on the right, a footer text box. Continuation pages carry the running header of §1.3.

A :class:`Style` says how to draw: ``Style()`` is the real layout; ``Style.variation(seed)``
moves blocks, changes fonts, sizes, spacing, banner colours, number formats and label wording,
the wording being chosen only from the closed lists below (the parser's specs know them).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth

from docproc.samples.avis import INCOME_ROWS, AvisData
from docproc.samples.identities import group_numero_fiscal, group_reference
from docproc.samples.layout import FONTS, H, Page, amount

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


def _lines(d: AvisData) -> list[str]:
    return [part.strip() for part in d.adresse.split("|")]


def fmt_amount(value: int, st: Style, euro: bool | None = None) -> str:
    text = amount(value, st.sep)
    return f"{text} €" if (st.euro if euro is None else euro) else text


def fmt_parts(d: AvisData, st: Style) -> str:
    if d.kind == "asdir" and st.name == "real":
        return f"{d.nombre_parts:.1f}"  # the real ASDIR prints "2.0"
    return f"{d.nombre_parts:.{st.parts_decimals}f}".replace(".", ",")


def _nf(d: AvisData, i: int) -> str:
    n = d.declarants[i].numero_fiscal
    return n if d.kind == "asdir" else group_numero_fiscal(n)


# --- drawing helpers -------------------------------------------------------------------------


def _apply(p: Page, st: Style) -> None:
    p.regular, p.bold = FONTS[st.font]
    p.sep = st.sep


def _banner(
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


def _frame(p: Page, st: Style, x: float, top: float, w: float, h: float, fill: Any = None) -> None:
    c = p.c
    c.saveState()
    c.setStrokeColorRGB(*st.banner)
    c.setLineWidth(1.2)
    if fill is not None:
        c.setFillColorRGB(*fill)
    c.rect(x, H - top - h, w, h, stroke=1, fill=1 if fill is not None else 0)
    c.restoreState()


def _grey(p: Page, x: float, top: float, s: str, size: float, bold: bool = False) -> None:
    p.c.saveState()
    p.c.setFillColorRGB(0.45, 0.45, 0.45)
    p.text(x, top, s, size, bold)
    p.c.restoreState()


def _marianne(p: Page, st: Style) -> None:
    c = p.c
    for k, colour in enumerate(((0.0, 0.0, 0.57), (1.0, 1.0, 1.0), (0.88, 0.0, 0.1))):
        c.saveState()
        c.setFillColorRGB(*colour)
        c.rect(14 + 9 * k, H - 26, 9, 14, stroke=0, fill=1)
        c.restoreState()
    p.text(10, 40, "RÉPUBLIQUE", st.fs(11), bold=True)
    p.text(10, 52, "FRANÇAISE", st.fs(11), bold=True)
    c.setFont("Times-Italic", 6)
    for k, word in enumerate(("Liberté", "Égalité", "Fraternité")):
        c.drawString(10, H - 63 - 7 * k, word)


def _watermark(p: Page) -> None:
    c = p.c
    c.saveState()
    c.setFillColorRGB(0.80, 0.80, 0.80)
    c.translate(300, H / 2)
    c.rotate(40)
    c.setFont("Helvetica-Bold", 90)
    c.drawCentredString(0, 0, "SPECIMEN")
    c.restoreState()


# --- page 1 ----------------------------------------------------------------------------------


def _title(p: Page, d: AvisData, st: Style) -> float:
    """Draw the title block; returns where the 2D-Doc's top goes."""
    if d.kind == "asdir":
        p.text(150, 30, "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", st.fs(7))
        p.text(152, 64, f"IMPÔT SUR LES REVENUS DE L'ANNÉE {d.annee_revenus}", st.fs(12), bold=True)
        p.text(
            152, 80, f"AVIS DE SITUATION DÉCLARATIVE ÉTABLI EN {d.annee_avis}", st.fs(10), bold=True
        )
        top = 96.0
        if d.non_imposable:
            p.text(152, top, "VALANT AVIS D'IMPÔT", st.fs(10), bold=True)
            top += 16
        _grey(p, 152, top, "POUR JUSTIFIER DE VOS REVENUS ET CHARGES AUPRÈS DES TIERS", st.fs(9))
        for k, line in enumerate(
            (
                "Retrouvez cet avis",
                "sur impots.gouv.fr",
                "Pour vos démarches, pas",
                "besoin d'original : il suffit",
                "de fournir une photocopie.",
            )
        ):
            p.text(10, 96 + 9 * k, line, st.fs(6.5))
        return top + 14
    what = (
        "Impôt et prélèvements sociaux sur les revenus de"
        if d.title_variant == "ir_ps"
        else "Impôt sur les revenus de"
    )
    p.text(124, 22, "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", st.fs(8.5))
    p.text(128, 38, f"{what} {d.annee_revenus}", st.fs(12), bold=True)
    p.text(128, 54, f"Avis d'impôt établi en {d.annee_avis}", st.fs(10.5), bold=True)
    p.text(508, 34, "AVIS_IR_RG", 5)
    p.box(432, 44, 118, 36)
    for k, line in enumerate(
        ("La notice de cet avis est", "disponible en cliquant ici", "ou sur impots.gouv.fr")
    ):
        p.text(436, 54 + 9 * k, line, 7)
    return 64.0


def _numero_rows(d: AvisData, st: Style) -> list[tuple[str, str, bool]]:
    """(label, value, bold) rows of the numéros fiscaux."""
    nfs = [_nf(d, i) for i in range(len(d.declarants))]
    mode = st.labels["numero_fiscal"]
    if d.kind == "asdir" and st.name == "real":
        rows = [("Numéro fiscal", "", True), ("Déclarant 1 (C) :", nfs[0], False)]
        if len(nfs) > 1:
            rows.append(("Déclarant 2 (C) :", nfs[1], False))
        return rows
    if mode == "nf2":
        rows = [("Numéro fiscal :", nfs[0], True)]
        if len(nfs) > 1:
            rows.append(("Numéro fiscal déclarant 2 :", nfs[1], True))
        return rows
    suffix = " (C) :" if mode == "c" else " :"
    rows = [("Numéro fiscal :", "", True)]
    rows += [(f"Déclarant {i + 1}{suffix}", nf, False) for i, nf in enumerate(nfs)]
    return rows


def _references(p: Page, d: AvisData, st: Style, x: float, top: float) -> float:
    """The "Vos références" box; returns its bottom."""
    w = 203.0
    size = st.fs(7.5)
    step = st.lead(10.5)
    body: list[tuple[float, str, str, bool]] = []  # (top, label, value, bold); label "" = free line
    y = top + 24

    def row(label: str, value: str, bold: bool = True) -> None:
        nonlocal y
        width = stringWidth(label, p.bold if bold else p.regular, size) + stringWidth(
            value, p.regular, size
        )
        if value and width > w - 22:  # a long wording: the value goes under it, right-aligned
            body.append((y, label, "", bold))
            y += st.lead(9)
            label = "\x00"
        body.append((y, label, value, bold))
        y += step

    for label, value, bold in _numero_rows(d, st):
        row(label, value, bold)
    y += 4
    row(
        "Référence du document :" if d.kind == "asdir" else st.labels["reference"],
        group_reference(d.reference_avis),
    )
    row(
        f"Adresse d'imposition au 01/01/{d.annee_avis} :"
        if st.labels["adresse"] == "au"
        else "Adresse d'imposition :",
        "",
    )
    for line in _lines(d):
        body.append((y, "", line, False))
        y += st.lead(9.5)
    y = max(y + 6, top + 122 * st.spacing)
    row("Numéro FIP :", f"{d.departement}0000{d.reference_avis[6:11]}")
    row("Numéro d'ordre :" if d.kind == "asdir" else "Numéro de rôle :", "012")
    row("Date d'établissement :", d.date_etablissement.strftime("%d/%m/%Y"))
    row(st.labels["recouvrement"], d.date_mise_en_recouvrement.strftime("%d/%m/%Y"))
    y += 8
    row("Identifiant service :", f"{d.departement}0A1")
    bottom = y + 4
    _frame(p, st, x, top + 4, w, bottom - top - 4)
    _banner(p, st, x + 14, top - 4, 132, "Vos références", h=16, size=10.5)
    for yy, label, value, bold in body:
        if label == "\x00":
            p.right(x + w - 8, yy, value, size)
        elif label:
            wide = stringWidth(label, p.bold if bold else p.regular, size)
            p.text(
                x + 7, yy, label, min(size, size * (w - 14) / wide), bold=bold
            )  # stay in the box
            if value:
                p.right(x + w - 8, yy, value, size)
        elif value:
            p.text(x + 7, yy, value, size)  # a line of the address block
    return bottom


def _contacts(p: Page, d: AvisData, st: Style, x: float, top: float, bottom: float) -> None:
    w = 203.0
    _frame(p, st, x, top + 4, w, bottom - top - 4)
    _banner(p, st, x + 14, top - 4, 132, "Vos contacts", h=16, size=10.5)
    town = _lines(d)[-1].split(" ", 1)[-1]
    lines = [
        ("Par messagerie sécurisée", True),
        ("dans votre espace particulier sur impots.gouv.fr", False),
        ("", False),
        ("Par téléphone", True),
        ("au 0 809 401 401 *", False),
        ("du lundi au vendredi, de 8h30 à 19h", False),
        ("", False),
        ("Sur place", True),
        ("horaires de votre centre des finances publiques sur", False),
        ("impots.gouv.fr, rubrique Contact et prise de RDV", False),
        ("", False),
        (f"SIP {town}", False),
        ("CS 60161", False),
        (_lines(d)[-1], False),
    ]
    y = top + 26
    for text, bold in lines:
        if text:
            p.text(x + 8, y, text, st.fs(7 if not bold else 7.5), bold=bold)
        y += st.lead(9.5)
    p.text(x + 8, bottom - 8, "* (service gratuit + coût de l'appel)", 5)


def _amount_box(p: Page, d: AvisData, st: Style, x: float, top: float, w: float) -> float:
    refund = d.montant_impot < 0
    label = st.labels["refund"] if refund else st.labels["payment"]
    _banner(p, st, x, top, w, label, h=18, size=10, align="right")
    _frame(p, st, x, top + 18, w, 22, fill=st.light)
    p.right(x + w - 8, top + 34, fmt_amount(abs(d.montant_impot), st), st.fs(11), bold=True)
    _frame(p, st, x, top + 40, w, st.body_h)
    y = top + 56
    if refund:
        text = [
            f"Vous serez remboursé le : 25/07/{d.annee_avis}",
            "par virement sur votre compte bancaire.",
        ]
    elif d.montant_impot == 0:
        text = [f"Vous n'avez rien à payer au titre des revenus de {d.annee_revenus}."]
    else:
        text = [
            f"Cette somme sera prélevée à compter de septembre {d.annee_avis}",
            "selon un échéancier qui vous sera précisé sur votre avis.",
        ]
    if d.non_imposable:
        text.append("Non imposable")
    for line in text:
        p.text(x + 10, y, line, st.fs(8), bold=d.kind == "asdir")
        y += st.lead(11)
    return top + 40 + st.body_h


def _rfr_box(p: Page, d: AvisData, st: Style, x: float, top: float, w: float) -> float:
    h = 68 * st.spacing
    _frame(p, st, x, top, w, h)
    rfr = d.printed("revenu_fiscal_reference")
    p.text(x + 8, top + 15, st.labels["rfr"], st.fs(8.5), bold=True)
    p.right(
        x + w - 14, top + 15, fmt_amount(rfr, st, euro=st.euro and st.name != "real"), st.fs(8.5)
    )
    p.text(x + 8, top + 15 + st.lead(14), st.labels["parts"], st.fs(8.5), bold=True)
    p.right(x + w - 14, top + 15 + st.lead(14), fmt_parts(d, st), st.fs(8.5))
    p.text(x + 8, top + h - 8, "Plus de détails dans la (les) page (s) suivante (s).", st.fs(6.5))
    return top + h


def _centre_and_addressee(p: Page, d: AvisData, st: Style, x: float, top: float) -> float:
    town = _lines(d)[-1].split(" ", 1)[-1]
    postcode = _lines(d)[-1].split(" ", 1)[0]
    centre = [
        "CENTRE DES FINANCES PUBLIQUES",
        f"SIP {town}",
        "CS 60161",
        f"{postcode} {town} CEDEX",
    ]
    addressee = [
        f"{'OU ' if i else ''}{person.civilite} {d.printed_identite(i)}"
        for i, person in enumerate(d.declarants)
    ] + _lines(d)
    blocks = [(centre, 6.5, 8.0), (addressee, 9.0, 11.5)]
    if st.swap_right:
        blocks.reverse()
    y = top
    for lines, size, step in blocks:
        for line in lines:
            p.text(x, y, line, st.fs(size))
            y += st.lead(step)
        y += 16
    return y


def draw_page1(p: Page, d: AvisData, st: Style, code_image: Any = None) -> None:
    _marianne(p, st)
    code_top = _title(p, d, st) + (st.head_dy if st.name != "real" else 0)
    code_x = (178.0 if d.kind == "asdir" else 130.0) + st.code_dx
    if code_image is not None:
        p.code(code_image, code_x, code_top, 72)
        p.text(code_x + 22, code_top + 82, "2D-DOC", 5.5)
    dy = st.head_dy
    asdir_drop = 48.0 if d.kind == "asdir" else 0.0
    # Right column, top: centre des finances publiques, then the addressee (envelope window).
    addr_x = 288 + st.addr_dx
    addr_top = (98 if d.kind != "asdir" else 150) + dy
    if d.kind == "asdir":
        addr_x = max(addr_x, code_x + 90)
    addr_bottom = _centre_and_addressee(p, d, st, addr_x, addr_top)
    # Left column.
    left_x = 10 + st.left_dx
    refs_top = 160 + dy + asdir_drop + st.left_dy
    refs_bottom = _references(p, d, st, left_x, refs_top)
    # Right column, lower part: amount box and RFR box (order swapped in some variations).
    right_x = left_x + 214
    right_w = min(326.0, 583 - right_x)
    right_top = max(289 + dy + asdir_drop + st.right_dy, addr_bottom + 4)
    if st.swap_right:
        y = _rfr_box(p, d, st, right_x, right_top, right_w) + 8
        right_bottom = _amount_box(p, d, st, right_x, y, right_w)
    else:
        y = _amount_box(p, d, st, right_x, right_top, right_w) + 6
        right_bottom = _rfr_box(p, d, st, right_x, y, right_w)
    contacts_top = refs_bottom + 10
    contacts_bottom = max(contacts_top + 190, right_bottom)
    _contacts(p, d, st, left_x, contacts_top, contacts_bottom)
    # Footer text box.
    foot_top = max(contacts_bottom, right_bottom) + 7
    foot_h = max(70.0, min(168.0, 832 - foot_top))
    _frame(p, st, 10 + min(st.left_dx, 10), foot_top, 540, foot_h)
    size = st.fs(9.5) if foot_h > 110 else st.fs(7.5)
    lines = [
        f"Cet avis permet de régulariser votre prélèvement à la source réalisé en {d.annee_revenus} suite à",
        f"votre déclaration des revenus effectuée en {d.annee_avis}.",
        "",
        "Pour retrouver toutes les informations relatives à votre prélèvement à la source (taux,",
        "options ...), rendez-vous sur le service « Gérer mon prélèvement à la source » accessible",
        "dans votre espace particulier sur impots.gouv.fr.",
    ]
    y = foot_top + 10 + size
    for line in lines:
        if line:
            p.text(16 + min(st.left_dx, 10), y, line, size)
        y += size * 1.35


# --- continuation pages ----------------------------------------------------------------------


def draw_header(p: Page, d: AvisData, st: Style, n: int) -> None:
    left = (
        f"Avis de situation déclarative établi en {d.annee_avis}"
        if d.kind == "asdir"
        else f"Avis d'impôt établi en {d.annee_avis}"
    )
    x0 = 28 + st.left_dx
    p.text(x0, 34, left, st.fs(10), bold=True)
    p.right(567, 34, f"Impôt sur les revenus de {d.annee_revenus}", st.fs(10), bold=True)
    p.text(x0, 50, _nf(d, 0), st.fs(9))
    p.right(567, 50, f"{n}/{d.pages}", st.fs(9))


def _heading(p: Page, st: Style, x: float, top: float, text: str) -> float:
    if st.detail_banners:
        _banner(p, st, x, top - 12, 539 - (x - 28), text, h=17, size=10.5, align="left")
    else:
        p.text(x, top, text, st.fs(11), bold=True)
        p.c.saveState()
        p.c.setStrokeColorRGB(*st.banner)
        p.rule(x, 567, top + 4)
        p.c.restoreState()
    return top + st.lead(22)


def draw_detail(p: Page, d: AvisData, st: Style, top: float) -> float:
    x = 28 + st.left_dx
    top = _heading(p, st, x, top, "Votre situation")
    p.text(x + 4, top, st.labels["situation"], st.fs(9))
    p.text(x + 200, top, SITUATIONS[d.situation], st.fs(9))
    top += st.lead(13)
    p.text(x + 4, top, st.labels["pac"], st.fs(9))
    p.text(x + 200, top, str(d.personnes_a_charge), st.fs(9))
    top += st.lead(30)
    top = _heading(p, st, x, top, "Détail des revenus")
    cols = (345.0, 420.0, 495.0, 567.0)
    for cx, head in zip(cols, COLUMN_HEADS[st.labels["columns"]], strict=True):
        p.right(cx, top, head, st.fs(8), bold=True)
    p.rule(x, 567, top + 4)
    top += st.lead(18)
    for label, cat, per_person in INCOME_ROWS:
        rows = [(decl, m) for c, decl, m in d.revenus if c == cat]
        if not rows:
            continue
        p.text(x + 4, top, label, st.fs(9))
        for decl, m in rows:
            col = cols[(decl or 4) - 1] if per_person else cols[3]
            p.right(col, top, amount(m, st.sep), st.fs(9))
        top += st.lead(14)
        if cat == "salaires":
            p.text(x + 16, top, "Déduction 10 %", st.fs(8))
            for decl, m in rows:
                p.right(cols[(decl or 4) - 1], top, amount(-round(m * 0.1), st.sep), st.fs(8))
            top += st.lead(14)
    p.rule(x, 567, top - 6)
    p.text(x + 4, top + 6, "Revenu brut global", st.fs(9), bold=True)
    p.right(cols[3], top + 6, amount(d.revenu_brut_global, st.sep), st.fs(9), bold=True)
    p.text(x + 4, top + 6 + st.lead(14), st.labels["imposable"], st.fs(9), bold=True)
    p.right(cols[3], top + 6 + st.lead(14), amount(d.revenu_imposable, st.sep), st.fs(9), bold=True)
    return top + 6 + st.lead(14) + 34


def draw_calcul(p: Page, d: AvisData, st: Style, top: float) -> float:
    x = 28 + st.left_dx
    top = _heading(p, st, x, top, "Calcul de l'impôt")
    rows = (
        ("Droits simples", d.impot_revenu_net),
        ("Décote", 0),
        ("Réductions d'impôt", 0),
        ("Impôt sur le revenu net avant corrections", d.impot_revenu_net),
        ("Prélèvement à la source déjà payé", d.prelevement_source),
    )
    for label, value in rows:
        p.text(x + 4, top, label, st.fs(9))
        p.right(567, top, amount(value, st.sep), st.fs(9))
        top += st.lead(14)
    rate = 100 * d.impot_revenu_net / d.revenu_fiscal_reference if d.revenu_fiscal_reference else 0
    p.text(x + 4, top + 6, "Taux moyen d'imposition", st.fs(9))
    p.right(567, top + 6, f"{rate:.1f} %".replace(".", ","), st.fs(9))
    if d.annee_avis >= 2023:
        marginal = 0 if d.non_imposable else (11 if rate < 8 else 30)
        p.text(x + 4, top + 6 + st.lead(14), "Taux marginal d'imposition", st.fs(9))
        p.right(567, top + 6 + st.lead(14), f"{marginal} %", st.fs(9))
    return top + 60


def draw_pas(p: Page, d: AvisData, st: Style, top: float) -> float:
    x = 28 + st.left_dx
    top = _heading(p, st, x, top, "Votre prélèvement à la source")
    rate = 100 * d.impot_revenu_net / d.revenu_fiscal_reference if d.revenu_fiscal_reference else 0
    lines = (
        f"Taux de prélèvement à la source applicable à partir de septembre {d.annee_avis} : "
        f"{rate:.1f} %".replace(".", ","),
        f"Plafond pour les cotisations versées en {d.annee_avis} : voir votre espace particulier.",
        "Pour modifier votre taux, rendez-vous dans votre espace particulier sur impots.gouv.fr.",
    )
    for line in lines:
        p.text(x + 4, top, line, st.fs(8))
        top += st.lead(12)
    return top + 30


def page_drawer(d: DgfipAvis, n: int, code_image: Any = None) -> Callable[[Page], None]:
    """What page n (1-based) of this avis / ASDIR holds, in the real layout."""
    st = d.style

    def draw(p: Page) -> None:
        _apply(p, st)
        if d.watermark:
            _watermark(p)
        if n == 1:
            draw_page1(p, d, st, code_image)
            return
        draw_header(p, d, st, n)
        top = 86.0
        if n == 2:
            top = draw_detail(p, d, st, top)
        if n == 3 or (n == 2 and d.pages == 2):
            top = draw_calcul(p, d, st, top)
        if n == d.pages:
            draw_pas(p, d, st, top)

    return draw


def labels_used(d: AvisData) -> set[str]:
    """The printed labels that differ between styles (for tests)."""
    st = d.style if isinstance(d, DgfipAvis) else Style()
    rows = {label for label, _, _ in _numero_rows(d, st)}
    return (
        rows
        | {v for k, v in st.labels.items() if k not in ("numero_fiscal", "adresse", "columns")}
        | set(COLUMN_HEADS[st.labels["columns"]])
    )
