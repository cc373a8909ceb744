"""Job rows written with the older English reason codes are renamed by migration 0006."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

from sqlalchemy import text

from docproc.errors import Reason
from service.db import MIGRATIONS_DIR, Database, new_id, utcnow
from service.views import reason_message


def _renamed() -> dict[str, str]:
    path = MIGRATIONS_DIR / "versions" / "0006_reason_codes.py"
    spec = importlib.util.spec_from_file_location("migration_0006", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.RENAMED)


def test_every_renamed_job_reason_is_a_reason_code() -> None:
    assert set(_renamed().values()) <= {r.value for r in Reason}


def test_job_reasons_written_before_0006_are_renamed(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    renamed = _renamed()
    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.write_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
    jobs = {new_id(): old for old in renamed} | {new_id(): None}
    dossier, now = new_id(), utcnow()
    with db.write_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO dossiers (id, owner, created_at, updated_at, request_date, generation)"
                " VALUES (:id, 'pipe', :now, :now, :day, 1)"
            ),
            {"id": dossier, "now": now, "day": date(2025, 10, 1)},
        )
        for job_id, reason in jobs.items():
            conn.execute(
                text(
                    "INSERT INTO jobs (id, dossier_id, kind, generation, status, reason, attempts,"
                    " enqueues, created_at) VALUES (:id, :d, 'extraction', 1, 'failed', :r, 1, 1,"
                    " :now)"
                ),
                {"id": job_id, "d": dossier, "r": reason, "now": now},
            )
    with db.write_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with db.write_engine.connect() as conn:
        stored = {row.id: row.reason for row in conn.execute(text("SELECT id, reason FROM jobs"))}
    for job_id, before in jobs.items():
        assert stored[job_id] == (renamed[before] if before else None), before
        if before:
            assert reason_message(stored[job_id]) == Reason(stored[job_id]).text()
    db.dispose()
