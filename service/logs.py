"""Structured logs of the service: JSON lines on stderr when it is not a terminal, readable lines on one.

Every line of a ``docproc.*`` logger carries the context known where it is written (context
variables): ``request_id`` (``X-Request-ID`` accepted from the client, else made up, given
back in the response and passed on to the job it queues), ``dossier_id`` and ``job_id``.
One line per HTTP request (``docproc.requests``: method, route template, status, duration)
and two per job (``docproc.jobs``: ``job.start`` with the attempt and the queue wait,
``job.end`` with the outcome, the reason code, the duration and the page count).

Never a query string, a header value, a file name or any document content (names, numéros
fiscaux, addresses, amounts): only the fields listed in ``CONTEXT`` reach a JSON line, and the
test run's logs are searched for every sample's values (``tests/test_zz_run_logs.py``).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

REQUEST_LOGGER = "docproc.requests"
#: Parent of every logger of the library and the service.
ROOT_LOGGER = "docproc"
#: Fields a JSON line may carry besides its message (context variables, or ``extra=``).
CONTEXT = (
    "request_id",
    "dossier_id",
    "job_id",
    "event",
    "method",
    "route",
    "status",
    "outcome",
    "reason",
    "attempt",
    "duration_ms",
    "queue_wait_ms",
    "pages",
)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
#: Dossier and job ids (anything else a client puts in a URL is not written).
_ID = re.compile(r"[0-9a-f]{32}")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_dossier_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("dossier_id", default=None)
_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("job_id", default=None)
#: Per request, fields the route adds to the request's line (the job it queued).
_notes: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "notes", default=None
)
_VARS = {"request_id": _request_id, "dossier_id": _dossier_id, "job_id": _job_id}


def bind(**fields: str | None) -> None:
    """Set context fields (``request_id``, ``dossier_id``, ``job_id``) for the lines that follow."""
    for key, value in fields.items():
        _VARS[key].set(value)


def current_request_id() -> str | None:
    return _request_id.get()


def note(**fields: str) -> None:
    """Add ids to the current request's line (e.g. the ``job_id`` an upload queued)."""
    notes = _notes.get()
    if notes is not None:
        notes.update(fields)


def bind_job(job_id: str, dossier_id: str) -> None:
    """In a worker, for the job being run: its ids, and the request id of the upload that queued it."""
    request_id = None
    try:
        from rq import get_current_job

        rq_job = get_current_job()
        if rq_job is not None:
            given = str((rq_job.meta or {}).get("request_id") or "")
            request_id = given if _REQUEST_ID.fullmatch(given) else None
    except Exception:  # outside RQ (tests, tools): no request id
        request_id = None
    bind(job_id=job_id, dossier_id=dossier_id, request_id=request_id)


class ContextFilter(logging.Filter):
    """Copies the context variables onto each record the handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, var in _VARS.items():
            value = var.get()
            if value is not None and getattr(record, key, None) is None:
                setattr(record, key, value)
        return True


class ServiceOrWarning(logging.Filter):
    """``docproc.*`` from INFO; other libraries (uvicorn, rq, alembic…) from WARNING."""

    def filter(self, record: logging.LogRecord) -> bool:
        return (
            record.levelno >= logging.WARNING
            or record.name == ROOT_LOGGER
            or record.name.startswith("docproc.")
        )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the context fields present."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in CONTEXT:
            value = getattr(record, key, None)
            if value is not None:
                out[key] = value
        if record.exc_info:
            # The exception's type only: its message or traceback could quote a document.
            out["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "erreur"
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For a terminal: ``12:03:04 INFO docproc.jobs: job finished [job_id=… duration_ms=…]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        record.exc_info, record.exc_text = None, None  # same rule as JSON: no traceback text
        try:
            line = super().format(record)
        finally:
            record.exc_info, record.exc_text = saved
        if saved[0] and saved[0][0]:
            line += f" ({saved[0][0].__name__})"
        fields = " ".join(
            f"{k}={getattr(record, k)}"
            for k in CONTEXT
            if getattr(record, k, None) is not None and k not in ("method", "route", "status")
        )
        return f"{line} [{fields}]" if fields else line


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the current ``sys.stderr`` (replaced by test captures), like logging.lastResort."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


_configured = False


def configure(stream: TextIO | None = None) -> logging.Logger:
    """Once per process: one handler on the root logger, ``docproc.*`` from INFO, others from WARNING.

    JSON unless the stream (stderr by default) is a terminal. Returns the request logger. No
    level is set on ``docproc`` itself, so a test's ``caplog.set_level(DEBUG)`` still sees it."""
    global _configured
    if not _configured:
        _configured = True
        handler: logging.Handler = (
            logging.StreamHandler(stream) if stream is not None else _Stderr()
        )
        handler.setFormatter(
            TextFormatter() if _is_terminal(stream or sys.stderr) else JsonFormatter()
        )
        handler.addFilter(ServiceOrWarning())
        handler.addFilter(ContextFilter())
        root = logging.getLogger()
        root.addHandler(handler)
        if root.level == logging.NOTSET or root.level > logging.INFO:
            root.setLevel(logging.INFO)
    return logging.getLogger(REQUEST_LOGGER)


class RequestLog:
    """Pure ASGI middleware (no request body buffering): one log line per HTTP request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.log = configure()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else secrets.token_hex(8)
        started = time.perf_counter()
        status = [500]
        notes: dict[str, str] = {}
        tokens = (
            _request_id.set(request_id),
            _notes.set(notes),
            _dossier_id.set(None),
            _job_id.set(None),
        )

        async def send_with_id(message: dict[str, Any]) -> None:
            if message.get("type") == "http.response.start":
                status[0] = int(message.get("status", 500))
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        (b"x-request-id", request_id.encode("latin-1")),
                    ],
                }
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = getattr(scope.get("route"), "path", None) or "(hors route)"
            params = scope.get("path_params") or {}
            extra: dict[str, Any] = {
                "event": "request",
                "request_id": request_id,
                "method": scope.get("method"),
                "route": route,
                "status": status[0],
                "duration_ms": round(1000 * (time.perf_counter() - started), 1),
            }
            for key in ("dossier_id", "job_id"):
                value = params.get(key) or notes.get(key)
                if value and _ID.fullmatch(str(value)):
                    extra[key] = str(value)
            self.log.info("%s %s %s", extra["method"], route, status[0], extra=extra)
            for var, token in zip((_request_id, _notes, _dossier_id, _job_id), tokens, strict=True):
                var.reset(token)  # type: ignore[attr-defined]
