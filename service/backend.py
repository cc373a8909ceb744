"""The API's state and its SQL: settings, database, storage, queue (blocking calls, run in threads).

``202`` is answered once the encrypted file is fsynced, its row and its job row are committed,
and the job id is pushed to RQ. Nothing here logs a file name or a document value.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from datetime import date
from typing import Any

from redis.exceptions import RedisError
from rq import Worker as RQWorker
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from service import metrics
from service.api_errors import ApiError, not_found
from service.auth import Client, KeyRing
from service.config import ServiceSettings
from service.db import (
    DOSSIERS,
    FILES,
    JOB_QUEUED,
    JOBS,
    Database,
    Dossier,
    Job,
    StoredFile,
    add_reextraction_job,
    new_id,
    utcnow,
)
from service.queue import JobQueue, connect_redis, live_workers, rq_id
from service.review_tables import AuditEntry, Correction, Decision
from service.sealed import Sealer
from service.storage import load_master_key, open_blob_store

log = logging.getLogger("docproc.api")

ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


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
_BUMP_GENERATION = (
    update(DOSSIERS)
    .where(DOSSIERS.c.id == bindparam("b_dossier"))
    .values(generation=DOSSIERS.c.generation + 1, updated_at=bindparam("b_now"))
    .returning(DOSSIERS.c.generation, DOSSIERS.c.owner, DOSSIERS.c.data_key)
)
_FILE_NAMES = select(FILES.c.id, FILES.c.name_sealed, FILES.c.seq).where(
    FILES.c.dossier_id == bindparam("dossier_id")
)
_LATEST_JOB = (
    select(JOBS.c.id)
    .where(JOBS.c.file_id == FILES.c.id)
    .order_by(JOBS.c.created_at.desc())
    .limit(1)
    .scalar_subquery()
)
_EXISTING = select(FILES.c.id, _LATEST_JOB.label("job_id")).where(
    FILES.c.dossier_id == bindparam("dossier_id"), FILES.c.sha256 == bindparam("sha256")
)
_INSERT_FILE = insert(FILES)
_INSERT_JOB = insert(JOBS)
_INSERT_DOSSIER = insert(DOSSIERS)


def _new_job(
    job_id: str,
    dossier_id: str,
    file_id: str | None,
    kind: str,
    generation: int,
    first_rq: str,
    now: Any,
) -> dict[str, Any]:
    return {
        "id": job_id,
        "dossier_id": dossier_id,
        "file_id": file_id,
        "kind": kind,
        "generation": generation,
        "status": JOB_QUEUED,
        "reason": None,
        "attempts": 0,
        "rq_id": first_rq,
        "enqueues": 1,
        "worker": None,
        "not_before": None,
        "enqueued_at": now,
        "created_at": now,
        "started_at": None,
        "heartbeat_at": None,
        "finished_at": None,
    }


class Service:
    """The API's state: settings, database, storage, queue; blocking calls run in threads."""

    def __init__(self, settings: ServiceSettings, db: Database | None = None) -> None:
        self.settings = settings
        self.db = db or Database(settings.database_url)
        self.store = open_blob_store(settings, self.db)
        self.sealer = Sealer(load_master_key(settings))  # personal columns (``service.sealed``)
        self.redis = connect_redis(settings.redis_url)
        self.queue = JobQueue(self.redis, settings)
        self.keys = KeyRing(settings.api_keys)
        self._workers_seen: tuple[float, int | None] = (-1e9, None)
        self.uploads = metrics.UploadMetrics()

    # -- lookups -----------------------------------------------------------------------
    def visible_dossier(self, client: Client, dossier_id: str) -> Dossier:
        if not ID_PATTERN.match(dossier_id):
            raise not_found()
        with self.db.read() as s:
            dossier = s.get(Dossier, dossier_id)
        if dossier is None or not client.sees(dossier.owner):
            raise not_found()
        return self.sealer.open_dossier(dossier)

    def check_visible(self, client: Client, dossier_id: str) -> None:
        """404 unless the dossier exists and the client may see it (cheap: one column)."""
        if not ID_PATTERN.match(dossier_id):
            raise not_found()
        with self.db.read_conn() as conn:
            owner = conn.execute(_OWNER, {"dossier_id": dossier_id}).scalar()
        if owner is None or not client.sees(owner):
            raise not_found()

    def load_dossier(
        self, client: Client, dossier_id: str
    ) -> tuple[Dossier, list[StoredFile], list[Job]]:
        if not ID_PATTERN.match(dossier_id):
            raise not_found()
        with self.db.read() as s:
            dossier = s.get(Dossier, dossier_id)
            if dossier is None or not client.sees(dossier.owner):
                raise not_found()
            files = list(
                s.scalars(
                    select(StoredFile)
                    .where(StoredFile.dossier_id == dossier_id)
                    .order_by(StoredFile.seq)
                )
            )
            jobs = list(
                s.scalars(select(Job).where(Job.dossier_id == dossier_id).order_by(Job.created_at))
            )
        for f in files:
            self.sealer.open_file(f, dossier.data_key or b"")
        return self.sealer.open_dossier(dossier), files, jobs

    # -- writes ------------------------------------------------------------------------
    def create_dossier(self, client: Client, request_date: date) -> str:
        dossier_id, now = new_id(), utcnow()
        with self.db.write_conn() as conn:
            conn.execute(
                _INSERT_DOSSIER,
                {
                    "id": dossier_id,
                    "owner": client.name,
                    "created_at": now,
                    "updated_at": now,
                    "request_date": request_date,
                    "generation": 0,
                    "data_key": self.sealer.new_key(dossier_id),
                },
            )
        return dossier_id

    def accept_upload(
        self,
        client: Client,
        dossier_id: str,
        name: str,
        data: bytes,
        media_type: str,
        beneficiaire: str | None,
        kind_hint: str | None,
    ) -> tuple[str, str, bool]:
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
                row = conn.execute(
                    _BUMP_GENERATION, {"b_dossier": dossier_id, "b_now": now}
                ).first()
                if row is None or not client.sees(row.owner):
                    raise not_found()
                existing = conn.execute(_FILE_NAMES, {"dossier_id": dossier_id}).all()
                key, seal = row.data_key, self.sealer.seal
                taken = {
                    self.sealer.open(key, dossier_id, "files.name", r.id, r.name_sealed)
                    for r in existing
                }
                conn.execute(
                    _INSERT_FILE,
                    {
                        "id": file_id,
                        "dossier_id": dossier_id,
                        "seq": max((r.seq for r in existing), default=0) + 1,
                        "name_sealed": seal(
                            key, dossier_id, "files.name", file_id, _unique_name(name, taken)
                        ),
                        "sha256": digest,
                        "size": len(data),
                        "media_type": media_type,
                        "beneficiaire_sealed": seal(
                            key, dossier_id, "files.beneficiaire", file_id, beneficiaire
                        ),
                        "kind_hint": kind_hint,
                        "wrapped_key": wrapped,
                        "created_at": now,
                    },
                )
                conn.execute(
                    _INSERT_JOB,
                    _new_job(
                        job_id, dossier_id, file_id, "extraction", row.generation, first_rq, now
                    ),
                )
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

    def _push(self, job_id: str, enqueue_id: str, kind: str = "extraction") -> None:
        try:
            self.queue.enqueue(job_id, enqueue_id, kind)
        except RedisError as exc:
            # The job row is committed: the reconciler enqueues it once Redis answers.
            log.warning(
                "job %s not pushed to Redis (%s): left to the reconciler",
                job_id,
                type(exc).__name__,
            )

    def reextract(self, client: Client, dossier_id: str) -> str:
        job_id, now = new_id(), utcnow()
        first_rq = rq_id(job_id, 1)
        with self.db.write() as s:
            dossier = s.get(Dossier, dossier_id)
            if dossier is None or not client.sees(dossier.owner):
                raise not_found()
            if not s.scalar(
                select(func.count())
                .select_from(StoredFile)
                .where(StoredFile.dossier_id == dossier_id)
            ):
                raise ApiError(
                    409, "dossier.empty", "Le dossier ne contient aucun fichier à relire."
                )
            add_reextraction_job(s, dossier, job_id, first_rq, now)
        self._push(job_id, first_rq, "reextraction")
        return job_id

    def set_household(self, client: Client, dossier_id: str, household: dict[str, Any]) -> None:
        with self.db.write() as s:
            dossier = s.get(Dossier, dossier_id)
            if dossier is None or not client.sees(dossier.owner):
                raise not_found()
            dossier.household_sealed = self.sealer.seal(
                dossier.data_key or b"", dossier_id, "dossiers.household", dossier_id, household
            )
            dossier.updated_at = utcnow()

    def delete_dossier(self, client: Client, dossier_id: str) -> None:
        with self.db.write() as s:
            dossier = s.get(Dossier, dossier_id)
            if dossier is None or not client.sees(dossier.owner):
                raise not_found()
            file_ids = list(
                s.scalars(select(StoredFile.id).where(StoredFile.dossier_id == dossier_id))
            )
            rq_ids = [
                r for r in s.scalars(select(Job.rq_id).where(Job.dossier_id == dossier_id)) if r
            ]
            # The review's rows too (their foreign keys cascade, but a PRAGMA left off must not
            # leave sealed rows whose key is gone): nothing of the dossier stays.
            for table in (AuditEntry, Decision, Correction, Job):
                s.execute(delete(table).where(table.dossier_id == dossier_id))
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
        if self.settings.require_worker:
            alive = self.workers_alive(cached=False)
            status["workers"] = "ok" if alive else ("aucun" if alive is not None else "inconnu")
        return status

    def workers_alive(self, cached: bool = True) -> int | None:
        """Workers that beat lately (``queue.live_workers``), None if Redis does not answer;
        cached for a second on the upload path."""
        now = time.monotonic()
        if cached and now - self._workers_seen[0] < 1.0:
            return self._workers_seen[1]
        try:
            alive: int | None = live_workers(
                self.redis, self.settings.queue_name, self.settings.worker_alive_s
            )
        except RedisError:
            alive = None
        self._workers_seen = (now, alive)
        return alive

    def check_worker(self) -> None:
        """503 ``service.no_worker`` while Redis answers and no worker is alive: an upload
        accepted now would wait for nobody (with Redis down, the upload is kept for later)."""
        if self.settings.require_worker and self.workers_alive() == 0:
            raise ApiError(
                503,
                "service.no_worker",
                "Aucun traitement n'est disponible pour le moment : réessayez dans quelques minutes.",
                {"Retry-After": "30", "Connection": "close"},
            )

    def metrics_text(self, accept: str | None = None) -> tuple[bytes, str]:
        """The /metrics body (every process's counters, summed) and its content type."""
        with self.db.read() as s:
            counts = [
                (str(st), int(n))
                for st, n in s.execute(select(Job.status, func.count()).group_by(Job.status))
            ]
        present = metrics.Present(db_jobs=counts)
        try:
            present.queue_depth = self.queue.depth()
            present.workers = RQWorker.count(queue=self.queue.queue)
        except RedisError:
            present.redis_up = False
        return metrics.render(present, accept)
