"""Group pages given together into documents, whatever files they came in and in any order.

Pages of one avis share (kind, année des revenus, numéro fiscal); continuation pages say
"n/N". Page 1 carries no counter, so page 1 alone leaves the page count unknown.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from docproc.extractors.spec import paged_kinds
from docproc.models import Group, PageKey


def __getattr__(name: str) -> Any:
    """``PAGED_KINDS``, kept for older callers: the kinds whose spec has a ``counter`` key,
    computed from the loaded specs when asked (``docproc.extractors.spec.paged_kinds``)."""
    if name == "PAGED_KINDS":
        return paged_kinds()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _number(p: PageKey) -> int | None:
    return 1 if p.role == "first" else p.n


def group_pages(keys: list[PageKey]) -> list[Group]:
    """Documents in order of their first page; pure function of the page keys."""
    paged: dict[tuple[str, int | None, str | None], list[PageKey]] = {}
    others: dict[tuple[str, str], list[PageKey]] = {}
    orphans: list[PageKey] = []
    paged_kind = paged_kinds()
    for k in sorted(keys, key=lambda k: k.order):
        if k.kind in paged_kind:
            if k.numero_fiscal is None and k.role == "continuation":
                orphans.append(k)
            else:
                paged.setdefault((k.kind, k.annee_revenus, k.numero_fiscal), []).append(k)
        else:
            others.setdefault((k.kind, k.file), []).append(k)
    for k in orphans:  # a header whose numéro could not be read: attach only if unambiguous
        same = [key for key in paged if key[0] == k.kind and key[1] == k.annee_revenus]
        target = same[0] if len(same) == 1 else (k.kind, k.annee_revenus, None)
        paged.setdefault(target, []).append(k)

    groups: list[Group] = []
    for (kind, _, _), pages in paged.items():
        g = Group(kind)
        seen: set[int | None] = set()
        for p in sorted(pages, key=lambda p: (_number(p) or 99, p.order)):
            number = _number(p)
            if number in seen:
                g.duplicates.append(p)
                continue
            seen.add(number)
            g.pages.append(p)
        totals = Counter(p.of for p in g.pages if p.role == "continuation" and p.of)
        if totals:
            g.total = totals.most_common(1)[0][0]
            g.totals_disagree = len(totals) > 1
            g.missing = [n for n in range(1, g.total + 1) if n not in seen]
        groups.append(g)
    for (kind, _), pages in others.items():
        groups.append(Group(kind, pages=pages))

    files_of: dict[str, set[int]] = {}
    for idx, g in enumerate(groups):
        if g.kind in paged_kind:
            for p in g.pages + g.duplicates:
                files_of.setdefault(p.file, set()).add(idx)
    for idxs in files_of.values():
        if len(idxs) > 1:
            for idx in idxs:
                groups[idx].mixed_with_other = True
    return sorted(groups, key=lambda g: g.first_order)
