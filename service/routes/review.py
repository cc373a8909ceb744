"""Agents' review (issue 13): page images, field corrections, decisions, the audit trail.

Page images and the audit are for the roles ``agent`` and ``qa``; corrections and decisions
for ``agent``. The pipeline gets 403; a dossier the client may not see is 404.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Response

from service import review_backend
from service.api_errors import ApiError
from service.deps import Reviewer, ReviewReader, ServiceDep
from service.pages import DPI_DEFAULT, DPI_MAX, DPI_MIN, render_page
from service.review_overlay import find_document
from service.schemas import AUTH, AuditList, DecisionRequest, FieldCorrection, ReviewResult, errors

router = APIRouter(tags=["revue des agents"])

_PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "La page, en PNG (jamais mise en cache)."}
}


def render_file_page(
    service: Any, client: Any, dossier_id: str, file_id: str, page: int, dpi: int
) -> bytes:
    row, data = review_backend.stored_file(service, client, dossier_id, file_id)
    try:
        return render_page(data, row.media_type, page, dpi)
    except ApiError:
        raise
    except Exception as exc:  # a file the renderer cannot read: no detail (it may be hostile)
        raise ApiError(422, "page.unreadable", "Cette page ne peut pas être affichée.") from exc
    finally:
        del data


@router.get(
    "/dossiers/{dossier_id}/files/{file_id}/pages/{page}.png",
    summary="Image d'une page d'un fichier (agents et QA)",
    response_class=Response,
    responses={**_PNG, **errors(*AUTH, 404, 422, 503)},
)
async def page_image(
    dossier_id: str,
    file_id: str,
    page: int,
    service: ServiceDep,
    client: ReviewReader,
    dpi: Annotated[int, Query(ge=DPI_MIN, le=DPI_MAX, description="Résolution.")] = DPI_DEFAULT,
) -> Response:
    png = await anyio.to_thread.run_sync(
        render_file_page, service, client, dossier_id, file_id, page, dpi
    )
    return Response(
        png,
        media_type="image/png",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


def _current(service: Any, client: Any, dossier_id: str, doc_id: str) -> dict[str, Any]:
    dossier = service.visible_dossier(client, dossier_id)
    return find_document(review_backend.reviewed_documents(service, dossier), doc_id)


@router.patch(
    "/dossiers/{dossier_id}/documents/{doc}/fields/{name}",
    summary="Corriger la valeur d'un champ (agents), avec un motif",
    description="La valeur est validée selon le type du champ dans la spécification du "
    "document. Elle prend la provenance « agent », garde la valeur de la machine "
    "à côté, et n'est pas remplacée par une nouvelle extraction.",
    response_model=ReviewResult,
    responses=errors(*AUTH, 404, 422),
)
def correct_field(
    dossier_id: str,
    doc: str,
    name: str,
    body: FieldCorrection,
    service: ServiceDep,
    client: Reviewer,
) -> dict[str, Any]:
    entry = review_backend.correct_field(
        service, client, dossier_id, doc, name, body.value, body.reason
    )
    return {
        "dossier_id": dossier_id,
        "document": _current(service, client, dossier_id, doc),
        "audit": entry,
    }


@router.post(
    "/dossiers/{dossier_id}/documents/{doc}/decision",
    summary="Accepter ou refuser un document (agents), avec un motif",
    response_model=ReviewResult,
    responses=errors(*AUTH, 404, 422),
)
def decide(
    dossier_id: str, doc: str, body: DecisionRequest, service: ServiceDep, client: Reviewer
) -> dict[str, Any]:
    entry = review_backend.decide(service, client, dossier_id, doc, body.status, body.reason)
    return {
        "dossier_id": dossier_id,
        "document": _current(service, client, dossier_id, doc),
        "audit": entry,
    }


@router.get(
    "/dossiers/{dossier_id}/audit",
    summary="Journal des corrections et décisions (agents et QA)",
    response_model=AuditList,
    responses=errors(*AUTH, 404),
)
def audit(dossier_id: str, service: ServiceDep, client: ReviewReader) -> dict[str, Any]:
    return {
        "dossier_id": dossier_id,
        "entries": review_backend.audit_trail(service, client, dossier_id),
    }
