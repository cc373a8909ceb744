"""Structured logs (issue 14, point 5): one JSON line per request with request id, route
template, dossier id and the job an upload queued, the id given back in X-Request-ID; two lines
per job with the same ids; never document content."""

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
    assert (
        upload["method"] == "POST" and upload["status"] == 202 and upload["dossier_id"] == dossier
    )
    assert upload["request_id"] == r.headers["x-request-id"] and upload["duration_ms"] >= 0
    assert any(x["request_id"] == "essai-12345678" for x in lines)
    text = buffer.getvalue()
    assert "avis_secret_nom" not in text and "Bearer" not in text


def test_formatter_keeps_only_context_fields() -> None:
    record = logging.LogRecord(
        "docproc.requests", logging.INFO, __file__, 1, "GET %s", ("/x",), None
    )
    record.request_id = "abc"
    record.secret = "ne pas écrire"
    out = json.loads(logs.JsonFormatter().format(record))
    assert out["message"] == "GET /x" and out["request_id"] == "abc" and "secret" not in out


def _json_lines(text: str) -> list[dict[str, object]]:
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def test_job_lines_carry_ids_and_the_uploads_request_id(
    service: Harness, sample_pdf: bytes
) -> None:
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    r = c.post(
        f"/dossiers/{dossier}/files",
        headers={"X-Request-ID": "envoi-job-lines-1"},
        files={
            "file": ("avis_DURAND_Odile.pdf", sample_pdf + b"\n%job-lines\n", "application/pdf")
        },
    )
    assert r.status_code == 202 and r.headers["x-request-id"] == "envoi-job-lines-1"
    job = r.json()["job_id"]
    assert service.wait_job(c, job)["status"] == "finished"
    deadline = time.monotonic() + 5
    while True:  # the end line is written just after the job's row
        lines = [x for x in _json_lines(service.worker_logs()) if x.get("job_id") == job]
        if any(x.get("event") == "job.end" for x in lines) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    start = next(x for x in lines if x.get("event") == "job.start")
    end = next(x for x in lines if x.get("event") == "job.end")
    for line in (start, end):
        assert line["logger"] == "docproc.jobs" and line["dossier_id"] == dossier
        assert line["request_id"] == "envoi-job-lines-1"  # passed on with the RQ job
    assert start["attempt"] == 1 and float(start["queue_wait_ms"]) >= 0  # type: ignore[arg-type]
    assert end["outcome"] == "finished" and "reason" not in end and end["pages"] == 2
    assert float(end["duration_ms"]) > 0  # type: ignore[arg-type]
    assert "DURAND" not in service.worker_logs()


def test_upload_line_names_the_job_it_queued(service: Harness, sample_pdf: bytes) -> None:
    logger = logging.getLogger(logs.REQUEST_LOGGER)
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logs.JsonFormatter())
    logger.addHandler(handler)
    try:
        c = service.client("pipe_a")
        dossier = service.new_dossier(c)
        r = service.upload(c, dossier, "avis.pdf", sample_pdf + b"\n%upload-line\n")
        job = r.json()["job_id"]
        deadline = time.monotonic() + 5
        while job not in buffer.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
        # A client cannot make us write what it puts in a URL.
        assert c.get("/dossiers/NOM-DE-PERSONNE-dans-une-URL").status_code == 404
        deadline = time.monotonic() + 5
        while '"status": 404' not in buffer.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        logger.removeHandler(handler)
    lines = _json_lines(buffer.getvalue())
    upload = next(x for x in lines if x.get("route") == "/dossiers/{dossier_id}/files")
    assert upload.get("job_id") == job and upload["dossier_id"] == dossier, buffer.getvalue()
    refused = next(x for x in lines if x.get("status") == 404)
    assert refused["route"] == "/dossiers/{dossier_id}" and "dossier_id" not in refused
    assert "PERSONNE" not in buffer.getvalue()


def test_context_ids_reach_every_line_and_terminal_lines_are_readable() -> None:
    record = logging.LogRecord(
        "docproc.jobs", logging.INFO, __file__, 1, "job %s", ("finished",), None
    )
    logs.bind(job_id="a" * 32, dossier_id="b" * 32, request_id="req-12345678")
    try:
        assert logs.ContextFilter().filter(record)
    finally:
        logs.bind(job_id=None, dossier_id=None, request_id=None)
    record.duration_ms = 12.5
    out = json.loads(logs.JsonFormatter().format(record))
    assert (
        out["job_id"] == "a" * 32
        and out["dossier_id"] == "b" * 32
        and out["request_id"] == "req-12345678"
    )
    text = logs.TextFormatter().format(record)
    assert "docproc.jobs: job finished" in text and "duration_ms=12.5" in text and "{" not in text
    try:
        raise ValueError("MARCHAND 1914177763379")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert "MARCHAND" not in logs.JsonFormatter().format(record)
    assert "MARCHAND" not in logs.TextFormatter().format(record)


def test_service_lines_from_info_other_libraries_from_warning() -> None:
    keep = logs.ServiceOrWarning()

    def rec(name: str, level: int) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, "m", None, None)

    assert keep.filter(rec("docproc.jobs", logging.INFO)) and keep.filter(
        rec("docproc", logging.INFO)
    )
    assert not keep.filter(rec("alembic.runtime.migration", logging.INFO))
    assert not keep.filter(rec("docprocx", logging.INFO)) and keep.filter(
        rec("rq.worker", logging.WARNING)
    )
    assert (
        logging.getLogger("docproc").level == logging.NOTSET
    )  # caplog.set_level(DEBUG) still works
