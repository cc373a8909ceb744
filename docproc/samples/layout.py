"""Draw the pages of a synthetic avis with reportlab (A4, DGFiP-like layout) on the canvas of
:mod:`docproc.samples.page_canvas`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from docproc.samples.avis import INCOME_ROWS, SITUATION_WORDS, AvisData
from docproc.samples.identities import group_numero_fiscal, group_reference
from docproc.samples.page_canvas import Page, amount, parts


def _titles(d: AvisData) -> tuple[str, str]:
    if d.kind == "asdir":
        return (
            f"Avis de situation déclarative à l'impôt {d.annee_avis}",
            f"sur les revenus {d.annee_revenus}",
        )
    what = (
        "Impôt et prélèvements sociaux sur les revenus de"
        if d.title_variant == "ir_ps"
        else "Impôt sur les revenus de"
    )
    return f"{what} {d.annee_revenus}", f"Avis d'impôt établi en {d.annee_avis}"


def draw_page1(p: Page, d: AvisData, code_image: Any = None) -> None:
    if code_image is not None:
        p.code(code_image, 36, 36, 76)
        p.text(52, 122, "2D-DOC", 6)
    t1, t2 = _titles(d)
    p.text(130, 42, "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", 10, bold=True)
    p.text(130, 60, t1, 12, bold=True)
    p.text(130, 78, t2, 12, bold=True)
    if d.kind == "asdir":
        if d.non_imposable:
            p.text(130, 96, "valant avis d'impôt", 11, bold=True)
        p.text(130, 110, "pour justifier de vos revenus et charges auprès des tiers", 8)
    else:
        p.text(470, 30, "AVIS_IR_RG", 7)
    p.text(360, 130, "CENTRE DES FINANCES PUBLIQUES", 8, bold=True)
    p.text(360, 141, f"SIP DU {d.departement}", 8)
    # Addressee block: déclarant 1, then "OU" déclarant 2, then the address.
    top = 175
    for i, person in enumerate(d.declarants):
        prefix = "OU " if i else ""
        p.text(330, top, f"{prefix}{person.civilite} {d.printed_identite(i)}", 10)
        top += 13
    street, _, town = d.adresse.partition(" | ")
    p.text(330, top, street, 10)
    p.text(330, top + 13, town, 10)
    if d.specimen:
        p.text(330, top + 30, "SPECIMEN", 14, bold=True)
    # "Vos références"
    p.text(40, 170, "Vos références", 11, bold=True)
    refs: list[tuple[str, str]] = []
    nf = [group_numero_fiscal(x.numero_fiscal) for x in d.declarants]
    if d.annee_avis >= 2025:
        refs.append(("Numéro fiscal :", nf[0]))
        if len(nf) > 1:
            refs.append(("Numéro fiscal déclarant 2 :", nf[1]))
    else:
        refs.append(("Numéro fiscal", ""))
        refs.append(("Déclarant 1 :", nf[0]))
        if len(nf) > 1:
            refs.append(("Déclarant 2 :", nf[1]))
    refs.append(("Référence de l'avis :", group_reference(d.reference_avis)))
    refs.append((f"Adresse d'imposition au 01/01/{d.annee_avis} :", ""))
    refs.append(("", d.adresse.replace(" | ", " ")))
    refs.append(("Numéro FIP :", f"{d.departement}0000{d.reference_avis[6:11]}"))
    refs.append(("Numéro de rôle :", "012"))
    refs.append(("Date d'établissement :", d.date_etablissement.strftime("%d/%m/%Y")))
    refs.append(
        ("Date de mise en recouvrement :", d.date_mise_en_recouvrement.strftime("%d/%m/%Y"))
    )
    refs.append(("Identifiant service :", f"{d.departement}0A1"))
    top = 188
    for label, value in refs:
        if label:
            p.text(40, top, label, 8)
        if value:
            p.text(40 if not label else 175, top, value, 8)
        top += 12
    p.text(40, top + 14, "Vos contacts", 11, bold=True)
    for i, line in enumerate(
        (
            "Par messagerie sécurisée : dans votre espace particulier sur impots.gouv.fr",
            "Par téléphone : au 0 809 401 401, du lundi au vendredi, de 8h30 à 19h",
            "Sur place : auprès de votre centre des finances publiques",
        )
    ):
        p.text(40, top + 30 + 11 * i, line, 7)
    # Payment box
    p.box(300, 340, 258, 95)
    if d.montant_impot < 0:
        p.text(308, 362, "Montant qui vous sera remboursé", 9, bold=True)
        p.right(550, 362, f"{p.amount(-d.montant_impot)} €", 12, bold=True)
        p.text(308, 385, f"Vous serez remboursé le : 25/07/{d.annee_avis}", 8)
    else:
        p.text(308, 362, "Somme qu'il vous reste à payer", 9, bold=True)
        p.right(550, 362, f"{p.amount(d.montant_impot)} €", 12, bold=True)
        if d.montant_impot == 0:
            p.text(
                308, 385, f"Vous n'avez rien à payer au titre des revenus de {d.annee_revenus}.", 7
            )
        else:
            p.text(308, 385, f"Cette somme sera prélevée le 25/09/{d.annee_avis}.", 8)
    if d.non_imposable:
        p.text(308, 405, "Non imposable", 9, bold=True)
    # RFR / parts box
    p.box(300, 460, 258, 60)
    p.text(308, 480, "Revenu fiscal de référence :", 9, bold=True)
    p.right(550, 480, f"{p.amount(d.printed('revenu_fiscal_reference'))} €", 10, bold=True)
    p.text(308, 496, "Nombre de parts :", 9, bold=True)
    p.right(550, 496, parts(d.nombre_parts), 10, bold=True)
    p.text(308, 512, "Plus de détails dans la (les) page (s) suivante (s).", 7)
    p.text(
        40,
        770,
        f"Cet avis fait suite à la déclaration, en {d.annee_avis}, de vos revenus {d.annee_revenus}. "
        "Le montant porté sur cet avis prend en compte",
        6.5,
    )
    p.text(
        40,
        779,
        f"les prélèvements et retenues à la source qui ont pu être réalisés en {d.annee_revenus}.",
        6.5,
    )


def draw_header(p: Page, d: AvisData, n: int) -> None:
    left = (
        f"Avis de situation déclarative à l'impôt {d.annee_avis}"
        if d.kind == "asdir"
        else f"Avis d'impôt établi en {d.annee_avis}"
    )
    p.text(40, 34, left, 10, bold=True)
    p.right(555, 34, f"Impôt sur les revenus de {d.annee_revenus}", 10, bold=True)
    p.text(40, 50, group_numero_fiscal(d.declarants[0].numero_fiscal), 9)
    p.right(555, 50, f"{n}/{d.pages}", 9)
    p.rule(40, 555, 58)


def draw_detail(p: Page, d: AvisData, top: float) -> float:
    p.text(40, top, "Votre situation", 11, bold=True)
    p.text(40, top + 16, "Situation de famille :", 9)
    p.text(200, top + 16, SITUATION_WORDS[d.situation], 9)
    p.text(40, top + 29, "Nombre de personnes à charge :", 9)
    p.text(200, top + 29, str(d.personnes_a_charge), 9)
    top += 56
    p.text(40, top, "Détail des revenus", 11, bold=True)
    cols = (385, 470, 555)
    for x, head in zip(cols, ("Déclarant 1", "Déclarant 2", "Foyer"), strict=True):
        p.right(x, top + 16, head, 8, bold=True)
    p.rule(40, 555, top + 20)
    top += 34
    for label, cat, per_person in INCOME_ROWS:
        rows = [(decl, m) for c, decl, m in d.revenus if c == cat]
        if not rows:
            continue
        p.text(40, top, label, 9)
        for decl, m in rows:
            col = cols[(decl or 3) - 1] if per_person else cols[2]
            p.right(col, top, p.amount(m), 9)
        top += 14
        if cat == "salaires":
            p.text(52, top, "Déduction 10 %", 8)
            for decl, m in rows:
                p.right(cols[(decl or 3) - 1], top, p.amount(-round(m * 0.1)), 8)
            top += 14
    p.rule(40, 555, top - 6)
    p.text(40, top + 6, "Revenu brut global", 9, bold=True)
    p.right(cols[2], top + 6, p.amount(d.revenu_brut_global), 9, bold=True)
    p.text(40, top + 20, "Revenu imposable", 9, bold=True)
    p.right(cols[2], top + 20, p.amount(d.revenu_imposable), 9, bold=True)
    return top + 50


def draw_calcul(p: Page, d: AvisData, top: float) -> float:
    p.text(40, top, "Calcul de l'impôt", 11, bold=True)
    rows = (
        ("Droits simples", d.impot_revenu_net),
        ("Décote", 0),
        ("Réductions d'impôt", 0),
        ("Impôt sur le revenu net avant corrections", d.impot_revenu_net),
        ("Prélèvement à la source déjà payé", d.prelevement_source),
    )
    top += 18
    for label, value in rows:
        p.text(40, top, label, 9)
        p.right(555, top, p.amount(value), 9)
        top += 14
    rate = 100 * d.impot_revenu_net / d.revenu_fiscal_reference if d.revenu_fiscal_reference else 0
    p.text(40, top + 6, "Taux moyen d'imposition", 9)
    p.right(555, top + 6, f"{rate:.1f} %".replace(".", ","), 9)
    return top + 40


def draw_pas(p: Page, d: AvisData, top: float) -> float:
    p.text(40, top, "Votre prélèvement à la source", 11, bold=True)
    p.text(
        40,
        top + 16,
        f"Plafond pour les cotisations versées en {d.annee_avis} : voir votre espace particulier.",
        8,
    )
    p.text(
        40,
        top + 28,
        "Pour modifier votre taux, rendez-vous dans votre espace particulier sur impots.gouv.fr.",
        8,
    )
    return top + 50


def page_drawer(d: AvisData, n: int, code_image: Any = None) -> Callable[[Page], None]:
    """What page n (1-based) of this avis holds."""

    def draw(p: Page) -> None:
        if d.kind == "declaration_revenus":
            draw_declaration(p, d)
            return
        if n == 1:
            draw_page1(p, d, code_image)
            return
        draw_header(p, d, n)
        top = 80.0
        if n == 2:
            top = draw_detail(p, d, top)
        if n == 3 or (n == 2 and d.pages == 2):
            top = draw_calcul(p, d, top)
        if n == d.pages:
            draw_pas(p, d, top)

    return draw


def field_pages(d: AvisData) -> dict[str, int]:
    """On which page each contract field is printed."""
    calc = 3 if d.pages >= 3 else 2
    pages = dict.fromkeys(
        (
            "annee_revenus",
            "annee_avis",
            "declarants",
            "reference_avis",
            "revenu_fiscal_reference",
            "nombre_parts",
            "date_mise_en_recouvrement",
            "adresse",
            "montant_impot",
            "valant_avis_impot",
        ),
        1,
    )
    pages.update(
        dict.fromkeys(
            (
                "situation_famille",
                "personnes_a_charge",
                "revenus",
                "revenu_brut_global",
                "revenu_imposable",
            ),
            2,
        )
    )
    pages["impot_revenu_net"] = calc
    return pages


def draw_declaration(p: Page, d: AvisData) -> None:
    """A déclaration de revenus (2042), which is not an avis."""
    p.text(130, 42, "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", 10, bold=True)
    p.text(130, 62, f"DÉCLARATION DES REVENUS {d.annee_revenus}", 13, bold=True)
    p.text(130, 80, "Formulaire n° 2042", 9)
    p.text(40, 130, "Numéro fiscal :", 9)
    p.text(175, 130, group_numero_fiscal(d.declarants[0].numero_fiscal), 9)
    p.text(40, 144, "Numéro d'accès en ligne :", 9)
    p.text(175, 144, "A1B2C3D", 9)
    p.text(330, 175, f"{d.declarants[0].civilite} {d.declarants[0].identite}", 10)
    p.text(40, 200, "Vos revenus à déclarer", 11, bold=True)
    top = 220
    for cat, _, m in d.revenus:
        box = {"salaires": "1AJ", "pensions_retraites": "1AS"}.get(cat, "8TK")
        p.text(40, top, f"Case {box}", 9)
        p.right(555, top, p.amount(m), 9)
        top += 14
    p.text(40, 760, "Signature du déclarant : ........", 9)


def draw_facture(p: Page, seed: int) -> None:
    """A document that is no justificatif at all."""
    p.text(40, 50, "ÉLECTRICITÉ DU LITTORAL", 14, bold=True)
    p.text(40, 70, "Facture n° FA" + str(100000 + seed), 10)
    p.text(40, 100, "Période de consommation : du 01/01/2025 au 28/02/2025", 9)
    for i in range(12):
        p.text(40, 130 + 14 * i, f"Ligne {i + 1} : abonnement et consommation", 9)
        p.right(555, 130 + 14 * i, amount(1000 + 37 * i), 9)
    p.text(40, 330, "Montant total TTC", 10, bold=True)
    p.right(555, 330, "1 234,56 €", 10, bold=True)
