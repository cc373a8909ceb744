"""The HTTP API (contract §4): dossiers, files, jobs, re-extraction, household, eligibility.

Uploads do not go through Starlette's form parser (it spools the whole body before the handler
runs): the multipart body is parsed while it streams in, the 2 Mo cap is counted on the file's
bytes as they arrive (413 without buffering the rest), and the type is sniffed from the first
bytes (415 as soon as they are known). ``202`` is answered once the encrypted file is fsynced,
its row and its job row are committed, and the job id is pushed to RQ.

Errors are ``{"error": CODE, "message": "…"}`` in French; no body ever echoes the request's
content, and nothing here logs a file name or a document value.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import unicodedata
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI, Request, Response, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from redis.exceptions import RedisError
from rq import Worker as RQWorker
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from docproc.intake import describe, sniff
from worker import auth, metrics
from worker.auth import Client, KeyRing
from worker.db import (
    DOSSIERS,
    FILES,
    JOB_FAILED,
    JOB_QUEUED,
    JOB_STARTED,
    JOBS,
    Database,
    Dossier,
    Job,
    StoredFile,
    new_id,
    utcnow,
)
from worker.queue import JobQueue, connect_redis, rq_id
from worker.settings import Role, ServiceSettings
from worker.storage import BlobStore, load_master_key

log = logging.getLogger("docproc.api")

#: Room for the multipart envelope and the small text fields around the file.
_FORM_OVERHEAD = 64 * 1024
_FIELD_MAX = 1024
_JSON_MAX = 256 * 1024
#: After a 413/415, the rest of a body this size is read and thrown away so the client gets
#: the answer (rather than a reset connection); a larger body is cut off.
_DRAIN_MAX = 8 * 1024 * 1024
_ID = re.compile(r"^[0-9a-f]{32}$")

REASON_MESSAGES: dict[str, str] = {
    "file.timeout": "La lecture du fichier a pris trop de temps et a été interrompue.",
    "file.resource_limit": "Le fichier demande trop de ressources pour être lu (fichier piégé ou trop complexe).",
    "extraction.internal": "Une erreur interne est survenue pendant la lecture du fichier.",
    "worker.abandoned": "Le traitement a été interrompu à plusieurs reprises ; le fichier ne peut pas être lu.",
    "infra.database": "Incident technique temporaire (base de données) : le traitement sera relancé.",
    "infra.redis": "Incident technique temporaire (file d'attente) : le traitement sera relancé.",
    "infra.storage": "Incident technique temporaire (stockage) : le traitement sera relancé.",
    "infra.injected": "Incident technique simulé : le traitement sera relancé.",
    "dossier.busy": "En attente : un autre fichier du dossier est en cours de lecture.",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def _not_found() -> ApiError:
    return ApiError(404, "not_found", "Ressource introuvable.")


def _reason_message(reason: str | None) -> str | None:
    if reason is None:
        return None
    if reason in REASON_MESSAGES:
        return REASON_MESSAGES[reason]
    try:
        from docproc.errors import MESSAGES, Reason

        return MESSAGES[Reason(reason)]
    except (ImportError, ValueError, KeyError):
        return "Le fichier n'a pas pu être traité."


class _TooLarge(Exception):
    pass


class _BadForm(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Unsupported(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _clean_name(raw: bytes | None) -> str:
    text = (raw or b"").decode("utf-8", errors="replace")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch)[0] != "C")
    text = text.strip().lstrip(".")[:200]
    return text or "fichier"


class _FormReader:
    """Streaming multipart/form-data reader for one ``file`` part and small text fields."""

    def __init__(self, boundary: bytes, max_file: int) -> None:
        self.max_file = max_file
        self.file = bytearray()
        self.filename: str | None = None
        self.media_type: str | None = None
        self.fields: dict[str, str] = {}
        self._headers: dict[bytes, bytes] = {}
        self._hname = bytearray()
        self._hvalue = bytearray()
        self._part: str | None = None
        self._buf = bytearray()
        self._files_seen = 0
        self.done = False
        self.parser = MultipartParser(boundary, {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self._hname.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._hvalue.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done,
            "on_part_data": self._data,
            "on_part_end": self._end,
            "on_end": self._finish,
        })

    def _begin(self) -> None:
        self._headers, self._part, self._buf = {}, None, bytearray()

    def _header_end(self) -> None:
        self._headers[bytes(self._hname).lower()] = bytes(self._hvalue)
        self._hname.clear()
        self._hvalue.clear()

    def _headers_done(self) -> None:
        disposition, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = params.get(b"name")
        if disposition != b"form-data" or not name:
            raise _BadForm("Partie de formulaire sans nom.")
        self._part = name.decode("utf-8", errors="replace")
        if self._part == "file":
            self._files_seen += 1
            if self._files_seen > 1:
                raise _BadForm("Un seul fichier par envoi (champ « file »).")
            self.filename = _clean_name(params.get(b"filename"))
        elif len(self.fields) >= 8:
            raise _BadForm("Trop de champs dans le formulaire.")

    def _data(self, data: bytes, start: int, end: int) -> None:
        size = end - start
        if self._part == "file":
            if len(self.file) + size > self.max_file:
                raise _TooLarge()
            first = len(self.file) < 1024
            self.file.extend(data[start:end])
            if first and len(self.file) >= 1024:
                self._sniff()
        else:
            if len(self._buf) + size > _FIELD_MAX:
                raise _BadForm(f"Le champ « {self._part} » est trop long.")
            self._buf.extend(data[start:end])

    def _end(self) -> None:
        if self._part == "file":
            if self.media_type is None and self.file:
                self._sniff()
        elif self._part is not None:
            self.fields[self._part] = self._buf.decode("utf-8", errors="replace").strip()
        self._part = None

    def _sniff(self) -> None:
        media_type = sniff(bytes(self.file[:1024]))
        if media_type is None:
            raise _Unsupported(describe(bytes(self.file[:16])))
        self.media_type = media_type

    def _finish(self) -> None:
        self.done = True


def _error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


class _Body:
    """The request body read message by message, remembering whether it was read to the end."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.complete = False
        self.disconnected = False

    async def chunks(self) -> AsyncIterator[bytes]:
        while not self.complete:
            message = await self.request.receive()
            if message["type"] != "http.request":
                self.disconnected = True
                raise _ClientGone()
            self.complete = not message.get("more_body", False)
            body = message.get("body", b"")
            if body:
                yield body

    async def drain(self, budget: int) -> bool:
        """Discard what is left of the body, up to ``budget`` bytes; True if all was read."""
        seen = 0
        try:
            async for chunk in self.chunks():
                seen += len(chunk)
                if seen > budget:
                    return False
        except _ClientGone:
            return False
        return True


class _ClientGone(Exception):
    pass


async def _read_json(request: Request) -> Any:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > _JSON_MAX:
        raise ApiError(413, "body.too_large", "Le corps de la requête est trop volumineux.")
    body = bytearray()
    try:
        async for chunk in _Body(request).chunks():
            body.extend(chunk)
            if len(body) > _JSON_MAX:
                raise ApiError(413, "body.too_large", "Le corps de la requête est trop volumineux.")
    except _ClientGone:
        raise ApiError(400, "request.incomplete", "Envoi interrompu avant la fin.") from None
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(422, "invalid_json", "Le corps de la requête n'est pas un JSON valide.") from exc


def _iso(value: Any) -> str | None:
    return value.isoformat() + ("Z" if hasattr(value, "hour") else "") if value is not None else None


def job_view(job: Job) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "status": job.status,
        "dossier_id": job.dossier_id,
        "file_id": job.file_id,
        "kind": job.kind,
        "reason": job.reason,
        "message": _reason_message(job.reason),
        "attempts": job.attempts,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
    }


def dossier_status(dossier: Dossier, files: list[StoredFile], jobs: list[Job]) -> str:
    if not files and not jobs:
        return "empty"
    if any(j.status in (JOB_QUEUED, JOB_STARTED) for j in jobs):
        return "processing"
    if dossier.result_generation is not None and dossier.result_generation >= dossier.generation:
        return "complete"
    return "failed" if any(j.status == JOB_FAILED for j in jobs) else "processing"


def dossier_view(dossier: Dossier, files: list[StoredFile], jobs: list[Job]) -> dict[str, Any]:
    result = dossier.result or {}
    extracted = {f.get("file_id"): f for f in result.get("files", []) if isinstance(f, dict)}
    out_files = []
    for f in files:
        entry: dict[str, Any] = {
            "file_id": f.id, "name": f.name, "sha256": f.sha256, "bytes": f.size,
            "media_type": f.media_type, "beneficiaire": f.beneficiaire, "kind_hint": f.kind_hint,
            "uploaded_at": _iso(f.created_at), "extracted": f.id in extracted,
        }
        for key, value in extracted.get(f.id, {}).items():
            entry.setdefault(key, value)
        out_files.append(entry)
    return {
        "id": dossier.id,
        "status": dossier_status(dossier, files, jobs),
        "request_date": dossier.request_date.isoformat(),
        "created_at": _iso(dossier.created_at),
        "updated_at": _iso(dossier.updated_at),
        "files": out_files,
        "documents": result.get("documents", []),
        "jobs": [{"job_id": j.id, "status": j.status, "kind": j.kind, "reason": j.reason} for j in jobs],
        "household_declared": dossier.household is not None,
    }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _unique_name(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 2
    while True:
        candidate = f"{stem} ({n}){'.' + ext if ext else ''}"
        if candidate not in taken:
            return candidate
        n += 1


# The upload path's statements, built once.
_OWNER = select(DOSSIERS.c.owner).where(DOSSIERS.c.id == bindparam("dossier_id"))
_BUMP_GENERATION = (update(DOSSIERS).where(DOSSIERS.c.id == bindparam("b_dossier"))
                    .values(generation=DOSSIERS.c.generation + 1, updated_at=bindparam("b_now"))
                    .returning(DOSSIERS.c.generation, DOSSIERS.c.owner))
_FILE_NAMES = select(FILES.c.name, FILES.c.seq).where(FILES.c.dossier_id == bindparam("dossier_id"))
_LATEST_JOB = (select(JOBS.c.id).where(JOBS.c.file_id == FILES.c.id).order_by(JOBS.c.created_at.desc())
               .limit(1).scalar_subquery())
_EXISTING = select(FILES.c.id, _LATEST_JOB.label("job_id")).where(
    FILES.c.dossier_id == bindparam("dossier_id"), FILES.c.sha256 == bindparam("sha256"))
_INSERT_FILE = insert(FILES)
_INSERT_JOB = insert(JOBS)
_INSERT_DOSSIER = insert(DOSSIERS)


def _new_job(job_id: str, dossier_id: str, file_id: str | None, kind: str, generation: int, first_rq: str,
             now: Any) -> dict[str, Any]:
    return {"id": job_id, "dossier_id": dossier_id, "file_id": file_id, "kind": kind, "generation": generation,
            "status": JOB_QUEUED, "reason": None, "attempts": 0, "rq_id": first_rq, "enqueues": 1, "worker": None,
            "not_before": None, "enqueued_at": now, "created_at": now, "started_at": None, "heartbeat_at": None,
            "finished_at": None}


class Service:
    """The API's state: settings, database, storage, queue; blocking calls run in threads."""

    def __init__(self, settings: ServiceSettings, db: Database | None = None) -> None:
        self.settings = settings
        self.db = db or Database(settings.database_url)
        self.store = BlobStore(settings.storage_dir, load_master_key(settings))
        self.redis = connect_redis(settings.redis_url)
        self.queue = JobQueue(self.redis, settings)
        self.keys = KeyRing(settings.api_keys)
        self.uploads = metrics.UploadMetrics(self.redis, metrics.metrics_key(settings.queue_name))

    # -- lookups -----------------------------------------------------------------------
    def visible_dossier(self, client: Client, dossier_id: str) -> Dossier:
        if not _ID.match(dossier_id):
            raise _not_found()
        with self.db.read() as s:
            dossier = s.get(Dossier, dossier_id)
        if dossier is None or not client.sees(dossier.owner):
            raise _not_found()
        return dossier

    def check_visible(self, client: Client, dossier_id: str) -> None:
        """404 unless the dossier exists and the client may see it (cheap: one column)."""
        if not _ID.match(dossier_id):
            raise _not_found()
        with self.db.read_conn() as conn:
            owner = conn.execute(_OWNER, {"dossier_id": dossier_id}).scalar()
        if owner is None or not client.sees(owner):
            raise _not_found()

    def load_dossier(self, client: Client, dossier_id: str) -> tuple[Dossier, list[StoredFile], list[Job]]:
        if not _ID.match(dossier_id):
            raise _not_found()
        with self.db.read() as s:
            dossier = s.get(Dossier, dossier_id)
            if dossier is None or not client.sees(dossier.owner):
                raise _not_found()
            files = list(s.scalars(select(StoredFile).where(StoredFile.dossier_id == dossier_id)
                                   .order_by(StoredFile.seq)))
            jobs = list(s.scalars(select(Job).where(Job.dossier_id == dossier_id).order_by(Job.created_at)))
        return dossier, files, jobs

    # -- writes ------------------------------------------------------------------------
    def create_dossier(self, client: Client, request_date: date) -> str:
        dossier_id, now = new_id(), utcnow()
        with self.db.write_conn() as conn:
            conn.execute(_INSERT_DOSSIER, {"id": dossier_id, "owner": client.name, "created_at": now,
                                           "updated_at": now, "request_date": request_date, "generation": 0})
        return dossier_id

    def accept_upload(self, client: Client, dossier_id: str, name: str, data: bytes, media_type: str,
                      beneficiaire: str | None, kind_hint: str | None) -> tuple[str, str, bool]:
        """Store the file durably, record it and its job, enqueue; (file_id, job_id, duplicate)."""
        digest = hashlib.sha256(data).hexdigest()
        duplicate = self._existing(dossier_id, digest)
        if duplicate:
            return duplicate
        file_id, job_id, now = new_id(), new_id(), utcnow()
        wrapped = self.store.put(file_id, data)
        first_rq = rq_id(job_id, 1)
        try:
            with self.db.write_conn() as conn:
                row = conn.execute(_BUMP_GENERATION, {"b_dossier": dossier_id, "b_now": now}).first()
                if row is None or not client.sees(row.owner):
                    raise _not_found()
                existing = conn.execute(_FILE_NAMES, {"dossier_id": dossier_id}).all()
                conn.execute(_INSERT_FILE, {
                    "id": file_id, "dossier_id": dossier_id, "seq": max((r.seq for r in existing), default=0) + 1,
                    "name": _unique_name(name, {r.name for r in existing}), "sha256": digest, "size": len(data),
                    "media_type": media_type, "beneficiaire": beneficiaire, "kind_hint": kind_hint,
                    "wrapped_key": wrapped, "created_at": now})
                conn.execute(_INSERT_JOB, _new_job(job_id, dossier_id, file_id, "extraction", row.generation,
                                                   first_rq, now))
        except IntegrityError:
            # The same file raced in on another request: that one wins.
            self.store.delete(file_id)
            duplicate = self._existing(dossier_id, digest)
            if duplicate:
                return duplicate
            raise
        except BaseException:
            self.store.delete(file_id)
            raise
        self._push(job_id, first_rq)
        return file_id, job_id, False

    def _existing(self, dossier_id: str, digest: str) -> tuple[str, str, bool] | None:
        with self.db.read_conn() as conn:
            row = conn.execute(_EXISTING, {"dossier_id": dossier_id, "sha256": digest}).first()
        if row is None:
            return None
        return row.id, row.job_id or "", True

    def _push(self, job_id: str, enqueue_id: str) -> None:
        try:
            self.queue.enqueue(job_id, enqueue_id)
        except RedisError as exc:
            # The job row is committed: the reconciler enqueues it once Redis answers.
            log.warning("job %s not pushed to Redis (%s): left to the reconciler", job_id, type(exc).__name__)

    def reextract(self, client: Client, dossier_id: str) -> str:
        job_id, now = new_id(), utcnow()
        first_rq = rq_id(job_id, 1)
        with self.db.write() as s:
            dossier = s.get(Dossier, dossier_id)
            if dossier is None or not client.sees(dossier.owner):
                raise _not_found()
            if not s.scalar(select(func.count()).select_from(StoredFile)
                            .where(StoredFile.dossier_id == dossier_id)):
                raise ApiError(409, "dossier.empty", "Le dossier ne contient aucun fichier à relire.")
            dossier.generation += 1
            dossier.updated_at = now
            s.add(Job(id=job_id, dossier_id=dossier_id, file_id=None, kind="reextraction",
                      generation=dossier.generation, status=JOB_QUEUED, attempts=0, rq_id=first_rq,
                      enqueues=1, enqueued_at=now, created_at=now))
        self._push(job_id, first_rq)
        return job_id

    def set_household(self, client: Client, dossier_id: str, household: dict[str, Any]) -> None:
        with self.db.write() as s:
            dossier = s.get(Dossier, dossier_id)
            if dossier is None or not client.sees(dossier.owner):
                raise _not_found()
            dossier.household = household
            dossier.updated_at = utcnow()

    def delete_dossier(self, client: Client, dossier_id: str) -> None:
        with self.db.write() as s:
            dossier = s.get(Dossier, dossier_id)
            if dossier is None or not client.sees(dossier.owner):
                raise _not_found()
            file_ids = list(s.scalars(select(StoredFile.id).where(StoredFile.dossier_id == dossier_id)))
            rq_ids = [r for r in s.scalars(select(Job.rq_id).where(Job.dossier_id == dossier_id)) if r]
            s.execute(delete(Job).where(Job.dossier_id == dossier_id))
            s.execute(delete(StoredFile).where(StoredFile.dossier_id == dossier_id))
            s.execute(delete(Dossier).where(Dossier.id == dossier_id))
        # The rows (and with them the wrapped data keys) are gone: the blobs are unreadable
        # from here on; unlink them now. A crash in between leaves orphans only.
        for file_id in file_ids:
            self.store.delete(file_id)
        try:
            self.queue.delete_jobs(rq_ids)
        except RedisError:
            log.warning("dossier deleted, RQ job ids not purged (Redis unavailable)")
        try:
            self.db.compact_after_delete()
        except SQLAlchemyError:
            log.warning("WAL checkpoint after deletion deferred")

    def health(self) -> dict[str, str]:
        status = {"database": "ok", "redis": "ok"}
        try:
            self.db.ping()
        except SQLAlchemyError:
            status["database"] = "indisponible"
        try:
            self.redis.ping()
        except RedisError:
            status["redis"] = "indisponible"
        return status

    def metrics_text(self) -> str:
        with self.db.read() as s:
            counts = [(str(st), int(n)) for st, n in s.execute(select(Job.status, func.count()).group_by(Job.status))]
        try:
            depth = self.queue.depth()
            raw = {_text(k): _text(v) for k, v in self.redis.hgetall(metrics.metrics_key(self.settings.queue_name)).items()}
            workers = RQWorker.count(queue=self.queue.queue)
            up = 1
        except RedisError:
            depth, raw, workers, up = 0, {}, 0, 0
        text = metrics.render(queue_depth=depth, db_jobs=counts, redis_hash=raw, uploads=self.uploads,
                              workers=workers)
        return text + f"# HELP docproc_redis_up Whether Redis answered.\n# TYPE docproc_redis_up gauge\ndocproc_redis_up {up}\n"


def kinds() -> tuple[str, ...]:
    """The kinds a ``kind_hint`` may name: every kind with a spec, then "inconnu"."""
    from docproc.extractors.spec import kinds as spec_kinds

    return (*spec_kinds(), "inconnu")


def _upload_openapi() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary",
                             "description": "Un fichier (PDF, JPEG, PNG, TIFF, HEIC, WebP), 2 Mo au plus."},
                    "beneficiaire": {"type": "string", "maxLength": _FIELD_MAX},
                    "kind_hint": {"type": "string", "enum": list(kinds())},
                },
            }}},
        },
    }


_bearer = HTTPBearer(auto_error=False, description="Clé d'API (DOCPROC_API_KEYS).")


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def current_client(request: Request,
                   _creds: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]) -> Client:
    client = _service(request).keys.identify(request.headers.get("authorization"))
    if client is None:
        raise ApiError(401, "unauthorized", "Clé d'API absente ou invalide.", {"WWW-Authenticate": "Bearer"})
    return client


def _role(allowed: frozenset[Role]) -> Callable[..., Client]:
    def check(client: Annotated[Client, Depends(current_client)]) -> Client:
        if client.role not in allowed:
            raise ApiError(403, "forbidden", "Votre rôle ne permet pas cette opération.")
        return client
    return check


Reader = Annotated[Client, Depends(_role(auth.CAN_READ))]
Creator = Annotated[Client, Depends(_role(auth.CAN_CREATE))]
Uploader = Annotated[Client, Depends(_role(auth.CAN_UPLOAD))]
Reextractor = Annotated[Client, Depends(_role(auth.CAN_REEXTRACT))]
Declarer = Annotated[Client, Depends(_role(auth.CAN_DECLARE))]
Deleter = Annotated[Client, Depends(_role(auth.CAN_DELETE))]


def create_app(settings: ServiceSettings, db: Database | None = None) -> FastAPI:
    """The FastAPI application (schema migrations are the caller's job: ``db.migrate``)."""
    service = Service(settings, db)
    app = FastAPI(
        title="docproc",
        version="0.1.0",
        description="Lecture et contrôle des justificatifs de la Complémentaire santé solidaire.",
    )
    app.state.service = service
    from worker.logs import RequestLog
    app.add_middleware(RequestLog)  # one structured line per request (issue 14), never content

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        if isinstance(exc, _HouseholdInvalid):
            return JSONResponse({"error": exc.code, "message": exc.message, "field": exc.field},
                                status_code=exc.status)
        return _error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, _exc: RequestValidationError) -> JSONResponse:
        # Never echo the input back: it may hold personal data.
        return _error_response(422, "invalid_request", "Requête invalide.")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return _error_response(404, "not_found", "Ressource introuvable.")
        if exc.status_code == 405:
            return _error_response(405, "method_not_allowed", "Méthode non autorisée pour cette ressource.")
        return _error_response(exc.status_code, "http_error", "Requête refusée.")

    @app.exception_handler(SQLAlchemyError)
    async def _db_down(_request: Request, exc: SQLAlchemyError) -> JSONResponse:
        log.error("database error: %s", type(exc).__name__)
        return _error_response(503, "unavailable", "Service momentanément indisponible, réessayez plus tard.")

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error: %s", type(exc).__name__)
        return _error_response(500, "internal", "Erreur interne du service.")

    # -- health and metrics ----------------------------------------------------------------
    @app.get("/healthz", tags=["exploitation"], summary="État du service (sans clé)")
    def healthz() -> JSONResponse:
        status = service.health()
        if all(v == "ok" for v in status.values()):
            return JSONResponse({"status": "ok", **status})
        return JSONResponse({"error": "unavailable", "message": "Service indisponible.", **status},
                            status_code=503)

    @app.get("/metrics", tags=["exploitation"], summary="Métriques Prometheus",
             response_class=PlainTextResponse)
    def metrics_endpoint(_client: Reader) -> PlainTextResponse:
        return PlainTextResponse(service.metrics_text(), media_type="text/plain; version=0.0.4")

    # -- dossiers ------------------------------------------------------------------------
    @app.post("/dossiers", status_code=201, tags=["dossiers"], summary="Créer un dossier",
              openapi_extra={"requestBody": {"required": False, "content": {"application/json": {"schema": {
                  "type": "object", "properties": {"request_date": {"type": "string", "format": "date"}}}}}}})
    async def create_dossier(request: Request,
                             client: Creator) -> JSONResponse:
        body = await _read_json(request)
        if body is not None and not isinstance(body, dict):
            raise ApiError(422, "invalid_request", "Le corps doit être un objet JSON.")
        raw_date = (body or {}).get("request_date")
        try:
            request_date = date.fromisoformat(raw_date) if raw_date else date.today()
        except (TypeError, ValueError) as exc:
            raise ApiError(422, "invalid_request", "request_date doit être une date AAAA-MM-JJ.") from exc
        dossier_id = await anyio.to_thread.run_sync(service.create_dossier, client, request_date)
        return JSONResponse({"id": dossier_id, "request_date": request_date.isoformat()}, status_code=201,
                            headers={"Location": f"/dossiers/{dossier_id}"})

    @app.get("/dossiers", tags=["dossiers"], summary="Lister les dossiers visibles")
    def list_dossiers(client: Reader, limit: int = 100) -> dict[str, Any]:
        limit = max(1, min(limit, 1000))
        query = select(Dossier.id, Dossier.created_at).order_by(Dossier.created_at.desc()).limit(limit)
        if client.role == "pipeline":
            query = query.where(Dossier.owner == client.name)
        with service.db.read() as s:
            rows = s.execute(query).all()
        return {"dossiers": [{"id": i, "created_at": _iso(c)} for i, c in rows]}

    @app.get("/dossiers/{dossier_id}", tags=["dossiers"], summary="Documents, champs et contrôles du dossier")
    def get_dossier(dossier_id: str, client: Reader) -> dict[str, Any]:
        return dossier_view(*service.load_dossier(client, dossier_id))

    @app.delete("/dossiers/{dossier_id}", status_code=204, tags=["dossiers"],
                summary="Supprimer définitivement le dossier, ses fichiers et ses résultats")
    def delete_dossier(dossier_id: str, client: Deleter) -> Response:
        if not _ID.match(dossier_id):
            raise _not_found()
        service.delete_dossier(client, dossier_id)
        return Response(status_code=204)

    @app.post("/dossiers/{dossier_id}/files", status_code=202, tags=["dossiers"],
              summary="Déposer un fichier (multipart, champ « file », 2 Mo au plus)",
              openapi_extra=_upload_openapi())
    async def upload(dossier_id: str, request: Request,
                     client: Uploader) -> JSONResponse:
        started = time.perf_counter()
        outcome = "error"
        try:
            response = await _upload(dossier_id, request, client)
            outcome = "accepted" if response.status_code == 202 else str(response.status_code)
            return response
        except ApiError as exc:
            outcome = exc.code
            raise
        finally:
            service.uploads.observe(outcome, time.perf_counter() - started)

    async def _upload(dossier_id: str, request: Request, client: Client) -> JSONResponse:
        await anyio.to_thread.run_sync(service.check_visible, client, dossier_id)
        content_type, params = parse_options_header(request.headers.get("content-type", ""))
        boundary = params.get(b"boundary")
        if content_type != b"multipart/form-data" or not boundary:
            raise ApiError(422, "invalid_form", "Envoyez le fichier en multipart/form-data (champ « file »).")
        cap = settings.max_upload_bytes
        too_large = ApiError(413, "file.too_large", "Le fichier dépasse la taille maximale autorisée (2 Mo).")
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > cap + _FORM_OVERHEAD:
            # Refused on the declared size: nothing of the body is read.
            raise ApiError(413, too_large.code, too_large.message, {"Connection": "close"})
        reader = _FormReader(boundary, cap)
        stream = _Body(request)
        received = 0
        try:
            async for chunk in stream.chunks():
                received += len(chunk)
                if received > cap + _FORM_OVERHEAD:
                    raise _TooLarge()
                reader.parser.write(chunk)
        except _TooLarge:
            raise await _refuse(stream, too_large) from None
        except _Unsupported as exc:
            raise await _refuse(stream, ApiError(
                415, "file.unsupported_type",
                f"Ce type de fichier n'est pas accepté ({exc.what}) : envoyez un PDF ou une photo "
                "(JPEG, PNG, TIFF, HEIC).")) from None
        except _BadForm as exc:
            raise await _refuse(stream, ApiError(422, "invalid_form", exc.message)) from None
        except MultipartParseError:
            raise await _refuse(stream, ApiError(422, "invalid_form", "Formulaire multipart invalide.")) from None
        except _ClientGone:
            raise ApiError(400, "request.incomplete", "Envoi interrompu avant la fin.") from None
        if not reader.done:
            raise ApiError(422, "invalid_form", "Formulaire multipart incomplet.")
        if reader.filename is None:
            raise ApiError(422, "invalid_form", "Le champ « file » est obligatoire.")
        if not reader.file:
            raise ApiError(422, "file.empty", "Le fichier est vide.")
        if reader.media_type is None:
            raise ApiError(415, "file.unsupported_type", "Ce type de fichier n'est pas accepté.")
        kind_hint = reader.fields.get("kind_hint") or None
        if kind_hint is not None and kind_hint not in kinds():
            raise ApiError(422, "invalid_form", "kind_hint doit être l'un de : " + ", ".join(kinds()) + ".")
        beneficiaire = reader.fields.get("beneficiaire") or None
        file_id, job_id, duplicate = await anyio.to_thread.run_sync(
            service.accept_upload, client, dossier_id, reader.filename, bytes(reader.file), reader.media_type,
            beneficiaire, kind_hint)
        return JSONResponse({"job_id": job_id, "file_id": file_id, "dossier_id": dossier_id,
                             "duplicate": duplicate}, status_code=202,
                            headers={"Location": f"/jobs/{job_id}"})

    async def _refuse(stream: _Body, error: ApiError) -> ApiError:
        complete = await stream.drain(_DRAIN_MAX)
        return ApiError(error.status, error.code, error.message, None if complete else {"Connection": "close"})

    @app.post("/dossiers/{dossier_id}/reextract", status_code=202, tags=["dossiers"],
              summary="Relancer l'extraction de tout le dossier (agents)")
    def reextract(dossier_id: str, client: Reextractor) -> JSONResponse:
        if not _ID.match(dossier_id):
            raise _not_found()
        job_id = service.reextract(client, dossier_id)
        return JSONResponse({"job_id": job_id, "dossier_id": dossier_id}, status_code=202,
                            headers={"Location": f"/jobs/{job_id}"})

    @app.put("/dossiers/{dossier_id}/household", tags=["éligibilité"],
             summary="Déclarer le foyer (format §5 ; complété par les documents extraits)",
             description="Le foyer est validé à l'envoi : un foyer invalide est refusé (422) avec le "
                         "message précis, en français, et le chemin de la valeur fautive (« field »). "
                         "« date_demande » absente : la date de demande du dossier.",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": _household_schema()}}}})
    async def put_household(dossier_id: str, request: Request,
                            client: Declarer) -> dict[str, Any]:
        dossier = await anyio.to_thread.run_sync(service.visible_dossier, client, dossier_id)
        body = await _read_json(request)
        _validate_household(body, dossier.request_date)
        await anyio.to_thread.run_sync(service.set_household, client, dossier_id, body)
        return {"id": dossier_id, "household": body}

    @app.get("/dossiers/{dossier_id}/household", tags=["éligibilité"], summary="Foyer déclaré")
    def get_household(dossier_id: str, client: Reader) -> dict[str, Any]:
        dossier = service.visible_dossier(client, dossier_id)
        if dossier.household is None:
            raise ApiError(404, "household.missing", "Aucun foyer n'a été déclaré pour ce dossier.")
        return {"id": dossier_id, "household": dossier.household}

    @app.get("/dossiers/{dossier_id}/eligibility", tags=["éligibilité"],
             summary="Décision d'éligibilité à la CSS (§5) et avertissements")
    def eligibility(dossier_id: str, client: Reader) -> dict[str, Any]:
        dossier, files, jobs = service.load_dossier(client, dossier_id)
        return evaluate_dossier(dossier, files, jobs)

    @app.get("/jobs/{job_id}", tags=["jobs"], summary="État d'un traitement")
    def get_job(job_id: str, client: Reader) -> dict[str, Any]:
        if not _ID.match(job_id):
            raise _not_found()
        with service.db.read() as s:
            row = s.execute(select(Job, Dossier.owner).join(Dossier, Dossier.id == Job.dossier_id)
                            .where(Job.id == job_id)).first()
        if row is None or not client.sees(row[1]):
            raise _not_found()
        return job_view(row[0])

    return app


def app_from_env() -> FastAPI:
    """App factory for uvicorn's multi-process mode (``DOCPROC_API_PROCESSES`` > 1)."""
    import gc

    from worker.settings import load_settings

    app = create_app(load_settings())
    gc.collect()
    gc.freeze()
    return app


def _household_schema() -> dict[str, Any]:
    """The household model's JSON schema (one model for the CLI, the engine and the API)."""
    try:
        from docproc.eligibility.foyer import schema_foyer
    except ImportError:  # pragma: no cover - engine not installed
        return {"type": "object"}
    schema = schema_foyer()
    schema["required"] = [k for k in schema.get("required", []) if k != "date_demande"]
    return schema


def _validate_household(body: Any, request_date: date) -> None:
    """422 with the model's precise French message and the field path for an invalid household."""
    if not isinstance(body, dict):
        raise ApiError(422, "household.invalid", "Le foyer doit être un objet JSON (format §5).")
    try:
        from docproc.eligibility.foyer import HouseholdError, valider_foyer
    except ImportError:  # pragma: no cover - engine not installed
        return
    try:
        valider_foyer({"date_demande": request_date.isoformat(), **body})
    except HouseholdError as exc:
        raise _HouseholdInvalid(str(exc), exc.chemin) from None


class _HouseholdInvalid(ApiError):
    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(422, "household.invalid", message)
        self.field = field


def _safe_detail(exc: Exception) -> str | None:
    """The engine's own message, only when it cannot carry a value from the household."""
    text = str(exc)
    if not text or len(text) > 200 or any(ch.isdigit() for ch in text):
        return None
    return text


def evaluate_dossier(dossier: Dossier, files: list[StoredFile], jobs: list[Job]) -> dict[str, Any]:
    """Feed the declared household and the extracted documents to the eligibility engine."""
    if dossier.household is None:
        raise ApiError(409, "household.missing",
                       "Aucun foyer n'a été déclaré pour ce dossier : envoyez-le avec "
                       "PUT /dossiers/{id}/household avant de demander l'éligibilité.")
    try:
        from docproc.eligibility import evaluate  # type: ignore[attr-defined]
        from docproc.eligibility.feed import household_from_documents  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ApiError(503, "unavailable", "Le moteur d'éligibilité n'est pas disponible.") from exc
    documents = (dossier.result or {}).get("documents", [])
    try:
        beneficiaires = {key: f.beneficiaire for f in files if f.beneficiaire for key in (f.name, f.id)}
        household, warnings = household_from_documents(dossier.household, documents, dossier.request_date,
                                                       beneficiaires)
        out: dict[str, Any] = dict(evaluate(household))
    except (ValueError, KeyError, TypeError) as exc:
        if hasattr(exc, "chemin"):  # HouseholdError: a precise French message that echoes no value
            raise _HouseholdInvalid(str(exc), exc.chemin) from exc
        detail = _safe_detail(exc)
        raise ApiError(422, "household.invalid",
                       "Le foyer déclaré est invalide ou incomplet" + (f" : {detail}" if detail else ".")) from exc
    notes = list(warnings)
    if dossier_status(dossier, files, jobs) == "processing":
        notes.append({"code": "dossier.traitement_en_cours",
                      "message": "Des documents sont encore en cours de lecture : la décision pourra changer."})
    out["avertissements"] = notes
    return out
