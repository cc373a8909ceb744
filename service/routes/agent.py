"""The agents' pages under ``/agent/`` (issue 13, point 5): server-rendered HTML (Jinja2,
autoescaped), styled with the État's design system (DSFR) served by the app itself.

Sign-in with an agent (or QA) key gives an encrypted session cookie (``service.websession``);
every form carries a CSRF token and a POST without it is refused (403). QA sees the pages
without the forms. Nothing here logs a value, a reason or a file name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from service import review_backend, worklist
from service.agent_context import DOSSIER_STATUSES, JOB_STATUSES, dossier_context, parse_typed
from service.auth import CAN_REVIEW
from service.backend import ID_PATTERN, Service
from service.errors import ApiError, not_found
from service.pages import DPI_DEFAULT, DPI_MAX, DPI_MIN
from service.review import find_document
from service.routes.review import render_file_page
from service.views import job_view
from service.websession import WEB_ROLES, SessionSealer, WebSession, csrf_ok

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=select_autoescape(("html", "xml")),
    trim_blocks=True,
    lstrip_blocks=True,
)


templates = Jinja2Templates(env=_env)


router = APIRouter(prefix="/agent", include_in_schema=False)


FORM_MAX = 64 * 1024


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _sealer(request: Request) -> SessionSealer:
    sealer = getattr(request.app.state, "agent_sessions", None)
    if sealer is None:
        from service.storage import load_master_key

        sealer = SessionSealer(load_master_key(_service(request).settings))
        request.app.state.agent_sessions = sealer
    return sealer


def _session(request: Request) -> WebSession | None:
    return _sealer(request).read(request, _service(request).keys.clients())


class SignInRequired(Exception):
    pass


def _require(request: Request) -> WebSession:
    session = _session(request)
    if session is None:
        raise SignInRequired()
    return session


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _page(
    request: Request,
    name: str,
    context: dict[str, Any],
    status: int = 200,
    session: WebSession | None = None,
) -> HTMLResponse:
    response = templates.TemplateResponse(
        request,
        name,
        {
            "session": session,
            "can_review": session is not None and session.client.role in CAN_REVIEW,
            "csrf": session.csrf if session else "",
            **context,
        },
        status_code=status,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "font-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > FORM_MAX:
        raise ApiError(413, "form.too_large", "Formulaire trop volumineux.")
    from urllib.parse import parse_qsl

    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise ApiError(422, "invalid_form", "Formulaire invalide.") from None


def _refused(request: Request, session: WebSession | None) -> HTMLResponse:
    return _page(
        request,
        "agent/error.html",
        {
            "title": "Formulaire refusé",
            "message": "Le formulaire a expiré ou ne provient pas de cette page (jeton de sécurité absent "
            "ou invalide). Rechargez la page et recommencez.",
        },
        status=403,
        session=session,
    )


async def _checked_form(request: Request) -> tuple[WebSession, dict[str, str]] | HTMLResponse:
    session = _require(request)
    form = await _form(request)
    if not csrf_ok(session.csrf, form.get("csrf")):
        return _refused(request, session)
    return session, form


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
            return _redirect("/agent/connexion?" + urlencode({"suite": request.url.path}))
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


def _safe_next(raw: str | None) -> str:
    if raw and raw.startswith("/agent/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/agent/"


def _login_page(
    request: Request, suite: str | None, error: str | None, status: int = 200
) -> Response:
    sealer = _sealer(request)
    token, cookie = sealer.login_token(request)
    response = _page(
        request,
        "agent/login.html",
        {
            "title": "Connexion",
            "suite": _safe_next(suite),
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
    if _session(request) is not None:
        return _redirect(_safe_next(suite))
    return _login_page(request, suite, None)


@router.post("/connexion")
async def sign_in(request: Request) -> Response:
    form = await _form(request)
    sealer = _sealer(request)
    if not sealer.login_token_ok(request, form.get("csrf")):
        return _refused(request, None)
    key = (form.get("cle") or "").strip()
    client = _service(request).keys.identify(f"Bearer {key}") if key else None
    if client is None or client.role not in WEB_ROLES:
        return _login_page(
            request,
            form.get("suite"),
            "Clé inconnue, ou clé qui ne donne pas accès à l'espace des agents.",
            status=401,
        )
    response = _redirect(_safe_next(form.get("suite")))
    sealer.start(response, request, client)
    return response


@router.post("/deconnexion")
async def sign_out(request: Request) -> Response:
    session = _session(request)
    form = await _form(request)
    if session is not None and not csrf_ok(session.csrf, form.get("csrf")):
        return _refused(request, session)
    response = _redirect("/agent/connexion?deconnecte=1")
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
    session = _require(request)
    status = status or None
    kind = kind or None
    try:
        listing = worklist.list_dossiers(
            _service(request),
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

    return _page(
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
    session = _require(request)
    dpi = max(DPI_MIN, min(DPI_MAX, dpi))
    try:
        context = await anyio.to_thread.run_sync(
            dossier_context, _service(request), session.client, dossier_id, dpi
        )
    except ApiError as exc:
        return _page(
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
    return _page(
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
    session = _require(request)
    try:
        png = await anyio.to_thread.run_sync(
            render_file_page,
            _service(request),
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
    session = _require(request)
    if not ID_PATTERN.match(job_id):
        raise not_found()
    from sqlalchemy import select

    from service.db import Dossier, Job

    with _service(request).db.read() as s:
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


def _back(dossier_id: str, **params: str) -> RedirectResponse:
    return _redirect(f"/agent/dossiers/{quote(dossier_id)}?{urlencode(params)}")


async def _error_page(
    request: Request, session: WebSession, dossier_id: str, exc: ApiError
) -> HTMLResponse:
    return _page(
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


@router.post("/dossiers/{dossier_id}/documents/{doc}/correction")
async def correct(request: Request, dossier_id: str, doc: str) -> Response:
    checked = await _checked_form(request)
    if isinstance(checked, HTMLResponse):
        return checked
    session, form = checked
    if session.client.role not in CAN_REVIEW:
        return await _error_page(
            request,
            session,
            dossier_id,
            ApiError(403, "forbidden", "Votre rôle ne permet pas de corriger."),
        )
    service = _service(request)
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
    checked = await _checked_form(request)
    if isinstance(checked, HTMLResponse):
        return checked
    session, form = checked
    if session.client.role not in CAN_REVIEW:
        return await _error_page(
            request,
            session,
            dossier_id,
            ApiError(403, "forbidden", "Votre rôle ne permet pas de décider."),
        )
    try:
        await anyio.to_thread.run_sync(
            review_backend.decide,
            _service(request),
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
    checked = await _checked_form(request)
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
            _service(request).reextract, session.client, dossier_id
        )
    except ApiError as exc:
        return await _error_page(request, session, dossier_id, exc)
    return _back(dossier_id, ok="relecture", job=job_id)
