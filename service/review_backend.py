"""The review's SQL: corrections, decisions, the audit trail, and page images (issue 13).

Personal values (corrected and machine values, reasons, the audit's old and new values) are
sealed under the dossier's data key through ``service.personal`` (``ReviewSeal.seal`` on
write, ``ReviewSeal.unseal`` on read), and nothing here logs a value, a reason or a file name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from service.api_errors import ApiError, not_found
from service.auth import Client
from service.backend import ID_PATTERN, Service
from service.db import Dossier, Job, StoredFile, new_id, utcnow
from service.personal import ReviewSeal
from service.review_overlay import (
    DECISIONS,
    ReviewState,
    annotate,
    find_document,
    overlay,
    validate_value,
)
from service.review_tables import AuditEntry, Correction, Decision

REASON_MAX = 1000


def _iso(value: Any) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def _reason(reason: Any) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ApiError(422, "reason.missing", "Indiquez le motif (« reason »).")
    if len(reason) > REASON_MAX:
        raise ApiError(422, "reason.too_long", f"Le motif dépasse {REASON_MAX} caractères.")
    return reason.strip()


def load_state(service: Service, dossier: Dossier) -> ReviewState:
    state, dossier_id = ReviewState(), dossier.id
    sealing = ReviewSeal.of(service.sealer, dossier)
    with service.db.read() as s:
        for c in s.scalars(select(Correction).where(Correction.dossier_id == dossier_id)):
            state.corrections[(c.document_id, c.field)] = {
                "value": sealing.unseal("corrections.value", c.id, c.value_sealed),
                "machine_value": sealing.unseal(
                    "corrections.machine_value", c.id, c.machine_value_sealed
                ),
                "reason": sealing.unseal("corrections.reason", c.id, c.reason_sealed),
                "author": c.author,
                "at": _iso(c.created_at),
            }
        for d in s.scalars(select(Decision).where(Decision.dossier_id == dossier_id)):
            state.decisions[d.document_id] = {
                "status": d.status,
                "reason": sealing.unseal("decisions.reason", d.id, d.reason_sealed),
                "author": d.author,
                "at": _iso(d.created_at),
            }
    return state


def reviewed_documents(
    service: Service, dossier: Dossier, *, reveal: bool = True
) -> list[dict[str, Any]]:
    """The dossier's documents with ids, the agents' overlay (when ``reveal``) and ``review``."""
    documents = (dossier.result or {}).get("documents", [])
    state = load_state(service, dossier) if reveal else None
    return annotate(overlay(documents, state, reveal=reveal))


def _document(dossier: Dossier, doc_id: str) -> dict[str, Any]:
    return find_document((dossier.result or {}).get("documents", []), doc_id)


def _audit(
    s: Any,
    sealing: ReviewSeal,
    doc_id: str,
    action: str,
    field: str | None,
    old: Any,
    new: Any,
    reason: str,
    author: str,
) -> AuditEntry:
    dossier_id, entry_id = sealing.dossier_id, new_id()
    seq = int(
        s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.dossier_id == dossier_id)
        )
        or 0
    )
    entry = AuditEntry(
        id=entry_id,
        dossier_id=dossier_id,
        seq=seq + 1,
        document_id=doc_id,
        action=action,
        field=field,
        old_value_sealed=sealing.seal("audit.old_value", entry_id, old),
        new_value_sealed=sealing.seal("audit.new_value", entry_id, new),
        reason_sealed=sealing.seal("audit.reason", entry_id, reason),
        author=author,
        created_at=utcnow(),
    )
    s.add(entry)
    return entry


def correct_field(
    service: Service,
    client: Client,
    dossier_id: str,
    doc_id: str,
    name: str,
    value: Any,
    reason: Any,
) -> dict[str, Any]:
    """Store the agent's value for a field; returns the audit row."""
    why = _reason(reason)
    dossier = service.visible_dossier(client, dossier_id)
    doc = _document(dossier, doc_id)
    clean = validate_value(str(doc.get("kind")), name, value)
    machine = (doc.get("fields") or {}).get(name)
    sealing = ReviewSeal.of(service.sealer, dossier)
    with service.db.write() as s:
        row = s.scalar(
            select(Correction).where(
                Correction.dossier_id == dossier_id,
                Correction.document_id == doc_id,
                Correction.field == name,
            )
        )
        old = (
            sealing.unseal("corrections.value", row.id, row.value_sealed)
            if row is not None
            else machine
        )
        now = utcnow()
        if row is None:
            row = Correction(id=new_id(), dossier_id=dossier_id, document_id=doc_id, field=name)
            s.add(row)
        row.value_sealed = sealing.seal("corrections.value", row.id, clean)
        row.machine_value_sealed = sealing.seal("corrections.machine_value", row.id, machine)
        row.reason_sealed = sealing.seal("corrections.reason", row.id, why)
        row.author, row.created_at = client.name, now
        entry = _audit(s, sealing, doc_id, "correction", name, old, clean, why, client.name)
        _touch(s, dossier_id)
    return audit_view(entry, sealing)


def decide(
    service: Service, client: Client, dossier_id: str, doc_id: str, status: Any, reason: Any
) -> dict[str, Any]:
    if status not in DECISIONS:
        raise ApiError(
            422, "decision.invalid", "« status » doit valoir « accepted » ou « rejected »."
        )
    why = _reason(reason)
    dossier = service.visible_dossier(client, dossier_id)
    doc = _document(dossier, doc_id)
    sealing = ReviewSeal.of(service.sealer, dossier)
    with service.db.write() as s:
        row = s.scalar(
            select(Decision).where(
                Decision.dossier_id == dossier_id, Decision.document_id == doc_id
            )
        )
        old = row.status if row is not None else doc.get("status")
        now = utcnow()
        if row is None:
            row = Decision(id=new_id(), dossier_id=dossier_id, document_id=doc_id)
            s.add(row)
        row.status, row.reason_sealed = status, sealing.seal("decisions.reason", row.id, why)
        row.author, row.created_at = client.name, now
        entry = _audit(s, sealing, doc_id, "decision", None, old, status, why, client.name)
        _touch(s, dossier_id)
    return audit_view(entry, sealing)


def _touch(s: Any, dossier_id: str) -> None:
    dossier = s.get(Dossier, dossier_id)
    if dossier is not None:
        dossier.updated_at = utcnow()


def audit_view(entry: AuditEntry, sealing: ReviewSeal) -> dict[str, Any]:
    return {
        "id": entry.id,
        "seq": entry.seq,
        "document_id": entry.document_id,
        "action": entry.action,
        "field": entry.field,
        "old_value": sealing.unseal("audit.old_value", entry.id, entry.old_value_sealed),
        "new_value": sealing.unseal("audit.new_value", entry.id, entry.new_value_sealed),
        "reason": sealing.unseal("audit.reason", entry.id, entry.reason_sealed),
        "author": entry.author,
        "at": _iso(entry.created_at),
    }


def audit_trail(
    service: Service, client: Client, dossier_id: str, dossier: Dossier | None = None
) -> list[dict[str, Any]]:
    """The dossier's audit, opened; ``dossier``: its row when the caller has already loaded it."""
    if not ID_PATTERN.match(dossier_id):
        raise not_found()
    with service.db.read() as s:
        if dossier is None:
            found = s.execute(
                select(Dossier.owner, Dossier.data_key).where(Dossier.id == dossier_id)
            ).one_or_none()
            owner, key = (found.owner, found.data_key) if found is not None else (None, None)
        else:
            owner, key = (
                (dossier.owner, dossier.data_key) if dossier.id == dossier_id else (None, None)
            )
        if owner is None or not client.sees(owner):
            raise not_found()
        sealing = ReviewSeal(service.sealer, dossier_id, key or b"")
        rows = list(
            s.scalars(
                select(AuditEntry)
                .where(AuditEntry.dossier_id == dossier_id)
                .order_by(AuditEntry.seq, AuditEntry.created_at)
            )
        )
    return [audit_view(r, sealing) for r in rows]


def stored_file(
    service: Service, client: Client, dossier_id: str, file_id: str
) -> tuple[StoredFile, bytes]:
    """The file's row and its content, decrypted in memory (never written in clear)."""
    service.check_visible(client, dossier_id)
    if not ID_PATTERN.match(file_id):
        raise not_found()
    with service.db.read() as s:
        row = s.scalar(
            select(StoredFile).where(StoredFile.id == file_id, StoredFile.dossier_id == dossier_id)
        )
    if row is None:
        raise not_found()
    from service.storage import StorageError

    try:
        return row, service.store.get(row.id, row.wrapped_key)
    except StorageError as exc:
        raise ApiError(
            503, "storage.unavailable", "Le fichier n'a pas pu être relu dans le stockage."
        ) from exc


def latest_jobs(service: Service, dossier_id: str) -> list[Job]:
    with service.db.read() as s:
        return list(
            s.scalars(select(Job).where(Job.dossier_id == dossier_id).order_by(Job.created_at))
        )
