"""Jobs: the state of one extraction."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from service.api_errors import not_found
from service.backend import ID_PATTERN
from service.db import Dossier, Job
from service.deps import Reader, ServiceDep
from service.schemas import AUTH, JobView, errors
from service.views import job_view

router = APIRouter(tags=["jobs"])


@router.get(
    "/jobs/{job_id}",
    summary="État d'un traitement",
    response_model=JobView,
    responses=errors(*AUTH, 404),
)
def get_job(job_id: str, service: ServiceDep, client: Reader) -> dict[str, Any]:
    if not ID_PATTERN.match(job_id):
        raise not_found()
    with service.db.read() as s:
        row = s.execute(
            select(Job, Dossier.owner)
            .join(Dossier, Dossier.id == Job.dossier_id)
            .where(Job.id == job_id)
        ).first()
    if row is None or not client.sees(row[1]):
        raise not_found()
    return job_view(row[0])
