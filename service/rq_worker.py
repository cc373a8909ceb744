"""RQ's job and worker classes as our workers run them: a ``SimpleWorker`` (no fork per job,
see ``runner``) that sends fewer Redis round trips per job than RQ's own, with the same
effect in Redis, purges what RQ wrote of a job whose dossier was deleted while it ran, and
runs the batch queue's jobs at a lower CPU priority.

Per job, stock RQ 3 reads back a finished job's status and executions to delete it
(``result_ttl`` 0), writes the job's heartbeat to a hash it deletes a moment later, sends its
worker heartbeat as three commands on both sides of every dequeue, and marks the worker idle
twice in a row; it watches and reads a finished job's dependents (ours have none) before
closing it, and beats again right after marking the worker idle. Measured by ``docproc bench
--only service`` (queue overhead), these round trips were most of what the queue adds to a
job beyond the database's claim and store.
"""

from __future__ import annotations

import logging
import math
import os
import time
from typing import Any

from redis.exceptions import RedisError
from rq import SimpleWorker
from rq.job import Job as RQJob
from rq.job import JobStatus
from rq.results import Result
from rq.suspension import WORKERS_SUSPENDED
from rq.worker import WorkerStatus
from sqlalchemy.exc import SQLAlchemyError

from service import job_context
from service.queue import JobQueue, purge_key

log = logging.getLogger("docproc.worker")

#: A worker heartbeat or state sent less than this long ago is not sent again unchanged.
_RESEND_S = 1.0


class DocprocJob(RQJob):
    """RQ's job, cleaned up without reading anything back once it has succeeded and its result
    is not kept (``result_ttl`` 0, our default).

    RQ's ``Job.delete`` reads the job's status and, twice, its executions (five round trips);
    here the worker deletes the current execution itself (``cleanup_execution``, in the same
    closing transaction), and our RQ ids are never run twice (a job run again gets a new id:
    ``queue.rq_id``), so what is left is a list of keys to delete."""

    succeeded = False

    def perform(self) -> Any:
        value = super().perform()
        self.succeeded = True
        return value

    def heartbeat(self, timestamp: Any, ttl: int, pipeline: Any = None, xx: bool = False) -> None:
        if pipeline is None and self.succeeded and self.result_ttl == 0:
            # The end-of-execution beat: the hash is deleted in the closing transaction.
            self.last_heartbeat = timestamp
            return
        super().heartbeat(timestamp, ttl, pipeline=pipeline, xx=xx)

    def cleanup(
        self, ttl: int | None = None, pipeline: Any = None, remove_from_queue: bool = True
    ) -> None:
        if (
            ttl != 0
            or pipeline is None
            or remove_from_queue
            or getattr(self, "has_rate_limit", False)
            or self.group_id
        ):
            super().cleanup(ttl, pipeline=pipeline, remove_from_queue=remove_from_queue)
            return
        pipeline.delete(
            self.key,
            self.dependents_key,
            self.dependencies_key,
            Result.get_key(self.id),  # type: ignore[no-untyped-call]
            self.execution_registry.key,
        )


class DocprocWorker(SimpleWorker):
    """SimpleWorker that remembers a stop request across Redis reconnections, and runs the
    batch queue's jobs at a lower CPU priority (``batch_nice``) so that an upload being read
    by another worker of the same host keeps the cores (the queues order who starts first;
    this orders who gets the CPU while both run). The nice level is this thread's; the
    sandbox child that reads the job's files takes it before each file
    (``docproc.sandbox.Sandbox._follow_priority``), since that is where the CPU goes."""

    stop_requested = False
    #: Queue whose jobs run niced, and the nice level (0: off, or unavailable here).
    batch_queue: str | None = None
    batch_nice = 0
    #: When a heartbeat with RQ's default TTL, and the current state, were last sent.
    _beat_at = -math.inf
    _state_at = -math.inf
    #: When the idle state's round trip read that workers were not suspended (``rq suspend``).
    _resumed_at = -math.inf
    #: (RQ id, suspended, purge mark) as read by the last success's closing transaction.
    _closed: tuple[str, bool, bool] | None = None

    def request_stop(self, signum: Any, frame: Any) -> None:
        DocprocWorker.stop_requested = True
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        """RQ's worker heartbeat (three commands) in one round trip; and RQ beats after every
        job, in its suspension check and on both sides of every dequeue: a beat less than a
        second after one with the same TTL (the queue was not empty) is not sent."""
        now = time.monotonic()
        if pipeline is not None:
            # RQ runs these pipelines at once (the suspension check before every dequeue, the
            # job's start); a beat with another TTL (the job's) is followed by a default one.
            super().heartbeat(timeout, pipeline=pipeline)
            self._beat_at = now if timeout is None else -math.inf
            return
        if timeout is None and now - self._beat_at < _RESEND_S:
            return
        with self.connection.pipeline(transaction=False) as pipe:
            super().heartbeat(timeout, pipeline=pipe)
            pipe.execute()
        self._beat_at = now if timeout is None else -math.inf

    def set_state(self, state: str, pipeline: Any = None) -> None:
        now = time.monotonic()
        if pipeline is None and state == self.get_state() and now - self._state_at < _RESEND_S:
            return  # idle again right after a job: sent with the job's end
        super().set_state(state, pipeline=pipeline)
        self._state_at = now if pipeline is None else -math.inf

    def handle_job_success(
        self, job: Any, queue: Any, started_job_registry: Any, execution: Any
    ) -> None:
        """RQ's success handling in one round trip instead of three, when there is nothing
        else to do than its closing transaction (no result kept, no repeat, no rate limit).

        RQ watches the job's dependents and reads them before that transaction, to move
        those whose dependencies are met; our jobs have none: ``queue.JobQueue.enqueue``, the
        only producer of our queues, never passes ``depends_on``, and our RQ ids are our own
        (``queue.rq_id``). The transaction is RQ's, command for command, followed by the
        worker's idle state and heartbeat and two reads (``_idle_commands``), which were a
        round trip of their own right after it: if it fails, they are sent after the job as
        before (``_idle_and_forget``)."""
        if (
            job.get_result_ttl(self.default_result_ttl) != 0
            or job.repeats_left
            or getattr(job, "has_rate_limit", False)
        ):
            super().handle_job_success(job, queue, started_job_registry, execution)
            return
        with self.connection.pipeline() as pipeline:
            pipeline.multi()
            self.increment_successful_job_count(pipeline=pipeline)
            self.increment_total_working_time(job.ended_at - job.started_at, pipeline)
            job.cleanup(0, pipeline=pipeline, remove_from_queue=False)
            job._status = JobStatus.FINISHED
            self.cleanup_execution(job, pipeline=pipeline, execution=execution)
            # Then what ``_idle_and_forget`` would send in a round trip of its own after the
            # job: appended at the end of the transaction, read when it is applied.
            self._idle_commands(pipeline, job.id)
            *_, suspended, marked = pipeline.execute()
        self._closed = (job.id, bool(suspended), bool(marked))
        self.log.info(
            "Successfully completed job %s in %ss on worker %s",
            job.id,
            job.ended_at - job.started_at,
            self.name,
        )

    def check_for_suspension(self, burst: bool) -> None:
        """RQ's check (a heartbeat and whether ``rq suspend`` was run, one round trip) before
        each dequeue; after a job, both were just sent and read with the idle state."""
        if time.monotonic() - self._resumed_at < _RESEND_S and not self._stop_requested:
            self._resumed_at = -math.inf  # once: the next check is RQ's own
            return
        super().check_for_suspension(burst)

    def execute_job(self, job: Any, queue: Any) -> None:
        """``SimpleWorker.execute_job``, niced for the batch queue, then idle and the purge."""
        try:
            niced = bool(self.batch_nice) and queue.name == self.batch_queue
            if niced:
                # Linux: the nice value is per thread; jobs run in this (main) thread.
                os.setpriority(os.PRIO_PROCESS, 0, self.batch_nice)
            try:
                self.perform_job(job, queue, self.prepare_execution(job))
            finally:
                if niced:
                    try:
                        os.setpriority(os.PRIO_PROCESS, 0, 0)
                    except OSError:
                        DocprocWorker.batch_nice = 0
        finally:
            self._idle_and_forget(job)

    def _idle_commands(self, pipe: Any, rq_id: str) -> None:
        """Idle again, with the worker heartbeat RQ sends after every job; and read whether
        workers are suspended (``rq suspend``) and whether the job's dossier was deleted while
        it ran (the deletion marks the jobs it finds running: ``queue.purge_key``, set before
        it looks at them)."""
        super().set_state(WorkerStatus.IDLE, pipeline=pipe)
        # RQ's own heartbeat() right after the job is then not sent again (< 1 s), and its
        # suspension check before the next dequeue reads what this read.
        SimpleWorker.heartbeat(self, None, pipeline=pipe)
        pipe.exists(WORKERS_SUSPENDED)
        pipe.exists(purge_key(rq_id))

    def _idle_and_forget(self, rq_job: Any) -> None:
        """After a job: ``_idle_commands`` (in one round trip, unless the success's closing
        transaction carried them), then, if the job's dossier was deleted while it ran,
        purge what RQ wrote of it (hash, result or failure record, registries), so that
        DELETE leaves nothing behind in Redis."""
        closed, self._closed = self._closed, None
        if closed is not None and closed[0] == rq_job.id:
            _, suspended, marked = closed
        else:
            with self.connection.pipeline(transaction=False) as pipe:
                self._idle_commands(pipe, rq_job.id)
                try:
                    *_, suspended, marked = pipe.execute()
                except RedisError as exc:
                    _deferred(exc)
                    raise  # as RQ's own idle state would: the worker reconnects
        self._state_at = self._beat_at = time.monotonic()
        self._resumed_at = -math.inf if suspended else self._beat_at
        if not marked:
            return
        try:
            ctx = job_context.get_context()
            JobQueue(ctx.redis, ctx.settings).delete_jobs([rq_job.id], running_too=True)
        except (SQLAlchemyError, RedisError) as exc:
            _deferred(exc)


def _deferred(exc: BaseException) -> None:
    log.warning("purge of a deleted dossier's RQ job deferred: %s", type(exc).__name__)
