"""The 2D-Doc step: find the code on page 1, verify it, cross-check it with the print."""

from __future__ import annotations

from datetime import date
from typing import Any

from docproc.extractors.view import PageView
from docproc.grouping import Group
from docproc.text.acquire import FileRead


def apply(doc: dict[str, Any], group: Group, views: list[PageView], reads: list[FileRead],
          request_date: date) -> None:
    """Add the ``twoddoc`` object, fill unreadable fields from a valid code, add checks."""
    return None
