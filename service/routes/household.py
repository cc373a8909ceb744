"""The declared household and the CSS eligibility decision (contract §5)."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request

from service.api_errors import ApiError
from service.deps import Declarer, Reader, ServiceDep
from service.eligibility_view import evaluate_dossier, household_schema, validate_household
from service.multipart import read_json
from service.review_backend import reviewed_documents
from service.schemas import AUTH, Eligibility, HouseholdView, errors

router = APIRouter(tags=["éligibilité"])


@router.put(
    "/dossiers/{dossier_id}/household",
    summary="Déclarer le foyer (format §5 ; complété par les documents extraits)",
    description="Le foyer est validé à l'envoi : un foyer invalide est refusé (422) avec le "
    "message précis, en français, et le chemin de la valeur fautive (« field »). "
    "« date_demande » absente : la date de demande du dossier.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": household_schema()}},
        }
    },
    response_model=HouseholdView,
    responses=errors(*AUTH, 404, 422, household=True),
)
async def put_household(
    dossier_id: str, request: Request, service: ServiceDep, client: Declarer
) -> dict[str, Any]:
    dossier = await anyio.to_thread.run_sync(service.visible_dossier, client, dossier_id)
    body = await read_json(request)
    validate_household(body, dossier.request_date)
    await anyio.to_thread.run_sync(service.set_household, client, dossier_id, body)
    return {"id": dossier_id, "household": body}


@router.get(
    "/dossiers/{dossier_id}/household",
    summary="Foyer déclaré",
    response_model=HouseholdView,
    responses=errors(*AUTH, 404),
)
def get_household(dossier_id: str, service: ServiceDep, client: Reader) -> dict[str, Any]:
    dossier = service.visible_dossier(client, dossier_id)
    if dossier.household is None:
        raise ApiError(404, "household.missing", "Aucun foyer n'a été déclaré pour ce dossier.")
    return {"id": dossier_id, "household": dossier.household}


@router.get(
    "/dossiers/{dossier_id}/eligibility",
    summary="Décision d'éligibilité à la CSS (§5) et avertissements",
    responses={
        200: {"model": Eligibility, "description": "Décision (§5)."},
        **errors(*AUTH, 404, 409, 422, 503, household=True),
    },
)
def eligibility(dossier_id: str, service: ServiceDep, client: Reader) -> dict[str, Any]:
    dossier, files, jobs = service.load_dossier(client, dossier_id)
    # Agents' corrections and decisions count (service.review_overlay).
    return evaluate_dossier(dossier, files, jobs, reviewed_documents(service, dossier))
