"""``docproc up`` (private redis-server, workers, API; clean stop) and the demo client."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import ROOT, SAMPLES, free_port

pytestmark = pytest.mark.redis


def _children(pid: int) -> set[int]:
    """Descendants of ``pid``; a process or thread that ends while it is read (a worker just
    SIGKILLed) is skipped instead of failing the test with FileNotFoundError."""
    out: set[int] = set()
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            kids = (task / "children").read_text().split()
        except OSError:
            continue
        for child in kids:
            out |= {int(child)} | _children(int(child))
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_up_runs_everything_and_stops_cleanly(tmp_path: Path) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server absent")
    port = free_port()
    data = tmp_path / "var"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DOCPROC_API_KEYS", "DATABASE_URL", "REDIS_URL", "DOCPROC_STORAGE_KEY")
    }
    log = tmp_path / "up.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service.commands",
            "up",
            "--port",
            str(port),
            "--data-dir",
            str(data),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = (
            time.monotonic() + 150
        )  # healthz is 200 once a worker is alive (slow on a loaded machine)
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "docproc up did not start"
            time.sleep(0.2)
        # Private Redis on a Unix socket with AOF; secrets in 0600 files in the data dir.
        assert (data / "redis" / "redis.sock").is_socket()
        conf = (data / "redis" / "redis.conf").read_text()
        assert "appendonly yes" in conf and "port 0" in conf and "noeviction" in conf
        for secret in ("api_keys", "storage.key"):
            assert (data / secret).stat().st_mode & 0o777 == 0o600
        keys = [
            line.split(":", 2)
            for line in (data / "api_keys").read_text().splitlines()
            if line and not line.startswith("#")
        ]
        pipeline_key = next(k for _, role, k in keys if role == "pipeline")
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {pipeline_key}"}, timeout=30
        ) as c:
            dossier = c.post("/dossiers", json={"request_date": "2025-10-01"}).json()["id"]
            pdf = (SAMPLES / "avis_2025_seul_2p.pdf").read_bytes()
            job = c.post(f"/dossiers/{dossier}/files", files={"file": ("avis.pdf", pdf)}).json()[
                "job_id"
            ]
            deadline = time.monotonic() + 30
            while c.get(f"/jobs/{job}").json()["status"] != "finished":
                assert time.monotonic() < deadline
                time.sleep(0.05)
            # Every worker registers with RQ (the last one may still be importing the stack).
            while f"docproc_workers {os.cpu_count()}" not in c.get("/metrics").text:
                assert time.monotonic() < deadline + 30
                time.sleep(0.2)
        children = _children(proc.pid)
        assert len(children) >= 1 + (
            os.cpu_count() or 1
        )  # redis-server + one worker per core (+ API)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    assert code == 0, log.read_text()
    time.sleep(0.2)
    assert not [pid for pid in children if _alive(pid)]
    assert list((data / "redis").glob("appendonly*")), "AOF files are kept in the data directory"


def test_demo_on_samples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    samples = tmp_path / "samples"
    samples.mkdir()
    shutil.copy(SAMPLES / "avis_2025_seul_2p.pdf", samples / "menage_a__avis.pdf")
    shutil.copy(SAMPLES / "declaration_2025.pdf", samples / "menage_a__declaration.pdf")
    shutil.copytree(SAMPLES / "avis_2025_pages_separees", samples / "avis_2025_pages_separees")
    shutil.copy(SAMPLES / "avis_2025_pages_separees.expected.json", samples)
    household = {
        "date_demande": "2025-10-01",
        "territoire": "metropole",
        "logement": "locataire",
        "membres": [
            {
                "role": "demandeur",
                "date_naissance": "1980-01-01",
                "ressources": {"salaire_net": 9000},
            }
        ],
    }
    (samples / "menage_a.household.json").write_text(json.dumps(household), encoding="utf-8")

    from service.demo import group_samples, run_demo

    groups = {g.name: g for g in group_samples(samples)}
    assert set(groups) == {"menage_a", "avis_2025_pages_separees"}
    assert [p.name for p in groups["menage_a"].files] == [
        "menage_a__avis.pdf",
        "menage_a__declaration.pdf",
    ]
    assert [p.name for p in groups["avis_2025_pages_separees"].files] == [
        "page_3.pdf",
        "page_1.pdf",
        "pages_4_et_2.pdf",
    ]
    assert run_demo(samples) == 0
    out = capsys.readouterr().out
    assert "Dossier « menage_a » — 2 fichier(s), état : complete" in out
    assert "Déclaration de revenus" in out and "Avis d'impôt sur le revenu" in out
    assert "⇒ Éligibilité : CSS" in out or "⇒ Éligibilité : non éligible" in out
    assert "Dossier « avis_2025_pages_separees » — 3 fichier(s)" in out
    assert re.search(r"adresse : http://127\.0\.0\.1:\d+/agent/", out)
    assert re.search(r"clé d'agent pour se connecter : \S{20,}", out)


@pytest.mark.slow
def test_bench_service_quick() -> None:
    from bench.service import bench_service

    out = bench_service(quick=True)
    acceptance, overhead, latency = (
        out["upload_acceptance"],
        out["queue_overhead"],
        out["upload_to_verdict"],
    )
    assert acceptance["errors"] == {} and acceptance["capacity_uploads_per_s"] > 0
    assert overhead["jobs"] == 30 and overhead["overhead_per_job_ms"] > 0
    assert (
        latency["lost"] == 0
        and latency["failed"] == 0
        and latency["finished"] == latency["uploads"]
    )
    assert overhead["ratio_to_rq_noop"] > 0
    # Interleaved rounds, each with its own ratio; every round's jobs are all in the metrics
    # (read once the worker has exited: the last job's pipeline time was missed before).
    assert overhead["rounds"] == 2 and "error" not in overhead, overhead
    assert len(overhead["ratio_per_round"]) == len(overhead["rq_noop_per_round_ms"]) == 2
    assert len(overhead["ratio_to_rq_paused_noop_per_round"]) == 2
    assert overhead["rq_paused_noop_per_job_ms"] > 0
    e2e = out["text_avis_end_to_end"]
    assert e2e["verdicts"] == e2e["accepted"] == 20 and e2e["extrapolated_1000_avis_s"] > 0
    for phase in ("upload_to_verdict_alone", "upload_to_verdict_under_batch"):
        assert out[phase]["lost"] == 0 and out[phase]["failed"] == 0 and out[phase]["text"]["n"] > 0
    assert out["upload_to_verdict_under_batch"]["batch"]["batch_size"] == 20
    assert all(
        peak >= rest > 0
        for rest, peak in zip(
            out["worker_memory_mib"]["at_rest"], out["worker_memory_mib"]["peak"], strict=True
        )
    )
    ocr = out["ocr_throughput"]
    # Regression: the pipeline's CPU was taken from RUSAGE_SELF while the pages are read in the
    # sandbox child, so a scanned page "cost" 0.01 s and the ratio to tesseract read 110x.
    assert ocr["pipeline_cpu_s"] >= ocr["tesseract_cpu_s"] / 3, ocr
    assert 0 < ocr["ratio_to_tesseract"] < 3, ocr
