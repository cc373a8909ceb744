"""Batch re-extraction for agents (``POST /reextract``, ``docproc reextract``).

A batch is a selection of dossiers (ids, status, kind, date range) frozen into ``batch_items``
rows when it is created. Its state lives in the database only, so it survives a crash of
whatever drives it: ``advance`` is called by the workers' elected reconciler at every tick
(and by ``docproc reextract --wait``), and each call

* closes the items whose re-extraction job has ended, comparing the new result with the one
  kept in ``previous`` (the names of the fields whose value differs, per document);
* launches pending items, as a token bucket allows (``reextract_rate_per_min``) and while fewer
  than ``reextract_max_inflight`` are in flight: one transaction per item bumps the dossier's
  generation, writes the job row and marks the item ``launched`` (the reconciler re-pushes the
  job if Redis loses it), then the job goes to the **batch** queue, behind the uploads.

A stopped batch launches nothing more (what is in flight still ends and is counted); resuming
sets it running again. Every update is guarded by the row's previous state, so two drivers at
once (a lock that expired) cannot launch an item twice. Nothing here logs a document value.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import and_, func, select, update

from service.db import (
    BATCH_FINISHED,
    BATCH_RUNNING,
    BATCH_STOPPED,
    ITEM_DONE,
    ITEM_FAILED,
    ITEM_LAUNCHED,
    ITEM_PENDING,
    JOB_FAILED,
    JOB_FINISHED,
    JOB_QUEUED,
    JOB_STARTED,
    Batch,
    BatchItem,
    Database,
    Dossier,
    Job,
    StoredFile,
    add_reextraction_job,
    new_id,
    utcnow,
)
from service.queue import JobQueue, rq_id
from service.sealed import Sealer
from service.settings import ServiceSettings
from service.storage import load_master_key

log = logging.getLogger("docproc.batch")

DOSSIER_STATUSES = ("complete", "failed", "processing")
DOCUMENT_STATUSES = ("accepted", "rejected", "needs_review")
#: Launches allowed in one burst after an idle period: ten seconds' worth, at least one.
_BURST_S = 10.0
#: Items launched per transaction.
_CHUNK = 50


class BatchError(ValueError):
    """A selection that cannot be run (bad filter); the message is French and content-free."""


@dataclass(frozen=True)
class Selection:
    dossier_ids: tuple[str, ...] = ()
    status: str | None = None
    kind: str | None = None
    since: date | None = None
    until: date | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "dossier_ids": list(self.dossier_ids),
            "status": self.status,
            "kind": self.kind,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }

    @classmethod
    def parse(cls, body: dict[str, Any]) -> Selection:
        """From the JSON body of ``POST /reextract`` (or the CLI's options)."""
        import re

        unknown = set(body) - {"dossier_ids", "status", "kind", "since", "until", "rate_per_min"}
        if unknown:
            raise BatchError(f"Clé inconnue : {sorted(unknown)[0]}.")
        ids = body.get("dossier_ids") or []
        if not isinstance(ids, list) or not all(
            isinstance(i, str) and re.fullmatch(r"[0-9a-f]{32}", i) for i in ids
        ):
            raise BatchError("dossier_ids doit être une liste d'identifiants de dossier.")
        status = body.get("status")
        if status is not None and status not in DOSSIER_STATUSES + DOCUMENT_STATUSES:
            raise BatchError(
                "status doit valoir " + ", ".join(DOSSIER_STATUSES + DOCUMENT_STATUSES) + "."
            )
        kind = body.get("kind")
        if kind is not None and (
            not isinstance(kind, str) or not re.fullmatch(r"[a-z_]{1,64}", kind)
        ):
            raise BatchError("kind doit être un type de document (par exemple avis_impot_revenu).")

        def day(key: str) -> date | None:
            raw = body.get(key)
            if raw is None:
                return None
            try:
                return date.fromisoformat(str(raw))
            except ValueError as exc:
                raise BatchError(f"{key} doit être une date AAAA-MM-JJ.") from exc

        since, until = day("since"), day("until")
        if since and until and since > until:
            raise BatchError("since est postérieure à until.")
        return cls(tuple(dict.fromkeys(ids)), status, kind, since, until)


def _dossier_status(
    generation: int, result_generation: int | None, live: bool, failed: bool
) -> str:
    if live:
        return "processing"
    if result_generation is not None and result_generation >= generation:
        return "complete"
    return "failed" if failed else "processing"


def select_dossiers(db: Database, sel: Selection, sealer: Sealer) -> list[str]:
    """Ids of the dossiers matching every filter given, oldest first; dossiers without files
    are left out (nothing to read again)."""
    has_files = select(StoredFile.id).where(StoredFile.dossier_id == Dossier.id).exists()
    query = select(Dossier.id, Dossier.generation, Dossier.result_generation).where(has_files)
    if sel.dossier_ids:
        query = query.where(Dossier.id.in_(sel.dossier_ids))
    if sel.since:
        query = query.where(Dossier.created_at >= datetime.combine(sel.since, datetime.min.time()))
    if sel.until:
        query = query.where(
            Dossier.created_at
            < datetime.combine(sel.until + timedelta(days=1), datetime.min.time())
        )
    query = query.order_by(Dossier.created_at, Dossier.id)
    needs_result = sel.kind is not None or sel.status in DOCUMENT_STATUSES
    with db.read() as s:
        rows = s.execute(query).all()
        live: set[str] = set()
        failed: set[str] = set()
        if sel.status in DOSSIER_STATUSES and rows:
            for dossier_id, status in s.execute(
                select(Job.dossier_id, Job.status)
                .distinct()
                .where(Job.status.in_((JOB_QUEUED, JOB_STARTED, JOB_FAILED)))
            ):
                (failed if status == JOB_FAILED else live).add(dossier_id)
        out = []
        for dossier_id, generation, result_generation in rows:
            if (
                sel.status in DOSSIER_STATUSES
                and _dossier_status(
                    generation, result_generation, dossier_id in live, dossier_id in failed
                )
                != sel.status
            ):
                continue
            if needs_result:
                result = _result(s, sealer, dossier_id) or {}
                docs = [d for d in result.get("documents", []) if isinstance(d, dict)]
                if sel.kind is not None and not any(d.get("kind") == sel.kind for d in docs):
                    continue
                if sel.status in DOCUMENT_STATUSES and not any(
                    d.get("status") == sel.status for d in docs
                ):
                    continue
            out.append(dossier_id)
    return out


def create_batch(
    db: Database, owner: str, sel: Selection, rate_per_min: float | None = None, *, sealer: Sealer
) -> tuple[str, int]:
    """Freeze the selection into a running batch; (batch id, number of dossiers)."""
    if rate_per_min is not None and rate_per_min < 0:
        raise BatchError("rate_per_min doit être positif ou nul.")
    ids = select_dossiers(db, sel, sealer)
    batch_id, now = new_id(), utcnow()
    with db.write() as s:
        s.add(
            Batch(
                id=batch_id,
                owner=owner,
                filters=sel.as_json(),
                status=BATCH_RUNNING if ids else BATCH_FINISHED,
                total=len(ids),
                rate_per_min=rate_per_min,
                credit=1.0,
                tick_at=now,
                created_at=now,
                updated_at=now,
                finished_at=None if ids else now,
            )
        )
        s.flush()
        s.add_all(
            [
                BatchItem(batch_id=batch_id, dossier_id=d, seq=i, status=ITEM_PENDING)
                for i, d in enumerate(ids)
            ]
        )
    log.info("batch %s created: %d dossier(s)", batch_id, len(ids))
    return batch_id, len(ids)


def set_running(db: Database, batch_id: str, running: bool) -> str | None:
    """Stop or resume; the batch's status afterwards (a finished batch stays finished), or
    None when there is no such batch."""
    with db.write() as s:
        batch = s.get(Batch, batch_id)
        if batch is None:
            return None
        if batch.status != BATCH_FINISHED:
            batch.status = BATCH_RUNNING if running else BATCH_STOPPED
            batch.tick_at = batch.updated_at = utcnow()
        return batch.status


# -- comparing two results -------------------------------------------------------------------


def _documents(result: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Documents by their stable id when they have one, else by kind and rank."""
    out: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for doc in (result or {}).get("documents", []):
        if not isinstance(doc, dict):
            continue
        key = doc.get("id")
        if not isinstance(key, str):
            kind = str(doc.get("kind"))
            seen[kind] = seen.get(kind, 0) + 1
            key = f"{kind}#{seen[kind]}"
        out[key] = doc
    return out


def diff_results(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Per document: the names of the fields whose value differs (added and removed included),
    plus ``status`` and ``kind`` when those changed. Values themselves are not copied."""
    old, new = _documents(before), _documents(after)
    out: list[dict[str, Any]] = []
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key), new.get(key)
        if a is None or b is None:
            out.append(
                {
                    "document": key,
                    "kind": (b or a or {}).get("kind"),
                    "change": "added" if a is None else "removed",
                    "fields": [],
                }
            )
            continue
        fa, fb = a.get("fields") or {}, b.get("fields") or {}
        names = sorted(n for n in set(fa) | set(fb) if fa.get(n, _MISSING) != fb.get(n, _MISSING))
        names += [k for k in ("kind", "status") if a.get(k) != b.get(k)]
        if names:
            out.append(
                {"document": key, "kind": b.get("kind"), "change": "modified", "fields": names}
            )
    return out


_MISSING = object()


def _result(s: Any, sealer: Sealer, dossier_id: str) -> dict[str, Any] | None:
    """The dossier's current result, opened (it is sealed at rest, ``service.sealed``)."""
    row = s.execute(
        select(Dossier.data_key, Dossier.result_sealed).where(Dossier.id == dossier_id)
    ).first()
    if row is None:
        return None
    result = sealer.open(
        row.data_key or b"", dossier_id, "dossiers.result", dossier_id, row.result_sealed
    )
    return result if isinstance(result, dict) else None


def _open_previous(s: Any, sealer: Sealer, item: BatchItem) -> dict[str, Any] | None:
    sealed = (item.previous or {}).get("sealed")
    if not sealed:
        return None
    key = s.scalar(select(Dossier.data_key).where(Dossier.id == item.dossier_id)) or b""
    previous = sealer.open(
        key, item.dossier_id, "batch_items.previous", item.batch_id, base64.b64decode(sealed)
    )
    return previous if isinstance(previous, dict) else None


def _pages(result: dict[str, Any] | None) -> int:
    total = 0
    for f in (result or {}).get("files", []):
        if isinstance(f, dict) and isinstance(f.get("pages"), int):
            total += f["pages"]
    return total


# -- driving ---------------------------------------------------------------------------------


@dataclass
class AdvanceReport:
    launched: int = 0
    closed: int = 0
    finished_batches: list[str] = field(default_factory=list)


def advance(db: Database, queue: JobQueue, settings: ServiceSettings) -> AdvanceReport:
    """One tick for every unfinished batch (see the module's docstring)."""
    report = AdvanceReport()
    sealer = Sealer(load_master_key(settings))
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
                result = _result(s, sealer, dossier_id)
                item.finished_at = now
                if job_status == JOB_FINISHED:
                    item.status = ITEM_DONE
                    item.changes = diff_results(_open_previous(s, sealer, item), result)
                    item.pages = _pages(result)
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
            previous = _result(s, sealer, dossier_id)
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


# -- progress --------------------------------------------------------------------------------


def progress(db: Database, batch_id: str, *, max_dossiers: int = 1000) -> dict[str, Any] | None:
    """What ``GET /reextract/{id}`` answers: counts, pages per minute, what changed."""
    with db.read() as s:
        batch = s.get(Batch, batch_id)
        if batch is None:
            return None
        counts = dict(
            s.execute(
                select(BatchItem.status, func.count())
                .where(BatchItem.batch_id == batch_id)
                .group_by(BatchItem.status)
            ).all()
        )
        first, last, pages = s.execute(
            select(
                func.min(BatchItem.launched_at),
                func.max(BatchItem.finished_at),
                func.sum(BatchItem.pages),
            ).where(BatchItem.batch_id == batch_id)
        ).one()
        changed = s.execute(
            select(BatchItem.dossier_id, BatchItem.changes)
            .where(and_(BatchItem.batch_id == batch_id, BatchItem.status == ITEM_DONE))
            .order_by(BatchItem.seq)
        ).all()
    done, failed = int(counts.get(ITEM_DONE, 0)), int(counts.get(ITEM_FAILED, 0))
    pending, launched = int(counts.get(ITEM_PENDING, 0)), int(counts.get(ITEM_LAUNCHED, 0))
    end = last if batch.status == BATCH_FINISHED and last else utcnow()
    minutes = (end - first).total_seconds() / 60 if first else 0.0
    by_field: dict[str, int] = {}
    dossiers: list[dict[str, Any]] = []
    for dossier_id, changes in changed:
        if not changes:
            continue
        names = sorted({n for c in changes for n in c.get("fields", [])})
        for n in names:
            by_field[n] = by_field.get(n, 0) + 1
        if len(dossiers) < max_dossiers:
            dossiers.append({"dossier_id": dossier_id, "documents": changes})
    iso = _iso
    return {
        "batch_id": batch.id,
        "status": batch.status,
        "filters": batch.filters,
        "rate_per_min": batch.rate_per_min,
        "total": batch.total,
        "done": done,
        "failed": failed,
        "left": pending + launched,
        "in_flight": launched,
        "deleted": max(0, batch.total - done - failed - pending - launched),
        "pages": int(pages or 0),
        "pages_per_minute": round(int(pages or 0) / minutes, 1) if minutes > 0 else None,
        "created_at": iso(batch.created_at),
        "updated_at": iso(batch.updated_at),
        "finished_at": iso(batch.finished_at),
        "changes": {
            "dossiers_changed": sum(1 for _, c in changed if c),
            "fields": dict(sorted(by_field.items())),
            "dossiers": dossiers,
        },
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value is not None else None
