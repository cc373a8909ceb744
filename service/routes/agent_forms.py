"""The agents' forms under ``/agent/``: correct a field, decide on a document, re-read a dossier
(CSRF-checked, agents only).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service import review_backend
from service.agent_context import parse_typed
from service.agent_web import app_service, checked_form, render_page, see_other
from service.api_errors import ApiError
from service.api_keys import Role
from service.auth import CAN_REVIEW
from service.backend import ID_PATTERN
from service.review_overlay import find_document
from service.websession import WebSession

#: Included by :func:`service.routes.agent.install`, after the pages.
router = APIRouter(prefix="/agent", include_in_schema=False)


def _back(dossier_id: str, **params: str) -> RedirectResponse:
    return see_other(f"/agent/dossiers/{quote(dossier_id)}?{urlencode(params)}")


async def _error_page(
    request: Request, session: WebSession, dossier_id: str, exc: ApiError
) -> HTMLResponse:
    return render_page(
        request,
        "agent/error.html",
        {
            "title": "Enregistrement refusé",
            "message": exc.message,
            "back": f"/agent/dossiers/{dossier_id}",
        },
        status=exc.status,
        session=session,
    )


async def _allowed_form(
    request: Request, dossier_id: str, roles: frozenset[Role], refused: str
) -> tuple[WebSession, dict[str, str]] | Response:
    """The CSRF-checked form of an agent whose role is in ``roles``; else the page to show
    (the sign-in or CSRF page, or the refusal ``refused``)."""
    checked = await checked_form(request)
    if isinstance(checked, HTMLResponse):
        return checked
    session, form = checked
    if session.client.role not in roles:
        return await _error_page(request, session, dossier_id, ApiError(403, "forbidden", refused))
    return session, form


@router.post("/dossiers/{dossier_id}/documents/{doc}/correction")
async def correct(request: Request, dossier_id: str, doc: str) -> Response:
    allowed = await _allowed_form(
        request, dossier_id, CAN_REVIEW, "Votre rôle ne permet pas de corriger."
    )
    if isinstance(allowed, Response):
        return allowed
    session, form = allowed
    service = app_service(request)
    name = form.get("champ", "")
    try:
        dossier = await anyio.to_thread.run_sync(
            service.visible_dossier, session.client, dossier_id
        )
        kind = str(find_document((dossier.result or {}).get("documents", []), doc).get("kind"))
        value = parse_typed(kind, name, form.get("valeur", ""))
        await anyio.to_thread.run_sync(
            review_backend.correct_field,
            service,
            session.client,
            dossier_id,
            doc,
            name,
            value,
            form.get("motif"),
        )
    except ApiError as exc:
        return await _error_page(request, session, dossier_id, exc)
    return _back(dossier_id, ok="correction")


@router.post("/dossiers/{dossier_id}/documents/{doc}/decision")
async def decide(request: Request, dossier_id: str, doc: str) -> Response:
    allowed = await _allowed_form(
        request, dossier_id, CAN_REVIEW, "Votre rôle ne permet pas de décider."
    )
    if isinstance(allowed, Response):
        return allowed
    session, form = allowed
    try:
        await anyio.to_thread.run_sync(
            review_backend.decide,
            app_service(request),
            session.client,
            dossier_id,
            doc,
            form.get("statut"),
            form.get("motif"),
        )
    except ApiError as exc:
        return await _error_page(request, session, dossier_id, exc)
    return _back(dossier_id, ok="decision")


@router.post("/dossiers/{dossier_id}/relecture")
async def reextract(request: Request, dossier_id: str) -> Response:
    checked = await checked_form(request)
    if isinstance(checked, HTMLResponse):
        return checked
    session, _form_data = checked
    from service.auth import CAN_REEXTRACT

    if session.client.role not in CAN_REEXTRACT or not ID_PATTERN.match(dossier_id):
        return await _error_page(
            request,
            session,
            dossier_id,
            ApiError(403, "forbidden", "Votre rôle ne permet pas de relancer la lecture."),
        )
    try:
        job_id = await anyio.to_thread.run_sync(
            app_service(request).reextract, session.client, dossier_id
        )
    except ApiError as exc:
        return await _error_page(request, session, dossier_id, exc)
    return _back(dossier_id, ok="relecture", job=job_id)
