"""The one place where the review's personal values are written to and read from the database.

Corrections (value, machine value, reason), decisions (reason) and audit rows (old value,
new value, reason) hold personal data. Every write goes through ``seal`` and every read
through ``unseal``: encryption at rest plugs in here, bound to the dossier, without touching
the callers. Today the stored form is the value's JSON text.
"""

from __future__ import annotations

import json
from typing import Any


def seal(value: Any, dossier_id: str) -> str:
    """The stored form of ``value`` (any JSON value) for a row of ``dossier_id``."""
    del dossier_id  # the associated data of the future encryption
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def unseal(stored: str | None, dossier_id: str) -> Any:
    """The value ``seal`` stored; None for an absent column."""
    del dossier_id
    if stored is None:
        return None
    return json.loads(stored)
