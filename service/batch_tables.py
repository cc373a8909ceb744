"""The tables of batch re-extractions (``service.batch_control``): batches and their items, and their
states.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base

BATCH_RUNNING, BATCH_STOPPED, BATCH_FINISHED = "running", "stopped", "finished"

ITEM_PENDING, ITEM_LAUNCHED, ITEM_DONE, ITEM_FAILED = "pending", "launched", "done", "failed"


class Batch(Base):
    """A batch re-extraction asked by an agent (``service.batch_control``); its state lives here only."""

    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(100))
    #: The selection as asked (dossier ids, status, kind, date range).
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)  # running | stopped | finished
    total: Mapped[int] = mapped_column(Integer)
    #: Dossiers launched per minute at most (None: the ``reextract_rate_per_min`` setting).
    rate_per_min: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: Token bucket of the rate limit: launches allowed, refilled at each tick.
    credit: Mapped[float] = mapped_column(Float, default=0.0)
    tick_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class BatchItem(Base):
    """One dossier of a batch; ``previous`` is its result before the re-extraction (compared
    with the new one into ``changes``), deleted with the dossier."""

    __tablename__ = "batch_items"
    __table_args__ = (Index("ix_batch_items_batch_status", "batch_id", "status", "seq"),)

    batch_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    dossier_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # pending | launched | done | failed
    job_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: ``[{"document": id or index, "kind": …, "fields": [names whose value differs]}]``.
    changes: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    pages: Mapped[int | None] = mapped_column(Integer, nullable=True)
    launched_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
