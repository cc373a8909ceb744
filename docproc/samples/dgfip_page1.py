"""Page 1 of the real DGFiP avis and ASDIR: Marianne block, title, references and contacts boxes,
the amount and RFR boxes, the tax centre and the addressee.
"""

from __future__ import annotations

from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth

from docproc.samples.avis import AvisData
from docproc.samples.dgfip_style import (
    Style,
    address_lines,
    banner,
    fmt_amount,
    fmt_parts,
    frame,
    grey_text,
    printed_numero_fiscal,
)
from docproc.samples.identities import group_reference
from docproc.samples.page_canvas import H, Page


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
        grey_text(
            p, 152, top, "POUR JUSTIFIER DE VOS REVENUS ET CHARGES AUPRÈS DES TIERS", st.fs(9)
        )
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


def numero_rows(d: AvisData, st: Style) -> list[tuple[str, str, bool]]:
    """(label, value, bold) rows of the numéros fiscaux."""
    nfs = [printed_numero_fiscal(d, i) for i in range(len(d.declarants))]
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

    for label, value, bold in numero_rows(d, st):
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
    for line in address_lines(d):
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
    frame(p, st, x, top + 4, w, bottom - top - 4)
    banner(p, st, x + 14, top - 4, 132, "Vos références", h=16, size=10.5)
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
    frame(p, st, x, top + 4, w, bottom - top - 4)
    banner(p, st, x + 14, top - 4, 132, "Vos contacts", h=16, size=10.5)
    town = address_lines(d)[-1].split(" ", 1)[-1]
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
        (address_lines(d)[-1], False),
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
    banner(p, st, x, top, w, label, h=18, size=10, align="right")
    frame(p, st, x, top + 18, w, 22, fill=st.light)
    p.right(x + w - 8, top + 34, fmt_amount(abs(d.montant_impot), st), st.fs(11), bold=True)
    frame(p, st, x, top + 40, w, st.body_h)
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
    frame(p, st, x, top, w, h)
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
    town = address_lines(d)[-1].split(" ", 1)[-1]
    postcode = address_lines(d)[-1].split(" ", 1)[0]
    centre = [
        "CENTRE DES FINANCES PUBLIQUES",
        f"SIP {town}",
        "CS 60161",
        f"{postcode} {town} CEDEX",
    ]
    addressee = [
        f"{'OU ' if i else ''}{person.civilite} {d.printed_identite(i)}"
        for i, person in enumerate(d.declarants)
    ] + address_lines(d)
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
    frame(p, st, 10 + min(st.left_dx, 10), foot_top, 540, foot_h)
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
