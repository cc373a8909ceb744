"""Checks: small pure functions that each return one CHECK (code, level, French message)."""

from __future__ import annotations

from typing import Any

from docproc.models import Check, Level


def passed(code: str, level: Level, message: str, **data: Any) -> Check:
    return Check(code, level, True, message, dict(data))


def failed(code: str, level: Level, message: str, **data: Any) -> Check:
    return Check(code, level, False, message, dict(data))


def status(checks: list[Check]) -> str:
    """A document's status follows from its checks alone."""
    if any(not c.ok and c.level == "critical" for c in checks):
        return "rejected"
    if any(not c.ok and c.level == "warning" for c in checks):
        return "needs_review"
    return "accepted"
