"""The HTTP API (contract §4): the FastAPI application, its error handlers and its routers.

Errors are ``{"error": CODE, "message": "…"}`` in French; no body ever echoes the request's
content, and nothing here logs a file name or a document value.
"""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from service import httpguard
from service.api_errors import ApiError, HouseholdInvalid, error_response
from service.assets import install_docs
from service.backend import Service
from service.config import ServiceSettings
from service.db import Database
from service.logs import RequestLog
from service.routes import agent, batch, dossiers, health, household, job_status, review, uploads

log = logging.getLogger("docproc.api")


def create_app(settings: ServiceSettings, db: Database | None = None) -> FastAPI:
    """The FastAPI application (schema migrations are the caller's job: ``db.migrate``)."""
    app = FastAPI(
        title="docproc",
        version="0.1.0",
        description="Lecture et contrôle des justificatifs de la Complémentaire santé solidaire.",
        docs_url=None,
        redoc_url=None,  # served from local assets (service.assets), no CDN
    )
    app.state.service = Service(settings, db)
    app.state.upload_slots = httpguard.UploadSlots(
        settings.max_uploads, settings.max_uploads_per_key
    )
    httpguard.configure(settings)  # request-head deadline and connection cap of this process
    app.add_middleware(RequestLog)  # one structured line per request (issue 14), never content
    _add_error_handlers(app)
    for module in (health, dossiers, uploads, household, job_status, review, batch):
        app.include_router(module.router)
    agent.install(app)  # the agents' pages under /agent/ (issue 13)
    install_docs(app)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        if isinstance(exc, HouseholdInvalid):
            return JSONResponse(
                {"error": exc.code, "message": exc.message, "field": exc.field},
                status_code=exc.status,
            )
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, _exc: RequestValidationError) -> JSONResponse:
        # Never echo the input back: it may hold personal data.
        return error_response(422, "invalid_request", "Requête invalide.")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return error_response(404, "not_found", "Ressource introuvable.")
        if exc.status_code == 405:
            return error_response(
                405, "method_not_allowed", "Méthode non autorisée pour cette ressource."
            )
        return error_response(exc.status_code, "http_error", "Requête refusée.")

    @app.exception_handler(SQLAlchemyError)
    async def _db_down(_request: Request, exc: SQLAlchemyError) -> JSONResponse:
        log.error("database error: %s", type(exc).__name__)
        return error_response(
            503, "unavailable", "Service momentanément indisponible, réessayez plus tard."
        )

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error: %s", type(exc).__name__)
        return error_response(500, "internal", "Erreur interne du service.")


def app_from_env() -> FastAPI:
    """App factory for uvicorn's multi-process mode (``DOCPROC_API_PROCESSES`` > 1)."""
    import gc

    from service.config import load_settings

    parent = os.environ.get("DOCPROC_PARENT_PID", "")
    if parent.isdigit():  # an API process of ``docproc up`` / ``serve``: it dies with its parent
        from service.children import die_with_parent

        die_with_parent(int(parent))
    app = create_app(load_settings())
    gc.collect()
    gc.freeze()
    return app
