"""The catalogue of synthetic cases: who, which edition, which pages in which files."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from docproc.samples.avis import AvisData
from docproc.samples.cases import Case, ok, rej, review
from docproc.samples.identities import person, reference_avis
from docproc.samples.other_cases import other_cases
from docproc.samples.real_cases import real_cases


def _avis(seed: int, **kw: Any) -> AvisData:
    rng = random.Random(seed)
    decl = kw.pop("declarants")
    people = [person(rng, c, n, p) for c, n, p in decl]
    annee = kw.pop("annee_avis")
    dep = kw.pop("departement", "75")
    return AvisData(
        annee_avis=annee,
        declarants=people,
        departement=dep,
        reference_avis=reference_avis(rng, annee, dep),
        **kw,
    )


def whole(doc: AvisData) -> list[tuple[Any, int]]:
    return [(doc, n) for n in range(1, doc.pages + 1)]


SCANNED_OTHERS = (
    "taxe_fonciere_2025_indivision",
    "taxe_habitation_2025_secondaire",
    "attestation_rsa_caf_2025",
    "etranger_gb_sa302_2023",
)


def tampered(doc: AvisData, **edits: Any) -> AvisData:
    """A copy whose print is edited after signing: the 2D-Doc keeps the true values."""
    return replace(doc, tamper=edits)


def tamper_caught(field_name: str) -> dict[str, Any]:
    return {
        "documents": [
            {
                "status": "rejected",
                "failed_checks": ["twoddoc.concordance"],
                "twoddoc_mismatches": [field_name],
            }
        ]
    }


def household(
    date_demande: str, logement: str, members: list[tuple[str, str, dict[str, int]]]
) -> dict[str, Any]:
    """What the applicant declares on the form (annual net amounts over the reference period)."""
    return {
        "date_demande": date_demande,
        "territoire": "metropole",
        "logement": logement,
        "aide_logement_mensuelle": 0,
        "rsa_beneficiaire": False,
        "membres": [
            {"role": role, "date_naissance": born, "ressources": res} for role, born, res in members
        ],
    }


def cases() -> list[Case]:
    couple = _avis(
        1,
        kind="avis_impot_revenu",
        annee_avis=2025,
        situation="M",
        personnes_a_charge=2,
        declarants=[("M", "MARCHAND", "JULIEN PAUL"), ("MME", "MARCHAND", "CLAIRE ANNE")],
        adresse="14 RUE DES TILLEULS | 69003 LYON",
        departement="69",
        revenus=[
            ("salaires", 1, 31250),
            ("salaires", 2, 24780),
            ("revenus_capitaux_mobiliers", None, 412),
            ("revenus_fonciers", None, 3600),
        ],
        prelevement_source=1500,
        pages=4,
    )
    seul = _avis(
        2,
        kind="avis_impot_revenu",
        annee_avis=2025,
        situation="C",
        personnes_a_charge=0,
        declarants=[("MME", "LE GALL", "SOLENN")],
        adresse="3 IMPASSE DU PORT | 29200 BREST",
        departement="29",
        revenus=[("salaires", 1, 9840), ("chomage", 1, 3120)],
        pages=2,
        twoddoc=True,
    )
    famille = _avis(
        3,
        kind="avis_impot_revenu",
        annee_avis=2024,
        situation="O",
        personnes_a_charge=2,
        declarants=[("M", "BERTRAND-ROUX", "KARIM"), ("MME", "NGUYEN", "THI HOA")],
        adresse="8 ALLEE DES ACACIAS | 33000 BORDEAUX",
        departement="33",
        revenus=[("salaires", 1, 28400), ("salaires", 2, 15600), ("chomage", 2, 2450)],
        prelevement_source=2600,
        pages=3,
    )
    retraite = _avis(
        4,
        kind="avis_impot_revenu",
        annee_avis=2023,
        situation="V",
        personnes_a_charge=0,
        declarants=[("MME", "FAURE", "JEANNE MARIE")],
        adresse="21 CHEMIN DES VIGNES | 84000 AVIGNON",
        departement="84",
        revenus=[("pensions_retraites", 1, 14870), ("revenus_capitaux_mobiliers", None, 230)],
        pages=2,
        title_variant="ir_ps",
    )
    divorce = _avis(
        5,
        kind="avis_impot_revenu",
        annee_avis=2022,
        situation="D",
        personnes_a_charge=1,
        declarants=[("MME", "ROCHE", "AMELIE")],
        adresse="5 RUE VICTOR HUGO | 59100 ROUBAIX",
        departement="59",
        revenus=[("salaires", 1, 17350), ("pensions_alimentaires_recues", 1, 2400)],
        prelevement_source=300,
        pages=3,
    )
    tns = _avis(
        6,
        kind="avis_impot_revenu",
        annee_avis=2025,
        situation="C",
        personnes_a_charge=0,
        declarants=[("M", "OLIVIER", "LUCAS")],
        adresse="40 AVENUE JEAN JAURES | 31000 TOULOUSE",
        departement="31",
        revenus=[
            ("bic", 1, 8200),
            ("bnc", 1, 5400),
            ("micro_entreprise", 1, 12000),
            ("pensions_alimentaires_versees", None, 1800),
            ("autres", None, 350),
        ],
        prelevement_source=900,
        pages=4,
    )
    asdir_valant = _avis(
        7,
        kind="asdir",
        annee_avis=2025,
        situation="C",
        personnes_a_charge=1,
        declarants=[("MME", "DIALLO", "AISSATOU")],
        adresse="2 RUE DU MARCHE | 93200 SAINT-DENIS",
        departement="93",
        revenus=[("salaires", 1, 11200)],
        pages=2,
    )
    asdir_impose = _avis(
        8,
        kind="asdir",
        annee_avis=2025,
        situation="M",
        personnes_a_charge=0,
        declarants=[("M", "PERRIN", "MARC"), ("MME", "PERRIN", "ISABELLE")],
        adresse="77 BOULEVARD GAMBETTA | 06000 NICE",
        departement="06",
        revenus=[("salaires", 1, 38200), ("pensions_retraites", 2, 21400)],
        pages=2,
    )
    declaration = _avis(
        9,
        kind="declaration_revenus",
        annee_avis=2025,
        situation="C",
        personnes_a_charge=0,
        declarants=[("M", "GARNIER", "THOMAS")],
        adresse="1 PLACE DE LA MAIRIE | 45000 ORLEANS",
        revenus=[("salaires", 1, 21000)],
        pages=1,
        twoddoc=False,
    )
    split = _avis(
        10,
        kind="avis_impot_revenu",
        annee_avis=2025,
        situation="M",
        personnes_a_charge=1,
        declarants=[("M", "CARON", "ANTOINE"), ("MME", "CARON", "LEA")],
        adresse="9 RUE DE LA GARE | 67000 STRASBOURG",
        departement="67",
        revenus=[("salaires", 1, 26500), ("pensions_retraites", 2, 9800)],
        prelevement_source=800,
        pages=4,
    )
    other = _avis(
        11,
        kind="avis_impot_revenu",
        annee_avis=2025,
        situation="C",
        personnes_a_charge=0,
        declarants=[("M", "BLANC", "HUGO")],
        adresse="12 RUE PASTEUR | 13001 MARSEILLE",
        departement="13",
        revenus=[("salaires", 1, 19900)],
        prelevement_source=400,
        pages=2,
    )
    specimen = _avis(
        12,
        kind="avis_impot_revenu",
        annee_avis=2025,
        situation="C",
        personnes_a_charge=0,
        declarants=[("M", "SPECIMEN", "ZASPECIMEN")],
        adresse="1 RUE DE L EXEMPLE | 75001 PARIS",
        revenus=[("salaires", 1, 15000)],
        pages=2,
        specimen=True,
    )
    autumn = "2025-10-01"
    return [
        Case("avis_2025_couple_4p", autumn, [("a.pdf", whole(couple))], expect=ok()),
        Case(
            "avis_2025_seul_2p",
            autumn,
            [("a.pdf", whole(seul))],
            font="times",
            sep="\u00a0",
            expect=ok(),
            household=household(
                autumn,
                "locataire",
                [("demandeur", "1994-02-11", {"salaire_net": 9100, "chomage_net": 2900})],
            ),
        ),
        Case(
            "avis_2024_pacses_3p",
            "2025-03-15",
            [("a.pdf", whole(famille))],
            font="dejavu",
            expect=ok(),
        ),
        Case("avis_2023_retraitee_2p", "2024-05-02", [("a.pdf", whole(retraite))], expect=ok()),
        Case(
            "avis_2022_divorcee_3p",
            "2023-01-20",
            [("a.pdf", whole(divorce))],
            font="times",
            expect=ok(),
        ),
        Case(
            "avis_2025_independant_4p", autumn, [("a.pdf", whole(tns))], font="dejavu", expect=ok()
        ),
        Case(
            "asdir_2025_valant_avis",
            autumn,
            [("a.pdf", whole(asdir_valant))],
            expect=ok(),
            household=household(
                autumn,
                "heberge_gratuit",
                [("demandeur", "1990-07-03", {"salaire_net": 10300}), ("enfant", "2016-04-22", {})],
            ),
        ),
        Case(
            "asdir_2025_imposable",
            autumn,
            [("a.pdf", whole(asdir_impose))],
            expect=rej("document.type"),
        ),
        Case(
            "declaration_2025", autumn, [("a.pdf", [(declaration, 1)])], expect=rej("document.type")
        ),
        Case(
            "facture_inconnue", autumn, [("a.pdf", [("facture", 1)])], expect=rej("document.type")
        ),
        Case(
            "avis_2025_page1_seule",
            autumn,
            [("a.pdf", [(couple, 1)])],
            expect=rej("pages.completes"),
        ),
        Case(
            "avis_2025_pages_separees",
            autumn,
            [
                ("page_3.pdf", [(split, 3)]),
                ("page_1.pdf", [(split, 1)]),
                ("pages_4_et_2.pdf", [(split, 4), (split, 2)]),
            ],
            expect=ok(),
            household=household(
                autumn,
                "proprietaire",
                [
                    ("demandeur", "1961-01-30", {"salaire_net": 23800}),
                    ("conjoint", "1958-05-17", {"retraite_nette": 9000}),
                    ("enfant", "2006-10-02", {}),
                ],
            ),
        ),
        Case(
            "avis_2025_page3_manquante",
            autumn,
            [("a.pdf", [(split, 1), (split, 2), (split, 4)])],
            expect=rej("pages.completes"),
        ),
        Case(
            "avis_2025_doublons",
            autumn,
            [("a.pdf", [(other, 1), (other, 2), (other, 2)])],
            expect=ok(),
        ),
        Case(
            "avis_2025_deux_avis_melanges",
            autumn,
            [("a.pdf", [(other, 1), (seul, 1), (other, 2), (seul, 2)])],
            expect=rej("pages.melange", docs=2),
        ),
        Case(
            "avis_2023_trop_ancien", autumn, [("a.pdf", whole(retraite))], expect=rej("annee.avis")
        ),
        Case(
            "avis_2024_periode_transition",
            "2025-08-20",
            [("a.pdf", whole(famille))],
            font="times",
            expect=review("annee.avis"),
        ),
        Case(
            "avis_2025_rfr_modifie",
            autumn,
            [("a.pdf", whole(tampered(seul, revenu_fiscal_reference=8123)))],
            expect=tamper_caught("revenu_fiscal_reference"),
        ),
        Case(
            "avis_2024_nom_modifie",
            "2025-03-15",
            [("a.pdf", whole(tampered(famille, identites={0: "BERTRAND-ROUX KEVIN"})))],
            expect=tamper_caught("declarants"),
        ),
        # Scans (image-only PDFs, 200–300 dpi, skewed ≤ 2°, noisy) and phone photos (one JPEG
        # per page, perspective, uneven light), read through OCR with the same specs.
        Case(
            "scan_avis_2025_couple_4p",
            autumn,
            [("avis.pdf", whole(couple))],
            variant="scan",
            expect=ok(),
        ),
        Case(
            "scan_avis_2025_seul_2p",
            autumn,
            [("avis.pdf", whole(seul))],
            font="times",
            sep="\u00a0",
            variant="scan",
            expect=ok(),
        ),
        Case(
            "scan_avis_2024_pacses_3p",
            "2025-03-15",
            [("avis.pdf", whole(famille))],
            font="dejavu",
            variant="scan",
            expect=ok(),
        ),
        Case(
            "scan_asdir_2025_valant_avis",
            autumn,
            [("asdir.pdf", whole(asdir_valant))],
            variant="scan",
            expect=ok(),
        ),
        Case(
            "scan_avis_2025_page3_manquante",
            autumn,
            [("avis.pdf", [(split, 1), (split, 2), (split, 4)])],
            variant="scan",
            expect=rej("pages.completes"),
        ),
        Case(
            "photo_avis_2025_couple_4p",
            autumn,
            [("avis.pdf", whole(couple))],
            variant="photo",
            shuffle=True,
            expect=ok(),
        ),
        Case(
            "photo_avis_2025_independant_4p",
            autumn,
            [("avis.pdf", whole(tns))],
            font="dejavu",
            variant="photo",
            shuffle=True,
            expect=ok(),
        ),
        Case(
            "photo_avis_2023_retraitee_2p",
            "2024-05-02",
            [("avis.pdf", whole(retraite))],
            variant="photo",
            expect=ok(),
        ),
        Case(
            "avis_2025_specimen",
            autumn,
            [("a.pdf", whole(specimen))],
            expect=rej("document.specimen"),
        ),
        *other_cases(),
        # Scans of the other kinds, one of each, read through OCR with the same specs.
        *[
            replace(c, name=f"scan_{c.name}", variant="scan", household=None)
            for c in other_cases()
            if c.name in SCANNED_OTHERS
        ],
        # The real DGFiP layout (dgfip_layout.py): text, variations, scans, photos, screenshots.
        *real_cases(),
    ]
