"""What the API answers about jobs and dossiers (contract §4), built from the database rows."""

from __future__ import annotations

from typing import Any

from docproc.errors import Reason
from service.db import JOB_FAILED, JOB_QUEUED, JOB_STARTED, Dossier, Job, StoredFile


def iso(value: Any) -> str | None:
    return (
        value.isoformat() + ("Z" if hasattr(value, "hour") else "") if value is not None else None
    )


def reason_message(reason: str | None) -> str | None:
    """The French message of a job's reason code (``docproc.errors.Reason``)."""
    if reason is None:
        return None
    try:
        return Reason(reason).text()
    except ValueError:  # a code this version does not know (a row written by an older one)
        return "Le fichier n'a pas pu être traité."


def job_view(job: Job) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "status": job.status,
        "dossier_id": job.dossier_id,
        "file_id": job.file_id,
        "kind": job.kind,
        "reason": job.reason,
        "message": reason_message(job.reason),
        "attempts": job.attempts,
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
    }


def dossier_status(dossier: Dossier, files: list[StoredFile], jobs: list[Job]) -> str:
    if not files and not jobs:
        return "empty"
    if any(j.status in (JOB_QUEUED, JOB_STARTED) for j in jobs):
        return "processing"
    if dossier.result_generation is not None and dossier.result_generation >= dossier.generation:
        return "complete"
    return "failed" if any(j.status == JOB_FAILED for j in jobs) else "processing"


def dossier_view(dossier: Dossier, files: list[StoredFile], jobs: list[Job]) -> dict[str, Any]:
    result = dossier.result or {}
    extracted = {f.get("file_id"): f for f in result.get("files", []) if isinstance(f, dict)}
    out_files = []
    for f in files:
        entry: dict[str, Any] = {
            "file_id": f.id,
            "name": f.name,
            "sha256": f.sha256,
            "bytes": f.size,
            "media_type": f.media_type,
            "beneficiaire": f.beneficiaire,
            "kind_hint": f.kind_hint,
            "uploaded_at": iso(f.created_at),
            "extracted": f.id in extracted,
        }
        for key, value in extracted.get(f.id, {}).items():
            entry.setdefault(key, value)
        out_files.append(entry)
    return {
        "id": dossier.id,
        "status": dossier_status(dossier, files, jobs),
        "request_date": dossier.request_date.isoformat(),
        "created_at": iso(dossier.created_at),
        "updated_at": iso(dossier.updated_at),
        "files": out_files,
        "documents": result.get("documents", []),
        "jobs": [
            {"job_id": j.id, "status": j.status, "kind": j.kind, "reason": j.reason} for j in jobs
        ],
        "household_declared": dossier.household is not None,
    }
