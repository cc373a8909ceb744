"""The real DGFiP layout of the avis d'impôt and the ASDIR (editions 2022–2026), and variations.

Drawn from the two public real pages in shared/real/ (avis 2025 and ASDIR 2025, page 1) and
from shared/reference/documents.md §1–2: Marianne block top left, title block, 2D-Doc under
the title with its "2D-DOC" caption, "CENTRE DES FINANCES PUBLIQUES" and the SIP address on
the right, section headings in white on blue banners, "Vos références" and "Vos contacts"
boxes on the left, the amount box ("Somme qu'il vous reste à payer") and the RFR / parts box
on the right, a footer text box. Continuation pages carry the running header of §1.3.

A :class:`Style` (:mod:`docproc.samples.dgfip_style`) says how to draw: ``Style()`` is the real
layout; ``Style.variation(seed)`` moves blocks, changes fonts, sizes, spacing, banner colours,
number formats and label wording, the wording being chosen only from the closed lists there
(the parser's specs know them). Page 1 is drawn by :mod:`docproc.samples.dgfip_page1`; this
module draws the continuation pages and picks each page's drawer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from docproc.samples.avis import INCOME_ROWS, AvisData
from docproc.samples.dgfip_page1 import draw_page1, numero_rows
from docproc.samples.dgfip_style import (
    COLUMN_HEADS,
    SITUATIONS,
    DgfipAvis,
    Style,
    banner,
    printed_numero_fiscal,
)
from docproc.samples.page_canvas import FONTS, H, Page, amount

# --- drawing helpers -------------------------------------------------------------------------


def _apply(p: Page, st: Style) -> None:
    p.regular, p.bold = FONTS[st.font]
    p.sep = st.sep


def _watermark(p: Page) -> None:
    c = p.c
    c.saveState()
    c.setFillColorRGB(0.80, 0.80, 0.80)
    c.translate(300, H / 2)
    c.rotate(40)
    c.setFont("Helvetica-Bold", 90)
    c.drawCentredString(0, 0, "SPECIMEN")
    c.restoreState()


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
    p.text(x0, 50, printed_numero_fiscal(d, 0), st.fs(9))
    p.right(567, 50, f"{n}/{d.pages}", st.fs(9))


def _heading(p: Page, st: Style, x: float, top: float, text: str) -> float:
    if st.detail_banners:
        banner(p, st, x, top - 12, 539 - (x - 28), text, h=17, size=10.5, align="left")
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
    rows = {label for label, _, _ in numero_rows(d, st)}
    return (
        rows
        | {v for k, v in st.labels.items() if k not in ("numero_fiscal", "adresse", "columns")}
        | set(COLUMN_HEADS[st.labels["columns"]])
    )
