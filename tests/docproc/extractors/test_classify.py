"""Classification from many weak signals: no single heading decides kind or page role."""

from __future__ import annotations

import pytest

from docproc.extractors.classify import classify
from docproc.extractors.view import PageView
from docproc.models import PageText, Segment

PAGE1 = [
    ("DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", 0.02),
    ("Impôt sur les revenus de 2024", 0.04),
    ("Avis d'impôt établi en 2025", 0.06),
    ("Vos références", 0.19),
    ("Numéro fiscal :", 0.21),
    ("Référence de l'avis : 25 69 A123456 12", 0.25),
    ("Date de mise en recouvrement : 31/07/2025", 0.37),
    ("Somme qu'il vous reste à payer", 0.35),
    ("Revenu fiscal de référence : 25 123", 0.71),
    ("Nombre de parts : 2,00", 0.73),
    ("Plus de détails dans la (les) page (s) suivante (s).", 0.77),
]
CONTINUATION = [
    ("Avis d'impôt établi en 2025", 0.04),
    ("Impôt sur les revenus de 2024", 0.045),
    ("19 14 177 763 379", 0.06),
    ("2/4", 0.065),
    ("Votre situation", 0.1),
    ("Situation de famille : Marié(e)s", 0.12),
    ("Détail des revenus", 0.2),
    ("Revenu brut global 45 000", 0.4),
]


def _view(rows: list[tuple[str, float]], source: str = "ocr") -> PageView:
    segs = [
        Segment(
            text, 0.05 if not text[0].isdigit() or "/" not in text else 0.9, y, 0.6, y + 0.01, 0.95
        )
        for text, y in rows
    ]
    return PageView(PageText(file="p.png", page=1, source=source, segments=segs))  # type: ignore[arg-type]


def test_page_1_with_every_signal() -> None:
    key = classify(_view(PAGE1), 0)
    assert (key.kind, key.role, key.annee_revenus, key.annee_avis) == (
        "avis_impot_revenu",
        "first",
        2024,
        2025,
    )
    assert "reference_avis" in key.signals


@pytest.mark.parametrize("lost", range(len(PAGE1)))
def test_losing_any_single_line_changes_neither_kind_nor_role(lost: int) -> None:
    rows = PAGE1[:lost] + PAGE1[lost + 1 :]
    key = classify(_view(rows), 0)
    assert (key.kind, key.role) == ("avis_impot_revenu", "first")


@pytest.mark.parametrize("lost", range(len(CONTINUATION)))
def test_continuation_page_survives_any_single_loss(lost: int) -> None:
    rows = CONTINUATION[:lost] + CONTINUATION[lost + 1 :]
    key = classify(_view(rows), 0)
    assert (key.kind, key.role) == ("avis_impot_revenu", "continuation")


def test_continuation_keys() -> None:
    key = classify(_view(CONTINUATION), 0)
    assert (key.n, key.of, key.annee_revenus) == (2, 4, 2024)
    assert key.numero_fiscal == "1914177763379"


def test_current_asdir_title_is_an_asdir() -> None:
    rows = [
        ("IMPÔT SUR LES REVENUS DE L'ANNÉE 2024", 0.05),
        ("AVIS DE SITUATION DÉCLARATIVE ÉTABLI EN 2025", 0.07),
        ("POUR JUSTIFIER DE VOS REVENUS ET CHARGES AUPRÈS DES TIERS", 0.09),
        ("Numéro fiscal", 0.3),
        ("Revenu fiscal de référence : 0", 0.7),
    ]
    key = classify(_view(rows), 0)
    assert (key.kind, key.role, key.annee_revenus, key.annee_avis) == ("asdir", "first", 2024, 2025)


def test_local_tax_avis_with_the_same_reference_block_is_not_an_avis_ir() -> None:
    rows = [
        ("DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", 0.02),
        ("AVIS D'IMPÔTS LOCAUX", 0.04),
        ("TAXES FONCIÈRES 2024", 0.06),
        ("Vos références", 0.19),
        ("Numéro fiscal : 19 14 177 763 379", 0.21),
        ("Référence de l'avis : 24 69 A123456 12", 0.25),
        ("Date de mise en recouvrement : 31/08/2024", 0.3),
    ]
    assert classify(_view(rows), 0).kind != "avis_impot_revenu"


def test_avis_footer_mentioning_the_declaration_is_still_an_avis() -> None:
    # The real 2025 avis: "… suite à votre déclaration des revenus effectuée en 2025."
    rows = PAGE1 + [
        (
            "Cet avis permet de régulariser votre prélèvement à la source réalisé en 2024 suite à votre",
            0.82,
        ),
        ("déclaration des revenus effectuée en 2025.", 0.84),
    ]
    assert classify(_view(rows), 0).kind == "avis_impot_revenu"


def test_unrelated_page_is_unknown_with_its_reason() -> None:
    key = classify(_view([("ÉLECTRICITÉ DU LITTORAL", 0.05), ("Facture n° FA100001", 0.08)]), 0)
    assert (key.kind, key.role) == ("inconnu", "other")
    assert key.signals == ("aucun_type_reconnu",)
