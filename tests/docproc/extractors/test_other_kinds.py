"""Taxe foncière, taxe d'habitation, attestation RSA, foreign certificates: specs, samples, rates."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from docproc import qa
from docproc.checks.documents import DocFacts, attestation_date, local_numero_fiscal, local_tax_year
from docproc.extractors.rates import RatesError, load_rates, table, to_euros
from docproc.extractors.spec import all_specs, spec_for
from docproc.extractors.spec_load import load_spec
from docproc.extractors.spec_model import SpecError
from docproc.extractors.values import date_fr, montant, nom
from docproc.models import Group, Upload
from docproc.pipeline import extract
from docproc.samples.page_canvas import Page, render
from tests.conftest import SAMPLES

#: Contract §3: the fixed field names of each kind.
CONTRACT = {
    "taxe_fonciere": {
        "annee_imposition",
        "numero_fiscal",
        "reference_avis",
        "proprietaires",
        "biens",
        "montant_total",
    },
    "taxe_habitation": {
        "annee_imposition",
        "numero_fiscal",
        "reference_avis",
        "adresse",
        "valeur_locative_brute",
        "montant_total",
    },
    "attestation_rsa": {
        "organisme",
        "date_attestation",
        "beneficiaire",
        "numero_allocataire",
        "ressources_inferieures_rsa",
    },
    "justificatif_etranger": {
        "pays",
        "langue",
        "annee",
        "revenu_annuel",
        "devise",
        "revenu_annuel_eur",
    },
}


def _samples(kind: str) -> list[Path]:
    out = []
    for path in qa.expected_files(SAMPLES, {"text"}):
        docs = json.loads(path.read_text(encoding="utf-8"))["documents"]
        if any(d["kind"] == kind for d in docs):
            out.append(path)
    return out


OTHER_SAMPLES = [p for kind in CONTRACT for p in _samples(kind)]


def test_specs_load_with_contract_fields() -> None:
    specs = {s.kind: s for s in all_specs()}
    for kind, names in CONTRACT.items():
        assert kind in specs, kind
        assert {f.name for f in specs[kind].fields} == names, kind
        assert {f.name for f in specs[kind].fields if f.required} == names, kind


@pytest.mark.parametrize(
    ("kind", "least"),
    [
        ("taxe_fonciere", 2),
        ("taxe_habitation", 1),
        ("attestation_rsa", 2),
        ("justificatif_etranger", 4),
    ],
)
def test_there_are_samples_of_each_kind(kind: str, least: int) -> None:
    assert len(_samples(kind)) >= least


@pytest.mark.parametrize(
    "expected", OTHER_SAMPLES, ids=lambda p: p.name.removesuffix(".expected.json")
)
def test_other_sample_golden(expected: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    report = qa.QAReport()
    result = qa.run_one(expected, report)
    assert report.mismatches == []
    want = json.loads(expected.read_text(encoding="utf-8"))
    for doc, got in zip(want["documents"], result["documents"], strict=True):
        assert set(doc["fields"]) <= CONTRACT[doc["kind"]]
        assert got["complete"] is True and got["missing_pages"] == []
    # Privacy: names, numbers and amounts read from the document stay out of messages and logs.
    secrets: set[str] = set()
    for doc in want["documents"]:
        f = doc["fields"]
        for key in (
            "numero_fiscal",
            "reference_avis",
            "beneficiaire",
            "numero_allocataire",
            "adresse",
        ):
            if key in f:
                secrets.add(str(f[key]))
        secrets |= set(f.get("proprietaires", []))
        secrets |= {b["adresse"] for b in f.get("biens", [])}
        secrets |= {
            str(f[k])
            for k in (
                "revenu_annuel",
                "montant_total",
                "revenu_annuel_eur",
                "valeur_locative_brute",
            )
            if k in f
        }
    messages = (
        " ".join(c["message"] for d in result["documents"] for c in d["checks"]) + caplog.text
    )
    assert not any(s in messages for s in secrets)


def test_foreign_certificates_always_need_review() -> None:
    for path in _samples("justificatif_etranger"):
        report = qa.QAReport()
        result = qa.run_one(path, report)
        [doc] = result["documents"]
        assert doc["status"] == "needs_review"
        review = next(c for c in doc["checks"] if c["code"] == "etranger.verification")
        assert review["level"] == "warning" and review["ok"] is False


def test_converted_income_carries_rate_and_date() -> None:
    [path] = [p for p in _samples("justificatif_etranger") if "_gb_" in p.name]
    result = qa.run_one(path, qa.QAReport())
    [doc] = result["documents"]
    prov = doc["provenance"]["revenu_annuel_eur"]
    assert prov["rate"] == pytest.approx(0.86905) and prov["rate_date"] == "2023-12-29"
    assert prov["source"] == "text" and "BCE" in prov["rate_source"]
    assert doc["fields"]["revenu_annuel_eur"] == round(doc["fields"]["revenu_annuel"] / 0.86905)


def test_currency_without_rate_is_missing_with_reason() -> None:
    [path] = [p for p in _samples("justificatif_etranger") if "_ma_" in p.name]
    result = qa.run_one(path, qa.QAReport())
    [doc] = result["documents"]
    assert doc["fields"]["devise"] == "MAD" and "revenu_annuel_eur" not in doc["fields"]
    assert "MAD" in doc["missing_fields"]["revenu_annuel_eur"]
    conversion = next(c for c in doc["checks"] if c["code"] == "conversion.taux")
    assert conversion["ok"] is False and conversion["level"] == "warning"
    # the same rule at the source: no rate for the currency or for the year, no number
    assert to_euros(1000, "XYZ", 2023).euros is None
    assert to_euros(1000, "GBP", 1999).euros is None
    assert to_euros(1000, "GBP", None).reason
    assert to_euros(1000, "EUR", None).euros == 1000


def test_rate_table_is_valid() -> None:
    rates = table()
    assert rates.version and rates.rates
    for r in rates.rates:
        assert len(r.currency) == 3 and r.currency != "EUR" and r.rate > 0 and r.source
    assert rates.for_year("GBP", 2023) is not None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('version = "1"\n[[taux]]\ndevise = "GBP"\ndate = 2023-12-29\ntaux = 0.8\n', "source"),
        (
            'version = "1"\n[[taux]]\ndevise = "GBP"\ndate = 2023-12-29\ntaux = 0\nsource = "BCE"\n',
            "positif",
        ),
        (
            'version = "1"\n[[taux]]\ndevise = "livre"\ndate = 2023-12-29\ntaux = 0.8\nsource = "BCE"\n',
            "ISO 4217",
        ),
        (
            'version = "1"\n[[taux]]\ndevise = "GBP"\ndate = "29/12/2023"\ntaux = 0.8\nsource = "BCE"\n',
            "date",
        ),
        (
            'version = "1"\n[[taux]]\ndevise = "GBP"\ndate = 2023-12-29\ntaux = 0.8\nsource = "BCE"\nnote = 1\n',
            "inconnues",
        ),
        ('[[taux]]\ndevise = "GBP"\ndate = 2023-12-29\ntaux = 0.8\nsource = "BCE"\n', "version"),
        (
            'version = "1"\n'
            + '[[taux]]\ndevise = "GBP"\ndate = 2023-12-29\ntaux = 0.8\nsource = "BCE"\n' * 2,
            "double",
        ),
    ],
)
def test_bad_rate_table_is_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "taux.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(RatesError, match=message):
        load_rates(path)


_HEAD = 'kind = "x"\nname = "x"\n[page1]\nall = ["A"]\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_HEAD + '[[fields]]\nname = "f"\ntype = "year"\npattern = "(\\\\d{4})"\n', "value"),
        (
            _HEAD
            + '[[fields]]\nname = "f"\ntype = "year"\npattern = "(?P<value>X)"\nlabels = ["A"]\n',
            "un seul",
        ),
        (
            _HEAD + '[[fields]]\nname = "f"\nchoice = [{value = "A", any = ["A"], poids = 2}]\n',
            "clés inconnues",
        ),
        (_HEAD + '[[fields]]\nname = "f"\nchoice = []\n', "choice"),
        (
            _HEAD
            + '[[fields]]\nname = "f"\nchoice = [{value = "A", any = ["A"]}]\nchoose = "random"\n',
            "choose",
        ),
        (
            _HEAD
            + '[[fields]]\nname = "f"\nconvert = {amount = "a", currency = "b", year = "c"}\n',
            "défini avant",
        ),
        (_HEAD + '[[fields]]\nname = "f"\nparser = "biens"\n', "biens"),
        (
            _HEAD
            + '[[fields]]\nname = "f"\nparser = "biens"\n[biens]\ncommune = "C"\nadresse = "A"\n'
            'revenu_cadastral = "R"\n[biens.sections]\n"X" = "maison"\n',
            "nature",
        ),
        (
            _HEAD
            + '[[fields]]\nname = "f"\nparser = "proprietaires"\n[proprietaires]\nstart = "X"\n',
            "item",
        ),
    ],
)
def test_bad_spec_extensions_are_refused(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(SpecError, match=message) as info:
        load_spec(path)
    assert "broken.toml" in str(info.value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("28.456,00 EUR", 28456),
        ("96\u00a0500,00 DH", 96500),
        ("£31,250.00", 31250),
        ("18.432,56 €", 18433),
        ("2 345 €", 2345),
        ("1.234", 1234),
        ("12,49", 12),
    ],
)
def test_montant(text: str, value: int) -> None:
    got = montant(text)
    assert got is not None and got[0] == value


def test_date_fr_and_nom() -> None:
    assert date_fr("12 septembre 2025")[0] == "2025-09-12"  # type: ignore[index]
    assert date_fr("1er août 2024")[0] == "2024-08-01"  # type: ignore[index]
    assert date_fr("20/05/2025")[0] == "2025-05-20"  # type: ignore[index]
    assert date_fr("31 février 2025") is None
    assert nom("MME LEROY NADIA")[0] == "LEROY NADIA"  # type: ignore[index]


def _facts(kind: str, fields: dict[str, object], request: date) -> DocFacts:
    return DocFacts(kind, Group(kind), fields, {}, request, False, spec_for(kind))


@pytest.mark.parametrize(
    ("issued", "ok"), [("2025-07-01", True), ("2025-06-30", False), ("2025-10-02", False)]
)
def test_attestation_date(issued: str, ok: bool) -> None:
    check = attestation_date(
        _facts("attestation_rsa", {"date_attestation": issued}, date(2025, 10, 1))
    )
    assert check.ok is ok and check.level == "warning"


@pytest.mark.parametrize(("year", "ok"), [(2025, True), (2024, True), (2023, False)])
def test_local_tax_year(year: int, ok: bool) -> None:
    check = local_tax_year(_facts("taxe_fonciere", {"annee_imposition": year}, date(2025, 10, 1)))
    assert check.ok is ok and check.level == "warning"


def _extract_page(
    draw: Callable[[Page], None], request: date = date(2025, 10, 1)
) -> dict[str, Any]:
    pdf = render([(draw, "helvetica", " ")])
    [doc] = extract([Upload("a.pdf", pdf)], request).to_contract()["documents"]
    return doc


def test_attestation_saying_not_below_rsa_is_refused() -> None:
    def draw(p: Page) -> None:
        p.text(40, 40, "Caisse d'allocations familiales du Rhône", 12, bold=True)
        p.text(40, 80, "Attestation relative au montant forfaitaire du RSA", 11)
        p.text(40, 100, "Numéro allocataire : 7654321", 9)
        p.text(40, 120, "Nom et prénom : TESTEUR ALIX", 9)
        p.text(
            40,
            140,
            "Les ressources déclarées ne sont pas présumées inférieures au montant forfaitaire.",
            9,
        )
        p.text(40, 160, "Fait à Lyon, le 1er septembre 2025", 9)

    doc = _extract_page(draw)
    assert doc["kind"] == "attestation_rsa" and doc["fields"]["ressources_inferieures_rsa"] is False
    assert doc["status"] == "rejected"
    assert doc["fields"]["date_attestation"] == "2025-09-01" and doc["fields"]["organisme"] == "CAF"


def test_incomplete_property_list_is_missing_not_partial() -> None:
    def draw(p: Page) -> None:
        p.text(40, 40, "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", 10)
        p.text(40, 60, "Taxes foncières pour 2025", 14)
        p.text(40, 90, "Propriétés bâties", 10)
        p.text(52, 105, "Commune : ANNECY", 9)
        p.text(52, 117, "Adresse du bien : 2 QUAI DU LAC", 9)
        p.text(52, 129, "Revenu cadastral : 1 500 €", 9)
        p.text(52, 141, "Adresse du bien : 4 QUAI DU LAC", 9)  # no revenu cadastral printed

    doc = _extract_page(draw)
    assert doc["kind"] == "taxe_fonciere" and "biens" not in doc["fields"]
    assert doc["missing_fields"]["biens"] == "détail des biens incomplet"
    assert doc["status"] == "needs_review"


def test_local_tax_numero_fiscal_key() -> None:
    good = local_numero_fiscal(
        _facts("taxe_habitation", {"numero_fiscal": "3023217600053"}, date(2025, 10, 1))
    )
    bad = local_numero_fiscal(
        _facts("taxe_habitation", {"numero_fiscal": "3023217600054"}, date(2025, 10, 1))
    )
    assert good.ok and not bad.ok and bad.level == "warning"


def test_labels_without_type_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(
        _HEAD + '[[fields]]\nname = "f"\nchoice = [{value = "A", any = ["A"]}]\nlabels = ["A"]\n',
        encoding="utf-8",
    )
    with pytest.raises(SpecError, match="labels"):
        load_spec(path)
