"""The agents' pages under ``/agent/`` (issue 13, point 5): server-rendered HTML (Jinja2,
autoescaped), styled with the État's design system (DSFR) served by the app itself.

Sign-in with an agent (or QA) key gives an encrypted session cookie (``service.websession``);
every form carries a CSRF token and a POST without it is refused (403). QA sees the pages
without the forms. Nothing here logs a value, a reason or a file name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from service import review_backend, worklist
from service.auth import CAN_REVIEW, Client
from service.backend import ID_PATTERN, Service
from service.errors import ApiError, not_found
from service.pages import DPI_DEFAULT, DPI_MAX, DPI_MIN
from service.review import field_page, field_type, find_document
from service.routes.review import render_file_page
from service.views import dossier_view, job_view
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

LEVELS = {
    "critical": ("bloquant", "error"),
    "error": ("bloquant", "error"),
    "warning": ("avertissement", "warning"),
    "info": ("information", "info"),
}
SOURCES = {"text": "texte du PDF", "ocr": "OCR", "2ddoc": "2D-Doc", "agent": "agent"}
EXTRA_LABELS = {"annee_revenus": "l'année des revenus", "annee_avis": "l'année de l'avis"}
DOSSIER_STATUSES = {
    "empty": "vide",
    "processing": "en cours de lecture",
    "failed": "en échec",
    "complete": "lu",
    "needs_review": "à vérifier",
    "reviewed": "vérifié",
}
REVIEW_REASONS = {
    "statut": "lecture incertaine",
    "champ_obligatoire_manquant": "champ obligatoire manquant",
    "controle_bloquant": "contrôle bloquant en échec",
    "desaccord_agent_machine": "nouvelle lecture différente de la correction",
}
ELIGIBILITY = {
    "css_gratuite": "Droit à la CSS sans participation financière",
    "css_participation": "Droit à la CSS avec participation financière",
    "non_eligible": "Pas de droit à la CSS",
}
JOB_STATUSES = {
    "queued": "en attente",
    "started": "en cours",
    "finished": "terminée",
    "failed": "en échec",
}


# -- plumbing --------------------------------------------------------------------------------


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


# -- sign-in / sign-out ------------------------------------------------------------------------


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


# -- the queue ---------------------------------------------------------------------------------


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


# -- one dossier -------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dict):
        return ", ".join(f"{k} : {_fmt(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(_fmt(v) for v in value) if value else "—"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1000:
            return f"{int(value):,}".replace(",", "\u202f")
        return (
            f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")
            if abs(value) >= 1000
            else str(value).replace(".", ",")
        )
    return str(value)


def _form_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Labels:
    """Field names for people: the spec's label, or ours for the page-counter fields."""

    def __init__(self, kind: str) -> None:
        from docproc.extractors.spec import spec_for

        self.spec = spec_for(kind)

    def field_label(self, name: str) -> str:
        label = self.spec.field_label(name) if self.spec else name
        return EXTRA_LABELS.get(name, label) if label == name else label


def _document_context(dossier_id: str, doc: dict[str, Any], dpi: int) -> dict[str, Any]:
    from docproc.extractors.spec import spec_for
    from docproc.labels import kind_label

    kind = str(doc.get("kind"))
    spec: Any = _Labels(kind)
    provenance = doc.get("provenance") or {}
    fields = doc.get("fields") or {}
    rows = []
    for name, value in fields.items():
        got = provenance.get(name)
        prov: dict[str, Any] = got if isinstance(got, dict) else {}
        rows.append(
            {
                "name": name,
                "label": spec.field_label(name) if spec else name,
                "value": _fmt(value),
                "raw": value,
                "source": SOURCES.get(str(prov.get("source")), str(prov.get("source") or "—")),
                "is_agent": prov.get("source") == "agent",
                "confidence": prov.get("confidence"),
                "page": prov.get("page"),
                "machine_value": _fmt(prov.get("machine_value")),
                "disagreement": bool(prov.get("disagreement") and prov.get("machine_changed")),
                "has_bbox": isinstance(prov.get("bbox"), list),
                "reason": prov.get("reason"),
                "author": prov.get("author"),
            }
        )
    missing = [
        {"name": n, "label": spec.field_label(n) if spec else n, "reason": r}
        for n, r in (doc.get("missing_fields") or {}).items()
        if n not in fields
    ]
    # Page images, with the boxes of the fields read on each page.
    pages = []
    for index, page in enumerate(p for p in doc.get("pages") or [] if isinstance(p, dict)):
        file_id = page.get("file_id")
        if not file_id:
            continue
        boxes = []
        for name, prov in provenance.items():
            if not isinstance(prov, dict):
                continue
            target = field_page(doc, prov.get("page"))
            if target is not page:
                continue
            for key, css in (("bbox", "valeur"), ("label_bbox", "libelle")):
                box = _box(prov.get(key))
                if box is not None:
                    boxes.append(
                        {
                            "field": name,
                            "label": spec.field_label(name) if spec else name,
                            "kind": css,
                            "agent": prov.get("source") == "agent",
                            **box,
                        }
                    )
        pages.append(
            {
                "index": index + 1,
                "number": page.get("number"),
                "of": page.get("of"),
                "file_page": page.get("page"),
                "file_id": file_id,
                "boxes": boxes,
                "src": f"/agent/dossiers/{dossier_id}/fichiers/{file_id}/pages/{page.get('page')}.png?dpi={dpi}",
            }
        )
    correctable: list[dict[str, Any]] = []
    spec_fields = spec_for(kind)
    if spec_fields is not None:
        for fs in spec_fields.fields:
            if fs.name.startswith("_") or fs.name in [c["name"] for c in correctable]:
                continue
            correctable.append(
                {
                    "name": fs.name,
                    "label": spec.field_label(fs.name),
                    "type": field_type(kind, fs.name),
                    "current": _form_value(fields.get(fs.name)),
                }
            )
    for name in ("annee_revenus", "annee_avis"):
        if field_type(kind, name) and name not in [c["name"] for c in correctable]:
            correctable.append(
                {
                    "name": name,
                    "label": spec.field_label(name),
                    "type": "year",
                    "current": _form_value(fields.get(name)),
                }
            )
    checks = [
        {
            "message": c.get("message"),
            "ok": c.get("ok"),
            "level": LEVELS.get(str(c.get("level")), ("", "info")),
        }
        for c in doc.get("checks") or []
        if isinstance(c, dict)
    ]
    checks.sort(key=lambda c: (c["ok"] is not False, c["level"] != LEVELS["critical"]))
    return {
        "id": doc.get("id"),
        "kind": kind,
        "kind_label": kind_label(kind),
        "status": doc.get("status"),
        "machine_status": doc.get("machine_status"),
        "decision": doc.get("decision"),
        "review": doc.get("review") or {},
        "fields": rows,
        "missing": missing,
        "pages": pages,
        "checks": checks,
        "twoddoc": doc.get("twoddoc"),
        "correctable": correctable,
        "complete": doc.get("complete"),
        "missing_pages": doc.get("missing_pages") or [],
    }


def _box(raw: Any) -> dict[str, float] | None:
    if not isinstance(raw, list | tuple) or len(raw) != 4:
        return None
    try:
        x0, y0, x1, y1 = (min(1.0, max(0.0, float(v))) for v in raw)
    except (TypeError, ValueError):
        return None
    if x1 <= x0 or y1 <= y0:
        return None
    return {
        "left": round(x0 * 100, 3),
        "top": round(y0 * 100, 3),
        "width": round((x1 - x0) * 100, 3),
        "height": round((y1 - y0) * 100, 3),
    }


def _dossier_context(service: Service, client: Client, dossier_id: str, dpi: int) -> dict[str, Any]:
    dossier, files, jobs = service.load_dossier(client, dossier_id)
    view = dossier_view(dossier, files, jobs)
    documents = review_backend.reviewed_documents(service, dossier)
    summary = worklist.summarise(
        dossier, _job_counter(jobs), review_backend.load_state(service, dossier)
    )
    eligibility, eligibility_error = None, None
    if dossier.household is not None:
        from service.eligibility_view import evaluate_dossier

        try:
            eligibility = evaluate_dossier(dossier, files, jobs, documents)
        except ApiError as exc:
            eligibility_error = exc.message
    running = next((j for j in reversed(jobs) if j.status in ("queued", "started")), None)
    return {
        "dossier": view,
        "summary": summary,
        "status_label": DOSSIER_STATUSES.get(summary["status"], ""),
        "documents": [_document_context(dossier_id, d, dpi) for d in documents],
        "eligibility": eligibility,
        "eligibility_label": ELIGIBILITY.get(str((eligibility or {}).get("decision")), ""),
        "eligibility_error": eligibility_error,
        "running_job": running.id if running else None,
        "audit": review_backend.audit_trail(service, client, dossier_id, dossier),
        "review_reasons": REVIEW_REASONS,
        "job_statuses": JOB_STATUSES,
        "fmt": _fmt,
    }


def _job_counter(jobs: list[Any]) -> Any:
    from collections import Counter

    return Counter(j.status for j in jobs)


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
            _dossier_context, _service(request), session.client, dossier_id, dpi
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


def _parse_typed(kind: str, name: str, raw: str) -> Any:
    """The form's text turned into the field's JSON type (then validated by the API's rules)."""
    ftype = field_type(kind, name) or ""
    text = raw.strip()
    if ftype in ("euros", "int", "year", "montant", "convert"):
        digits = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace("€", "")
        try:
            return int(digits)
        except ValueError:
            raise ApiError(
                422, "field.invalid", "Saisissez un nombre entier (sans décimales)."
            ) from None
    if ftype == "parts":
        try:
            return float(text.replace(",", "."))
        except ValueError:
            raise ApiError(
                422, "field.invalid", "Saisissez un nombre de parts, par exemple 2,5."
            ) from None
    if ftype == "flag":
        return text.lower() in ("true", "oui", "vrai", "1")
    if ftype == "choice":
        from docproc.extractors.spec import spec_for

        spec = spec_for(kind)
        for fs in spec.fields if spec else ():
            for c in fs.choices if fs.name == name else ():
                if _form_value(c.value).lower() == text.lower():
                    return c.value
        return text
    if ftype.startswith("list:"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise ApiError(422, "field.invalid", "Saisissez une liste au format JSON.") from None
    return text


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
        value = _parse_typed(kind, name, form.get("valeur", ""))
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
