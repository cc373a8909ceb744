"""The checked pieces a spec is read from: non-empty text, string lists, compiled regexes, label
patterns, sub-tables with only the admitted keys; each error names the file and the key.
"""

from __future__ import annotations

import re
from typing import Any

from docproc.extractors.spec_model import SpecError
from docproc.strict_toml import Table


def is_text(raw: Any) -> bool:
    return isinstance(raw, str) and bool(raw.strip())


def compiled(where: str, pattern: str, need_value: bool = False) -> re.Pattern[str]:
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        raise SpecError(f"{where}: expression invalide {pattern!r} ({exc})") from exc
    if need_value and "value" not in rx.groupindex:
        raise SpecError(f"{where}: l'expression {pattern!r} doit avoir un groupe nommé 'value'")
    return rx


def label_regex(label: str) -> str:
    """Labels are literal except for a few escapes; spaces match any run of spaces."""
    parts = re.split(r"(\\[dw](?:\{\d+\})?)", label)
    out = []
    for part in parts:
        if part.startswith("\\d"):
            out.append(part)
        elif part.startswith("\\w"):
            out.append("[A-Z0-9]" + part[2:])
        else:
            out.append(r"\s*".join(re.escape(w) for w in part.split(" ")) if part else "")
    return "".join(out)


def strings(where: str, raw: Any) -> list[str]:
    """A string or a non-empty list of strings."""
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
        raise SpecError(f"{where}: une chaîne ou une liste non vide de chaînes est attendue")
    return items


def spec_error(where: str, problem: str) -> SpecError:
    """The spec's error at ``where`` (the file, then the key path: ``x.toml.fields[0] (f).label``)."""
    return SpecError(f"{where}: {problem}")


def checked_table(
    where: str, raw: Any, allowed: set[str], required: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    """``raw`` checked by the strict reader: a table, no key outside ``allowed``, ``required`` there."""
    return Table(raw, spec_error, where).only(allowed, required).data
