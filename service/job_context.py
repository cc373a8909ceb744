"""What a worker process opens once and every job reuses (``WorkerContext``: settings,
database, blob store, Redis, the pipeline), and the heartbeat of the job it runs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from redis import Redis
from sqlalchemy import update

from service.config import ServiceSettings
from service.db import JOB_STARTED, JOBS, Database, utcnow
from service.sealed import Sealer
from service.storage import BlobStore, load_master_key, open_blob_store


@dataclass
class WorkerContext:
    """What a worker process opens once and every job reuses."""

    settings: ServiceSettings
    db: Database
    store: BlobStore
    redis: Redis
    name: str
    current: str | None = None  # the job id being run, for the heartbeat thread
    current_since: float | None = None  # time.monotonic() when it started, for the watchdog
    last_extract_s: float | None = None  # time spent in the pipeline by the last job
    last_pages: int | None = None  # pages read by the last job (its log line)
    extract: Any = None  # docproc.pipeline.extract, imported once by the worker parent
    sealer: Sealer | None = None  # the personal columns' sealing (``service.sealed``)

    def sealing(self) -> Sealer:
        if self.sealer is None:
            self.sealer = Sealer(load_master_key(self.settings))
        return self.sealer

    def pipeline_extract(self) -> Any:
        if self.extract is None:
            from docproc.pipeline import extract

            self.extract = extract
        return self.extract


_CONTEXT: WorkerContext | None = None
_CONTEXT_LOCK = threading.Lock()


def set_context(ctx: WorkerContext | None) -> None:
    global _CONTEXT
    _CONTEXT = ctx


def get_context() -> WorkerContext:
    """The process's context; built from the environment when run by a plain ``rq worker``."""
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            from service.config import load_settings
            from service.queue import connect_redis

            settings = load_settings()
            db = Database(settings.database_url)
            _CONTEXT = WorkerContext(
                settings,
                db,
                open_blob_store(settings, db),
                connect_redis(settings.redis_url),
                name=f"rq-{id(db):x}",
            )
        return _CONTEXT


def beat(ctx: WorkerContext) -> None:
    """Refresh the heartbeat of the running job (called by the worker's heartbeat thread)."""
    job_id = ctx.current
    if job_id is None:
        return
    with ctx.db.write_conn() as conn:
        conn.execute(
            update(JOBS)
            .where(JOBS.c.id == job_id, JOBS.c.status == JOB_STARTED, JOBS.c.worker == ctx.name)
            .values(heartbeat_at=utcnow())
        )
