"""The avis d'impôt and ASDIR of the catalogue: who, which edition, which income, how many
pages (each drawn from its own seed); :mod:`docproc.samples.catalog` makes cases of them."""

from __future__ import annotations

import random
from typing import Any, NamedTuple

from docproc.samples.avis import AvisData
from docproc.samples.identities import person, reference_avis


class CatalogAvis(NamedTuple):
    couple: AvisData
    seul: AvisData
    famille: AvisData
    retraite: AvisData
    divorce: AvisData
    tns: AvisData
    asdir_valant: AvisData
    asdir_impose: AvisData
    declaration: AvisData
    split: AvisData
    other: AvisData
    specimen: AvisData


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


def catalog_avis() -> CatalogAvis:
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
    return CatalogAvis(
        couple=couple,
        seul=seul,
        famille=famille,
        retraite=retraite,
        divorce=divorce,
        tns=tns,
        asdir_valant=asdir_valant,
        asdir_impose=asdir_impose,
        declaration=declaration,
        split=split,
        other=other,
        specimen=specimen,
    )
