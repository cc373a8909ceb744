"""Storage: the schema on SQLite and PostgreSQL, encrypted blobs, keys, deletion for good."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from service.config import SettingsError, load_settings
from service.db import Database, Dossier, Job, StoredFile, migrate, new_id, utcnow
from service.sealed import Sealer
from service.storage import LocalBlobStore, StorageError, load_master_key
from tests.service.conftest import Harness, PostgresServer, RedisServer, harness
from tests.service.test_sealed import _redis_dump


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'docproc.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.new_database()
    database = Database(url)
    yield database
    database.dispose()


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from service.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def test_migrations_create_the_schema_once(db: Database) -> None:
    migrate(db)
    migrate(db)  # idempotent
    names = set(inspect(db.engine).get_table_names())
    assert {
        "dossiers",
        "files",
        "jobs",
        "corrections",
        "decisions",
        "audit",
        "alembic_version",
    } <= names
    from alembic.config import Config

    from service.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.read() as s:
        assert s.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()


def test_sqlite_writers_take_the_lock_at_begin_readers_do_not(tmp_path: Path) -> None:
    """The writers' engine starts its transactions with BEGIN IMMEDIATE (the dialect's
    ``do_begin``, no ``begin`` listener), the readers' with a plain BEGIN; a BEGIN refused
    by a locked database is SQLAlchemy's OperationalError, as any statement's error."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    path = tmp_path / "docproc.sqlite3"
    db = Database(f"sqlite:///{path}")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        assert not db.engine._has_events and not db.write_engine._has_events
        with db.write_conn(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        with db.read_conn() as conn:
            assert conn.connection.driver_connection.in_transaction
            other.execute("BEGIN IMMEDIATE")  # a reader holds no write lock
            with db.write_engine.connect() as writer:
                writer.connection.driver_connection.execute("PRAGMA busy_timeout=0")
                with pytest.raises(OperationalError, match="locked"):
                    writer.begin()
            other.execute("ROLLBACK")
    finally:
        other.close()
        db.dispose()


def test_rows_results_and_cascade(db: Database) -> None:
    migrate(db)
    now = utcnow()
    d_id, f_id, j_id = new_id(), new_id(), new_id()
    sealer = Sealer(secrets.token_bytes(32))
    key = sealer.new_key(d_id)
    with db.write() as s:
        s.add(
            Dossier(
                id=d_id,
                owner="pipe",
                created_at=now,
                updated_at=now,
                request_date=date(2025, 10, 1),
                generation=1,
                data_key=key,
            )
        )
        s.flush()
        s.add(
            StoredFile(
                id=f_id,
                dossier_id=d_id,
                seq=1,
                sha256="a" * 64,
                size=3,
                name_sealed=sealer.seal(key, d_id, "files.name", f_id, "avis.pdf"),
                media_type="application/pdf",
                wrapped_key=b"k" * 60,
                created_at=now,
            )
        )
        s.add(
            Job(
                id=j_id,
                dossier_id=d_id,
                file_id=f_id,
                kind="extraction",
                generation=1,
                status="queued",
                attempts=0,
                enqueues=1,
                created_at=now,
            )
        )
    result = {
        "request_date": "2025-10-01",
        "files": [],
        "documents": [{"kind": "inconnu", "fields": {}}],
    }
    with db.write() as s:
        dossier = s.get(Dossier, d_id)
        assert dossier is not None
        dossier.result_sealed = sealer.seal(key, d_id, "dossiers.result", d_id, result)
        dossier.result_generation = 1
    with db.read() as s:
        dossier = s.get(Dossier, d_id)
        assert dossier is not None and sealer.open_dossier(dossier).result == result
        stored = s.get(StoredFile, f_id)
        assert stored is not None and sealer.open_file(stored, key).name == "avis.pdf"
    # The same file twice in one dossier is refused by the database itself.
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.write() as s:
        s.add(
            StoredFile(
                id=new_id(),
                dossier_id=d_id,
                seq=2,
                sha256="a" * 64,
                size=3,
                media_type="application/pdf",
                wrapped_key=b"k",
                created_at=now,
            )
        )
    with db.write() as s:
        s.delete(s.get(Dossier, d_id))
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(StoredFile)) == 0
        assert s.scalar(select(func.count()).select_from(Job)) == 0


def test_blobs_are_encrypted_and_authenticated(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    store = LocalBlobStore(tmp_path / "files", key)
    data = b"%PDF-1.7 DUPONT MARIE revenu fiscal 25123"
    file_id, other = new_id(), new_id()
    wrapped = store.put(file_id, data)
    on_disk = store.path(file_id).read_bytes()
    assert b"DUPONT" not in on_disk and b"25123" not in on_disk
    assert store.path(file_id).stat().st_mode & 0o777 == 0o600
    assert store.get(file_id, wrapped) == data
    # Moved to another id, tampered with, or under another master key: refused.
    store.path(other).parent.mkdir(exist_ok=True)
    store.path(other).write_bytes(on_disk)
    with pytest.raises(StorageError):
        store.get(other, wrapped)
    tampered = bytearray(on_disk)
    tampered[-1] ^= 1
    store.path(file_id).write_bytes(bytes(tampered))
    with pytest.raises(StorageError):
        store.get(file_id, wrapped)
    store.path(file_id).write_bytes(on_disk)
    with pytest.raises(StorageError):
        LocalBlobStore(tmp_path / "files", secrets.token_bytes(32)).get(file_id, wrapped)
    store.delete(file_id)
    store.delete(file_id)  # idempotent
    with pytest.raises(StorageError):
        store.get(file_id, wrapped)


def test_key_file_is_created_0600_and_checked(tmp_path: Path) -> None:
    settings = load_settings(env={"DOCPROC_DATA_DIR": str(tmp_path)})
    key = load_master_key(settings)
    assert len(key) == 32
    assert settings.key_file.stat().st_mode & 0o777 == 0o600
    assert load_master_key(settings) == key
    settings.key_file.chmod(0o644)
    with pytest.raises(SettingsError):
        load_master_key(settings)


def test_key_from_setting(tmp_path: Path) -> None:
    raw = secrets.token_bytes(32)
    for form in (raw.hex(), base64.b64encode(raw).decode()):
        settings = load_settings(
            env={"DOCPROC_DATA_DIR": str(tmp_path), "DOCPROC_STORAGE_KEY": form}
        )
        assert load_master_key(settings) == raw
    assert not (tmp_path / "storage.key").exists()
    with pytest.raises(SettingsError):
        load_master_key(
            load_settings(env={"DOCPROC_DATA_DIR": str(tmp_path), "DOCPROC_STORAGE_KEY": "court"})
        )


def test_api_keys_setting() -> None:
    env = {"DOCPROC_API_KEYS": "a:pipeline:" + "x" * 20 + ", b:agent:" + "y" * 20}
    keys = load_settings(env=env).api_keys
    assert [(k.name, k.role) for k in keys] == [("a", "pipeline"), ("b", "agent")]
    assert "x" * 20 not in repr(keys)
    for bad in (
        "a:root:" + "x" * 20,
        "a:pipeline:court",
        "a:pipeline",
        "a:qa:" + "x" * 20 + ",a:qa:" + "z" * 20,
    ):
        with pytest.raises(SettingsError):
            load_settings(env={"DOCPROC_API_KEYS": bad})


@pytest.mark.redis
def test_delete_removes_files_and_results_for_good(service: Harness, sample_pdf: bytes) -> None:
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    job = service.upload(c, dossier, "avis_MARTIN.pdf", sample_pdf).json()
    service.wait_job(c, job["job_id"])
    doc = c.get(f"/dossiers/{dossier}").json()["documents"][0]
    reference = doc["fields"]["reference_avis"]
    blob = service.settings.storage_dir / job["file_id"][:2] / f"{job['file_id']}.bin"
    assert blob.exists()

    assert c.delete(f"/dossiers/{dossier}").status_code == 204
    assert not blob.exists()
    assert c.get(f"/dossiers/{dossier}").status_code == 404
    assert service.client("agent").get(f"/jobs/{job['job_id']}").status_code == 404
    assert c.delete(f"/dossiers/{dossier}").status_code == 404
    with service.db.read() as s:
        assert s.get(Dossier, dossier) is None
        assert (
            s.scalar(
                select(func.count()).select_from(StoredFile).where(StoredFile.dossier_id == dossier)
            )
            == 0
        )
        assert s.scalar(select(func.count()).select_from(Job).where(Job.dossier_id == dossier)) == 0
    # Nothing left in the SQLite files (secure_delete, WAL truncated) nor in Redis.
    db_file = Path(service.settings.database_url.split("///", 1)[1])
    for path in (db_file, db_file.with_name(db_file.name + "-wal")):
        if path.exists():
            content = path.read_bytes()
            assert reference.encode() not in content and b"avis_MARTIN" not in content
    # Redis: the RQ job ended a moment ago; whatever RQ writes at its end (a result kept
    # ``rq_result_ttl_s``, 0 by default) is purged by the worker once it sees the dossier gone.
    redis = service.app.state.service.redis
    ids = [i.encode() for i in (dossier, job["job_id"], job["file_id"])]
    deadline = time.monotonic() + 5
    while leaks := [(k, i) for k, v in _redis_dump(redis) for i in ids if i in k or i in v]:
        assert time.monotonic() < deadline, leaks
        time.sleep(0.1)


@pytest.mark.redis
def test_a_finished_job_leaves_nothing_of_itself_in_redis(
    service: Harness, sample_pdf: bytes
) -> None:
    """``rq_result_ttl_s`` = 0: once RQ is done with a finished job, no key holds its id (its
    hash, result, executions, registries), the dossier still there; the worker's clean-up is
    its own (``runner.DocprocJob``), not RQ's ``Job.delete``."""
    c = service.client("pipe_a")
    dossier = service.new_dossier(c)
    job = service.upload(c, dossier, "avis.pdf", sample_pdf).json()
    assert service.wait_job(c, job["job_id"])["status"] == "finished"
    redis = service.app.state.service.redis
    deadline = time.monotonic() + 5
    while leaks := [k for k, v in _redis_dump(redis) if job["job_id"].encode() in k + v]:
        assert time.monotonic() < deadline, leaks
        time.sleep(0.1)


@pytest.mark.redis
@pytest.mark.postgres
def test_service_on_postgresql(
    tmp_path: Path, redis_server: RedisServer, postgres: PostgresServer, sample_pdf: bytes
) -> None:
    with harness(tmp_path, redis_server.url, database_url=postgres.new_database()) as h:
        c = h.client("pipe_a")
        dossier = h.new_dossier(c)
        first = h.upload(c, dossier, "avis.pdf", sample_pdf).json()
        again = h.upload(c, dossier, "avis.pdf", sample_pdf).json()
        assert again["job_id"] == first["job_id"]
        assert h.wait_job(c, first["job_id"])["status"] == "finished"
        d = c.get(f"/dossiers/{dossier}").json()
        assert d["status"] == "complete" and d["documents"][0]["kind"] == "avis_impot_revenu"
        assert c.delete(f"/dossiers/{dossier}").status_code == 204
        with h.db.read() as s:
            assert s.scalar(select(func.count()).select_from(StoredFile)) == 0
            assert s.scalar(select(func.count()).select_from(Job)) == 0
