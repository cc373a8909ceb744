"""Taxe foncière / taxe d'habitation editions (2023, 2024, 2025): classified from many signals,
read by geometry (values right of their label or under it, tables, columns side by side)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docproc import qa
from docproc.extractors.classify import classify
from docproc.extractors.fields import Extraction, extract
from docproc.extractors.spec import all_specs
from docproc.extractors.view import PageView
from docproc.models import PageText, Segment
from docproc.samples.other_cases import local_tax_editions
from docproc.samples.other_layouts import EDITIONS
from docproc.samples.taxe_fonciere_layouts import TaxeFonciere
from docproc.samples.taxe_habitation_layouts import TaxeHabitation
from tests.conftest import SAMPLES

EDITION_SAMPLES = (
    "taxe_fonciere_2023_tableau",
    "taxe_fonciere_2024_bandeaux",
    "taxe_habitation_2024_bandeaux",
)


def _words(text: str, x: float, y: float, source: str) -> list[Segment]:
    """OCR-like words; a text layer gives one run per printed string."""
    if source == "text":
        return [Segment(text, x, y, x + 0.0095 * len(text), y + 0.011)]
    out, pos = [], x
    for w in text.split(" "):
        width = 0.0085 * len(w)
        out.append(Segment(w, pos, y, pos + width, y + 0.011, 0.95))
        pos += width + 0.005
    return out


def _view(rows: list[tuple[str, float, float]], source: str = "ocr") -> PageView:
    segs = [s for text, x, y in rows for s in _words(text, x, y, source)]
    return PageView(PageText(file="p.png", page=1, source=source, segments=segs))  # type: ignore[arg-type]


def _fields(kind: str, view: PageView) -> Extraction:
    spec = next(s for s in all_specs() if s.kind == kind)
    return extract(spec, view, [])


@pytest.mark.parametrize("name", EDITION_SAMPLES)
def test_new_edition_samples_read_perfectly(name: str) -> None:
    report = qa.QAReport()
    qa.run_one(SAMPLES / f"{name}.expected.json", report)
    assert report.mismatches == []
    assert report.families()["text"]["status"] == "pass"


def test_the_cases_cover_the_editions_and_a_scan() -> None:
    names = {c.name: c for c in local_tax_editions()}
    assert set(EDITION_SAMPLES) <= set(names)
    assert names["scan_taxe_fonciere_2024_bandeaux"].variant == "scan"
    assert set(EDITIONS) == {"classic", "2023", "2024"}
    editions = {
        doc.edition
        for c in names.values()
        for _, pages in c.files
        for doc, _ in pages
        if isinstance(doc, TaxeFonciere | TaxeHabitation)
    }
    assert editions == {"2023", "2024"}
    for c in names.values():
        assert (SAMPLES / f"{c.name}.expected.json").exists(), c.name


def test_existing_samples_keep_the_classic_edition() -> None:
    expected = json.loads(
        (SAMPLES / "taxe_fonciere_2025_indivision.expected.json").read_text(encoding="utf-8")
    )
    assert expected["documents"][0]["kind"] == "taxe_fonciere"
    assert TaxeFonciere.__dataclass_fields__["edition"].default == "classic"


def test_title_without_pour_is_classified_from_signals() -> None:
    view = _view(
        [
            ("TAXES FONCIÈRES 2024", 0.08, 0.04),
            ("AVIS D'IMPÔTS LOCAUX", 0.08, 0.08),
            ("Numéro fiscal", 0.08, 0.30),
            ("18 89 789 086 199", 0.08, 0.315),
        ],
        "text",
    )
    spec = next(s for s in all_specs() if s.kind == "taxe_fonciere")
    assert not spec.page1.match(view.folded_text)  # the old markers wanted "pour 2024"
    key = classify(view, 0)
    assert key.kind == "taxe_fonciere" and "titre_taxes_foncieres" in key.signals
    got = _fields("taxe_fonciere", view)
    assert got.fields["annee_imposition"] == 2024
    assert got.fields["numero_fiscal"] == "1889789086199"  # under its label


def test_taxe_fonciere_recognised_when_ocr_lost_the_title() -> None:
    view = _view(
        [
            ("AVIS D'IMPÔTS LOCAUX", 0.08, 0.06),
            ("Vos références", 0.08, 0.25),
            ("Numéro fiscal", 0.08, 0.27),
            ("Propriétés bâties", 0.08, 0.50),
            ("Revenu cadastral", 0.09, 0.53),
            ("2 987 €", 0.34, 0.53),
        ]
    )
    assert classify(view, 0).kind == "taxe_fonciere"


def test_taxe_habitation_recognised_when_ocr_lost_the_title() -> None:
    view = _view(
        [
            ("AVIS D'IMPÔTS LOCAUX", 0.08, 0.06),
            ("Résidences secondaires et autres locaux meublés", 0.08, 0.09),
            ("Valeur locative brute", 0.08, 0.60),
            ("Numéro fiscal", 0.08, 0.27),
        ]
    )
    assert classify(view, 0).kind == "taxe_habitation"


def test_an_avis_impot_revenu_is_not_a_local_tax() -> None:
    view = _view(
        [
            ("Impôt sur les revenus de 2024", 0.2, 0.05),
            ("Avis d'impôt établi en 2025", 0.2, 0.07),
            ("Vos références", 0.08, 0.2),
            ("Numéro fiscal :", 0.08, 0.22),
            ("Revenu fiscal de référence :", 0.5, 0.5),
        ]
    )
    assert classify(view, 0).kind == "avis_impot_revenu"


def test_owners_beside_the_amount_box_and_properties_as_a_table() -> None:
    view = _view(
        [
            ("Taxes foncières 2023", 0.07, 0.10),
            ("AVIS D'IMPÔTS LOCAUX", 0.07, 0.06),
            ("Numéro fiscal", 0.07, 0.27),
            ("35 14 469 643 202", 0.28, 0.27),
            ("Référence de l'avis", 0.07, 0.285),
            ("23 21 C532746 37", 0.28, 0.285),
            # owners in the left column, the amount box in the right one, on the same lines
            ("Débiteur(s) légal(aux)", 0.07, 0.33),
            ("Somme à payer", 0.58, 0.33),
            ("PROP/INDIVIS", 0.07, 0.35),
            ("M. MOREAU ETIENNE", 0.22, 0.35),
            ("1 522 €", 0.58, 0.352),
            ("PROP/INDIVIS", 0.07, 0.365),
            ("MME MOREAU LAURE", 0.22, 0.365),
            ("Propriétés bâties", 0.07, 0.45),
            ("Commune", 0.08, 0.48),
            ("Adresse du bien", 0.28, 0.48),
            ("Revenu cadastral", 0.58, 0.48),
            ("Cotisation", 0.85, 0.48),
            ("DIJON", 0.08, 0.50),
            ("3 RUE DU MOULIN", 0.28, 0.50),
            ("2 210", 0.63, 0.50),
            ("856", 0.88, 0.50),
            ("DIJON", 0.08, 0.515),
            ("12 RUE DES FORGES", 0.28, 0.515),
            ("1 480", 0.63, 0.515),
            ("573", 0.88, 0.515),
            ("Propriétés non bâties", 0.07, 0.56),
            ("Commune", 0.08, 0.59),
            ("Adresse du bien", 0.28, 0.59),
            ("Revenu cadastral", 0.58, 0.59),
            ("FLAVIGNEROT", 0.08, 0.61),
            ("LES CHAMPS ROUGES", 0.28, 0.61),
            ("96", 0.65, 0.61),
            ("Frais de gestion de la fiscalité directe locale", 0.07, 0.66),
        ],
        "text",
    )
    got = _fields("taxe_fonciere", view)
    assert got.missing == {}
    assert got.fields["proprietaires"] == ["MOREAU ETIENNE", "MOREAU LAURE"]
    assert got.fields["montant_total"] == 1522
    assert got.fields["biens"] == [
        {
            "commune": "DIJON",
            "adresse": "3 RUE DU MOULIN",
            "nature": "bati",
            "revenu_cadastral": 2210,
        },
        {
            "commune": "DIJON",
            "adresse": "12 RUE DES FORGES",
            "nature": "bati",
            "revenu_cadastral": 1480,
        },
        {
            "commune": "FLAVIGNEROT",
            "adresse": "LES CHAMPS ROUGES",
            "nature": "non_bati",
            "revenu_cadastral": 96,
        },
    ]


def test_property_values_under_their_labels_and_without_colons() -> None:
    view = _view(
        [
            ("Taxes foncières pour 2025", 0.07, 0.10),
            ("Propriétés bâties", 0.07, 0.40),
            ("Commune", 0.08, 0.43),
            ("Adresse du bien", 0.30, 0.43),
            ("Revenu cadastral :", 0.60, 0.43),
            ("NANTES", 0.08, 0.445),
            ("7 AVENUE DES LILAS", 0.30, 0.445),
            ("1 876 €", 0.60, 0.445),
        ]
    )
    biens = _fields("taxe_fonciere", view).fields.get("biens")
    assert biens == [
        {
            "commune": "NANTES",
            "adresse": "7 AVENUE DES LILAS",
            "nature": "bati",
            "revenu_cadastral": 1876,
        }
    ]


def test_taxe_habitation_address_block_and_table_value() -> None:
    view = _view(
        [
            ("TAXE D'HABITATION 2024", 0.08, 0.04),
            ("AVIS D'IMPÔTS LOCAUX", 0.08, 0.08),
            ("Numéro fiscal", 0.07, 0.30),
            ("Référence de l'avis", 0.30, 0.30),
            ("33 69 523 101 343", 0.07, 0.313),
            ("24 07 H380730 24", 0.30, 0.313),
            ("Montant à payer", 0.08, 0.40),
            ("986 €", 0.08, 0.42),
            ("Adresse du local", 0.07, 0.47),
            ("LE CLOS DES CHENES", 0.07, 0.485),
            ("07150 VALLON-PONT-D'ARC", 0.07, 0.50),
            ("Détail du calcul", 0.08, 0.56),
            ("Valeur locative brute", 0.07, 0.60),
            ("Base nette d'imposition", 0.36, 0.60),
            ("Taux communal", 0.62, 0.60),
            ("3 560", 0.07, 0.615),
            ("3 560", 0.36, 0.615),
            ("26,87 %", 0.62, 0.615),
        ]
    )
    got = _fields("taxe_habitation", view)
    assert got.missing == {}
    assert got.fields == {
        "annee_imposition": 2024,
        "numero_fiscal": "3369523101343",
        "reference_avis": "2407H38073024",
        "adresse": "LE CLOS DES CHENES 07150 VALLON-PONT-D'ARC",
        "valeur_locative_brute": 3560,
        "montant_total": 986,
    }


def test_an_incomplete_table_row_leaves_the_list_missing() -> None:
    view = _view(
        [
            ("Taxes foncières 2024", 0.07, 0.10),
            ("Propriétés bâties", 0.07, 0.40),
            ("Commune", 0.08, 0.43),
            ("Adresse du bien", 0.30, 0.43),
            ("Revenu cadastral", 0.60, 0.43),
            ("NANTES", 0.08, 0.445),
            ("7 AVENUE DES LILAS", 0.30, 0.445),
        ]
    )
    got = _fields("taxe_fonciere", view)
    assert "biens" not in got.fields and got.missing["biens"] == "détail des biens incomplet"


def test_generated_new_samples_are_listed(tmp_path: Path) -> None:
    names = {p.name.removesuffix(".expected.json") for p in qa.expected_files(SAMPLES, {"text"})}
    assert set(EDITION_SAMPLES) <= names
