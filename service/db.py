"""The database: source of truth for dossiers, files, jobs and results.

SQLite (WAL, ``synchronous=FULL``, ``secure_delete``) by default, PostgreSQL when
``DATABASE_URL`` says so. The schema is created and upgraded by Alembic (``migrate``);
the models below mirror the migrations and are what the code queries (the agents' review
tables: ``service.review_tables``; batch re-extractions: ``service.batch_tables``).

Times are naive UTC datetimes. Results hold the contract §3 object (fields and checks, no
page text); nothing in here is ever logged.
"""

from __future__ import annotations

import fcntl
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

JOB_QUEUED, JOB_STARTED, JOB_FINISHED, JOB_FAILED = "queued", "started", "finished", "failed"
JOB_STATUSES = (JOB_QUEUED, JOB_STARTED, JOB_FINISHED, JOB_FAILED)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_id() -> str:
    """Opaque identifiers: random, unguessable, alphanumeric (they name blobs on disk)."""
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    pass


class Dossier(Base):
    __tablename__ = "dossiers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: Name of the API client that created it (see ``auth``); pipeline clients see only theirs.
    owner: Mapped[str] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    #: Date of the CSS request, used by the extraction's year checks.
    request_date: Mapped[date] = mapped_column(Date)
    #: Bumped at every upload and re-extraction; a result is current when it covers it.
    generation: Mapped[int] = mapped_column(Integer, default=0)
    result_generation: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The dossier's data key, wrapped by the master key: its personal columns are sealed under
    #: it (``service.sealed``); deleting the row shreds them all.
    data_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: The §3 result, and the household declared with ``PUT /dossiers/{id}/household``, sealed.
    result_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    household_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    if TYPE_CHECKING:
        #: In memory only, filled by ``Sealer.open_dossier`` (not mapped: never written in clear).
        result: dict[str, Any] | None
        household: dict[str, Any] | None


class StoredFile(Base):
    __tablename__ = "files"
    __table_args__ = (UniqueConstraint("dossier_id", "sha256", name="uq_files_dossier_sha256"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    dossier_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    #: Original file name and beneficiaire, sealed under the dossier's data key.
    name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(64))
    beneficiaire_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    kind_hint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The blob's data key wrapped by the master key (see ``storage``).
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    if TYPE_CHECKING:
        #: In memory only, filled by ``Sealer.open_file``.
        name: str
        beneficiaire: str | None


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    dossier_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # extraction | reextraction
    #: The dossier generation this job must cover.
    generation: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    #: Reason code of a failure, or of the infrastructure fault behind a pending retry.
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The RQ job id of the latest enqueue (``<job id>-<n>``).
    rq_id: Mapped[str | None] = mapped_column(String(48), nullable=True)
    enqueues: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    worker: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: A retry waits until then (backoff after an infrastructure fault).
    not_before: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Blob(Base):
    """An encrypted upload when ``storage_backend = "database"`` (see ``storage``); no FK: the
    blob is written before its ``files`` row, as the local store writes its file first."""

    __tablename__ = "blobs"

    file_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)


def add_reextraction_job(
    s: Session, dossier: Dossier, job_id: str, rq_id: str, now: datetime
) -> None:
    """In an open write session: a new generation of ``dossier`` and its re-extraction job,
    queued under ``rq_id`` (the API's single re-extraction and the agents' batches alike)."""
    dossier.generation += 1
    dossier.updated_at = now
    s.add(
        Job(
            id=job_id,
            dossier_id=dossier.id,
            file_id=None,
            kind="reextraction",
            generation=dossier.generation,
            status=JOB_QUEUED,
            attempts=0,
            rq_id=rq_id,
            enqueues=1,
            enqueued_at=now,
            created_at=now,
        )
    )


#: Core tables, for the hot paths (the ORM costs more than the SQL there).
DOSSIERS = cast(Table, Dossier.__table__)
FILES = cast(Table, StoredFile.__table__)
JOBS = cast(Table, Job.__table__)
BLOBS = cast(Table, Blob.__table__)


def _sqlite_pragmas(synchronous: str) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        # The driver must not open transactions behind our back: the dialect's ``do_begin``
        # does it (``_sqlite_engine``), so that writers take the lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in (
            "journal_mode=WAL",
            f"synchronous={synchronous}",
            "foreign_keys=ON",
            "busy_timeout=30000",
            "secure_delete=ON",
        ):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    return on_connect


def _sqlite_engine(url: str, synchronous: str, begin: str) -> Engine:
    """An SQLite engine whose transactions start with ``begin`` (``BEGIN IMMEDIATE`` for the
    writers' engine: they take the lock up front instead of failing on upgrade).

    The BEGIN is sent by the dialect's ``do_begin`` (its errors are wrapped as SQLAlchemy's,
    as any statement's), not by a ``begin`` event listener: an engine with a listener of its
    own dispatches events around every statement, about a third of an empty transaction's
    cost (measured 120 → 45 µs), twice a job."""
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=20,
        max_overflow=40,
    )
    event.listen(engine, "connect", _sqlite_pragmas(synchronous))

    def do_begin(dbapi_connection: Any) -> None:
        dbapi_connection.driver_connection.execute(begin)

    engine.dialect.do_begin = do_begin  # type: ignore[method-assign]
    return engine


class Database:
    """Engines and sessions; ``write()`` is the session for anything that changes rows.

    ``durable=False`` (the workers) relaxes SQLite to ``synchronous=NORMAL``: in WAL mode a
    commit is then not fsynced on its own, so a power cut (not a crash of the process) can
    lose the last job states and results. They are derived data: the uploads themselves are
    committed by the API with a full fsync, and the reconciler re-runs whatever a lost commit
    left started. This saves an fsync per job state change on the hot path.
    """

    def __init__(self, url: str, *, durable: bool = True) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            synchronous = "FULL" if durable else "NORMAL"
            self.engine: Engine = _sqlite_engine(url, synchronous, "BEGIN")
            self.write_engine: Engine = _sqlite_engine(url, synchronous, "BEGIN IMMEDIATE")
        else:
            self.engine = create_engine(url, pool_size=10, max_overflow=30, pool_pre_ping=True)
            self.write_engine = self.engine
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self._lock_path: str | None = None
        self._lock_fd: int | None = None
        if self.is_sqlite:
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                self._lock_path = path + ".writelock"

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with (
            self._writer(),
            Session(self.write_engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def write_conn(self) -> Iterator[Connection]:
        """A Core connection in a write transaction (the workers' hot path)."""
        with self._writer(), self.write_engine.begin() as conn:
            yield conn

    @contextmanager
    def read_conn(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _writer(self) -> Iterator[None]:
        # SQLite has one writer at a time, and a writer refused the lock sleeps in steps of up
        # to 100 ms (its busy handler). Writers queue here instead: threads on a lock, then
        # processes (API, workers) on an flock of a file beside the database, which the
        # kernel hands over as soon as it is released.
        if self._write_lock is None:
            yield
            return
        with self._write_lock:
            if self._lock_path is None:
                yield
                return
            if self._lock_fd is None:
                self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def compact_after_delete(self) -> None:
        """Push deleted rows out of the SQLite WAL (``secure_delete`` zeroes the pages)."""
        if self.is_sqlite:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def dispose(self) -> None:
        self.engine.dispose()
        self.write_engine.dispose()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def migrate(db: Database, master_key: bytes | None = None) -> None:
    """Bring the schema to the latest Alembic revision; safe to run from several processes.

    ``master_key`` seals rows written before revision 0003 (else read from the settings)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.write_engine.begin() as conn:
        if not db.is_sqlite:
            # Serialise concurrent upgrades (API and workers starting together).
            conn.execute(text("SELECT pg_advisory_xact_lock(7245193)"))
        cfg.attributes["connection"] = conn
        cfg.attributes["master_key"] = master_key
        command.upgrade(cfg, "head")
