"""The catalogue of synthetic cases: which pages in which files, and what is expected (the avis
themselves, who and which edition: :mod:`docproc.samples.catalog_avis`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from docproc.samples.avis import AvisData
from docproc.samples.cases import Case, ok, rej, review
from docproc.samples.catalog_avis import catalog_avis
from docproc.samples.other_cases import other_cases
from docproc.samples.real_cases import real_cases


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
    (
        couple,
        seul,
        famille,
        retraite,
        divorce,
        tns,
        asdir_valant,
        asdir_impose,
        declaration,
        split,
        other,
        specimen,
    ) = catalog_avis()
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
