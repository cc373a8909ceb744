"""QA cases drawn in the real DGFiP layout (dgfip_layout.py), named ``reel_*``.

Families: ``text`` (the real layout as a text PDF), ``variation`` (seeded variations of it,
text PDFs), ``scan``, ``photo`` and ``screenshot`` (the real layout degraded, read by OCR).
People, addresses and numbers are invented (identities.py); 2D-Docs are signed with the test
authority like every other sample. Keep the OCR pages (scans, photos, screenshots) near 20.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from docproc.samples.cases import Case, ok, rej
from docproc.samples.dgfip_style import DgfipAvis, Style
from docproc.samples.identities import person, reference_avis

AUTUMN_2025 = "2025-10-01"
SPRING_2025 = "2025-03-15"
SPRING_2024 = "2024-05-02"
WINTER_2023 = "2023-01-20"
AUTUMN_2026 = "2026-10-01"


def dgfip(seed: int, style: Style | None = None, **kw: Any) -> DgfipAvis:
    """An avis / ASDIR in the real layout; ``declarants`` as (civilité, nom, prénoms)."""
    rng = random.Random(1000 + seed)
    people = [person(rng, c, n, p) for c, n, p in kw.pop("declarants")]
    annee = kw.pop("annee_avis")
    dep = kw.pop("departement", "75")
    return DgfipAvis(
        annee_avis=annee,
        declarants=people,
        departement=dep,
        reference_avis=reference_avis(rng, annee, dep),
        style=style or Style(),
        **kw,
    )


def _whole(doc: DgfipAvis) -> list[tuple[Any, int]]:
    return [(doc, n) for n in range(1, doc.pages + 1)]


def real_cases() -> list[Case]:

    couple = dgfip(
        1,
        kind="avis_impot_revenu",
        annee_avis=2025,
        situation="M",
        personnes_a_charge=0,
        declarants=[("M", "LEFEBVRE", "NICOLAS JEAN"), ("MME", "LEFEBVRE", "SOPHIE MARIE")],
        adresse="APPARTEMENT 12 | 27 RUE DES LILAS | 37500 CHINON",
        departement="37",
        revenus=[
            ("salaires", 1, 34120),
            ("salaires", 2, 27650),
            ("revenus_capitaux_mobiliers", None, 530),
        ],
        prelevement_source=3100,
        pages=4,
    )
    rembourse = dgfip(
        2,
        kind="avis_impot_revenu",
        annee_avis=2024,
        situation="C",
        personnes_a_charge=0,
        declarants=[("M", "MOREAU", "THEO")],
        adresse="5 RUE DU MOULIN | 35000 RENNES",
        departement="35",
        revenus=[("salaires", 1, 21300)],
        prelevement_source=1450,
        pages=2,
    )
    famille = dgfip(
        3,
        kind="avis_impot_revenu",
        annee_avis=2023,
        situation="M",
        personnes_a_charge=3,
        declarants=[("M", "BENALI", "YOUSSEF"), ("MME", "BENALI", "NADIA")],
        adresse="RESIDENCE LES PINS BAT C | 3 ALLEE DES CHENES | 44300 NANTES",
        departement="44",
        revenus=[
            ("salaires", 1, 29800),
            ("salaires", 2, 12400),
            ("salaires", 3, 2150),
            ("revenus_fonciers", None, 2400),
        ],
        prelevement_source=600,
        pages=3,
    )
    ancien = dgfip(
        4,
        kind="avis_impot_revenu",
        annee_avis=2022,
        situation="V",
        personnes_a_charge=0,
        declarants=[("MME", "GIRARD", "MONIQUE")],
        adresse="LIEU DIT LA CROIX | 24200 SARLAT LA CANEDA",
        departement="24",
        revenus=[("pensions_retraites", 1, 18900), ("revenus_capitaux_mobiliers", None, 340)],
        prelevement_source=400,
        pages=3,
        title_variant="ir_ps",
    )
    avenir = dgfip(
        5,
        kind="avis_impot_revenu",
        annee_avis=2026,
        situation="O",
        personnes_a_charge=1,
        declarants=[("MME", "FONTAINE", "CAMILLE"), ("M", "ROUSSEL", "MAXIME")],
        adresse="18 BIS AVENUE FOCH | 54000 NANCY",
        departement="54",
        revenus=[("salaires", 1, 26400), ("bnc", 2, 14800), ("chomage", 2, 3900)],
        prelevement_source=1200,
        pages=3,
    )
    asdir_valant = dgfip(
        6,
        kind="asdir",
        annee_avis=2025,
        situation="C",
        personnes_a_charge=2,
        declarants=[("MME", "TRAORE", "MARIAM")],
        adresse="ESCALIER B | 11 RUE DE LA PAIX | 93100 MONTREUIL",
        departement="93",
        revenus=[("salaires", 1, 13900)],
        pages=2,
    )
    asdir_impose = dgfip(
        7,
        kind="asdir",
        annee_avis=2025,
        situation="M",
        personnes_a_charge=0,
        declarants=[("M", "LAMBERT", "PHILIPPE"), ("MME", "LAMBERT", "CATHERINE")],
        adresse="9 CHEMIN DES SOURCES | 38000 GRENOBLE",
        departement="38",
        revenus=[("salaires", 1, 41200), ("pensions_retraites", 2, 19800)],
        pages=2,
    )
    specimen = replace(
        dgfip(
            8,
            kind="avis_impot_revenu",
            annee_avis=2025,
            situation="C",
            personnes_a_charge=0,
            declarants=[("M", "DUPONT", "ALAIN")],
            adresse="BATIMENT A | 4 PLACE DE LA REPUBLIQUE | 75011 PARIS",
            revenus=[("salaires", 1, 17600)],
            pages=2,
        ),
        watermark=True,
    )
    # Variations: seeds 1–3 are refunds (the three refund wordings), 4–6 show the payment ones.
    var = [
        dgfip(
            11,
            Style.variation(1),
            kind="avis_impot_revenu",
            annee_avis=2025,
            situation="C",
            personnes_a_charge=0,
            declarants=[("MME", "PETIT", "LAURA")],
            adresse="APPT 4 | 60 RUE NATIONALE | 59000 LILLE",
            departement="59",
            revenus=[("salaires", 1, 18700)],
            prelevement_source=1300,
            pages=2,
        ),
        dgfip(
            12,
            Style.variation(2),
            kind="avis_impot_revenu",
            annee_avis=2024,
            situation="M",
            personnes_a_charge=2,
            declarants=[("M", "GARCIA", "MANUEL"), ("MME", "GARCIA", "ELENA")],
            adresse="22 RUE DES ECOLES | 66000 PERPIGNAN",
            departement="66",
            revenus=[("salaires", 1, 24300), ("salaires", 2, 16100), ("salaires", 3, 1900)],
            prelevement_source=2400,
            pages=3,
        ),
        dgfip(
            13,
            Style.variation(3),
            kind="avis_impot_revenu",
            annee_avis=2025,
            situation="O",
            personnes_a_charge=0,
            declarants=[("M", "CHEVALIER", "ROMAIN"), ("M", "MERCIER", "JULES")],
            adresse="RESIDENCE DU PARC | 7 AVENUE DU PARC | 21000 DIJON",
            departement="21",
            revenus=[
                ("salaires", 1, 30100),
                ("salaires", 2, 22800),
                ("revenus_capitaux_mobiliers", None, 800),
            ],
            prelevement_source=5200,
            pages=4,
        ),
        dgfip(
            14,
            Style.variation(4),
            kind="avis_impot_revenu",
            annee_avis=2025,
            situation="D",
            personnes_a_charge=1,
            declarants=[("MME", "ROBIN", "AURELIE")],
            adresse="15 RUE JEAN MOULIN | 87000 LIMOGES",
            departement="87",
            revenus=[("salaires", 1, 33400), ("pensions_alimentaires_recues", 1, 3600)],
            prelevement_source=900,
            pages=3,
        ),
        dgfip(
            15,
            Style.variation(5),
            kind="avis_impot_revenu",
            annee_avis=2023,
            situation="M",
            personnes_a_charge=0,
            declarants=[("M", "DURAND", "BERNARD"), ("MME", "DURAND", "ODILE")],
            adresse="2 IMPASSE DES ROSES | 49000 ANGERS",
            departement="49",
            revenus=[
                ("pensions_retraites", 1, 26100),
                ("pensions_retraites", 2, 17300),
                ("revenus_fonciers", None, 4200),
            ],
            prelevement_source=1800,
            pages=2,
        ),
        dgfip(
            16,
            Style.variation(6),
            kind="asdir",
            annee_avis=2025,
            situation="C",
            personnes_a_charge=0,
            declarants=[("M", "FOURNIER", "KEVIN")],
            adresse="BAT 2 | 30 BOULEVARD VOLTAIRE | 13004 MARSEILLE",
            departement="13",
            revenus=[("salaires", 1, 9800)],
            pages=2,
        ),
    ]
    var_dates = (AUTUMN_2025, SPRING_2025, AUTUMN_2025, AUTUMN_2025, SPRING_2024, AUTUMN_2025)
    var_names = (
        "avis_2025_seul_2p",
        "avis_2024_famille_3p",
        "avis_2025_pacses_4p",
        "avis_2025_divorcee_3p",
        "avis_2023_retraites_2p",
        "asdir_2025_valant_avis",
    )

    def text(
        name: str, date: str, doc: DgfipAvis, expect: dict[str, Any], family: str = "text"
    ) -> Case:
        return Case(
            f"reel_{name}",
            date,
            [("a.pdf", _whole(doc))],
            font=doc.style.font,
            sep=doc.style.sep,
            expect=expect,
            family=family,
        )

    def degraded(
        name: str,
        date: str,
        pages: list[tuple[Any, int]],
        variant: str,
        expect: dict[str, Any],
        **kw: Any,
    ) -> Case:
        doc = pages[0][0]
        return Case(
            f"reel_{variant}_{name}",
            date,
            [("avis.pdf", pages)],
            font=doc.style.font,
            sep=doc.style.sep,
            variant=variant,
            family=variant,
            expect=expect,
            **kw,
        )

    return [
        text("avis_2025_couple_4p", AUTUMN_2025, couple, ok()),
        text("avis_2024_seul_2p_rembourse", SPRING_2025, rembourse, ok()),
        text("avis_2023_famille_3p", SPRING_2024, famille, ok()),
        text("avis_2022_veuve_3p", WINTER_2023, ancien, ok()),
        text("avis_2026_pacses_3p", AUTUMN_2026, avenir, ok()),
        text("asdir_2025_valant_avis", AUTUMN_2025, asdir_valant, ok()),
        text("asdir_2025_imposable", AUTUMN_2025, asdir_impose, rej("document.type")),
        text("avis_2025_specimen", AUTUMN_2025, specimen, rej("document.specimen")),
        *[
            text(
                f"variation{i + 1}_{name}",
                date,
                doc,
                rej("document.type") if doc.kind == "asdir" and not doc.non_imposable else ok(),
                family="variation",
            )
            for i, (name, date, doc) in enumerate(zip(var_names, var_dates, var, strict=True))
        ],
        # Scans: 200–300 dpi grey, skewed ≤ 3°, noise, JPEG (11 pages).
        degraded("avis_2025_couple_4p", AUTUMN_2025, _whole(couple), "scan", ok(), max_skew=3.0),
        degraded(
            "avis_2024_seul_2p_rembourse",
            SPRING_2025,
            _whole(rembourse),
            "scan",
            ok(),
            max_skew=3.0,
        ),
        degraded(
            "asdir_2025_valant_avis", AUTUMN_2025, _whole(asdir_valant), "scan", ok(), max_skew=3.0
        ),
        degraded(
            "variation2_avis_2024_famille_3p",
            SPRING_2025,
            _whole(var[1]),
            "scan",
            ok(),
            max_skew=3.0,
        ),
        # Phone photos of colour pages (5 pages).
        degraded(
            "avis_2024_seul_2p_rembourse",
            SPRING_2025,
            _whole(rembourse),
            "photo",
            ok(),
            color=True,
            shuffle=True,
        ),
        degraded(
            "asdir_2025_valant_avis", AUTUMN_2025, _whole(asdir_valant), "photo", ok(), color=True
        ),
        degraded(
            "avis_2026_page1_seule",
            AUTUMN_2026,
            [(avenir, 1)],
            "photo",
            rej("pages.completes"),
            color=True,
        ),
        # Browser captures, 72–150 dpi colour PNG (4 pages).
        degraded(
            "avis_2025_page1_seule",
            AUTUMN_2025,
            [(couple, 1)],
            "screenshot",
            rej("pages.completes"),
            color=True,
        ),
        degraded(
            "asdir_2025_page1_seule",
            AUTUMN_2025,
            [(asdir_valant, 1)],
            "screenshot",
            rej("pages.completes"),
            color=True,
        ),
        degraded(
            "avis_2024_seul_2p_rembourse",
            SPRING_2025,
            _whole(rembourse),
            "screenshot",
            ok(),
            color=True,
        ),
    ]
