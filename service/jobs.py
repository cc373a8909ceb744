"""The RQ job: extract one dossier, idempotently, with the database as the source of truth.

``process_job(job_id)`` is the only function RQ calls; its only argument is an id. It:

1. claims the job row atomically (``queued`` → ``started``); a duplicate delivery, a job
   already covered by a newer result, or a job another worker holds, ends here with no work;
2. reads and decrypts every file of the dossier and runs ``docproc.pipeline.extract`` on them
   together (pages of one avis may be spread over several files);
3. stores the result if it is newer than the stored one, and marks finished every job of the
   dossier that this result covers, so they are never run again.

Failures are recorded with a reason code. Infrastructure faults (database, Redis, storage)
are retried with exponential backoff through the reconciler; anything the file can cause
(a pipeline exception, a timeout, memory exhaustion) fails the job at once, never retried.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from datetime import timedelta
from typing import Any

from redis.exceptions import RedisError
from rq.timeouts import JobTimeoutException
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError

from docproc.errors import Reason
from service import hooks, logs, metrics
from service import job_sql as sql
from service.db import (
    DOSSIERS,
    FILES,
    JOB_FAILED,
    JOB_FINISHED,
    JOB_QUEUED,
    JOB_STARTED,
    JOBS,
    utcnow,
)
from service.job_context import WorkerContext, get_context
from service.job_input import Claim, ClaimedFile, load, result_json
from service.storage import StorageError

log = logging.getLogger("docproc.jobs")


def process_job(job_id: str) -> dict[str, Any]:
    """RQ entry point (``service.jobs.process_job``); returns a small status dict of ids."""
    # The job's log context (job, dossier, request ids) ends with the job.
    return contextvars.copy_context().run(run_job, get_context(), job_id)


def run_job(ctx: WorkerContext, job_id: str) -> dict[str, Any]:
    claim = _claim(ctx, job_id)
    if claim is None:
        return {"job_id": job_id, "status": "skipped"}
    started = time.monotonic()
    ctx.current, ctx.current_since, ctx.last_extract_s, ctx.last_pages = job_id, started, None, None
    logs.bind_job(job_id, claim.dossier_id)
    wait = (utcnow() - claim.enqueued_at).total_seconds() if claim.enqueued_at is not None else None
    if wait is not None:
        metrics.record_queue_wait(wait)
    log.info(
        "job started",
        extra={
            "event": "job.start",
            "attempt": claim.attempt,
            "queue_wait_ms": None if wait is None else round(wait * 1000, 1),
        },
    )
    try:
        outcome, reason, parked = _work(ctx, claim)
    finally:
        ctx.current, ctx.current_since = None, None
    if parked:
        with contextlib.suppress(RedisError):
            _push(ctx, parked)
    elapsed = time.monotonic() - started
    if outcome in (JOB_FINISHED, JOB_FAILED):
        latency = (utcnow() - claim.created_at).total_seconds()
        metrics.record_job(outcome, reason, elapsed, latency, ctx.last_extract_s)
    log.info(
        "job %s%s",
        outcome,
        f" ({reason})" if reason else "",
        extra={
            "event": "job.end",
            "outcome": outcome,
            "reason": reason,
            "attempt": claim.attempt,
            "duration_ms": round(elapsed * 1000, 1),
            "pages": ctx.last_pages,
        },
    )
    return {"job_id": job_id, "status": outcome, "reason": reason}


_J, _D, _F = JOBS, DOSSIERS, FILES


_PARKED = select(_J.c.id, _J.c.enqueues, _J.c.kind).where(
    _J.c.dossier_id == bindparam("dossier_id"),
    _J.c.status == JOB_QUEUED,
    _J.c.rq_id.is_(None),
    _J.c.reason == Reason.busy.value,
)


def _claim(ctx: WorkerContext, job_id: str) -> Claim | None:
    """Take the job (queued → started) in one transaction, or decide there is nothing to do."""
    now = utcnow()
    fresh = now - timedelta(seconds=ctx.settings.stale_after_s)
    with ctx.db.write_conn() as conn:
        rows = conn.execute(sql.CLAIM_READ, {"job_id": job_id, "fresh": fresh}).all()
        row = rows[0] if rows else None
        if row is None:
            return None  # its dossier was deleted
        if row.status != JOB_QUEUED or (row.not_before is not None and row.not_before > now):
            return None  # finished, failed, held by another worker, or a retry not yet due
        if row.result_generation is not None and row.result_generation >= row.generation:
            # Another run already covered this job's files: no duplicate work.
            conn.execute(
                sql.JOB_UPDATE.values(status=JOB_FINISHED, finished_at=now, reason=None),
                {"b_job": job_id},
            )
            return None
        if row.busy:
            # One run per dossier at a time: the running one re-enqueues this job when it
            # ends (or marks it covered); if it dies, the reconciler does, after not_before.
            conn.execute(
                sql.JOB_UPDATE.values(
                    reason=Reason.busy.value,
                    rq_id=None,
                    not_before=now + timedelta(seconds=ctx.settings.stale_after_s),
                ),
                {"b_job": job_id},
            )
            return None
        attempt = row.attempts + 1
        conn.execute(
            sql.START, {"b_job": job_id, "b_attempt": attempt, "b_worker": ctx.name, "b_now": now}
        )
    return Claim(
        job_id,
        row.dossier_id,
        attempt,
        row.created_at,
        row.enqueued_at,
        row.dossier_generation,
        row.request_date,
        row.data_key,
        tuple(
            ClaimedFile(r.file_id, r.name_sealed, r.wrapped_key, r.media_type, r.file_created_at)
            for r in rows
            if r.file_id is not None
        ),
    )


Parked = list[tuple[str, str, str]]  # (job id, RQ id, kind)


def _work(ctx: WorkerContext, claim: Claim) -> tuple[str, str | None, Parked]:
    try:
        hooks.before_job(claim.attempt)
        loaded = load(ctx, claim)
        if loaded is None:
            return "gone", None, []
        generation, request_date, uploads, ids = loaded
        hooks.before_extract()
        extract = ctx.pipeline_extract()
        t0 = time.perf_counter()
        result = extract(uploads, request_date).to_contract()
        ctx.last_extract_s = time.perf_counter() - t0
        stored = result_json(result, ids)
        ctx.last_pages = sum(
            int(f.get("pages") or 0) for f in result.get("files", []) if isinstance(f, dict)
        )
    except JobTimeoutException:
        return _fail(ctx, claim, Reason.timeout.value)
    except MemoryError:
        return _fail(ctx, claim, Reason.resources.value)
    except (SQLAlchemyError, RedisError, StorageError, OSError) as exc:
        return _retry_later(ctx, claim, _infra_reason(exc))
    except Exception as exc:  # the pipeline must not raise for a bad file: a bug, or a hostile file
        reason = getattr(getattr(exc, "reason", None), "value", None) or Reason.internal.value
        if getattr(exc, "retryable", False):
            return _retry_later(ctx, claim, reason)
        log.error("job %s: extraction raised %s", claim.job_id, type(exc).__name__)
        return _fail(ctx, claim, reason)
    try:
        parked = _store(ctx, claim, generation, stored)
    except SQLAlchemyError as exc:
        return _retry_later(ctx, claim, _infra_reason(exc))
    return JOB_FINISHED, None, parked


def _infra_reason(exc: BaseException) -> str:
    if isinstance(exc, SQLAlchemyError):
        return Reason.infra_database.value
    if isinstance(exc, RedisError):
        return Reason.infra_redis.value
    return Reason.infra_storage.value


def _unpark(conn: Any, dossier_id: str) -> Parked:
    """In the caller's transaction: give the dossier's parked jobs a new RQ id."""
    from service.queue import rq_id

    rows = conn.execute(_PARKED, {"dossier_id": dossier_id}).all()
    out: Parked = []
    now = utcnow()
    for row in rows:
        new_rq = rq_id(row.id, row.enqueues + 1)
        conn.execute(
            update(_J)
            .where(_J.c.id == row.id)
            .values(
                rq_id=new_rq,
                enqueues=row.enqueues + 1,
                enqueued_at=now,
                not_before=None,
                reason=None,
            )
        )
        out.append((row.id, new_rq, row.kind))
    return out


def _push(ctx: WorkerContext, parked: Parked) -> None:
    from service.queue import JobQueue

    queue = JobQueue(ctx.redis, ctx.settings)
    for job_id, enqueue_id, kind in parked:
        queue.enqueue(job_id, enqueue_id, kind)


def _store(ctx: WorkerContext, claim: Claim, generation: int, plain: bytes) -> Parked:
    """Seal and store the result (``plain``: its JSON text, ``job_input.result_json``)."""
    now = utcnow()
    key = claim.data_key
    place = (claim.dossier_id, "dossiers.result", claim.dossier_id)
    # Sealed with the key the claim read, before the transaction: a dossier deleted during
    # the run has no row left for any statement below to touch, so nothing of it is written.
    sealed = ctx.sealing().seal_encoded(key, *place, plain) if key is not None else None
    with ctx.db.write_conn() as conn:
        if sealed is None:
            key = conn.execute(sql.DATA_KEY, {"dossier_id": claim.dossier_id}).scalar()
            if key is None:
                return []  # the dossier was deleted during the run: nothing of it is written
            sealed = ctx.sealing().seal_encoded(key, *place, plain)
        conn.execute(
            sql.STORE_RESULT,
            {
                "b_dossier": claim.dossier_id,
                "b_generation": generation,
                "b_result": sealed,
                "b_now": now,
            },
        )
        conn.execute(
            sql.FINISH_MINE, {"b_job": claim.job_id, "b_attempt": claim.attempt, "b_now": now}
        )
        if conn.execute(sql.ANY_QUEUED, {"dossier_id": claim.dossier_id}).first() is None:
            return []  # the common case: no other job of the dossier to cover or to unpark
        # Jobs of the same dossier that this result covers need no run of their own.
        conn.execute(
            sql.COVER, {"b_dossier": claim.dossier_id, "b_generation": generation, "b_now": now}
        )
        return _unpark(conn, claim.dossier_id)


def _fail(ctx: WorkerContext, claim: Claim, reason: str) -> tuple[str, str | None, Parked]:
    with ctx.db.write_conn() as conn:
        conn.execute(
            update(_J)
            .where(
                _J.c.id == claim.job_id, _J.c.status == JOB_STARTED, _J.c.attempts == claim.attempt
            )
            .values(status=JOB_FAILED, reason=reason, finished_at=utcnow(), worker=None)
        )
        parked = _unpark(conn, claim.dossier_id)
    return JOB_FAILED, reason, parked


def _retry_later(ctx: WorkerContext, claim: Claim, reason: str) -> tuple[str, str | None, Parked]:
    """Back to ``queued`` with a backoff; the reconciler enqueues it when due."""
    settings = ctx.settings
    if claim.attempt >= settings.max_attempts:
        log.warning("job %s: %s, no attempt left", claim.job_id, reason)
        return _fail(ctx, claim, reason)
    delay = min(settings.retry_backoff_s * 2 ** (claim.attempt - 1), 60.0)
    log.warning("job %s: %s, retry in %.1f s", claim.job_id, reason, delay)
    # If the database itself is down this raises: RQ records the failure, the heartbeat
    # goes stale and the reconciler re-runs the job once the database is back.
    with ctx.db.write_conn() as conn:
        conn.execute(
            update(_J)
            .where(
                _J.c.id == claim.job_id, _J.c.status == JOB_STARTED, _J.c.attempts == claim.attempt
            )
            .values(
                status=JOB_QUEUED,
                reason=reason,
                rq_id=None,
                worker=None,
                not_before=utcnow() + timedelta(seconds=delay),
            )
        )
        parked = _unpark(conn, claim.dossier_id)
    return "retry", reason, parked
