"""Operations: health (no key) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from service.deps import Reader, ServiceDep
from service.schemas import AUTH, Health, errors

router = APIRouter(tags=["exploitation"])


@router.get(
    "/healthz",
    summary="État du service (sans clé)",
    response_model=Health,
    responses={503: {"model": Health, "description": "La base ou Redis ne répond pas."}},
)
def healthz(service: ServiceDep) -> JSONResponse:
    status = service.health()
    if all(v == "ok" for v in status.values()):
        return JSONResponse({"status": "ok", **status})
    if status.get("workers") == "aucun" and status["database"] == status["redis"] == "ok":
        # Reads still work; uploads are refused (503 service.no_worker) until a worker is back.
        return JSONResponse(
            {
                "status": "degraded",
                "error": "service.no_worker",
                "message": "Aucun worker actif : les dépôts sont refusés jusqu'à son retour.",
                **status,
            },
            status_code=503,
            headers={"Retry-After": "30"},
        )
    return JSONResponse(
        {"error": "unavailable", "message": "Service indisponible.", **status}, status_code=503
    )


@router.get(
    "/metrics",
    summary="Métriques Prometheus",
    response_class=PlainTextResponse,
    responses=errors(*AUTH),
)
def metrics_endpoint(request: Request, service: ServiceDep, _client: Reader) -> Response:
    body, content_type = service.metrics_text(request.headers.get("accept"))
    return Response(body, headers={"Content-Type": content_type})
