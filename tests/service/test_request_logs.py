"""Structured request logs (issue 14, point 5): one JSON line per request with request id,
route template and dossier id, the id given back in X-Request-ID, never document content."""

from __future__ import annotations

import io
import json
import logging
import time

from service import logs
from tests.service.conftest import Harness


def test_one_json_line_per_request_without_content(service: Harness, sample_pdf: bytes) -> None:
    logger = logging.getLogger(logs.REQUEST_LOGGER)
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logs.JsonFormatter())
    logger.addHandler(handler)
    try:
        c = service.client("pipe_a")
        dossier = service.new_dossier(c)
        r = service.upload(c, dossier, "avis_secret_nom.pdf", sample_pdf)
        assert r.status_code == 202
        given = c.get(f"/dossiers/{dossier}", headers={"X-Request-ID": "essai-12345678"})
        assert given.headers["x-request-id"] == "essai-12345678"
        assert len(r.headers["x-request-id"]) == 16
        # The line is written once the response is sent: the client may read it first.
        deadline = time.monotonic() + 5
        while "essai-12345678" not in buffer.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    upload = next(x for x in lines if x["route"] == "/dossiers/{dossier_id}/files")
    assert upload["method"] == "POST" and upload["status"] == 202 and upload["dossier_id"] == dossier
    assert upload["request_id"] == r.headers["x-request-id"] and upload["duration_ms"] >= 0
    assert any(x["request_id"] == "essai-12345678" for x in lines)
    text = buffer.getvalue()
    assert "avis_secret_nom" not in text and "Bearer" not in text


def test_formatter_keeps_only_context_fields() -> None:
    record = logging.LogRecord("docproc.requests", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    record.request_id = "abc"
    record.secret = "ne pas écrire"
    out = json.loads(logs.JsonFormatter().format(record))
    assert out["message"] == "GET /x" and out["request_id"] == "abc" and "secret" not in out
