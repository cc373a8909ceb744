"""The agents' review tables: corrections, decisions and the audit trail (their personal columns
sealed, ``service.personal``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base


class Correction(Base):
    """An agent's value for one field of one document (issue 13); the latest one stands.

    ``value``, ``machine_value`` and ``reason`` are personal data, sealed under the dossier's
    data key: written and read only through ``service.personal`` (``ReviewSeal``).
    """

    __tablename__ = "corrections"
    __table_args__ = (
        UniqueConstraint("dossier_id", "document_id", "field", name="uq_corrections_field"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    dossier_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[str] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(64))
    value_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: The machine's value when the agent corrected it (sealed too when it was missing).
    machine_value_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Decision(Base):
    """An agent's decision on one document: accepted or rejected, with a reason (sealed)."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("dossier_id", "document_id", name="uq_decisions_document"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    dossier_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEntry(Base):
    """One line of the audit trail: who, when, what (field or decision), old → new, why.

    Old value, new value and reason are sealed under the dossier's data key (``service.personal``).
    """

    __tablename__ = "audit"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    dossier_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("dossiers.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    document_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))  # correction | decision
    field: Mapped[str | None] = mapped_column(String(64), nullable=True)
    old_value_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    new_value_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
