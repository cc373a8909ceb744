"""The RQ queue (JSON serializer, ids only) and the reconciler that makes Redis disposable.

Delivery is at-least-once: the database row of a job is written before its RQ job, and the
job function claims the row atomically, so a job enqueued twice runs once. What Redis loses
(a restart without AOF, an enqueue that failed) and what a dead worker abandons is found here
by comparing the database with Redis, then enqueued again; a job abandoned ``max_attempts``
times is failed with ``traitement.abandonne`` (a file that kills the worker is not re-run forever).
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from redis import Redis
from rq import Queue
from rq.job import Job as RQJob
from rq.job import JobStatus
from rq.serializers import JSONSerializer
from rq.utils import str_to_date
from sqlalchemy import CursorResult, Row, and_, or_, select, update

from docproc.errors import Reason
from service.config import ServiceSettings
from service.db import JOB_FAILED, JOB_QUEUED, JOB_STARTED, Database, Job, utcnow

log = logging.getLogger("docproc.queue")

JOB_FUNCTION = "service.jobs.process_job"
#: RQ states in which the RQ job will still reach a worker.
_ALIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}
_BATCH = 500


def connect_redis(url: str, *, for_worker: bool = False) -> Redis:
    """A client for ``url``; API clients time out fast so an upload never hangs on Redis."""
    if for_worker:
        # The worker blocks in BLPOP for its dequeue timeout: no socket timeout there.
        return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def rq_id(job_id: str, enqueues: int) -> str:
    return f"{job_id}-{enqueues}"


#: Job kinds that go to the batch queue; uploads' extractions go to the interactive one.
BATCH_KINDS = frozenset({"reextraction"})


class JobQueue:
    """Two RQ queues: ``queue`` (interactive: uploads) and ``batch`` (re-extractions); every
    worker listens on both in that order, so an upload waits at most for the job in hand."""

    def __init__(self, redis: Redis, settings: ServiceSettings) -> None:
        self.redis = redis
        self.settings = settings
        self.queue = Queue(
            settings.queue_name,
            connection=redis,
            serializer=JSONSerializer,
            default_timeout=settings.job_timeout_s,
        )
        self.batch = Queue(
            settings.batch_queue_name,
            connection=redis,
            serializer=JSONSerializer,
            default_timeout=settings.job_timeout_s,
        )

    def enqueue(self, job_id: str, enqueue_id: str, kind: str = "extraction") -> None:
        """Push the job id to RQ on the queue of its kind (and the request id that queued it,
        for the worker's log lines)."""
        from service.logs import current_request_id

        request_id = current_request_id()
        queue = self.batch if kind in BATCH_KINDS else self.queue
        queue.enqueue(
            JOB_FUNCTION,
            job_id,
            job_id=enqueue_id,
            meta={"request_id": request_id} if request_id else None,
            job_timeout=self.settings.job_timeout_s,
            result_ttl=self.settings.rq_result_ttl_s,
            failure_ttl=self.settings.rq_failure_ttl_s,
            description="docproc job",
        )

    def depth(self) -> int:
        return int(self.queue.count) + int(self.batch.count)

    def delete_jobs(self, rq_ids: list[str], *, running_too: bool = False) -> None:
        """Drop every trace of RQ jobs when their dossier is deleted: queue entry, job hash,
        results, executions and registry entries.

        A job a worker is running is left to that worker (``running_too`` is for the worker
        itself, once the job has ended): deleting its hash under RQ's feet makes RQ record a
        failure, hash and traceback included, for ``rq_failure_ttl_s``. The worker purges it
        when the job ends (``rq_worker.DocprocWorker``); finished jobs keep nothing
        (``rq_result_ttl_s`` = 0 by default).
        """
        if not rq_ids:
            return
        if not running_too:
            # First say that these jobs are to be purged, then look at them: a job seen running
            # below is purged by its worker once it ends (``rq_worker.DocprocWorker``), which
            # looks for this mark after RQ is done with the job. One of the two sees the other.
            ttl = self.settings.job_timeout_s + 600
            marks = self.redis.pipeline(transaction=False)
            for rid in rq_ids:
                marks.set(purge_key(rid), b"1", ex=ttl)
            marks.execute()
        found = RQJob.fetch_many(rq_ids, connection=self.redis, serializer=JSONSerializer)
        purge = []
        pipe = self.redis.pipeline(transaction=False)
        for rid, job in zip(rq_ids, found, strict=True):
            if job is not None and not running_too:
                with contextlib.suppress(Exception):
                    if job.get_status(refresh=False) == JobStatus.STARTED:
                        continue
            if job is not None:
                with contextlib.suppress(Exception):
                    job.delete(pipeline=pipe, remove_from_queue=True)
            purge.append(rid)
        started = [q.started_job_registry.key for q in (self.queue, self.batch)]
        registries = [
            r.key
            for q in (self.queue, self.batch)
            for r in (
                q.started_job_registry,
                q.finished_job_registry,
                q.failed_job_registry,
                q.deferred_job_registry,
                q.scheduled_job_registry,
                q.canceled_job_registry,
            )
        ]
        for rid in purge:
            pipe.lrem(self.queue.key, 0, rid)
            pipe.lrem(self.batch.key, 0, rid)
            pipe.delete(
                RQJob.key_for(rid),
                RQJob.dependents_key_for(rid),
                f"rq:results:{rid}",
                f"rq:executions:{rid}",
                purge_key(rid),
            )
            for key in registries:
                pipe.zrem(key, rid)
        pipe.execute()
        # Started-registry entries are "<rq id>:<execution id>".
        for key in started:
            stale = [m for rid in purge for m, _ in self.redis.zscan_iter(key, match=f"{rid}:*")]
            if stale:
                self.redis.zrem(key, *stale)


def purge_key(rq_id: str) -> str:
    """Set while the RQ job ``rq_id`` of a deleted dossier is to be purged by its worker."""
    return f"docproc:purge:{rq_id}"


@dataclass
class ReconcileReport:
    abandoned_requeued: int = 0
    abandoned_failed: int = 0
    lost_requeued: int = 0
    retries_enqueued: int = 0
    requeued_ids: list[str] = field(default_factory=list)


def _enqueue_again(
    db: Database,
    queue: JobQueue,
    job: Job | Row[str, str | None, int, str],
    expect_status: str,
    extra: list[Any],
) -> bool:
    """Give the job a new RQ id in the DB (guarded against races), then push it."""
    new_rq = rq_id(job.id, job.enqueues + 1)
    with db.write() as s:
        done = _rowcount(
            s.execute(
                update(Job)
                .where(
                    Job.id == job.id,
                    Job.status == expect_status,
                    Job.enqueues == job.enqueues,
                    *extra,
                )
                .values(
                    status=JOB_QUEUED,
                    rq_id=new_rq,
                    enqueues=job.enqueues + 1,
                    enqueued_at=utcnow(),
                    not_before=None,
                    worker=None,
                )
            )
        )
    if done:
        queue.enqueue(job.id, new_rq, job.kind)
    return bool(done)


def reconcile(db: Database, queue: JobQueue, settings: ServiceSettings) -> ReconcileReport:
    """One pass: abandoned jobs, retries that are due, queued jobs that Redis does not hold."""
    report = ReconcileReport()
    now = utcnow()

    stale_before = now - timedelta(seconds=settings.stale_after_s)
    with db.read() as s:
        stale = list(
            s.scalars(
                select(Job)
                .where(Job.status == JOB_STARTED, Job.heartbeat_at < stale_before)
                .order_by(Job.heartbeat_at)
                .limit(_BATCH)
            )
        )
    for job in stale:
        guard = [Job.heartbeat_at == job.heartbeat_at, Job.attempts == job.attempts]
        if job.attempts >= settings.max_attempts:
            with db.write() as s:
                n = _rowcount(
                    s.execute(
                        update(Job)
                        .where(Job.id == job.id, Job.status == JOB_STARTED, *guard)
                        .values(
                            status=JOB_FAILED,
                            reason=Reason.abandoned.value,
                            finished_at=now,
                            worker=None,
                        )
                    )
                )
            report.abandoned_failed += n
            if n:
                log.warning("job %s abandoned %d times: failed", job.id, job.attempts)
        elif _enqueue_again(db, queue, job, JOB_STARTED, guard):
            report.abandoned_requeued += 1
            report.requeued_ids.append(job.id)
            log.warning("job %s abandoned by worker: enqueued again", job.id)

    lost_before = now - timedelta(seconds=settings.requeue_lost_after_s)
    with db.read() as s:
        due = list(
            s.scalars(
                select(Job)
                .where(
                    Job.status == JOB_QUEUED,
                    Job.rq_id.is_(None),
                    or_(Job.not_before.is_(None), Job.not_before <= now),
                )
                .order_by(Job.created_at)
                .limit(_BATCH)
            )
        )
        # Only what the check needs (up to _BATCH rows, every pass while a backlog waits).
        waiting = s.execute(
            select(Job.id, Job.rq_id, Job.enqueues, Job.kind)
            .where(
                Job.status == JOB_QUEUED,
                Job.rq_id.is_not(None),
                and_(Job.enqueued_at.is_not(None), Job.enqueued_at < lost_before),
            )
            .order_by(Job.enqueued_at)
            .limit(_BATCH)
        ).all()
    for job in due:
        if _enqueue_again(db, queue, job, JOB_QUEUED, [Job.rq_id.is_(None)]):
            report.retries_enqueued += 1
            report.requeued_ids.append(job.id)
    if waiting:
        states = _rq_states(queue.redis, [j.rq_id or "" for j in waiting])
        for row, state in zip(waiting, states, strict=True):
            if _still_alive(*state, lost_before):
                continue
            if _enqueue_again(db, queue, row, JOB_QUEUED, [Job.rq_id == row.rq_id]):
                report.lost_requeued += 1
                report.requeued_ids.append(row.id)
                log.warning("job %s missing from Redis: enqueued again", row.id)
    return report


def _rq_states(redis: Redis, rq_ids: list[str]) -> list[tuple[bytes | None, bytes | None]]:
    """Each RQ job's status and start time as its hash holds them (``None``, ``None`` when
    the hash is gone), in one round trip: what ``Job.fetch_many`` would read of them, without
    restoring every whole job (data, meta, dates)."""
    with redis.pipeline(transaction=False) as pipe:
        for rq_id_ in rq_ids:
            pipe.hmget(RQJob.key_for(rq_id_), "status", "started_at")
        return [(status, started) for status, started in pipe.execute()]


def _still_alive(status: bytes | None, started: bytes | None, lost_before: Any) -> bool:
    if status is None or status.decode() not in _ALIVE:
        return False  # no hash (or no status: RQ reads it as "created"), finished, failed…
    if status.decode() == JobStatus.STARTED:
        # Dequeued but never claimed in the DB: the worker died between the two.
        return not started or str_to_date(started).replace(tzinfo=None) >= lost_before
    return True


def presence_key(queue_name: str) -> str:
    """Sorted set of the queue's workers, scored by their last beat (Unix time)."""
    return f"docproc:{queue_name}:workers"


def beat_presence(redis: Redis, queue_name: str, worker: str, window_s: float) -> None:
    """A worker says it is alive (its heartbeat thread); entries older than the window go."""
    now = time.time()
    pipe = redis.pipeline(transaction=False)
    pipe.zadd(presence_key(queue_name), {worker: now})
    pipe.zremrangebyscore(presence_key(queue_name), "-inf", now - 10 * window_s)
    pipe.execute()


def live_workers(redis: Redis, queue_name: str, window_s: float) -> int:
    """Workers that beat within the last ``window_s`` seconds."""
    return int(redis.zcount(presence_key(queue_name), time.time() - window_s, "+inf"))


def try_lock(redis: Redis, queue_name: str, owner: str, ttl_s: float) -> bool:
    """Elect one reconciler among the workers of a queue (the lock expires if its holder dies)."""
    key = f"docproc:{queue_name}:reconciler"
    ms = max(int(ttl_s * 1000), 100)
    if redis.set(key, owner, nx=True, px=ms):
        return True
    current = redis.get(key)
    if (
        current is not None
        and (current.decode() if isinstance(current, bytes) else current) == owner
    ):
        redis.pexpire(key, ms)
        return True
    return False
