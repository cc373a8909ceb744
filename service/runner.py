"""One worker process: an RQ ``SimpleWorker`` plus a heartbeat thread and the reconciler.

Why ``SimpleWorker`` (jobs run in the worker process, no fork per job): measured here, the
forking worker costs 11–13 ms per job against 2 ms, and the budget is 5 ms. The PDF/OCR stack
(``docproc.pipeline``) is imported once, before the first job, so no job pays for it. The price
is that a job shares the worker's process, so a hostile file is contained by other means:

* ``RLIMIT_AS`` (``worker_memory_mb``): a memory bomb raises ``MemoryError`` inside the job,
  which fails it with ``fichier.ressources``; the worker carries on;
* the RQ job timeout (SIGALRM in this process) fails a job that runs too long (``fichier.delai``);
* a crash (segfault, OOM kill) ends the process: ``docproc up`` starts a new worker, the
  job's heartbeat goes stale, the reconciler re-runs it, and after ``max_attempts`` such deaths
  fails it with ``traitement.abandonne``, so one file cannot take the service down in a loop.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import resource
import secrets
import socket
import threading
import time
from typing import Any

from redis.exceptions import RedisError
from rq.serializers import JSONSerializer
from sqlalchemy.exc import SQLAlchemyError

from service import batch_driver, job_context, metrics
from service.config import ServiceSettings
from service.db import Database
from service.queue import (
    JobQueue,
    beat_presence,
    connect_redis,
    presence_key,
    reconcile,
    try_lock,
)
from service.rq_worker import DocprocJob, DocprocWorker
from service.storage import open_blob_store

log = logging.getLogger("docproc.worker")


def _can_renice() -> bool:
    """Whether this thread may lower its nice value back to 0 after raising it (root, or
    RLIMIT_NICE allowing it: ``LimitNICE=+0`` in the systemd unit)."""
    try:
        if os.getpriority(os.PRIO_PROCESS, 0) != 0:
            return False
        os.setpriority(os.PRIO_PROCESS, 0, 1)
        os.setpriority(os.PRIO_PROCESS, 0, 0)
        return True
    except OSError:
        return False


def _limit_memory(mb: int) -> None:
    if mb <= 0:
        return
    limit = mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _loop(stop: threading.Event, every: float, fn: Any, what: str) -> None:
    while not stop.wait(every):
        try:
            fn()
        except (SQLAlchemyError, RedisError, OSError) as exc:
            # Infrastructure hiccup: try again at the next tick.
            log.warning("%s: %s", what, type(exc).__name__)
        except Exception:
            log.exception("%s failed", what)


#: Seconds past the job timeout before the watchdog ends a stuck worker.
WATCHDOG_GRACE_S = 30.0


def overdue(
    started: float | None, now: float, timeout_s: float, grace_s: float = WATCHDOG_GRACE_S
) -> bool:
    """Whether the running job has outlived its timeout by more than the grace period."""
    return started is not None and now - started > timeout_s + grace_s


def build_context(settings: ServiceSettings, name: str) -> job_context.WorkerContext:
    db = Database(settings.database_url, durable=False)
    store = open_blob_store(settings, db)
    return job_context.WorkerContext(
        settings=settings, db=db, store=store, redis=connect_redis(settings.redis_url), name=name
    )


def run(settings: ServiceSettings, *, burst: bool = False) -> int:
    """Run until SIGTERM/SIGINT (warm shutdown: the current job ends first)."""
    name = f"docproc-{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
    # Preload the PDF/OCR stack in this (long-lived) process: jobs never pay its import.
    try:
        import docproc.pipeline  # noqa: F401
        from docproc.sandbox_spawn import start_early
        from docproc.settings import get_settings

        # Files are read in the sandbox process (issue 12): it loads Tesseract once, now, not
        # on the first scanned page; without the sandbox, this process reads them itself.
        start_early(warm=True)
        if not get_settings().sandbox:
            from docproc.text.tesseract import warm_up

            warm_up()
    except ImportError as exc:
        log.error("docproc.pipeline introuvable (%s)", type(exc).__name__)
        return 1
    from docproc.observe import add_observer

    add_observer(metrics.observe_library)  # OCR seconds per page → docproc_ocr_page_seconds
    _limit_memory(settings.worker_memory_mb)
    ctx = build_context(settings, name)
    job_context.set_context(ctx)
    ctx.pipeline_extract()
    # Built now, not by the first job: the metric files, the master key's sealer.
    metrics.instruments()
    ctx.sealing()
    # What is loaded now lives as long as the process: out of the collector's sight, so that
    # the full collections the jobs' allocations trigger do not walk it again and again.
    gc.collect()
    gc.freeze()

    stop = threading.Event()
    queue = JobQueue(ctx.redis, settings)

    local = threading.local()

    def reconcile_once() -> None:
        if try_lock(ctx.redis, settings.queue_name, name, settings.reconcile_every_s * 2):
            reconcile(ctx.db, queue, settings)

    def drive_batches() -> None:
        # Agents' batch re-extractions, rate-limited, by the elected reconciler's process, in
        # a thread of its own at the batch's CPU priority (raising nice needs no privilege).
        if not getattr(local, "niced", False):
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, 0, settings.batch_nice)
            local.niced = True
        if try_lock(ctx.redis, settings.queue_name, name, settings.reconcile_every_s * 2):
            batch_driver.advance(ctx.db, queue, settings, ctx.sealing())

    def watchdog() -> None:
        # RQ's timeout is a signal, handled only between bytecodes: a file that hangs inside C
        # code would hold this worker for ever. Past the timeout and a grace period, exit: the
        # supervisor starts a new worker and the reconciler re-runs (then caps) the job.
        if overdue(ctx.current_since, time.monotonic(), settings.job_timeout_s):
            log.error(
                "job %s bloqué au-delà de son délai : le worker s'arrête pour être relancé",
                ctx.current,
            )
            os._exit(70)

    def present() -> None:  # the API refuses uploads while no worker beats (``require_worker``)
        beat_presence(ctx.redis, settings.queue_name, name, settings.worker_alive_s)

    with contextlib.suppress(RedisError):
        present()
    threads = [
        threading.Thread(
            target=_loop,
            args=(
                stop,
                min(settings.heartbeat_s, settings.worker_alive_s / 4),
                present,
                "presence",
            ),
            name="presence",
            daemon=True,
        ),
        threading.Thread(
            target=_loop, args=(stop, 5.0, watchdog, "watchdog"), name="watchdog", daemon=True
        ),
        threading.Thread(
            target=_loop,
            args=(stop, settings.heartbeat_s, lambda: job_context.beat(ctx), "heartbeat"),
            name="heartbeat",
            daemon=True,
        ),
        threading.Thread(
            target=_loop,
            args=(stop, settings.reconcile_every_s, reconcile_once, "reconciler"),
            name="reconciler",
            daemon=True,
        ),
        threading.Thread(
            target=_loop,
            args=(stop, settings.reconcile_every_s, drive_batches, "batches"),
            name="batches",
            daemon=True,
        ),
    ]
    for t in threads:
        t.start()
    DocprocWorker.batch_queue = settings.batch_queue_name
    DocprocWorker.batch_nice = settings.batch_nice if settings.batch_nice and _can_renice() else 0
    if settings.batch_nice and not DocprocWorker.batch_nice:
        log.warning(
            "batch jobs run at normal CPU priority (nice cannot be restored here: LimitNICE=+0)"
        )
    try:
        while not DocprocWorker.stop_requested:
            redis = connect_redis(settings.redis_url, for_worker=True)
            try:
                # Interactive first: RQ takes from the first non-empty queue in this order.
                worker = DocprocWorker(
                    [settings.queue_name, settings.batch_queue_name],
                    connection=redis,
                    name=f"{name}-{secrets.token_hex(2)}",
                    serializer=JSONSerializer,
                    job_class=DocprocJob,
                )
                worker.work(burst=burst, logging_level="WARNING", with_scheduler=False)
            except RedisError as exc:
                log.warning("worker: Redis unavailable (%s), retrying", type(exc).__name__)
            if burst:
                break
            if not DocprocWorker.stop_requested:
                time.sleep(1.0)  # RQ quit on a Redis error: reconnect with a fresh worker
    finally:
        stop.set()
        with contextlib.suppress(RedisError):
            ctx.redis.zrem(presence_key(settings.queue_name), name)
        ctx.db.dispose()
    return 0
