"""Alembic environment: runs on the connection handed over by ``service.db.migrate``."""

from __future__ import annotations

from alembic import context

from service import batch_tables, review_tables  # noqa: F401 (their tables join Base.metadata)
from service.db import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached through the alembic CLI
    raise RuntimeError("lancez les migrations avec service.db.migrate()")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
