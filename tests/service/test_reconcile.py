"""The reconciler's check of queued jobs against Redis (``service.queue.reconcile``): a job
whose RQ job is gone, ended, or started long ago by a worker that never claimed it, is
enqueued again; one RQ still holds is left alone."""

from __future__ import annotations

import os
import secrets
from datetime import date, timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq.job import Job as RQJob
from rq.utils import utcformat
from sqlalchemy import select, update

from service.auth import Client
from service.backend import Service
from service.config import load_settings
from service.db import JOB_QUEUED, Job, migrate, utcnow
from service.queue import JobQueue, reconcile
from tests.service.conftest import FAST, RedisServer

pytestmark = pytest.mark.redis


def test_queued_jobs_redis_lost_are_enqueued_again(
    tmp_path: Path, redis_server: RedisServer, sample_pdf: bytes
) -> None:
    env = {
        **os.environ,
        **FAST,
        "DOCPROC_DATA_DIR": str(tmp_path),
        "REDIS_URL": redis_server.url,
        "DOCPROC_QUEUE": f"q{secrets.token_hex(4)}",
        "DOCPROC_API_KEYS": f"p:pipeline:{secrets.token_urlsafe(24)}",
        "DOCPROC_STORAGE_KEY": secrets.token_bytes(32).hex(),
        "DOCPROC_REQUIRE_WORKER": "0",
    }
    env.pop("DATABASE_URL", None)
    settings = load_settings(env=env)
    service = Service(settings)
    migrate(service.db)
    client = Client("p", "pipeline")
    jobs = {}
    for case in ("waiting", "gone", "finished", "started_long_ago", "started_now"):
        dossier = service.create_dossier(client, date(2025, 10, 1))
        service.accept_upload(
            client, dossier, "avis.pdf", sample_pdf, "application/pdf", None, None
        )
        with service.db.read() as s:
            jobs[case] = s.scalars(select(Job).where(Job.dossier_id == dossier)).one()
    redis = Redis.from_url(redis_server.url)
    key = {case: RQJob.key_for(job.rq_id or "") for case, job in jobs.items()}
    redis.delete(key["gone"])
    redis.hset(key["finished"], "status", "finished")
    long_ago = utcnow() - timedelta(seconds=60)
    redis.hset(
        key["started_long_ago"], mapping={"status": "started", "started_at": utcformat(long_ago)}
    )
    redis.hset(key["started_now"], mapping={"status": "started", "started_at": utcformat(utcnow())})
    with service.db.write() as s:  # all queued long enough to be checked
        s.execute(update(Job).values(enqueued_at=long_ago))
    report = reconcile(service.db, JobQueue(redis, settings), settings)
    assert sorted(report.requeued_ids) == sorted(
        jobs[c].id for c in ("gone", "finished", "started_long_ago")
    )
    assert report.lost_requeued == 3
    with service.db.read() as s:
        now = {j.id: j for j in s.scalars(select(Job))}
    for case, job in jobs.items():
        again = case in ("gone", "finished", "started_long_ago")
        assert now[job.id].status == JOB_QUEUED
        assert (now[job.id].rq_id != job.rq_id) is again, case
        assert (now[job.id].enqueues == job.enqueues + 1) is again, case
        assert redis.exists(RQJob.key_for(now[job.id].rq_id or ""))
    service.db.dispose()
