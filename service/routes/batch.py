"""Batch re-extraction (agents): start, follow, stop, resume (see ``service.batch_control``)."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service import batch_control
from service.api_errors import ApiError, not_found
from service.backend import ID_PATTERN
from service.deps import Reextractor, ServiceDep
from service.multipart import read_json

router = APIRouter(tags=["reextract"])

_BODY = {
    "requestBody": {
        "required": False,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "dossier_ids": {"type": "array", "items": {"type": "string"}},
                        "status": {
                            "type": "string",
                            "enum": [
                                *batch_control.DOSSIER_STATUSES,
                                *batch_control.DOCUMENT_STATUSES,
                            ],
                        },
                        "kind": {"type": "string"},
                        "since": {"type": "string", "format": "date"},
                        "until": {"type": "string", "format": "date"},
                        "rate_per_min": {"type": "number", "minimum": 0},
                    },
                }
            }
        },
    }
}


@router.post(
    "/reextract",
    status_code=202,
    summary="Relancer l'extraction d'un lot de dossiers (agents)",
    openapi_extra=_BODY,
)
async def start_batch(request: Request, service: ServiceDep, client: Reextractor) -> JSONResponse:
    body = await read_json(request)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_request", "Le corps doit être un objet JSON.")
    rate = body.get("rate_per_min")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int | float)):
        raise ApiError(422, "invalid_request", "rate_per_min doit être un nombre.")
    try:
        selection = batch_control.Selection.parse(body)
        batch_id, total = await anyio.to_thread.run_sync(
            lambda: batch_control.create_batch(
                service.db,
                client.name,
                selection,
                None if rate is None else float(rate),
                sealer=service.sealer,
            )
        )
    except batch_control.BatchError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None
    return JSONResponse(
        {"batch_id": batch_id, "total": total, "status": "running" if total else "finished"},
        status_code=202,
        headers={"Location": f"/reextract/{batch_id}"},
    )


def _checked(batch_id: str) -> str:
    if not ID_PATTERN.match(batch_id):
        raise not_found()
    return batch_id


@router.get(
    "/reextract/{batch_id}",
    summary="Avancement d'un lot : faits, en échec, restants, pages par minute, champs modifiés",
)
def get_batch(batch_id: str, service: ServiceDep, _client: Reextractor) -> dict[str, Any]:
    body = batch_control.progress(service.db, _checked(batch_id))
    if body is None:
        raise not_found()
    return body


@router.post(
    "/reextract/{batch_id}/stop", summary="Suspendre un lot (ce qui est en cours se termine)"
)
def stop_batch(batch_id: str, service: ServiceDep, _client: Reextractor) -> dict[str, Any]:
    status = batch_control.set_running(service.db, _checked(batch_id), False)
    if status is None:
        raise not_found()
    return {"batch_id": batch_id, "status": status}


@router.post("/reextract/{batch_id}/resume", summary="Reprendre un lot suspendu")
def resume_batch(batch_id: str, service: ServiceDep, _client: Reextractor) -> dict[str, Any]:
    status = batch_control.set_running(service.db, _checked(batch_id), True)
    if status is None:
        raise not_found()
    return {"batch_id": batch_id, "status": status}
