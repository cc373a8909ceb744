"""Issue 15 on one host: blobs in the database, the two queues, batch re-extraction."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service import batch_control, batch_driver, batch_results
from service.config import load_settings
from service.db import BLOBS, Database, Dossier, Job, migrate, new_id
from service.storage import DatabaseBlobStore, StorageError, open_blob_store
from tests.service.conftest import Harness, PostgresServer, RedisServer, harness


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'docproc.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.new_database()
    database = Database(url)
    migrate(database)
    yield database
    database.dispose()


def test_database_blob_store_encrypts_and_forgets(db: Database) -> None:
    key = secrets.token_bytes(32)
    store = DatabaseBlobStore(db, key)
    file_id, data = new_id(), b"%PDF-1.7 contenu personnel " * 100
    wrapped = store.put(file_id, data)
    with db.read_conn() as conn:
        raw = conn.execute(select(BLOBS.c.data).where(BLOBS.c.file_id == file_id)).scalar()
    assert raw is not None and b"contenu personnel" not in bytes(raw)
    assert store.get(file_id, wrapped) == data
    with pytest.raises(StorageError):
        DatabaseBlobStore(db, secrets.token_bytes(32)).get(file_id, wrapped)  # another master key
    with pytest.raises(StorageError):
        store.get(new_id(), wrapped)  # the file id is the associated data
    store.delete(file_id)
    store.delete(file_id)  # idempotent
    with pytest.raises(StorageError):
        store.get(file_id, wrapped)


def test_storage_backend_setting(tmp_path: Path) -> None:
    env = {"DOCPROC_DATA_DIR": str(tmp_path), "DOCPROC_STORAGE_KEY": secrets.token_bytes(32).hex()}
    assert load_settings(env=env).storage_backend == "local"
    settings = load_settings(env={**env, "DOCPROC_STORAGE_BACKEND": "database"})
    database = Database(settings.database_url)
    assert isinstance(open_blob_store(settings, database), DatabaseBlobStore)
    database.dispose()
    from service.config import SettingsError

    with pytest.raises(SettingsError, match="DOCPROC_STORAGE_BACKEND"):
        load_settings(env={**env, "DOCPROC_STORAGE_BACKEND": "s3"})


def test_diff_results_names_changed_fields_only() -> None:
    before = {
        "documents": [
            {
                "id": "d1",
                "kind": "avis_impot_revenu",
                "status": "accepted",
                "fields": {"revenu_fiscal_reference": 25123, "nombre_parts": 1, "adresse": "x"},
            }
        ]
    }
    after = {
        "documents": [
            {
                "id": "d1",
                "kind": "avis_impot_revenu",
                "status": "needs_review",
                "fields": {"revenu_fiscal_reference": 25124, "nombre_parts": 1, "annee_avis": 2025},
            },
            {"id": "d2", "kind": "inconnu", "fields": {}},
        ]
    }
    changes = batch_results.diff_results(before, after)
    assert changes == [
        {
            "document": "d1",
            "kind": "avis_impot_revenu",
            "change": "modified",
            "fields": ["adresse", "annee_avis", "revenu_fiscal_reference", "status"],
        },
        {"document": "d2", "kind": "inconnu", "change": "added", "fields": []},
    ]
    assert batch_results.diff_results(before, before) == []


def test_cli_statuses_match_the_batch_module() -> None:
    from service.reextract_cli import STATUSES

    assert STATUSES == batch_control.DOSSIER_STATUSES + batch_control.DOCUMENT_STATUSES


@pytest.mark.redis
def test_batch_advance_uses_the_sealer_it_is_given(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    """A tick builds no Sealer of its own: it would read the key file at every tick (here one
    with the wrong permissions, which ``load_master_key`` refuses)."""
    from service.queue import JobQueue, connect_redis
    from service.sealed import Sealer

    settings = load_settings(env={"DOCPROC_DATA_DIR": str(tmp_path)})
    settings.key_file.write_text("not a key\n", encoding="ascii")
    settings.key_file.chmod(0o644)
    database = Database(f"sqlite:///{tmp_path / 'docproc.sqlite3'}")
    migrate(database)
    try:
        queue = JobQueue(connect_redis(redis_server.url), settings)
        report = batch_driver.advance(database, queue, settings, Sealer(secrets.token_bytes(32)))
    finally:
        database.dispose()
    assert (report.launched, report.closed, report.finished_batches) == (0, 0, [])


def _wait(h: Harness, batch_id: str, timeout: float = 60.0) -> dict[str, object]:
    c = h.client("agent")
    deadline = time.monotonic() + timeout
    body: dict[str, object] = {}
    while time.monotonic() < deadline:
        body = c.get(f"/reextract/{batch_id}").json()
        if body["status"] == "finished":
            return body
        time.sleep(0.1)
    raise AssertionError(f"batch still {body}")


@pytest.mark.redis
def test_batch_reextraction_api_progress_changes_stop_resume(
    tmp_path: Path,
    redis_server: RedisServer,
    sample_pdf: bytes,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = {"DOCPROC_STORAGE_BACKEND": "database", "DOCPROC_REEXTRACT_INFLIGHT": "2"}
    with harness(tmp_path, redis_server.url, workers=1, env=env) as h:
        pipe, agent = h.client("pipe_a"), h.client("agent")
        dossiers = []
        for n in range(3):
            d = h.new_dossier(pipe)
            job = h.upload(pipe, d, "avis.pdf", sample_pdf + f"\n%{n}\n".encode()).json()
            assert h.wait_job(pipe, job["job_id"])["status"] == "finished"
            dossiers.append(d)
        assert not list((tmp_path / "data").glob("files/*/*.bin")), "blobs live in the database"
        # An older extraction that read another value: the batch must report that field.
        sealer = h.app.state.service.sealer  # results are sealed at rest (service.sealed)
        with h.db.write() as s:
            row = s.get(Dossier, dossiers[0])
            assert row is not None and row.data_key is not None
            old = dict(
                sealer.open(row.data_key, row.id, "dossiers.result", row.id, row.result_sealed)
            )
            doc = dict(old["documents"][0])
            doc["fields"] = {**doc["fields"], "revenu_fiscal_reference": 1}
            old["documents"] = [doc, *old["documents"][1:]]
            row.result_sealed = sealer.seal(row.data_key, row.id, "dossiers.result", row.id, old)

        assert pipe.post("/reextract", json={}).status_code == 403  # agents only
        assert agent.post("/reextract", json={"status": "bogus"}).status_code == 422
        assert agent.get(f"/reextract/{new_id()}").status_code == 404

        r = agent.post(
            "/reextract", json={"dossier_ids": dossiers[:2], "kind": "avis_impot_revenu"}
        )
        assert r.status_code == 202, r.text
        done = _wait(h, r.json()["batch_id"])
        assert (done["total"], done["done"], done["failed"], done["left"]) == (2, 2, 0, 0)
        assert isinstance(done["pages_per_minute"], float) and done["pages"] == 4
        changes = done["changes"]
        assert isinstance(changes, dict)
        assert changes["fields"] == {"revenu_fiscal_reference": 1}
        assert changes["dossiers"][0]["dossier_id"] == dossiers[0]

        # Stopped at once: nothing launched until it is resumed; then it ends.
        r = agent.post("/reextract", json={"since": "2000-01-01", "rate_per_min": 600})
        batch_id = r.json()["batch_id"]
        assert agent.post(f"/reextract/{batch_id}/stop").json()["status"] in ("stopped", "finished")
        time.sleep(1.0)
        stopped = agent.get(f"/reextract/{batch_id}").json()
        assert stopped["total"] == 3 and stopped["done"] + stopped["left"] == 3
        left = stopped["left"]
        time.sleep(1.0)
        assert agent.get(f"/reextract/{batch_id}").json()["left"] == left  # no launch while stopped
        assert agent.post(f"/reextract/{batch_id}/resume").json()["status"] == "running"
        assert _wait(h, batch_id)["done"] == 3

        # The same from the command line, which follows (and drives) the batch to its end.
        import json

        from cli.main import main

        for name, value in h.env.items():
            if name.startswith("DOCPROC_") or name in ("REDIS_URL", "DATABASE_URL"):
                monkeypatch.setenv(name, value)
        assert (
            main(["reextract", "--dossier", dossiers[1], "--wait", "--json", "--every", "0.5"]) == 0
        )
        out = json.loads(capsys.readouterr().out)
        assert (out["total"], out["done"], out["left"], out["status"]) == (1, 1, 0, "finished")
        assert main(["reextract", "--show", new_id()]) == 2

        # Deleting a dossier shreds its blobs and the kept previous result.
        assert pipe.delete(f"/dossiers/{dossiers[0]}").status_code == 204
        with h.db.read() as s:
            assert s.scalar(select(func.count()).select_from(BLOBS)) == 2
            from service.batch_tables import BatchItem

            assert (
                s.scalar(
                    select(func.count())
                    .select_from(BatchItem)
                    .where(BatchItem.dossier_id == dossiers[0])
                )
                == 0
            )


@pytest.mark.redis
def test_uploads_are_served_before_the_batch_queue(
    tmp_path: Path, redis_server: RedisServer, sample_pdf: bytes
) -> None:
    # Uploads are queued while no worker runs (on purpose), so the no-worker refusal is off.
    with harness(tmp_path, redis_server.url, workers=0, env={"DOCPROC_REQUIRE_WORKER": "0"}) as h:
        pipe, agent = h.client("pipe_a"), h.client("agent")
        old = [h.new_dossier(pipe) for _ in range(3)]
        for n, d in enumerate(old):
            h.upload(pipe, d, "avis.pdf", sample_pdf + f"\n%o{n}\n".encode())
        h.start_worker()
        for d in old:
            with h.db.read() as s:
                job_id = s.scalar(select(Job.id).where(Job.dossier_id == d))
            assert job_id is not None
            h.wait_job(pipe, job_id)
        h.stop_workers()
        reextractions = [agent.post(f"/dossiers/{d}/reextract").json()["job_id"] for d in old]
        fresh = h.new_dossier(pipe)
        upload = h.upload(pipe, fresh, "avis.pdf", sample_pdf + b"\n%fresh\n").json()["job_id"]
        h.start_worker()
        first = h.wait_job(pipe, upload)
        for job_id in reextractions:
            later = h.wait_job(agent, job_id)
            assert later["started_at"] > first["started_at"], "the upload, queued last, runs first"


def test_rotate_key_rewraps_data_keys_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import base64
    from datetime import date

    from cli.main import main
    from service.db import StoredFile, utcnow
    from service.storage import LocalBlobStore

    old_key, new_key = secrets.token_bytes(32), secrets.token_bytes(32)
    monkeypatch.setenv("DOCPROC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DOCPROC_STORAGE_KEY", old_key.hex())
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = load_settings()
    database = Database(settings.database_url)
    migrate(database)
    from service.sealed import Sealer

    store, now, d_id = LocalBlobStore(settings.storage_dir, old_key), utcnow(), new_id()
    data_key = Sealer(old_key).new_key(
        d_id
    )  # the dossier's own key (personal columns) is rewrapped too
    household = Sealer(old_key).seal(data_key, d_id, "dossiers.household", d_id, {"nom": "Kerbrat"})
    ids = [new_id() for _ in range(3)]
    with database.write() as s:
        s.add(
            Dossier(
                id=d_id,
                owner="p",
                created_at=now,
                updated_at=now,
                request_date=date(2025, 10, 1),
                generation=1,
                data_key=data_key,
                household_sealed=household,
            )
        )
        s.flush()
        for n, f in enumerate(ids):
            s.add(
                StoredFile(
                    id=f,
                    dossier_id=d_id,
                    seq=n,
                    sha256=f"{n}" * 64,
                    size=1,
                    media_type="application/pdf",
                    wrapped_key=store.put(f, f"data {n}".encode()),
                    created_at=now,
                )
            )
    key_file = tmp_path / "new.key"
    key_file.write_text(base64.b64encode(new_key).decode())
    key_file.chmod(0o644)
    assert main(["rotate-key", "--new-key-file", str(key_file)]) == 2  # permissions too wide
    key_file.chmod(0o600)
    assert main(["rotate-key", "--new-key-file", str(key_file)]) == 0
    assert "4 clé(s) de fichier ou de dossier rechiffrée(s)" in capsys.readouterr().out
    assert (
        main(["rotate-key", "--new-key-file", str(key_file)]) == 0
    )  # resumable: nothing left to do
    assert "0 clé(s) de fichier ou de dossier rechiffrée(s), 4 déjà" in capsys.readouterr().out
    rotated = LocalBlobStore(settings.storage_dir, new_key)
    with database.read() as s:
        rows = {f.id: f.wrapped_key for f in s.scalars(select(StoredFile))}
    with database.read() as s:
        dossier = s.get(Dossier, d_id)
        assert dossier is not None and dossier.data_key is not None
        assert Sealer(new_key).open(
            dossier.data_key, d_id, "dossiers.household", d_id, dossier.household_sealed
        ) == {"nom": "Kerbrat"}
    for n, f in enumerate(ids):
        assert rotated.get(f, rows[f]) == f"data {n}".encode()
        with pytest.raises(StorageError):
            store.get(f, rows[f])
    database.dispose()
