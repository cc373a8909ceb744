"""Issue 12, point 7: personal data encrypted at rest under a per-dossier key; DELETE leaves
nothing behind (database, blobs, Redis), even when a worker is still running the dossier's job."""

from __future__ import annotations

import secrets
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from service.db import Database, migrate, new_id, utcnow
from service.sealed import Sealer, SealError
from tests.service.conftest import Harness, PostgresServer, RedisServer, harness

FILE_NAME = "avis_LE_GALL_Solenn.pdf"
BENEFICIAIRE = "Solenn Le Gall"
HOUSEHOLD = {"membres": [{"role": "demandeur", "age": 41}], "residence": "metropole",
             "commentaire": "Madame Kerbrat Yvonne"}
#: Values of the sample avis (avis_2025_seul_2p.pdf) in the forms they could be stored in.
NEEDLES = ["solenn", "le gall", "le_gall", "impasse du port", "0115244939131", "01 15 244 939 131",
           "a926685", "kerbrat", "numero_fiscal", "revenu_fiscal", "avis_le_gall"]


def _needles(documents: list[dict[str, Any]]) -> list[bytes]:
    """The fixed needles plus every textual value the API extracted (5 characters or more)."""
    out = {n.encode() for n in NEEDLES}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and len(value) >= 5 and any(ch.isalpha() for ch in value):
            out.add(value.lower().encode())

    for doc in documents:
        walk(doc.get("fields", {}))
    return sorted(out)


def test_sealed_values_open_only_in_their_place() -> None:
    sealer = Sealer(secrets.token_bytes(32))
    d, other = new_id(), new_id()
    key = sealer.new_key(d)
    blob = sealer.seal(key, d, "files.name", "f1", "avis SOLENN.pdf")
    assert blob is not None and b"SOLENN" not in blob
    assert sealer.open(key, d, "files.name", "f1", blob) == "avis SOLENN.pdf"
    assert sealer.seal(key, d, "files.name", "f1", None) is None
    for where in ((key, d, "files.name", "f2"), (key, d, "files.beneficiaire", "f1"), (key, other, "files.name", "f1"),
                  (sealer.new_key(d), d, "files.name", "f1")):
        with pytest.raises(SealError):
            sealer.open(*where, blob)
    with pytest.raises(SealError):
        Sealer(secrets.token_bytes(32)).open(key, d, "files.name", "f1", blob)


def test_rows_written_before_0003_are_sealed_by_the_migration(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from service.db import MIGRATIONS_DIR, Dossier, StoredFile

    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.write_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    d_id, f_id, now = new_id(), new_id(), utcnow()
    with db.write_conn() as conn:
        conn.execute(text("INSERT INTO dossiers (id, owner, created_at, updated_at, request_date, generation, result, "
                          "result_generation, household) VALUES (:id, 'pipe', :now, :now, :day, 1, :result, 1, :h)"),
                     {"id": d_id, "now": now, "day": date(2025, 10, 1), "result": '{"documents": [{"nom": "SOLENN"}]}',
                      "h": '{"commentaire": "Kerbrat"}'})
        conn.execute(text("INSERT INTO files (id, dossier_id, seq, name, sha256, size, media_type, beneficiaire, "
                          "wrapped_key, created_at) VALUES (:id, :d, 1, :name, :sha, 3, 'application/pdf', :b, :k, :now)"),
                     {"id": f_id, "d": d_id, "name": FILE_NAME, "sha": "a" * 64, "b": BENEFICIAIRE, "k": b"k",
                      "now": now})
    master = secrets.token_bytes(32)
    migrate(db, master)
    sealer = Sealer(master)
    with db.read() as s:
        dossier = s.get(Dossier, d_id)
        stored = s.get(StoredFile, f_id)
        assert dossier is not None and stored is not None
        assert sealer.open_dossier(dossier).result == {"documents": [{"nom": "SOLENN"}]}
        assert dossier.household == {"commentaire": "Kerbrat"}
        assert sealer.open_file(stored, dossier.data_key or b"").name == FILE_NAME
        assert stored.beneficiaire == BENEFICIAIRE
        columns = {r[1] for r in s.execute(text("PRAGMA table_info(files)"))}
        assert "name" not in columns and "beneficiaire" not in columns
    db.compact_after_delete()
    raw = (tmp_path / "old.sqlite3").read_bytes().lower()
    assert b"solenn" not in raw and b"kerbrat" not in raw
    # And back: the downgrade opens the values into the clear columns again.
    with db.write_engine.begin() as conn:
        cfg.attributes.update(connection=conn, master_key=master)
        command.downgrade(cfg, "0001")
    with db.read_conn() as conn:
        assert conn.execute(text("SELECT name, beneficiaire FROM files")).one() == (FILE_NAME, BENEFICIAIRE)
        assert "SOLENN" in conn.execute(text("SELECT result FROM dossiers")).scalar()
    migrate(db, master)
    with db.read() as s:
        dossier = s.get(Dossier, d_id)
        assert dossier is not None and sealer.open_dossier(dossier).household == {"commentaire": "Kerbrat"}
    db.dispose()


def _raw_database(h: Harness) -> bytes:
    """Everything the database holds: the SQLite files, or every PostgreSQL row as text."""
    if h.db.is_sqlite:
        db_file = Path(h.settings.database_url.split("///", 1)[1])
        return b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
    with h.db.read_conn() as conn:
        rows = [str(r[0]) for table in ("dossiers", "files", "jobs")
                for r in conn.execute(text(f"SELECT t::text FROM {table} t"))]
    return "\n".join(rows).encode()


@pytest.mark.redis
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_personal_data_is_encrypted_at_rest(tmp_path: Path, redis_server: RedisServer, sample_pdf: bytes,
                                            backend: str, request: pytest.FixtureRequest) -> None:
    url = None
    if backend == "postgres":
        pg: PostgresServer = request.getfixturevalue("postgres")
        url = pg.new_database()
    with harness(tmp_path, redis_server.url, database_url=url) as h:
        c = h.client("pipe_a")
        dossier = h.new_dossier(c)
        r = h.upload(c, dossier, FILE_NAME, sample_pdf, beneficiaire=BENEFICIAIRE)
        assert r.status_code == 202, r.text
        assert h.wait_job(c, r.json()["job_id"])["status"] == "finished"
        body = {"date_demande": "2025-10-01", **HOUSEHOLD}
        c.put(f"/dossiers/{dossier}/household", json=body)  # stored only if the model accepts it
        d = c.get(f"/dossiers/{dossier}").json()
        # The API answers in clear, as before.
        assert d["files"][0]["name"] == FILE_NAME and d["files"][0]["beneficiaire"] == BENEFICIAIRE
        assert d["documents"] and d["documents"][0]["kind"] == "avis_impot_revenu"
        needles = _needles(d["documents"])
        assert b"solenn" in needles and len(needles) > len(NEEDLES)
        if h.db.is_sqlite:
            with h.db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = _raw_database(h).lower()
        assert dossier.encode() in raw  # searchable metadata stays in clear
        found = [n.decode() for n in needles if n in raw]
        assert found == []


def _redis_dump(redis: Any) -> list[tuple[bytes, bytes]]:
    """Every key of the Redis server with a printable form of its value."""
    out = []
    for key in redis.scan_iter(count=1000):
        kind = redis.type(key)
        if kind == b"string":
            value: Any = redis.get(key)
        elif kind == b"hash":
            value = redis.hgetall(key)
        elif kind == b"list":
            value = redis.lrange(key, 0, -1)
        elif kind == b"set":
            value = redis.smembers(key)
        elif kind == b"zset":
            value = redis.zrange(key, 0, -1)
        elif kind == b"stream":
            value = redis.xrange(key)
        else:
            value = b""
        out.append((key, repr(value).encode()))
    return out


@pytest.mark.redis
def test_delete_while_the_job_runs_leaves_nothing_in_redis(tmp_path: Path, redis_server: RedisServer,
                                                           sample_pdf: bytes) -> None:
    with harness(tmp_path, redis_server.url, env={"DOCPROC_FAULT_SLEEP_S": "1.0"}) as h:
        c = h.client("pipe_a")
        redis = h.app.state.service.redis
        dossier = h.new_dossier(c)
        r = h.upload(c, dossier, FILE_NAME, sample_pdf, beneficiaire=BENEFICIAIRE)
        ids = [dossier, r.json()["job_id"], r.json()["file_id"]]
        assert h.wait_job(c, ids[1], until=("started",))["status"] == "started"
        assert c.delete(f"/dossiers/{dossier}").status_code == 204
        time.sleep(2.5)  # the worker wakes up, finds the dossier gone, and RQ ends the job
        # A second dossier processed to the end, deleted once finished: the race of the
        # finished job's result written after the DELETE.
        other = h.new_dossier(c)
        r2 = h.upload(c, other, FILE_NAME, sample_pdf)
        ids += [other, r2.json()["job_id"], r2.json()["file_id"]]
        assert h.wait_job(c, ids[4])["status"] == "finished"
        assert c.delete(f"/dossiers/{other}").status_code == 204
        time.sleep(0.5)
        needles = [i.encode() for i in ids] + [n.encode() for n in NEEDLES]
        leaks = [(key, n) for key, value in _redis_dump(redis) for n in needles
                 if n in key.lower() or n in value.lower()]
        assert leaks == []
        assert h.db is not None
        raw = _raw_database(h).lower()
        assert not [n for n in needles if n in raw]
