"""Personal columns sealed under a per-dossier data key (issue 12, point 7).

``dossiers.data_key`` holds the dossier's data key wrapped by the storage master key; the
extracted result, the declared household, the file names and the beneficiaire move to
``*_sealed`` columns encrypted under it (``service.sealed``), and their clear columns are
dropped. Rows written before this revision are sealed here, with the master key handed over
by ``service.db.migrate`` (or read from the settings, as the service does).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_DOSSIERS = sa.table(
    "dossiers",
    sa.column("id", sa.String),
    sa.column("result", sa.JSON),
    sa.column("household", sa.JSON),
    sa.column("data_key", sa.LargeBinary),
    sa.column("result_sealed", sa.LargeBinary),
    sa.column("household_sealed", sa.LargeBinary),
)
_FILES = sa.table(
    "files",
    sa.column("id", sa.String),
    sa.column("dossier_id", sa.String),
    sa.column("name", sa.String),
    sa.column("beneficiaire", sa.String),
    sa.column("name_sealed", sa.LargeBinary),
    sa.column("beneficiaire_sealed", sa.LargeBinary),
)


def _sealer() -> Any:
    from service.sealed import Sealer

    key = context.config.attributes.get("master_key")
    if key is None:
        from service.config import load_settings
        from service.storage import load_master_key

        key = load_master_key(load_settings())
    return Sealer(key)


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("data_key", sa.LargeBinary(), nullable=True))
    op.add_column("dossiers", sa.Column("result_sealed", sa.LargeBinary(), nullable=True))
    op.add_column("dossiers", sa.Column("household_sealed", sa.LargeBinary(), nullable=True))
    op.add_column("files", sa.Column("name_sealed", sa.LargeBinary(), nullable=True))
    op.add_column("files", sa.Column("beneficiaire_sealed", sa.LargeBinary(), nullable=True))

    conn = op.get_bind()
    dossiers = conn.execute(
        sa.select(_DOSSIERS.c.id, _DOSSIERS.c.result, _DOSSIERS.c.household)
    ).all()
    if dossiers:
        sealer = _sealer()
        keys: dict[str, bytes] = {}
        for d in dossiers:
            key = keys[d.id] = sealer.new_key(d.id)
            conn.execute(
                _DOSSIERS.update()
                .where(_DOSSIERS.c.id == d.id)
                .values(
                    data_key=key,
                    result_sealed=sealer.seal(key, d.id, "dossiers.result", d.id, d.result),
                    household_sealed=sealer.seal(
                        key, d.id, "dossiers.household", d.id, d.household
                    ),
                )
            )
        for f in conn.execute(
            sa.select(_FILES.c.id, _FILES.c.dossier_id, _FILES.c.name, _FILES.c.beneficiaire)
        ).all():
            key = keys[f.dossier_id]
            conn.execute(
                _FILES.update()
                .where(_FILES.c.id == f.id)
                .values(
                    name_sealed=sealer.seal(key, f.dossier_id, "files.name", f.id, f.name),
                    beneficiaire_sealed=sealer.seal(
                        key, f.dossier_id, "files.beneficiaire", f.id, f.beneficiaire
                    ),
                )
            )
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35, PostgreSQL): no table rebuild, so
    # no DROP TABLE dossiers that would cascade to the files and jobs.
    for table, column in (
        ("dossiers", "result"),
        ("dossiers", "household"),
        ("files", "name"),
        ("files", "beneficiaire"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def downgrade() -> None:
    op.add_column("dossiers", sa.Column("result", sa.JSON(), nullable=True))
    op.add_column("dossiers", sa.Column("household", sa.JSON(), nullable=True))
    op.add_column("files", sa.Column("name", sa.String(255), nullable=True))
    op.add_column("files", sa.Column("beneficiaire", sa.String(200), nullable=True))
    conn = op.get_bind()
    dossiers = conn.execute(
        sa.select(
            _DOSSIERS.c.id,
            _DOSSIERS.c.data_key,
            _DOSSIERS.c.result_sealed,
            _DOSSIERS.c.household_sealed,
        )
    ).all()
    if dossiers:
        sealer = _sealer()
        keys = {d.id: d.data_key for d in dossiers}
        for d in dossiers:
            conn.execute(
                _DOSSIERS.update()
                .where(_DOSSIERS.c.id == d.id)
                .values(
                    result=sealer.open(d.data_key, d.id, "dossiers.result", d.id, d.result_sealed),
                    household=sealer.open(
                        d.data_key, d.id, "dossiers.household", d.id, d.household_sealed
                    ),
                )
            )
        for f in conn.execute(
            sa.select(
                _FILES.c.id, _FILES.c.dossier_id, _FILES.c.name_sealed, _FILES.c.beneficiaire_sealed
            )
        ).all():
            key = keys[f.dossier_id]
            conn.execute(
                _FILES.update()
                .where(_FILES.c.id == f.id)
                .values(
                    name=sealer.open(key, f.dossier_id, "files.name", f.id, f.name_sealed)
                    or "fichier",
                    beneficiaire=sealer.open(
                        key, f.dossier_id, "files.beneficiaire", f.id, f.beneficiaire_sealed
                    ),
                )
            )
    for table, column in (
        ("dossiers", "data_key"),
        ("dossiers", "result_sealed"),
        ("dossiers", "household_sealed"),
        ("files", "name_sealed"),
        ("files", "beneficiaire_sealed"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
