"""What drives a batch. ``advance`` is called by the workers' elected reconciler at every tick
(and by ``docproc reextract --wait``), and each call

* closes the items whose re-extraction job has ended, comparing the new result with the one
  kept in ``previous`` (the names of the fields whose value differs, per document);
* launches pending items, as a token bucket allows (``reextract_rate_per_min``) and while fewer
  than ``reextract_max_inflight`` are in flight: one transaction per item bumps the dossier's
  generation, writes the job row and marks the item ``launched`` (the reconciler re-pushes the
  job if Redis loses it), then the job goes to the **batch** queue, behind the uploads.

A stopped batch is only closed. Every update is guarded by the row's previous state, so two
drivers at once (a lock that expired) cannot launch an item twice. Nothing here logs a
document value.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field

from redis.exceptions import RedisError
from sqlalchemy import func, select, update

from service.batch_results import current_result, diff_results, open_previous, page_count
from service.batch_tables import (
    BATCH_FINISHED,
    BATCH_RUNNING,
    BATCH_STOPPED,
    ITEM_DONE,
    ITEM_FAILED,
    ITEM_LAUNCHED,
    ITEM_PENDING,
    Batch,
    BatchItem,
)
from service.config import ServiceSettings
from service.db import (
    JOB_FAILED,
    JOB_FINISHED,
    Database,
    Dossier,
    Job,
    add_reextraction_job,
    new_id,
    utcnow,
)
from service.queue import JobQueue, rq_id
from service.sealed import Sealer

log = logging.getLogger("docproc.batch")


#: Launches allowed in one burst after an idle period: ten seconds' worth, at least one.
_BURST_S = 10.0

#: Items launched per transaction.
_CHUNK = 50


@dataclass
class AdvanceReport:
    launched: int = 0
    closed: int = 0
    finished_batches: list[str] = field(default_factory=list)


def advance(
    db: Database, queue: JobQueue, settings: ServiceSettings, sealer: Sealer
) -> AdvanceReport:
    """One tick for every unfinished batch (see the module's docstring). ``sealer`` is the
    caller's own (built once from the master key), not one read from the key file per tick."""
    report = AdvanceReport()
    with db.read() as s:
        batches = list(
            s.scalars(
                select(Batch)
                .where(Batch.status.in_((BATCH_RUNNING, BATCH_STOPPED)))
                .order_by(Batch.created_at)
            )
        )
    for batch in batches:
        report.closed += _close_ended(db, batch.id, sealer)
        if batch.status == BATCH_RUNNING:
            report.launched += _launch(db, queue, settings, batch, sealer)
            if _finish_if_done(db, batch.id):
                report.finished_batches.append(batch.id)
    return report


def _close_ended(db: Database, batch_id: str, sealer: Sealer) -> int:
    with db.read() as s:
        rows = s.execute(
            select(BatchItem.dossier_id, BatchItem.job_id, Job.status)
            .join(Job, Job.id == BatchItem.job_id, isouter=True)
            .where(BatchItem.batch_id == batch_id, BatchItem.status == ITEM_LAUNCHED)
        ).all()
    ended = [(d, j, st) for d, j, st in rows if st in (JOB_FINISHED, JOB_FAILED, None)]
    closed = 0
    for start in range(0, len(ended), _CHUNK):
        now = utcnow()
        with db.write() as s:
            for dossier_id, job_id, job_status in ended[start : start + _CHUNK]:
                item = s.get(
                    BatchItem, (batch_id, dossier_id), with_for_update=True
                )  # one driver wins
                if item is None or item.status != ITEM_LAUNCHED or item.job_id != job_id:
                    continue
                result = current_result(s, sealer, dossier_id)
                item.finished_at = now
                if job_status == JOB_FINISHED:
                    item.status = ITEM_DONE
                    item.changes = diff_results(open_previous(s, sealer, item), result)
                    item.pages = page_count(result)
                else:
                    item.status = ITEM_FAILED
                closed += 1
    return closed


def _launch(
    db: Database, queue: JobQueue, settings: ServiceSettings, batch: Batch, sealer: Sealer
) -> int:
    now = utcnow()
    rate = batch.rate_per_min if batch.rate_per_min is not None else settings.reextract_rate_per_min
    with db.read() as s:
        inflight = int(
            s.scalar(
                select(func.count())
                .select_from(BatchItem)
                .where(BatchItem.batch_id == batch.id, BatchItem.status == ITEM_LAUNCHED)
            )
            or 0
        )
    room = max(0, settings.reextract_max_inflight - inflight)
    credit = batch.credit
    if rate > 0:
        elapsed = max(0.0, (now - (batch.tick_at or now)).total_seconds())
        credit = min(credit + elapsed * rate / 60.0, max(1.0, rate / 60.0 * _BURST_S))
        room = min(room, int(credit))
    with db.write() as s:
        # The bucket is refilled under a guard on the previous tick: when another driver
        # ticked meanwhile, this one launches nothing (no refill counted twice).
        ticked = s.execute(
            update(Batch)
            .where(Batch.id == batch.id, Batch.tick_at == batch.tick_at)
            .values(credit=credit, tick_at=now)
        )
    if not getattr(ticked, "rowcount", 1):
        return 0
    if room <= 0:
        return 0
    with db.read() as s:
        pending = list(
            s.scalars(
                select(BatchItem.dossier_id)
                .where(BatchItem.batch_id == batch.id, BatchItem.status == ITEM_PENDING)
                .order_by(BatchItem.seq)
                .limit(room)
            )
        )
    launched = 0
    for start in range(0, len(pending), _CHUNK):
        for job_id, first_rq in _launch_some(db, batch.id, pending[start : start + _CHUNK], sealer):
            launched += 1
            try:
                queue.enqueue(job_id, first_rq, "reextraction")
            except RedisError:
                log.warning("batch job %s not pushed to Redis: left to the reconciler", job_id)
    if launched and rate > 0:
        with db.write() as s:
            s.execute(
                update(Batch)
                .where(Batch.id == batch.id)
                .values(credit=Batch.credit - launched, updated_at=utcnow())
            )
    return launched


def _launch_some(
    db: Database, batch_id: str, dossier_ids: list[str], sealer: Sealer
) -> list[tuple[str, str]]:
    """In one transaction: for each pending item, keep the dossier's result, bump its
    generation, write its job row, mark the item launched; (job id, RQ id) to push."""
    out: list[tuple[str, str]] = []
    now = utcnow()
    with db.write() as s:
        for dossier_id in dossier_ids:
            item = s.get(BatchItem, (batch_id, dossier_id), with_for_update=True)  # one driver wins
            if item is None or item.status != ITEM_PENDING:
                continue
            dossier = s.get(Dossier, dossier_id)
            if dossier is None:
                continue  # deleted meanwhile (its item goes with it)
            job_id = new_id()
            first_rq = rq_id(job_id, 1)
            # The result before the re-extraction is personal data: sealed like the dossier's own.
            previous = current_result(s, sealer, dossier_id)
            item.previous = (
                None
                if previous is None
                else {
                    "sealed": base64.b64encode(
                        sealer.seal(
                            dossier.data_key or b"",
                            dossier_id,
                            "batch_items.previous",
                            batch_id,
                            previous,
                        )
                        or b""
                    ).decode()
                }
            )
            add_reextraction_job(s, dossier, job_id, first_rq, now)
            item.status, item.job_id, item.launched_at = ITEM_LAUNCHED, job_id, now
            out.append((job_id, first_rq))
    return out


def _finish_if_done(db: Database, batch_id: str) -> bool:
    with db.write() as s:
        open_items = s.scalar(
            select(func.count())
            .select_from(BatchItem)
            .where(
                BatchItem.batch_id == batch_id, BatchItem.status.in_((ITEM_PENDING, ITEM_LAUNCHED))
            )
        )
        if open_items:
            return False
        now = utcnow()
        done = s.execute(
            update(Batch)
            .where(Batch.id == batch_id, Batch.status == BATCH_RUNNING)
            .values(status=BATCH_FINISHED, finished_at=now, updated_at=now)
        )
        return bool(getattr(done, "rowcount", 0))
