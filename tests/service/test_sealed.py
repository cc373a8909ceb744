"""Issue 12, point 7: personal data encrypted at rest under a per-dossier key (the agents'
corrections, decisions and audit included); DELETE leaves nothing behind (database, blobs,
Redis), even when a worker is still running the dossier's job."""

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
HOUSEHOLD = {
    "membres": [{"role": "demandeur", "age": 41}],
    "residence": "metropole",
    "commentaire": "Madame Kerbrat Yvonne",
}
#: Values of the sample avis (avis_2025_seul_2p.pdf) in the forms they could be stored in.
NEEDLES = [
    "solenn",
    "le gall",
    "le_gall",
    "impasse du port",
    "0115244939131",
    "01 15 244 939 131",
    "a926685",
    "kerbrat",
    "numero_fiscal",
    "revenu_fiscal",
    "avis_le_gall",
]


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
    for where in (
        (key, d, "files.name", "f2"),
        (key, d, "files.beneficiaire", "f1"),
        (key, other, "files.name", "f1"),
        (sealer.new_key(d), d, "files.name", "f1"),
    ):
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
        conn.execute(
            text(
                "INSERT INTO dossiers (id, owner, created_at, updated_at, request_date, generation, result, "
                "result_generation, household) VALUES (:id, 'pipe', :now, :now, :day, 1, :result, 1, :h)"
            ),
            {
                "id": d_id,
                "now": now,
                "day": date(2025, 10, 1),
                "result": '{"documents": [{"nom": "SOLENN"}]}',
                "h": '{"commentaire": "Kerbrat"}',
            },
        )
        conn.execute(
            text(
                "INSERT INTO files (id, dossier_id, seq, name, sha256, size, media_type, beneficiaire, "
                "wrapped_key, created_at) VALUES (:id, :d, 1, :name, :sha, 3, 'application/pdf', :b, :k, :now)"
            ),
            {
                "id": f_id,
                "d": d_id,
                "name": FILE_NAME,
                "sha": "a" * 64,
                "b": BENEFICIAIRE,
                "k": b"k",
                "now": now,
            },
        )
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
        assert conn.execute(text("SELECT name, beneficiaire FROM files")).one() == (
            FILE_NAME,
            BENEFICIAIRE,
        )
        assert "SOLENN" in conn.execute(text("SELECT result FROM dossiers")).scalar()
    migrate(db, master)
    with db.read() as s:
        dossier = s.get(Dossier, d_id)
        assert dossier is not None and sealer.open_dossier(dossier).household == {
            "commentaire": "Kerbrat"
        }
    db.dispose()


def _raw_database(h: Harness) -> bytes:
    """Everything the database holds: the SQLite files, or every PostgreSQL row as text."""
    if h.db.is_sqlite:
        db_file = Path(h.settings.database_url.split("///", 1)[1])
        return b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
    with h.db.read_conn() as conn:
        rows = [
            str(r[0])
            for table in ("dossiers", "files", "jobs", "corrections", "decisions", "audit")
            for r in conn.execute(text(f"SELECT t::text FROM {table} t"))
        ]
    return "\n".join(rows).encode()


@pytest.mark.redis
@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_personal_data_is_encrypted_at_rest(
    tmp_path: Path,
    redis_server: RedisServer,
    sample_pdf: bytes,
    backend: str,
    request: pytest.FixtureRequest,
) -> None:
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


#: The agents' review of the sample avis: a corrected address, reasons naming people.
REVIEW_ADDRESS = "7 RUE DE KERVEGUEN 29200 BREST"
REVIEW_ADDRESS_2 = "9 QUAI DE LANVEOC 29200 BREST"
REVIEW_REASON = "Adresse confirmée au guichet par Tanguy Morvan, voisin."
REVIEW_DECISION = "Avis lisible, vu avec Riwanon Postic (fille)."
REVIEW_NEEDLES = [
    b"kerveguen",
    b"lanveoc",
    b"tanguy",
    b"morvan",
    b"riwanon",
    b"postic",
    b"impasse du port",
    b"confirm",
    b"guichet",
    b"lisible",
]


def _review_counts(h: Harness, dossier: str) -> dict[str, int]:
    with h.db.read_conn() as conn:
        return {
            table: conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE dossier_id = :d"), {"d": dossier}
            ).scalar_one()
            for table in ("corrections", "decisions", "audit")
        }


@pytest.mark.redis
@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_review_rows_are_sealed_at_rest_and_deleted_with_the_dossier(
    tmp_path: Path,
    redis_server: RedisServer,
    sample_pdf: bytes,
    backend: str,
    request: pytest.FixtureRequest,
) -> None:
    url = None
    if backend == "postgres":
        pg: PostgresServer = request.getfixturevalue("postgres")
        url = pg.new_database()
    with harness(tmp_path, redis_server.url, database_url=url) as h:
        pipe, agent = h.client("pipe_a"), h.client("agent")
        dossier = h.new_dossier(pipe)
        r = h.upload(pipe, dossier, FILE_NAME, sample_pdf)
        assert r.status_code == 202, r.text
        assert h.wait_job(pipe, r.json()["job_id"])["status"] == "finished"
        [doc] = agent.get(f"/dossiers/{dossier}").json()["documents"]
        machine = doc["fields"]["adresse"]
        assert "IMPASSE DU PORT" in machine
        url_field = f"/dossiers/{dossier}/documents/{doc['id']}/fields/adresse"
        # Twice: the second correction rewrites the sealed row in place.
        for value in (REVIEW_ADDRESS_2, REVIEW_ADDRESS):
            r = agent.patch(url_field, json={"value": value, "reason": REVIEW_REASON})
            assert r.status_code == 200, r.text
        r = agent.post(
            f"/dossiers/{dossier}/documents/{doc['id']}/decision",
            json={"status": "accepted", "reason": REVIEW_DECISION},
        )
        assert r.status_code == 200, r.text
        # The API answers in clear, as before.
        d = agent.get(f"/dossiers/{dossier}").json()["documents"][0]
        prov = d["provenance"]["adresse"]
        assert d["fields"]["adresse"] == REVIEW_ADDRESS and prov["machine_value"] == machine
        assert prov["reason"] == REVIEW_REASON and d["decision"]["reason"] == REVIEW_DECISION
        entries = agent.get(f"/dossiers/{dossier}/audit").json()["entries"]
        assert [(e["old_value"], e["new_value"], e["reason"]) for e in entries] == [
            (machine, REVIEW_ADDRESS_2, REVIEW_REASON),
            (REVIEW_ADDRESS_2, REVIEW_ADDRESS, REVIEW_REASON),
            (doc["status"], "accepted", REVIEW_DECISION),
        ]
        queue = agent.get("/dossiers", params={"status": "reviewed"}).json()["dossiers"]
        assert dossier in [x["id"] for x in queue]
        assert _review_counts(h, dossier) == {"corrections": 1, "decisions": 1, "audit": 3}
        if h.db.is_sqlite:
            h.db.compact_after_delete()  # the WAL's pages into the main file: all of it is read below
        raw = _raw_database(h).lower()
        assert dossier.encode() in raw  # the rows are there, their metadata in clear
        needles = REVIEW_NEEDLES + [machine.lower().encode(), REVIEW_ADDRESS.lower().encode()]
        assert [n.decode() for n in needles if n in raw] == []

        assert agent.delete(f"/dossiers/{dossier}").status_code == 204
        assert _review_counts(h, dossier) == {"corrections": 0, "decisions": 0, "audit": 0}
        with h.db.read_conn() as conn:
            assert all(
                conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
                for table in ("corrections", "decisions", "audit")
            )
        raw = _raw_database(h).lower()
        assert dossier.encode() not in raw
        assert [n.decode() for n in needles if n in raw] == []


def test_review_values_open_only_in_their_place() -> None:
    from service.personal import ReviewSeal

    sealer = Sealer(secrets.token_bytes(32))
    d = new_id()
    sealing = ReviewSeal(sealer, d, sealer.new_key(d))
    blob = sealing.seal("corrections.reason", "r1", "vu avec Tanguy Morvan")
    assert b"Morvan" not in blob
    assert sealing.unseal("corrections.reason", "r1", blob) == "vu avec Tanguy Morvan"
    # A missing value is sealed too: it cannot be told apart from a present one.
    nothing = sealing.seal("corrections.machine_value", "r1", None)
    assert (
        nothing is not None and sealing.unseal("corrections.machine_value", "r1", nothing) is None
    )
    assert sealing.unseal("audit.reason", "r1", None) is None
    for column, row in (("corrections.reason", "r2"), ("audit.reason", "r1")):
        with pytest.raises(SealError):
            sealing.unseal(column, row, blob)
    other = new_id()
    with pytest.raises(SealError):
        ReviewSeal(sealer, other, sealer.new_key(other)).unseal("corrections.reason", "r1", blob)
    with pytest.raises(ValueError):
        sealing.seal("dossiers.owner", "r1", "x")


def test_review_rows_written_before_0004_are_sealed_by_the_migration(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from service.db import MIGRATIONS_DIR
    from service.personal import ReviewSeal

    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    master = secrets.token_bytes(32)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.write_engine.begin() as conn:
        cfg.attributes.update(connection=conn, master_key=master)
        command.upgrade(cfg, "0003")
    sealer = Sealer(master)
    d_id, c_id, dec_id, a_id, now = new_id(), new_id(), new_id(), new_id(), utcnow()
    with db.write_conn() as conn:
        conn.execute(
            text(
                "INSERT INTO dossiers (id, owner, created_at, updated_at, request_date, generation, "
                "data_key) VALUES (:id, 'pipe', :now, :now, :day, 1, :key)"
            ),
            {"id": d_id, "now": now, "day": date(2025, 10, 1), "key": sealer.new_key(d_id)},
        )
        conn.execute(
            text(
                "INSERT INTO corrections (id, dossier_id, document_id, field, value, machine_value, reason, "
                "author, created_at) VALUES (:id, :d, 'doc', 'adresse', :v, 'null', :r, 'agent', :now)"
            ),
            {
                "id": c_id,
                "d": d_id,
                "v": '"7 RUE DE KERVEGUEN"',
                "r": '"vu avec Tanguy Morvan"',
                "now": now,
            },
        )
        conn.execute(
            text(
                "INSERT INTO decisions (id, dossier_id, document_id, status, reason, author, created_at) "
                "VALUES (:id, :d, 'doc', 'accepted', :r, 'agent', :now)"
            ),
            {"id": dec_id, "d": d_id, "r": '"vu avec Riwanon Postic"', "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO audit (id, dossier_id, seq, document_id, action, field, old_value, new_value, "
                "reason, author, created_at) VALUES (:id, :d, 1, 'doc', 'correction', 'adresse', 'null', "
                ":v, :r, 'agent', :now)"
            ),
            {
                "id": a_id,
                "d": d_id,
                "v": '"7 RUE DE KERVEGUEN"',
                "r": '"vu avec Tanguy Morvan"',
                "now": now,
            },
        )
    migrate(db, master)
    with db.read_conn() as conn:
        key = conn.execute(text("SELECT data_key FROM dossiers")).scalar_one()
        sealing = ReviewSeal(sealer, d_id, key)
        c = conn.execute(text("SELECT * FROM corrections")).one()._mapping
        assert "value" not in c and "reason" not in c
        assert sealing.unseal("corrections.value", c_id, c["value_sealed"]) == "7 RUE DE KERVEGUEN"
        assert sealing.unseal("corrections.machine_value", c_id, c["machine_value_sealed"]) is None
        assert (
            sealing.unseal("corrections.reason", c_id, c["reason_sealed"])
            == "vu avec Tanguy Morvan"
        )
        reason = conn.execute(text("SELECT reason_sealed FROM decisions")).scalar_one()
        assert sealing.unseal("decisions.reason", dec_id, reason) == "vu avec Riwanon Postic"
        a = conn.execute(text("SELECT * FROM audit")).one()._mapping
        assert sealing.unseal("audit.old_value", a_id, a["old_value_sealed"]) is None
        assert (
            sealing.unseal("audit.new_value", a_id, a["new_value_sealed"]) == "7 RUE DE KERVEGUEN"
        )
        assert sealing.unseal("audit.reason", a_id, a["reason_sealed"]) == "vu avec Tanguy Morvan"
    db.compact_after_delete()
    raw = (tmp_path / "old.sqlite3").read_bytes().lower()
    assert not [n for n in (b"kerveguen", b"morvan", b"postic") if n in raw]
    # And back: the downgrade opens the values into the clear columns again.
    with db.write_engine.begin() as conn:
        cfg.attributes.update(connection=conn, master_key=master)
        command.downgrade(cfg, "0003")
    with db.read_conn() as conn:
        assert conn.execute(text("SELECT value, machine_value, reason FROM corrections")).one() == (
            '"7 RUE DE KERVEGUEN"',
            "null",
            '"vu avec Tanguy Morvan"',
        )
        assert (
            conn.execute(text("SELECT reason FROM decisions")).scalar_one()
            == '"vu avec Riwanon Postic"'
        )
    db.dispose()


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
def test_delete_while_the_job_runs_leaves_nothing_in_redis(
    tmp_path: Path, redis_server: RedisServer, sample_pdf: bytes
) -> None:
    with harness(tmp_path, redis_server.url, env={"TEST_FAULT_SLEEP_S": "1.0"}) as h:
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
        leaks = [
            (key, n)
            for key, value in _redis_dump(redis)
            for n in needles
            if n in key.lower() or n in value.lower()
        ]
        assert leaks == []
        assert h.db is not None
        raw = _raw_database(h).lower()
        assert not [n for n in needles if n in raw]
