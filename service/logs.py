"""Structured logs of the service: one line per HTTP request, JSON when stderr is not a terminal.

A line carries the request id (``X-Request-ID``, given back in the response), the method, the
route template (``/dossiers/{dossier_id}/files``), the dossier id, the status and the duration.
Never a query string, a header value, a file name or any document content.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

REQUEST_LOGGER = "docproc.requests"
#: Fields a log record may carry besides its message (set with ``extra=``).
CONTEXT = ("request_id", "dossier_id", "job_id", "method", "route", "status", "duration_ms")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


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
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "erreur"
        return json.dumps(out, ensure_ascii=False)


def configure(stream: TextIO | None = None) -> logging.Logger:
    """Give the request logger a handler once (JSON unless ``stream`` is a terminal)."""
    logger = logging.getLogger(REQUEST_LOGGER)
    if not logger.handlers:
        target = stream if stream is not None else sys.stderr
        handler = logging.StreamHandler(target)
        tty = getattr(target, "isatty", lambda: False)()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s") if tty else JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


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

        async def send_with_id(message: dict[str, Any]) -> None:
            if message.get("type") == "http.response.start":
                status[0] = int(message.get("status", 500))
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-request-id", request_id.encode("latin-1"))]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = getattr(scope.get("route"), "path", None) or "(hors route)"
            params = scope.get("path_params") or {}
            extra = {"request_id": request_id, "method": scope.get("method"), "route": route,
                     "status": status[0], "duration_ms": round(1000 * (time.perf_counter() - started), 1)}
            if "dossier_id" in params:
                extra["dossier_id"] = str(params["dossier_id"])
            if "job_id" in params:
                extra["job_id"] = str(params["job_id"])
            self.log.info("%s %s %s", extra["method"], route, status[0], extra=extra)
