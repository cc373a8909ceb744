"""What every agent page shares: the templates and their security headers, the signed-in session,
forms and their CSRF token, the sign-in redirect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from service.api_errors import ApiError
from service.auth import CAN_REVIEW
from service.backend import Service
from service.websession import SessionSealer, WebSession, csrf_ok

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=select_autoescape(("html", "xml")),
    trim_blocks=True,
    lstrip_blocks=True,
)

templates = Jinja2Templates(env=_env)

FORM_MAX = 64 * 1024


def app_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def session_sealer(request: Request) -> SessionSealer:
    sealer = getattr(request.app.state, "agent_sessions", None)
    if sealer is None:
        from service.storage import load_master_key

        sealer = SessionSealer(load_master_key(app_service(request).settings))
        request.app.state.agent_sessions = sealer
    return sealer


def current_session(request: Request) -> WebSession | None:
    return session_sealer(request).read(request, app_service(request).keys.clients())


class SignInRequired(Exception):
    pass


def require_session(request: Request) -> WebSession:
    session = current_session(request)
    if session is None:
        raise SignInRequired()
    return session


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def render_page(
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


async def read_form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > FORM_MAX:
        raise ApiError(413, "form.too_large", "Formulaire trop volumineux.")
    from urllib.parse import parse_qsl

    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise ApiError(422, "invalid_form", "Formulaire invalide.") from None


def refused_form_page(request: Request, session: WebSession | None) -> HTMLResponse:
    return render_page(
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


async def checked_form(request: Request) -> tuple[WebSession, dict[str, str]] | HTMLResponse:
    session = require_session(request)
    form = await read_form(request)
    if not csrf_ok(session.csrf, form.get("csrf")):
        return refused_form_page(request, session)
    return session, form


def safe_next(raw: str | None) -> str:
    if raw and raw.startswith("/agent/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/agent/"
