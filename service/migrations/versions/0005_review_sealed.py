"""The review's personal columns sealed under the dossier's data key (issue 12, point 7).

Corrections (value, machine value, reason), decisions (reason) and audit rows (old value, new
value, reason) move from clear JSON text columns to ``*_sealed`` binary columns encrypted
under the dossier's data key (``service.personal``, ``service.sealed``); the clear columns are
dropped. Rows written before this revision are sealed here, with the master key handed over by
``service.db.migrate`` (or read from the settings, as the service does). The downgrade opens
them back into clear columns.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: table -> its personal columns (clear name; the sealed one is ``<name>_sealed``).
_COLUMNS = {
    "corrections": ("value", "machine_value", "reason"),
    "decisions": ("reason",),
    "audit": ("old_value", "new_value", "reason"),
}

_DOSSIERS = sa.table("dossiers", sa.column("id", sa.String), sa.column("data_key", sa.LargeBinary))


def _table(name: str) -> sa.TableClause:
    columns: list[sa.ColumnClause[Any]] = [
        sa.column("id", sa.String),
        sa.column("dossier_id", sa.String),
    ]
    for col in _COLUMNS[name]:
        columns += [sa.column(col, sa.Text), sa.column(col + "_sealed", sa.LargeBinary)]
    return sa.table(name, *columns)


def _master_key() -> bytes:
    key = context.config.attributes.get("master_key")
    if key is None:
        from service.config import load_settings
        from service.storage import load_master_key

        key = load_master_key(load_settings())
    return bytes(key)


def _sealings(conn: sa.Connection) -> dict[str, Any]:
    """dossier id -> its ``ReviewSeal`` (only built when some review row exists)."""
    from service.personal import ReviewSeal
    from service.sealed import Sealer

    sealer = Sealer(_master_key())
    return {
        d.id: ReviewSeal(sealer, d.id, d.data_key or b"")
        for d in conn.execute(sa.select(_DOSSIERS.c.id, _DOSSIERS.c.data_key))
    }


def _has_rows(conn: sa.Connection) -> bool:
    return any(
        conn.execute(sa.select(_table(name).c.id).limit(1)).first() is not None for name in _COLUMNS
    )


def upgrade() -> None:
    for name, columns in _COLUMNS.items():
        for col in columns:
            op.add_column(name, sa.Column(col + "_sealed", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    if _has_rows(conn):
        sealings = _sealings(conn)
        for name, columns in _COLUMNS.items():
            table = _table(name)
            for row in conn.execute(sa.select(table)).all():
                sealing = sealings[row.dossier_id]
                conn.execute(
                    table.update()
                    .where(table.c.id == row.id)
                    .values(
                        **{
                            col + "_sealed": sealing.seal(
                                f"{name}.{col}", row.id, json.loads(getattr(row, col))
                            )
                            for col in columns
                        }
                    )
                )
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35, PostgreSQL), as in 0003.
    for name, columns in _COLUMNS.items():
        for col in columns:
            op.execute(f"ALTER TABLE {name} DROP COLUMN {col}")


def downgrade() -> None:
    for name, columns in _COLUMNS.items():
        for col in columns:
            op.add_column(name, sa.Column(col, sa.Text(), nullable=False, server_default="null"))
    conn = op.get_bind()
    if _has_rows(conn):
        sealings = _sealings(conn)
        for name, columns in _COLUMNS.items():
            table = _table(name)
            for row in conn.execute(sa.select(table)).all():
                sealing = sealings[row.dossier_id]
                conn.execute(
                    table.update()
                    .where(table.c.id == row.id)
                    .values(
                        **{
                            col: json.dumps(
                                sealing.unseal(
                                    f"{name}.{col}", row.id, getattr(row, col + "_sealed")
                                ),
                                ensure_ascii=False,
                                separators=(",", ":"),
                            )
                            for col in columns
                        }
                    )
                )
    for name, columns in _COLUMNS.items():
        for col in columns:
            op.execute(f"ALTER TABLE {name} DROP COLUMN {col}_sealed")
