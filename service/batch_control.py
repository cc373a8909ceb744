"""Batch re-extraction for agents (``POST /reextract``, ``docproc reextract``).

A batch is a selection of dossiers (ids, status, kind, date range) frozen into ``batch_items``
rows when it is created. Its state lives in the database only, so it survives a crash of
whatever drives it (:mod:`service.batch_driver`; the results it compares,
:mod:`service.batch_results`). This module selects and creates batches, stops and resumes
them, and reports their progress. A stopped batch launches nothing more (what is in flight
still ends and is counted); resuming sets it running again. Nothing here logs a document value.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select

from service.batch_results import current_result
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
from service.db import (
    JOB_FAILED,
    JOB_QUEUED,
    JOB_STARTED,
    Database,
    Dossier,
    Job,
    StoredFile,
    new_id,
    utcnow,
)
from service.sealed import Sealer

log = logging.getLogger("docproc.batch")

DOSSIER_STATUSES = ("complete", "failed", "processing")
DOCUMENT_STATUSES = ("accepted", "rejected", "needs_review")


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
                result = current_result(s, sealer, dossier_id) or {}
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
