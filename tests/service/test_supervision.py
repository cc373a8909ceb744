"""Issue 12, point 5: ``docproc up`` owns its children (they die with it, even on ``kill -9``;
a new ``up`` starts at once), restarts a dead redis-server and dead workers; while no worker
is alive, ``/healthz`` says ``degraded`` and uploads get 503 ``service.no_worker``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import ROOT, RedisServer, free_port, harness
from tests.service.test_commands import _alive, _children

pytestmark = pytest.mark.redis


def test_no_worker_alive_means_degraded_and_uploads_503(
    tmp_path: Path, redis_server: RedisServer, sample_pdf: bytes
) -> None:
    with harness(tmp_path, redis_server.url, workers=1, env={"DOCPROC_WORKER_ALIVE_S": "1"}) as h:
        c = h.client("pipe_a")
        health = c.get("/healthz")
        assert health.status_code == 200 and health.json()["workers"] == "ok"
        dossier = h.new_dossier(c)

        def no_worker_seen() -> None:
            deadline = time.monotonic() + 10
            while c.get("/healthz").json().get("status") != "degraded":
                assert time.monotonic() < deadline, "healthz never said degraded"
                time.sleep(0.1)
            r = c.get("/healthz")
            assert r.status_code == 503 and r.json()["workers"] == "aucun"
            assert r.json()["database"] == r.json()["redis"] == "ok"
            time.sleep(1.1)  # the upload path caches the count for a second
            up = h.upload(c, dossier, "avis.pdf", sample_pdf)
            assert up.status_code == 503, up.text
            assert (
                up.json()["error"] == "service.no_worker" and "worker" not in up.json()["message"]
            )
            assert int(up.headers["Retry-After"]) > 0
            assert c.get(f"/dossiers/{dossier}").status_code == 200  # reads still work

        h.stop_workers()  # clean stop: the worker leaves the registry at once
        no_worker_seen()
        proc = h.start_worker()
        h.wait_workers(1)
        proc.send_signal(signal.SIGKILL)  # no goodbye: its beats stop
        proc.wait()
        no_worker_seen()
        h.start_worker()
        h.wait_workers(1)
        time.sleep(1.1)
        r = h.upload(c, dossier, "avis.pdf", sample_pdf)
        assert r.status_code == 202, r.text
        assert h.wait_job(c, r.json()["job_id"])["status"] == "finished"
        assert c.get("/healthz").json()["status"] == "ok"


def _start_up(port: int, data: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DOCPROC_API_KEYS", "DATABASE_URL", "REDIS_URL", "DOCPROC_STORAGE_KEY")
    }
    env.update({"DOCPROC_API_PROCESSES": "2", "DOCPROC_WORKER_ALIVE_S": "3"})
    return subprocess.Popen(
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
        stderr=log.open("ab"),
    )


def _wait_ok(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> float:
    start = time.monotonic()
    while True:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/healthz", timeout=1).json().get("status") == "ok":
                return time.monotonic() - start
        except (httpx.HTTPError, ValueError):
            pass
        assert time.monotonic() - start < timeout, (
            "docproc up did not become healthy:\n" + log.read_text()
        )
        time.sleep(0.2)


def _workers(pid: int) -> set[int]:
    return {
        p
        for p in _children(pid)
        if _alive(p) and b"worker" in Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")
    }


def _wait(what: str, check: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@pytest.mark.slow
def test_up_children_die_with_it_and_restart_works_at_once(tmp_path: Path) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server absent")
    port, data, log = free_port(), tmp_path / "var", tmp_path / "up.log"
    base = f"http://127.0.0.1:{port}"
    first = _start_up(port, data, log)
    second: subprocess.Popen[bytes] | None = None
    try:
        _wait_ok(base, first, log)
        children = _children(first.pid)
        assert len(children) >= 5  # redis-server, a worker per core, two API processes
        first.send_signal(signal.SIGKILL)
        first.wait()
        _wait(
            "children of the killed up still alive",
            lambda: not [p for p in children if _alive(p)],
            20,
        )

        second = _start_up(port, data, log)
        took = _wait_ok(base, second, log)
        assert "Address already in use" not in log.read_text()
        assert took < 60

        # A dead private redis-server is restarted.
        pidfile = data / "redis" / "redis.pid"
        old_redis = int(pidfile.read_text())
        os.kill(old_redis, signal.SIGKILL)

        def redis_back() -> bool:
            try:
                pid = int(pidfile.read_text())
            except (OSError, ValueError):
                return False
            return pid != old_redis and _alive(pid)

        _wait("redis-server not restarted", redis_back)
        _wait_ok(base, second, log, timeout=30)

        # Dead workers are restarted.
        workers = _workers(second.pid)
        assert len(workers) == (os.cpu_count() or 1)
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        _wait("workers not restarted", lambda: len(_workers(second.pid) - workers) == len(workers))
        children = _children(second.pid)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(60)
    assert second.returncode == 0, log.read_text()
    _wait(
        "children of the stopped up still alive", lambda: not [p for p in children if _alive(p)], 20
    )
