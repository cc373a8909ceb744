"""QA cases for the documents other than the avis d'impôt (see other_layouts.py).

Names are invented; numéros fiscaux and références d'avis come from identities.py; foreign
identifiers have valid formats and keys (Belgian N.N. mod 97, Spanish DNI letter, UK UTR).
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from stdnum.gb import utr

from docproc.samples.attestation_layouts import AttestationRsa, Etranger
from docproc.samples.cases import Case, ok, review
from docproc.samples.identities import person, reference_avis
from docproc.samples.taxe_fonciere_layouts import Bien, TaxeFonciere
from docproc.samples.taxe_habitation_layouts import TaxeHabitation

AUTUMN = "2025-10-01"


def belgian_nn(birth: date, serial: int) -> str:
    """Numéro national, printed YY.MM.DD-SSS.CC (check = 97 − first nine digits mod 97)."""
    head = f"{birth:%y%m%d}{serial:03d}"
    base = int(head) if birth.year < 2000 else int("2" + head)
    check = 97 - base % 97
    return f"{head[0:2]}.{head[2:4]}.{head[4:6]}-{head[6:9]}.{check:02d}"


def spanish_dni(number: int) -> str:
    return f"{number:08d}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"


def uk_utr(rng: random.Random) -> str:
    """Ten digits, the first one the check digit, printed in two groups of five."""
    rest = "".join(str(rng.randint(0, 9)) for _ in range(9))
    number = utr.calc_check_digit(rest) + rest
    return f"{number[:5]} {number[5:]}"


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))


def foreign_review(*more: str) -> dict[str, Any]:
    return {
        "documents": [
            {"status": "needs_review", "failed_checks": sorted(["etranger.verification", *more])}
        ]
    }


def other_cases() -> list[Case]:

    rng = random.Random(2025)
    indivision = TaxeFonciere(
        annee=2025,
        proprietaires=[
            person(rng, "M", "FONTAINE", "PIERRE ANDRE"),
            person(rng, "MME", "FONTAINE", "SOPHIE"),
        ],
        adresse="14 RUE DES TILLEULS | 69100 VILLEURBANNE",
        reference_avis=reference_avis(rng, 2025, "69"),
        departement="69",
        biens=[
            Bien("VILLEURBANNE", "14 RUE DES TILLEULS", "bati", 2345, 0.3512),
            Bien("POLLIONNAY", "LIEU-DIT LES COMBES", "non_bati", 112, 0.4810),
        ],
    )
    seule = TaxeFonciere(
        annee=2023,
        proprietaires=[person(rng, "MME", "LAMBERT", "CHANTAL")],
        adresse="7 AVENUE DES LILAS | 44000 NANTES",
        reference_avis=reference_avis(rng, 2023, "44"),
        departement="44",
        biens=[Bien("NANTES", "7 AVENUE DES LILAS", "bati", 1876, 0.4021)],
        codes=["PROPRIETAIRE"],
    )
    secondaire = TaxeHabitation(
        annee=2025,
        redevable=person(rng, "M", "GIRAUD", "OLIVIER"),
        adresse_postale="22 RUE DU COMMERCE | 75015 PARIS",
        adresse_local="5 CHEMIN DES PINS | 83350 RAMATUELLE",
        reference_avis=reference_avis(rng, 2025, "83"),
        departement="83",
        valeur_locative_brute=4120,
        taux=0.2415,
    )
    caf = AttestationRsa(
        "CAF",
        "de la Gironde",
        "Bordeaux",
        person(rng, "MME", "LEROY", "NADIA"),
        "3 RUE DES MARRONNIERS | 33800 BORDEAUX",
        _digits(rng, 7),
        date(2025, 9, 12),
    )
    msa = AttestationRsa(
        "MSA",
        "Midi-Pyrénées Nord",
        "Albi",
        person(rng, "M", "COSTES", "BERNARD"),
        "LE BOURG | 81350 CRESPIN",
        _digits(rng, 7),
        date(2025, 5, 20),
    )
    belgique = Etranger(
        "BE",
        "JANSSENS",
        "LUC",
        2023,
        28456.00,
        belgian_nn(date(1985, 7, 12), 123),
        "Namur",
        date(2024, 7, 1),
        revenu_euros=28456,
    )
    espagne = Etranger(
        "ES",
        "GARCIA LOPEZ",
        "MARIA",
        2023,
        18432.56,
        spanish_dni(int(_digits(rng, 8))),
        "Madrid",
        date(2024, 3, 14),
        revenu_euros=18433,
    )
    maroc = Etranger(
        "MA",
        "EL AMRANI",
        "YOUSSEF",
        2023,
        96500.00,
        _digits(rng, 8),
        "Casablanca",
        date(2024, 3, 15),
        revenu_euros=None,
    )  # no MAD rate in the table: left to an agent
    royaume_uni = Etranger(
        "GB",
        "CARTER",
        "JAMES",
        2023,
        31250.00,
        uk_utr(rng),
        "London",
        date(2025, 2, 12),
        revenu_euros=35959,
    )  # 31 250 / 0.86905 (BCE, 29/12/2023)
    return [
        Case("taxe_fonciere_2025_indivision", AUTUMN, [("a.pdf", [(indivision, 1)])], expect=ok()),
        Case(
            "taxe_fonciere_2023_ancienne",
            AUTUMN,
            [("a.pdf", [(seule, 1)])],
            font="times",
            sep="\u00a0",
            expect=review("annee.imposition"),
        ),
        Case(
            "taxe_habitation_2025_secondaire",
            "2025-11-20",
            [("a.pdf", [(secondaire, 1)])],
            font="dejavu",
            expect=ok(),
        ),
        Case("attestation_rsa_caf_2025", AUTUMN, [("a.pdf", [(caf, 1)])], expect=ok()),
        Case(
            "attestation_rsa_msa_ancienne",
            AUTUMN,
            [("a.pdf", [(msa, 1)])],
            font="times",
            expect=review("attestation.date"),
        ),
        Case("etranger_be_aer_2023", AUTUMN, [("a.pdf", [(belgique, 1)])], expect=foreign_review()),
        Case(
            "etranger_es_irpf_2023",
            AUTUMN,
            [("a.pdf", [(espagne, 1)])],
            font="dejavu",
            expect=foreign_review(),
        ),
        Case(
            "etranger_ma_revenu_global_2023",
            AUTUMN,
            [("a.pdf", [(maroc, 1)])],
            font="times",
            expect=foreign_review("conversion.taux"),
        ),
        Case(
            "etranger_gb_sa302_2023",
            AUTUMN,
            [("a.pdf", [(royaume_uni, 1)])],
            expect=foreign_review(),
        ),
        *local_tax_editions(),
    ]


def local_tax_editions() -> list[Case]:
    """Taxe foncière and taxe d'habitation avis in their 2023 and 2024 editions (banners,
    other title wordings, values under labels, properties as a table), text PDFs and a scan.
    Their own random stream, so that the earlier cases keep their bytes."""

    rng = random.Random(2324)
    tf_2023 = TaxeFonciere(
        annee=2023,
        proprietaires=[
            person(rng, "M", "MOREAU", "ETIENNE"),
            person(rng, "MME", "MOREAU", "LAURE"),
        ],
        adresse="3 RUE DU MOULIN | 21000 DIJON",
        reference_avis=reference_avis(rng, 2023, "21"),
        departement="21",
        biens=[
            Bien("DIJON", "3 RUE DU MOULIN", "bati", 2210, 0.3874),
            Bien("DIJON", "12 RUE DES FORGES", "bati", 1480, 0.3874),
            Bien("FLAVIGNEROT", "LES CHAMPS ROUGES", "non_bati", 96, 0.5120),
        ],
        edition="2023",
    )
    tf_2024 = TaxeFonciere(
        annee=2024,
        proprietaires=[
            person(rng, "MME", "BENALI", "YASMINE"),
            person(rng, "M", "BENALI", "KARIM"),
        ],
        adresse="27 BOULEVARD CARNOT | 59800 LILLE",
        reference_avis=reference_avis(rng, 2024, "59"),
        departement="59",
        biens=[
            Bien("LILLE", "27 BOULEVARD CARNOT", "bati", 2987, 0.4103),
            Bien("WAMBRECHIES", "CHEMIN DU HALAGE", "non_bati", 143, 0.4655),
        ],
        codes=["PROP/INDIVIS", "PROP/INDIVIS"],
        edition="2024",
    )
    th_2024 = TaxeHabitation(
        annee=2024,
        redevable=person(rng, "MME", "PELLETIER", "MARINE"),
        adresse_postale="8 RUE DE LA REPUBLIQUE | 69002 LYON",
        adresse_local="LE CLOS DES CHENES | 07150 VALLON-PONT-D'ARC",
        reference_avis=reference_avis(rng, 2024, "07"),
        departement="07",
        valeur_locative_brute=3560,
        taux=0.2687,
        edition="2024",
    )
    return [
        Case(
            "taxe_fonciere_2023_tableau",
            "2024-06-10",
            [("a.pdf", [(tf_2023, 1)])],
            font="times",
            sep="\u00a0",
            expect=ok(),
        ),
        Case("taxe_fonciere_2024_bandeaux", AUTUMN, [("a.pdf", [(tf_2024, 1)])], expect=ok()),
        Case(
            "taxe_habitation_2024_bandeaux",
            AUTUMN,
            [("a.pdf", [(th_2024, 1)])],
            font="dejavu",
            expect=ok(),
        ),
        Case(
            "scan_taxe_fonciere_2024_bandeaux",
            AUTUMN,
            [("a.pdf", [(tf_2024, 1)])],
            variant="scan",
            expect=ok(),
        ),
    ]
