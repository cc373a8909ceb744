"""A batch item's results: the dossier's current one and the previous one kept, opened (both are
sealed at rest), and which fields changed between them.
"""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import select

from service.batch_tables import BatchItem
from service.db import Dossier
from service.sealed import Sealer


def _documents(result: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Documents by their stable id when they have one, else by kind and rank."""
    out: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for doc in (result or {}).get("documents", []):
        if not isinstance(doc, dict):
            continue
        key = doc.get("id")
        if not isinstance(key, str):
            kind = str(doc.get("kind"))
            seen[kind] = seen.get(kind, 0) + 1
            key = f"{kind}#{seen[kind]}"
        out[key] = doc
    return out


def diff_results(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Per document: the names of the fields whose value differs (added and removed included),
    plus ``status`` and ``kind`` when those changed. Values themselves are not copied."""
    old, new = _documents(before), _documents(after)
    out: list[dict[str, Any]] = []
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key), new.get(key)
        if a is None or b is None:
            out.append(
                {
                    "document": key,
                    "kind": (b or a or {}).get("kind"),
                    "change": "added" if a is None else "removed",
                    "fields": [],
                }
            )
            continue
        fa, fb = a.get("fields") or {}, b.get("fields") or {}
        names = sorted(n for n in set(fa) | set(fb) if fa.get(n, _MISSING) != fb.get(n, _MISSING))
        names += [k for k in ("kind", "status") if a.get(k) != b.get(k)]
        if names:
            out.append(
                {"document": key, "kind": b.get("kind"), "change": "modified", "fields": names}
            )
    return out


_MISSING = object()


def current_result(s: Any, sealer: Sealer, dossier_id: str) -> dict[str, Any] | None:
    """The dossier's current result, opened (it is sealed at rest, ``service.sealed``)."""
    row = s.execute(
        select(Dossier.data_key, Dossier.result_sealed).where(Dossier.id == dossier_id)
    ).first()
    if row is None:
        return None
    result = sealer.open(
        row.data_key or b"", dossier_id, "dossiers.result", dossier_id, row.result_sealed
    )
    return result if isinstance(result, dict) else None


def open_previous(s: Any, sealer: Sealer, item: BatchItem) -> dict[str, Any] | None:
    sealed = (item.previous or {}).get("sealed")
    if not sealed:
        return None
    key = s.scalar(select(Dossier.data_key).where(Dossier.id == item.dossier_id)) or b""
    previous = sealer.open(
        key, item.dossier_id, "batch_items.previous", item.batch_id, base64.b64decode(sealed)
    )
    return previous if isinstance(previous, dict) else None


def page_count(result: dict[str, Any] | None) -> int:
    total = 0
    for f in (result or {}).get("files", []):
        if isinstance(f, dict) and isinstance(f.get("pages"), int):
            total += f["pages"]
    return total
