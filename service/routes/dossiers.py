"""Dossiers: create, list, read, delete, re-extract."""

from __future__ import annotations

from datetime import date
from typing import Any

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from service import worklist
from service.api_errors import ApiError, not_found
from service.auth import CAN_SEE_REVIEW
from service.backend import ID_PATTERN
from service.deps import Creator, Deleter, Reader, Reextractor, ServiceDep
from service.multipart import read_json
from service.review_backend import reviewed_documents
from service.schemas import AUTH, DossierCreated, DossierList, DossierView, JobAccepted, errors
from service.views import dossier_view

router = APIRouter(tags=["dossiers"])

_CREATE_BODY = {
    "requestBody": {
        "required": False,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"request_date": {"type": "string", "format": "date"}},
                }
            }
        },
    }
}


@router.post(
    "/dossiers",
    status_code=201,
    summary="Créer un dossier",
    openapi_extra=_CREATE_BODY,
    response_model=DossierCreated,
    responses=errors(*AUTH, 422),
)
async def create_dossier(request: Request, service: ServiceDep, client: Creator) -> JSONResponse:
    body = await read_json(request)
    if body is not None and not isinstance(body, dict):
        raise ApiError(422, "invalid_request", "Le corps doit être un objet JSON.")
    raw_date = (body or {}).get("request_date")
    try:
        request_date = date.fromisoformat(raw_date) if raw_date else date.today()
    except (TypeError, ValueError) as exc:
        raise ApiError(
            422, "invalid_request", "request_date doit être une date AAAA-MM-JJ."
        ) from exc
    dossier_id = await anyio.to_thread.run_sync(service.create_dossier, client, request_date)
    return JSONResponse(
        {"id": dossier_id, "request_date": request_date.isoformat()},
        status_code=201,
        headers={"Location": f"/dossiers/{dossier_id}"},
    )


@router.get(
    "/dossiers",
    summary="Lister les dossiers visibles (et la file des agents)",
    description=worklist.__doc__,
    response_model=DossierList,
    responses=errors(*AUTH, 422),
)
def list_dossiers(
    service: ServiceDep,
    client: Reader,
    limit: int = 100,
    status: str | None = None,
    kind: str | None = None,
    created_since: str | None = None,
    since: str | None = None,
    cursor: str | None = None,
    order: str | None = None,
) -> dict[str, Any]:
    return worklist.list_dossiers(
        service,
        client,
        limit=limit,
        status=status,
        kind=kind,
        created_since=created_since or since,
        cursor=cursor,
        order=order,
    )


@router.get(
    "/dossiers/{dossier_id}",
    summary="Documents, champs et contrôles du dossier",
    response_model=DossierView,
    responses=errors(*AUTH, 404),
)
def get_dossier(dossier_id: str, service: ServiceDep, client: Reader) -> dict[str, Any]:
    dossier, files, jobs = service.load_dossier(client, dossier_id)
    view = dossier_view(dossier, files, jobs)
    # Agents' corrections and decisions, applied at read time (the pipeline sees the machine's).
    view["documents"] = reviewed_documents(service, dossier, reveal=client.role in CAN_SEE_REVIEW)
    return view


@router.delete(
    "/dossiers/{dossier_id}",
    status_code=204,
    summary="Supprimer définitivement le dossier, ses fichiers et ses résultats",
    responses=errors(*AUTH, 404),
)
def delete_dossier(dossier_id: str, service: ServiceDep, client: Deleter) -> Response:
    if not ID_PATTERN.match(dossier_id):
        raise not_found()
    service.delete_dossier(client, dossier_id)
    return Response(status_code=204)


@router.post(
    "/dossiers/{dossier_id}/reextract",
    status_code=202,
    summary="Relancer l'extraction de tout le dossier (agents)",
    response_model=JobAccepted,
    responses=errors(*AUTH, 404, 409),
)
def reextract(dossier_id: str, service: ServiceDep, client: Reextractor) -> JSONResponse:
    if not ID_PATTERN.match(dossier_id):
        raise not_found()
    job_id = service.reextract(client, dossier_id)
    return JSONResponse(
        {"job_id": job_id, "dossier_id": dossier_id},
        status_code=202,
        headers={"Location": f"/jobs/{job_id}"},
    )
