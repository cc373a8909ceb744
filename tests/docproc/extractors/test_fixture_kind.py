"""A kind is its spec: ``bulletin_pension``, made up, lives only in ``tests/fixtures/specs``.

With the ``DOCPROC_SPEC_DIRS`` setting pointing there, a one-page text PDF of that kind is
classified, read, checked, labelled and shown by ``docproc extract --json``, by ``docproc qa``
and by the HTTP API, with no code change anywhere for that kind; without the setting the same
PDF is "inconnu".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docproc.extractors.spec import reload_specs
from tests.conftest import ROOT

SPECS = ROOT / "tests" / "fixtures" / "specs"
KIND = "bulletin_pension"
FIELDS = {"organisme": "CNAV", "montant_annuel": 18432, "annee": 2024}
ACCEPTED = "Le document est le bulletin de pension."
CHECK_CODES = ["document.type", "document.specimen", "champs.illisibles"]


def draw(path: Path, *, with_amount: bool = True) -> Path:
    """A one-page bulletin de pension in text (reportlab, invariant output)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    lines = [
        "CAISSE NATIONALE D'ASSURANCE VIEILLESSE",
        "",
        "BULLETIN DE PENSION",
        "",
        "Pension versée en 2024",
    ]
    if with_amount:
        lines.append("Montant annuel brut : 18 432 €")
    lines += ["", "Ce bulletin récapitule les montants de votre retraite de base."]
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setFont("Helvetica", 11)
    y = A4[1] - 80
    for line in lines:
        c.drawString(60, y, line)
        y -= 18
    c.showPage()
    c.save()
    return path


def cli(*args: str, spec_dirs: bool = True) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "DOCPROC_TRUST_TEST_2DDOC": "1"}
    if spec_dirs:
        env["DOCPROC_SPEC_DIRS"] = str(SPECS)
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env,
        cwd=ROOT,
    )


def assert_document(doc: dict[str, Any]) -> None:
    """The document as the contract shows it: kind, fields in spec order, checks, labels."""
    assert doc["kind"] == KIND and doc["status"] == "accepted"
    assert doc["fields"] == FIELDS and list(doc["fields"]) == list(FIELDS)  # spec field order
    assert doc["complete"] is True and doc["missing_pages"] == [] and doc["missing_fields"] == {}
    assert [c["code"] for c in doc["checks"]] == CHECK_CODES and all(c["ok"] for c in doc["checks"])
    assert doc["checks"][0]["message"] == ACCEPTED
    assert {p["source"] for p in doc["provenance"].values()} == {"text"}
    assert "titre_bulletin_pension" in doc["classification"]["pages"][0]["signals"]


def test_extract_json_shows_the_fixture_kind(tmp_path: Path) -> None:
    pdf = draw(tmp_path / "bulletin.pdf")
    proc = cli("extract", str(pdf), "--json", "--date", "2025-10-01")
    assert proc.returncode == 0, proc.stderr
    [doc] = json.loads(proc.stdout)["documents"]
    assert_document(doc)


def test_an_unread_field_is_named_by_its_spec_label(tmp_path: Path) -> None:
    pdf = draw(tmp_path / "bulletin_sans_montant.pdf", with_amount=False)
    proc = cli("extract", str(pdf), "--json", "--date", "2025-10-01")
    assert proc.returncode == 0, proc.stderr
    [doc] = json.loads(proc.stdout)["documents"]
    assert doc["kind"] == KIND and doc["status"] == "needs_review"
    [unread] = [c for c in doc["checks"] if not c["ok"]]
    assert unread["code"] == "champs.illisibles" and unread["data"]["fields"] == ["montant_annuel"]
    assert (
        unread["message"]
        == "Certaines informations n'ont pas pu être lues : le montant annuel de la pension."
    )


def test_without_the_setting_the_kind_does_not_exist(tmp_path: Path) -> None:
    pdf = draw(tmp_path / "bulletin.pdf")
    proc = cli("extract", str(pdf), "--json", "--date", "2025-10-01", spec_dirs=False)
    assert proc.returncode == 0, proc.stderr
    [doc] = json.loads(proc.stdout)["documents"]
    assert doc["kind"] == "inconnu" and doc["status"] == "rejected"


def test_qa_scores_the_fixture_kind(tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    samples.mkdir()
    draw(samples / "bulletin_pension_2024.pdf")
    expected = {
        "request_date": "2025-10-01",
        "variant": "text",
        "files": ["bulletin_pension_2024.pdf"],
        "documents": [
            {
                "kind": KIND,
                "complete": True,
                "missing_pages": [],
                "fields": FIELDS,
                "status": "accepted",
                "failed_checks": [],
            }
        ],
    }
    (samples / "bulletin_pension_2024.expected.json").write_text(
        json.dumps(expected, ensure_ascii=False), encoding="utf-8"
    )
    proc = cli("qa", str(samples), "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["samples"] == 1 and report["mismatches"] == [] and report["passed"] is True
    assert report["kinds"][KIND]["documents"] == 1
    assert report["kinds"][KIND]["fields"]["rate"] == 1.0
    assert {name: report["accuracy"][name] for name in FIELDS} == dict.fromkeys(FIELDS, 1.0)
    assert (
        report["accuracy"]["document.kind"] == 1.0 and report["accuracy"]["document.status"] == 1.0
    )


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.service.conftest import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def fixture_specs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The setting in this process too (the API thread checks ``kind_hint``), then back."""
    monkeypatch.setenv("DOCPROC_SPEC_DIRS", str(SPECS))
    reload_specs()
    yield
    monkeypatch.delenv("DOCPROC_SPEC_DIRS")
    reload_specs()


@pytest.mark.redis
def test_api_returns_the_fixture_kind(tmp_path: Path, redis_url: str, fixture_specs: None) -> None:
    from tests.service.conftest import harness

    data = draw(tmp_path / "bulletin.pdf").read_bytes()
    with harness(
        tmp_path / "svc", redis_url, env={"DOCPROC_SPEC_DIRS": os.environ["DOCPROC_SPEC_DIRS"]}
    ) as h:
        c = h.client("pipe_a")
        dossier = h.new_dossier(c)
        refused = h.upload(c, dossier, "b.pdf", data, kind_hint="passeport")
        assert refused.status_code == 422 and KIND in refused.json()["message"]
        r = h.upload(c, dossier, "bulletin.pdf", data, kind_hint=KIND)
        assert r.status_code == 202, r.text
        job = h.wait_job(c, r.json()["job_id"], timeout=120)
        assert job["status"] == "finished", h.worker_logs()
        d = c.get(f"/dossiers/{dossier}").json()
        assert d["files"][0]["kind_hint"] == KIND
        [doc] = d["documents"]
        assert_document(doc)
