"""Metrics that add up (issue 14, point 5): ``docproc serve`` with two API processes (uvicorn
``--workers 2``) and a worker, all counting into one prometheus_client multiprocess directory;
ten scrapes while uploads happen see monotonic counters; histograms with sane buckets; no
family name collisions (OpenMetrics)."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from service import metrics
from tests.service.conftest import KEYS, ROOT, Harness, RedisServer, free_port

pytestmark = pytest.mark.redis

OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            out |= {int(child)} | _children(int(child))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _families(text: str) -> dict[str, object]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def _total(families: dict[str, object], name: str, suffix: str = "_total", **labels: str) -> float:
    family = families.get(name)
    if family is None:
        return 0.0
    return sum(
        s.value
        for s in family.samples  # type: ignore[attr-defined]
        if s.name == name + suffix and all(s.labels.get(k) == v for k, v in labels.items())
    )


def _uploads_in(path: Path) -> float:
    """Uploads counted by one process (its own file)."""
    from prometheus_client.multiprocess import MultiProcessCollector

    return sum(
        s.value
        for m in MultiProcessCollector.merge([str(path)])
        if m.name == "docproc_uploads"
        for s in m.samples
        if s.name == "docproc_uploads_total"
    )


def _counted(tmp_path: Path) -> dict[int, float]:
    """Uploads counted by each process (pid) in the metrics directory of the data dir."""
    return {
        int(p.stem.rsplit("_", 1)[1]): _uploads_in(p)
        for p in (tmp_path / "data" / "metrics").glob("counter_*.db")
    }


def _check_histogram(family: object) -> float:
    """Buckets increasing, cumulative counts non-decreasing, +Inf equal to the count; the count."""
    samples = family.samples  # type: ignore[attr-defined]
    buckets = [(float(s.labels["le"]), s.value) for s in samples if s.name.endswith("_bucket")]
    count = next(s.value for s in samples if s.name.endswith("_count"))
    bounds = [b for b, _ in buckets]
    assert bounds == sorted(bounds) and len(set(bounds)) == len(bounds) and math.isinf(bounds[-1])
    assert len(bounds) >= 8 and bounds[0] < 1  # enough resolution where it matters
    values = [v for _, v in buckets]
    assert values == sorted(values) and values[-1] == count
    return float(count)


def test_two_api_processes_give_monotonic_counters(
    tmp_path: Path, redis_server: RedisServer, sample_pdf: bytes
) -> None:
    h = Harness(tmp_path, redis_server.url, env={"DOCPROC_API_PROCESSES": "2"})
    # As in production: serve and the worker choose <data_dir>/metrics themselves.
    h.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [sys.executable, "-m", "service.commands", "serve", "--port", str(port)],
        cwd=ROOT,
        env=h.env,
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {KEYS['pipe_a'][1]}"}
    uploaded: list[str] = []
    errors: list[str] = []
    stop = threading.Event()
    h.start_worker()  # its start-up (the PDF/OCR stack) overlaps the API's
    try:
        deadline = time.monotonic() + 60
        while True:
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "docproc serve did not start"
            time.sleep(0.2)
        api_pids = _children(serve.pid)
        assert len(api_pids) >= 2, "uvicorn --workers 2: two API processes"

        def upload_one() -> None:
            n = len(uploaded) + len(errors)
            dossier = httpx.post(
                f"{base}/dossiers", json={"request_date": "2025-10-01"}, headers=headers
            ).json()["id"]
            data = sample_pdf + f"\n%{n}\n".encode()  # distinct files: no duplicate
            # A new connection each time: the kernel spreads them over both processes.
            r = httpx.post(
                f"{base}/dossiers/{dossier}/files",
                headers=headers,
                files={"file": (f"avis{n}.pdf", data, "application/pdf")},
                timeout=30,
            )
            (uploaded if r.status_code == 202 else errors).append(
                r.json()["job_id"] if r.status_code == 202 else r.text
            )

        def upload_loop() -> None:
            while not stop.is_set() and len(uploaded) < 25:
                upload_one()
                time.sleep(0.05)

        thread = threading.Thread(target=upload_loop)
        thread.start()
        seen: list[tuple[float, float, float]] = []
        for _ in range(10):
            text = httpx.get(f"{base}/metrics", headers={**headers, "Accept": OPENMETRICS}).text
            fam = _families(text)
            seen.append(
                (
                    _total(fam, "docproc_uploads"),
                    _total(fam, "docproc_upload_seconds", "_count"),
                    _total(fam, "docproc_jobs"),
                )
            )
            time.sleep(0.15)
        stop.set()
        thread.join(60)
        assert not errors, errors
        for column in range(3):
            values = [row[column] for row in seen]
            assert values == sorted(values), (column, seen)
        assert seen[-1][0] > seen[0][0], seen  # uploads did happen between the scrapes

        # Both API processes must have answered uploads: a few more if the kernel favoured one.
        for _ in range(30):
            if len([pid for pid, n in _counted(tmp_path).items() if n and pid in api_pids]) >= 2:
                break
            upload_one()
        # Every upload counted once, whichever process answered it; the jobs once finished.
        c = httpx.Client(base_url=base, headers=headers, timeout=30)
        for job_id in uploaded:
            Harness.wait_job(c, job_id, timeout=60)
        fam = _families(c.get("/metrics", headers={"Accept": OPENMETRICS}).text)
        assert _total(fam, "docproc_uploads", outcome="accepted") == len(uploaded)
        assert _check_histogram(fam["docproc_upload_seconds"]) == len(uploaded)
        assert _total(fam, "docproc_jobs") >= 1
        for name in (
            "docproc_job_latency_seconds",
            "docproc_queue_wait_seconds",
            "docproc_job_processing_seconds",
        ):
            assert _check_histogram(fam[name]) >= 1, name
        assert (
            "docproc_ocr_page_seconds" in fam
        )  # text PDFs: no OCR page observed, the family is there
        assert _total(fam, "docproc_redis_up", "") == 1
        # Both API processes counted uploads in their own files, summed by every scrape.
        counted = _counted(tmp_path)
        assert sum(counted.values()) == len(uploaded)
        assert len([pid for pid, n in counted.items() if n and pid in api_pids]) == 2, (
            counted,
            api_pids,
        )
    finally:
        stop.set()
        h.stop_workers()
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(30)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()
        log.close()
    deadline = time.monotonic() + 10
    while [pid for pid in api_pids if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in api_pids if _alive(pid)], "API processes left behind"


def test_metric_families_do_not_collide_and_are_documented() -> None:
    metrics.UploadMetrics().observe("accepted", 0.01)
    metrics.record_job("finished", None, 0.5, 1.0, 0.2)
    metrics.record_queue_wait(0.01)
    metrics.observe_library("ocr.page", 1.5, 2)
    present = metrics.Present(queue_depth=1, workers=1, db_jobs=[("queued", 2)])
    body, content_type = metrics.render(present, OPENMETRICS)
    assert content_type.startswith("application/openmetrics-text")
    families = _families(body.decode())  # the OpenMetrics parser refuses clashing names
    assert set(families) == set(metrics.FAMILIES)
    assert _total(families, "docproc_jobs_current", "", status="queued") == 2
    assert _check_histogram(families["docproc_ocr_page_seconds"]) >= 2
    text, plain = metrics.render(present)
    assert plain.startswith("text/plain") and b"# TYPE docproc_jobs_total counter" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [name for name in metrics.FAMILIES if name not in readme] == []


def test_metrics_directory_is_chosen_and_cleaned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    monkeypatch.delenv(metrics.ENV, raising=False)
    data = tmp_path / "data"
    path = metrics.prepare_dir(data)  # a worker: chosen, not wiped
    assert path == data.resolve() / "metrics" and os.environ[metrics.ENV] == str(path)
    mine, stale = path / f"counter_{os.getpid()}.db", path / f"counter_{gone.pid}.db"
    live_gauge = path / f"gauge_livesum_{gone.pid}.db"
    for f in (mine, stale, live_gauge):
        f.write_bytes(b"")
    metrics.prepare_dir(data)
    assert mine.exists() and stale.exists()
    metrics.process_ended(gone.pid)  # its live gauges go, its counters stay
    assert not live_gauge.exists() and stale.exists()
    metrics.prepare_dir(data, wipe="stale")  # serve: processes still running keep their files
    assert mine.exists() and not stale.exists()
    monkeypatch.delenv(metrics.ENV)
    metrics.prepare_dir(data, wipe="all")  # up: everything
    assert list(path.iterdir()) == []
    # A directory given in the environment may be shared: only stale files go, even for up.
    mine.write_bytes(b"")
    metrics.prepare_dir(tmp_path / "other", wipe="all")
    assert mine.exists() and not (tmp_path / "other" / "metrics").exists()
