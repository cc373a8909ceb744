"""Modules of ``docproc`` and ``service``: none over about 400 lines, no two with one name
(issue 10 point 5).

A module that long holds more than one concern: split it into modules named after what each
holds. Lines are counted as stored, which is after ``ruff format`` (``make lint`` checks it).
Only data tables may be longer, each listed below with the reason. Two modules with the same
name (``documents.py`` and ``checks/documents.py``) make every import and traceback ambiguous.
"""

from __future__ import annotations

from pathlib import Path

import docproc
import service

LIMIT = 400
REPO = Path(docproc.__file__).resolve().parent.parent
PACKAGES = [Path(docproc.__file__).resolve().parent, Path(service.__file__).resolve().parent]
PACKAGES += [REPO / "bench", REPO / "cli"]

#: Data tables: long because they list data, not because they hold several concerns.
DATA_TABLES: dict[str, str] = {}


def _sizes() -> dict[str, int]:
    out = {}
    for package in PACKAGES:
        for path in sorted(package.rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            out[rel] = len(path.read_text(encoding="utf-8").splitlines())
    return out


def test_no_module_over_400_lines_except_data_tables() -> None:
    allowed = set(DATA_TABLES)
    over = {rel: n for rel, n in _sizes().items() if n > LIMIT and rel not in allowed}
    assert not over, f"modules over {LIMIT} lines (split them by concern): {over}"


def test_the_allow_lists_name_existing_modules() -> None:
    """An entry for a module that was renamed, split or shrunk is stale: remove it."""
    sizes = _sizes()
    stale = {rel for rel in DATA_TABLES if sizes.get(rel, 0) <= LIMIT}
    assert not stale, f"allow-listed but absent or short enough: {sorted(stale)}"


def test_no_two_modules_share_a_name() -> None:
    by_name: dict[str, list[str]] = {}
    for rel in _sizes():
        name = rel.rsplit("/", 1)[-1]
        if name != "__init__.py" and rel.split("/")[-2] != "versions":  # alembic revisions
            by_name.setdefault(name, []).append(rel)
    shared = {name: paths for name, paths in by_name.items() if len(paths) > 1}
    assert not shared, f"modules sharing a name (rename after what each holds): {shared}"
