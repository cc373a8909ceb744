"""Blobs in the database (several hosts), batch re-extractions and their items.

Revision ID: 0004
Revises: 0001
Create Date: 2025-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("file_id", sa.String(32), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("rate_per_min", sa.Float(), nullable=True),
        sa.Column("credit", sa.Float(), nullable=False),
        sa.Column("tick_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "batch_items",
        sa.Column(
            "batch_id",
            sa.String(32),
            sa.ForeignKey("batches.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "dossier_id",
            sa.String(32),
            sa.ForeignKey("dossiers.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("job_id", sa.String(32), nullable=True),
        sa.Column("previous", sa.JSON(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("launched_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_batch_items_batch_status", "batch_items", ["batch_id", "status", "seq"])


def downgrade() -> None:
    op.drop_index("ix_batch_items_batch_status", table_name="batch_items")
    op.drop_table("batch_items")
    op.drop_table("batches")
    op.drop_table("blobs")
