"""Operations: health (no key) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from service.deps import Reader, ServiceDep

router = APIRouter(tags=["exploitation"])


@router.get("/healthz", summary="État du service (sans clé)")
def healthz(service: ServiceDep) -> JSONResponse:
    status = service.health()
    if all(v == "ok" for v in status.values()):
        return JSONResponse({"status": "ok", **status})
    return JSONResponse({"error": "unavailable", "message": "Service indisponible.", **status}, status_code=503)


@router.get("/metrics", summary="Métriques Prometheus", response_class=PlainTextResponse)
def metrics_endpoint(request: Request, service: ServiceDep, _client: Reader) -> Response:
    body, content_type = service.metrics_text(request.headers.get("accept"))
    return Response(body, headers={"Content-Type": content_type})
