"""Failure semantics: killed workers, Redis restarts and outages, infrastructure retries,
files that crash the pipeline. Slow jobs are simulated by fault injection only."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.service.conftest import Harness, RedisServer, harness

pytestmark = pytest.mark.redis


def _worker_pid(job: dict[str, object], h: Harness) -> int:
    from service.db import Job

    with h.db.read() as s:
        row = s.get(Job, str(job["job_id"]))
        assert row is not None and row.worker is not None
        return int(row.worker.rsplit("-", 2)[1])  # docproc-<host>-<pid>-<hex>


@pytest.mark.slow
def test_worker_sigkilled_mid_job_is_rerun(
    tmp_path: Path, redis_server: RedisServer, sample_pdf: bytes
) -> None:
    rounds = 10  # each round starts a worker (pipeline and sandbox loaded): ~2 s
    with harness(tmp_path, redis_server.url, workers=2, env={"TEST_FAULT_SLEEP_S": "0.4"}) as h:
        c = h.client("pipe_a")
        dossiers = []
        for _ in range(rounds):
            dossier = h.new_dossier(c)
            job = h.upload(c, dossier, "avis.pdf", sample_pdf).json()
            started = h.wait_job(c, job["job_id"], until=("started", "finished", "failed"))
            assert started["status"] == "started", "the job must be caught mid-run"
            pid = _worker_pid(started, h)
            os.kill(pid, signal.SIGKILL)  # the whole worker, mid-job
            h.start_worker()  # as `docproc up` would
            done = h.wait_job(c, job["job_id"], timeout=30)
            assert done["status"] == "finished", done
            assert done["attempts"] >= 2
            dossiers.append(dossier)
        lost = [d for d in dossiers if c.get(f"/dossiers/{d}").json()["status"] != "complete"]
        assert lost == []
        for d in dossiers:
            assert len(c.get(f"/dossiers/{d}").json()["documents"]) == 1


@pytest.mark.parametrize("aof", [True, False], ids=["aof", "no-persistence"])
def test_redis_restart_between_upload_and_processing(
    tmp_path: Path, sample_pdf: bytes, aof: bool
) -> None:
    redis = RedisServer(tmp_path / "redis", aof=aof)
    redis.start()
    try:
        # No worker on purpose (the jobs must wait in Redis through the restart).
        with harness(tmp_path, redis.url, workers=0, env={"DOCPROC_REQUIRE_WORKER": "0"}) as h:
            c = h.client("pipe_a")
            accepted = []
            for _ in range(3):
                dossier = h.new_dossier(c)
                r = h.upload(c, dossier, "avis.pdf", sample_pdf)
                assert r.status_code == 202
                accepted.append((dossier, r.json()["job_id"]))
            redis.stop()
            redis.start()
            h.start_worker()
            for dossier, job_id in accepted:
                done = h.wait_job(c, job_id, timeout=30)
                assert done["status"] == "finished"
                assert c.get(f"/dossiers/{dossier}").json()["status"] == "complete"
            from service.db import Job

            with h.db.read() as s:
                enqueues = [s.get(Job, j).enqueues for _, j in accepted]  # type: ignore[union-attr]
            # With AOF the queue survived the restart; without it the reconciler re-enqueued.
            assert enqueues == ([1, 1, 1] if aof else [2, 2, 2])
    finally:
        redis.stop()


def test_upload_accepted_while_redis_is_down(tmp_path: Path, sample_pdf: bytes) -> None:
    redis = RedisServer(tmp_path / "redis", aof=False)
    redis.start()
    try:
        with harness(tmp_path, redis.url, workers=0) as h:
            c = h.client("pipe_a")
            dossier = h.new_dossier(c)
            redis.stop()
            assert c.get("/healthz").status_code == 503
            r = h.upload(c, dossier, "avis.pdf", sample_pdf)
            assert r.status_code == 202  # stored and recorded in the database: the job is not lost
            redis.start()
            h.start_worker()
            assert h.wait_job(c, r.json()["job_id"], timeout=30)["status"] == "finished"
    finally:
        redis.stop()


def test_infrastructure_faults_are_retried_with_backoff(
    tmp_path: Path, redis_server: RedisServer, sample_pdf: bytes
) -> None:
    with harness(tmp_path, redis_server.url, env={"TEST_FAULT_INFRA_FAILURES": "2"}) as h:
        c = h.client("pipe_a")
        dossier = h.new_dossier(c)
        start = time.monotonic()
        job = h.wait_job(
            c, h.upload(c, dossier, "avis.pdf", sample_pdf).json()["job_id"], timeout=30
        )
        assert job["status"] == "finished" and job["attempts"] == 3
        assert time.monotonic() - start >= 0.2 + 0.4  # backoff 0.2 s then 0.4 s
    with harness(tmp_path / "b", redis_server.url, env={"TEST_FAULT_INFRA_FAILURES": "5"}) as h:
        c = h.client("pipe_a")
        dossier = h.new_dossier(c)
        job = h.wait_job(
            c, h.upload(c, dossier, "avis.pdf", sample_pdf).json()["job_id"], timeout=30
        )
        assert (
            job["status"] == "failed" and job["attempts"] == 3 and job["reason"] == "infra.simulee"
        )
        assert job["message"]


def test_pipeline_error_is_failed_never_retried(
    tmp_path: Path, redis_server: RedisServer, sample_pdf: bytes
) -> None:
    with harness(tmp_path, redis_server.url, env={"TEST_FAULT_PIPELINE_ERROR": "1"}) as h:
        c = h.client("pipe_a")
        dossier = h.new_dossier(c)
        job = h.wait_job(c, h.upload(c, dossier, "avis.pdf", sample_pdf).json()["job_id"])
        assert job["status"] == "failed" and job["attempts"] == 1
        assert job["reason"] == "interne" and job["message"]
        time.sleep(1.5)  # several reconciler passes: it stays failed
        assert c.get(f"/jobs/{job['job_id']}").json()["attempts"] == 1
        assert c.get(f"/dossiers/{dossier}").json()["status"] == "failed"
        assert all(p.poll() is None for p in h.workers)  # the worker is still up


def test_job_that_keeps_killing_its_worker_is_failed(
    tmp_path: Path, redis_server: RedisServer, sample_pdf: bytes
) -> None:
    with harness(tmp_path, redis_server.url, workers=1, env={"TEST_FAULT_SLEEP_S": "0.3"}) as h:
        c = h.client("pipe_a")
        dossier = h.new_dossier(c)
        job_id = h.upload(c, dossier, "avis.pdf", sample_pdf).json()["job_id"]
        for attempt in (1, 2, 3):  # max_attempts
            deadline = time.monotonic() + 15
            while True:
                job = c.get(f"/jobs/{job_id}").json()
                if job["status"] == "started" and job["attempts"] == attempt:
                    break
                assert job["status"] != "finished" and time.monotonic() < deadline, job
                time.sleep(0.01)
            os.kill(_worker_pid(job, h), signal.SIGKILL)
            h.start_worker()
        job = h.wait_job(c, job_id, timeout=15)
        assert (
            job["status"] == "failed"
            and job["reason"] == "traitement.abandonne"
            and job["attempts"] == 3
        )


def test_job_timeout(tmp_path: Path, redis_server: RedisServer, sample_pdf: bytes) -> None:
    with harness(
        tmp_path, redis_server.url, env={"TEST_FAULT_SLEEP_S": "3", "DOCPROC_JOB_TIMEOUT_S": "1"}
    ) as h:
        c = h.client("pipe_a")
        dossier = h.new_dossier(c)
        job = h.wait_job(c, h.upload(c, dossier, "avis.pdf", sample_pdf).json()["job_id"])
        assert (
            job["status"] == "failed" and job["reason"] == "fichier.delai" and job["attempts"] == 1
        )


def test_a_job_parked_behind_its_dossiers_running_job_goes_on_when_that_one_ends(
    tmp_path: Path, redis_server: RedisServer, sample_pdf: bytes
) -> None:
    """One run per dossier at a time: a job that finds its dossier busy is parked, and the run
    that ends covers or re-enqueues it at once, not after the stale delay. (Storing a result
    skips that step when no job of the dossier is queued: it must not skip this case.)"""
    env = {"TEST_FAULT_SLEEP_S": "1.5", "DOCPROC_STALE_AFTER_S": "120"}
    with harness(tmp_path, redis_server.url, workers=2, env=env) as h:
        c = h.client("pipe_a")
        dossier = h.new_dossier(c)
        first = h.upload(c, dossier, "avis.pdf", sample_pdf).json()["job_id"]
        assert h.wait_job(c, first, until=("started",))["status"] == "started"
        second = h.upload(c, dossier, "avis-2.pdf", sample_pdf + b"\n%2\n").json()["job_id"]
        assert h.wait_job(c, first)["status"] == "finished"
        done = h.wait_job(c, second, timeout=30)
        assert done["status"] == "finished", done
        assert c.get(f"/dossiers/{dossier}").json()["status"] == "complete"
