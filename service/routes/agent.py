"""The agents' pages under ``/agent/`` (issue 13, point 5): server-rendered HTML (Jinja2,
autoescaped), styled with the État's design system (DSFR) served by the app itself.

Sign-in with an agent (or QA) key gives an encrypted session cookie (``service.websession``);
every form carries a CSRF token and a POST without it is refused (403). QA sees the pages
without the forms (:mod:`service.routes.agent_forms`; what the pages share,
:mod:`service.agent_web`). Nothing here logs a value, a reason or a file name.
"""

from __future__ import annotations

from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from service import worklist
from service.agent_context import DOSSIER_STATUSES, JOB_STATUSES, dossier_context
from service.agent_web import (
    TEMPLATES_DIR,
    SignInRequired,
    app_service,
    current_session,
    read_form,
    refused_form_page,
    render_page,
    require_session,
    safe_next,
    see_other,
    session_sealer,
)
from service.api_errors import ApiError, not_found
from service.backend import ID_PATTERN
from service.pages import DPI_DEFAULT, DPI_MAX, DPI_MIN
from service.routes import agent_forms
from service.routes.review import render_file_page
from service.views import job_view
from service.websession import WEB_ROLES, SessionSealer, csrf_ok

router = APIRouter(prefix="/agent", include_in_schema=False)


def install(app: FastAPI) -> None:
    """Routes, the sign-in redirect, and the static assets (the app's own, then DSFR's)."""
    from fastapi.staticfiles import StaticFiles

    from service.assets import dsfr_dir

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, _exc: SignInRequired) -> Response:
        if (
            request.method == "GET"
            and not request.url.path.startswith("/agent/jobs/")
            and not request.url.path.endswith(".png")
        ):
            return see_other("/agent/connexion?" + urlencode({"suite": request.url.path}))
        return JSONResponse(
            {"error": "unauthorized", "message": "Session absente ou expirée."}, status_code=401
        )

    app.mount(
        "/agent/static/app",
        StaticFiles(directory=str(TEMPLATES_DIR.parent / "static")),
        name="agent-app",
    )
    dsfr = dsfr_dir()
    if dsfr is not None:
        app.mount("/agent/static/dsfr", StaticFiles(directory=str(dsfr)), name="agent-dsfr")
    app.include_router(router)
    app.include_router(agent_forms.router)


def _login_page(
    request: Request, suite: str | None, error: str | None, status: int = 200
) -> Response:
    sealer = session_sealer(request)
    token, cookie = sealer.login_token(request)
    response = render_page(
        request,
        "agent/login.html",
        {
            "title": "Connexion",
            "suite": safe_next(suite),
            "error": error,
            "csrf": token,
            "signed_out": request.query_params.get("deconnecte") == "1",
        },
        status=status,
    )
    if cookie is not None:
        sealer.set_login_cookie(response, request, cookie)
    return response


@router.get("/connexion")
def sign_in_page(request: Request, suite: str | None = None) -> Response:
    if current_session(request) is not None:
        return see_other(safe_next(suite))
    return _login_page(request, suite, None)


@router.post("/connexion")
async def sign_in(request: Request) -> Response:
    form = await read_form(request)
    sealer = session_sealer(request)
    if not sealer.login_token_ok(request, form.get("csrf")):
        return refused_form_page(request, None)
    key = (form.get("cle") or "").strip()
    client = app_service(request).keys.identify(f"Bearer {key}") if key else None
    if client is None or client.role not in WEB_ROLES:
        return _login_page(
            request,
            form.get("suite"),
            "Clé inconnue, ou clé qui ne donne pas accès à l'espace des agents.",
            status=401,
        )
    response = see_other(safe_next(form.get("suite")))
    sealer.start(response, request, client)
    return response


@router.post("/deconnexion")
async def sign_out(request: Request) -> Response:
    session = current_session(request)
    form = await read_form(request)
    if session is not None and not csrf_ok(session.csrf, form.get("csrf")):
        return refused_form_page(request, session)
    response = see_other("/agent/connexion?deconnecte=1")
    SessionSealer.end(response)
    return response


@router.get("/")
def queue(
    request: Request,
    status: str | None = "needs_review",
    kind: str | None = None,
    depuis: str | None = None,
    suite: str | None = None,
) -> Response:
    session = require_session(request)
    status = status or None
    kind = kind or None
    try:
        listing = worklist.list_dossiers(
            app_service(request),
            session.client,
            limit=50,
            status=status,
            kind=kind,
            created_since=depuis or None,
            cursor=suite or None,
            order="oldest",
        )
        error = None
    except ApiError as exc:
        listing, error = {"dossiers": [], "counts": {}, "next_cursor": None}, exc.message
    from service.deps import kinds

    next_url = None
    if listing["next_cursor"]:
        next_url = "/agent/?" + urlencode(
            {
                k: v
                for k, v in (
                    ("status", status or ""),
                    ("kind", kind or ""),
                    ("depuis", depuis or ""),
                    ("suite", listing["next_cursor"]),
                )
                if v or k == "status"
            }
        )
    from docproc.labels import kind_label

    return render_page(
        request,
        "agent/queue.html",
        {
            "title": "File des dossiers",
            "listing": listing,
            "status": status or "",
            "kind": kind or "",
            "depuis": depuis or "",
            "error": error,
            "next_url": next_url,
            "statuses": DOSSIER_STATUSES,
            "kinds": [(k, kind_label(k)) for k in kinds()],
            "kind_label": kind_label,
        },
        session=session,
    )


@router.get("/dossiers/{dossier_id}")
async def dossier_page(
    request: Request,
    dossier_id: str,
    dpi: int = DPI_DEFAULT,
    ok: str | None = None,
    job: str | None = None,
) -> Response:
    session = require_session(request)
    dpi = max(DPI_MIN, min(DPI_MAX, dpi))
    try:
        context = await anyio.to_thread.run_sync(
            dossier_context, app_service(request), session.client, dossier_id, dpi
        )
    except ApiError as exc:
        return render_page(
            request,
            "agent/error.html",
            {"title": "Dossier introuvable", "message": exc.message},
            status=exc.status,
            session=session,
        )
    messages = {
        "correction": "La correction a été enregistrée.",
        "decision": "La décision a été enregistrée.",
        "relecture": "La relecture du dossier a été lancée.",
        "relu": "La relecture est terminée.",
        "echec": "La relecture a échoué : voir l'état des traitements.",
    }
    if job and not ID_PATTERN.match(job):
        job = None
    return render_page(
        request,
        "agent/dossier.html",
        {
            "title": f"Dossier {dossier_id[:8]}",
            "notice": messages.get(ok or ""),
            "job": job or context["running_job"],
            **context,
        },
        session=session,
    )


@router.get("/dossiers/{dossier_id}/fichiers/{file_id}/pages/{page}.png")
async def page_png(
    request: Request, dossier_id: str, file_id: str, page: int, dpi: int = DPI_DEFAULT
) -> Response:
    session = require_session(request)
    try:
        png = await anyio.to_thread.run_sync(
            render_file_page,
            app_service(request),
            session.client,
            dossier_id,
            file_id,
            page,
            max(DPI_MIN, min(DPI_MAX, dpi)),
        )
    except ApiError as exc:
        return JSONResponse({"error": exc.code, "message": exc.message}, status_code=exc.status)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})


@router.get("/jobs/{job_id}")
def job_status(request: Request, job_id: str) -> Response:
    """The same JSON as ``GET /jobs/{id}``, for the page's progress (session instead of a key)."""
    session = require_session(request)
    if not ID_PATTERN.match(job_id):
        raise not_found()
    from sqlalchemy import select

    from service.db import Dossier, Job

    with app_service(request).db.read() as s:
        row = s.execute(
            select(Job, Dossier.owner)
            .join(Dossier, Dossier.id == Job.dossier_id)
            .where(Job.id == job_id)
        ).first()
    if row is None or not session.client.sees(row[1]):
        raise not_found()
    body = job_view(row[0])
    body["status_label"] = JOB_STATUSES.get(body["status"], body["status"])
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
