"""``GET /dossiers``: the list, and the agents' queue (issue 13, point 4).

Each dossier gets a status: ``empty``, ``processing``, ``failed``, ``complete``, and once its
result is there, ``needs_review`` (a document needs an agent: see ``service.review_overlay``) or
``reviewed`` (an agent decided on every document). Filters: ``status``, ``kind`` (a document of
that kind), ``created_since`` (alias ``since``, the contract's name: a date or an ISO datetime). Order: newest first by default (as before); oldest first when a
status is asked for (the queue: the oldest ``needs_review`` first) or with ``order=oldest``.
The cursor is opaque (the last row's creation time and id, base64).

Counts and filters are computed from the stored results at read time: linear in the number of
visible dossiers matching ``kind``/``created_since``, which is fine for a caisse's daily
volume; a materialised status column is the next step if that grows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from service.api_errors import ApiError
from service.auth import Client
from service.backend import Service
from service.db import JOB_FAILED, JOB_QUEUED, JOB_STARTED, Dossier, Job
from service.personal import ReviewSeal
from service.review_overlay import ReviewState, annotate, overlay
from service.review_tables import Correction, Decision
from service.views import iso

STATUSES = ("empty", "processing", "failed", "complete", "needs_review", "reviewed")


def encode_cursor(created_at: datetime, dossier_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), dossier_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, dossier_id = json.loads(raw)
        return datetime.fromisoformat(at), str(dossier_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise ApiError(422, "invalid_request", "Curseur invalide.") from None


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time())
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            422,
            "invalid_request",
            "created_since doit être une date AAAA-MM-JJ ou une date et heure ISO 8601.",
        ) from None
    if parsed.tzinfo is not None:
        from datetime import UTC

        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _base_status(dossier: Dossier, jobs: Counter[str]) -> str:
    if not jobs:
        return "empty"
    if jobs[JOB_QUEUED] or jobs[JOB_STARTED]:
        return "processing"
    if dossier.result_generation is not None and dossier.result_generation >= dossier.generation:
        return "complete"
    return "failed" if jobs[JOB_FAILED] else "processing"


def summarise(dossier: Dossier, jobs: Counter[str], state: ReviewState | None) -> dict[str, Any]:
    status = _base_status(dossier, jobs)
    docs = annotate(overlay((dossier.result or {}).get("documents", []), state))
    to_review = sum(1 for d in docs if d["review"]["needs_review"])
    if status in ("complete", "failed") and docs:
        if to_review:
            status = "needs_review"
        elif all(d.get("decision") for d in docs):
            status = "reviewed"
    return {
        "id": dossier.id,
        "created_at": iso(dossier.created_at),
        "updated_at": iso(dossier.updated_at),
        "status": status,
        "documents": len(docs),
        "documents_to_review": to_review,
        "kinds": sorted({str(d.get("kind")) for d in docs}),
    }


def list_dossiers(
    service: Service,
    client: Client,
    *,
    limit: int = 100,
    status: str | None = None,
    kind: str | None = None,
    created_since: str | None = None,
    cursor: str | None = None,
    order: str | None = None,
) -> dict[str, Any]:
    if status is not None and status not in STATUSES:
        raise ApiError(
            422, "invalid_request", "status doit être l'un de : " + ", ".join(STATUSES) + "."
        )
    if order not in (None, "oldest", "newest"):
        raise ApiError(422, "invalid_request", "order doit valoir « oldest » ou « newest ».")
    limit = max(1, min(limit, 1000))
    oldest_first = order == "oldest" or (order is None and status is not None)
    since = parse_since(created_since)
    after = decode_cursor(cursor) if cursor else None

    query = select(Dossier)
    if client.role == "pipeline":
        query = query.where(Dossier.owner == client.name)
    if since is not None:
        query = query.where(Dossier.created_at >= since)
    if oldest_first:
        query = query.order_by(Dossier.created_at.asc(), Dossier.id.asc())
    else:
        query = query.order_by(Dossier.created_at.desc(), Dossier.id.desc())
    with service.db.read() as s:
        dossiers = [service.sealer.open_dossier(d) for d in s.scalars(query)]
        ids = [d.id for d in dossiers]
        jobs: dict[str, Counter[str]] = defaultdict(Counter)
        states: dict[str, ReviewState] = defaultdict(ReviewState)
        sealings = {d.id: ReviewSeal.of(service.sealer, d) for d in dossiers}
        if ids:
            for dossier_id, job_status, n in s.execute(
                select(Job.dossier_id, Job.status, func.count())
                .group_by(Job.dossier_id, Job.status)
                .where(Job.dossier_id.in_(ids))
            ):
                jobs[dossier_id][job_status] = n
            for d in s.scalars(select(Decision).where(Decision.dossier_id.in_(ids))):
                states[d.dossier_id].decisions[d.document_id] = {
                    "status": d.status,
                    "author": d.author,
                }
            for c in s.scalars(select(Correction).where(Correction.dossier_id.in_(ids))):
                sealing = sealings[c.dossier_id]
                states[c.dossier_id].corrections[(c.document_id, c.field)] = {
                    "value": sealing.unseal("corrections.value", c.id, c.value_sealed),
                    "machine_value": sealing.unseal(
                        "corrections.machine_value", c.id, c.machine_value_sealed
                    ),
                    "reason": None,
                    "author": c.author,
                    "at": None,
                }
    counts: Counter[str] = Counter()
    rows: list[dict[str, Any]] = []
    next_cursor = None
    for dossier in dossiers:
        summary = summarise(dossier, jobs[dossier.id], states.get(dossier.id))
        if kind is not None and kind not in summary["kinds"]:
            continue
        counts[summary["status"]] += 1
        if status is not None and summary["status"] != status:
            continue
        if after is not None:
            key = (dossier.created_at, dossier.id)
            if (key <= after) if oldest_first else (key >= after):
                continue
        if len(rows) < limit:
            rows.append(summary)
            last = dossier
        elif next_cursor is None:
            next_cursor = encode_cursor(last.created_at, last.id)
    return {
        "dossiers": rows,
        "counts": {k: counts.get(k, 0) for k in STATUSES},
        "next_cursor": next_cursor,
    }
