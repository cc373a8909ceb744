"""Load and validate the per-kind document specs (``docproc/specs/*.toml``).

A spec that names an unknown key, type, parser or check, or holds a regex that does not
compile, fails at load time with the file and the field named: a spec error is a CI failure,
never a wrong extraction at run time.

A kind is its spec: besides how its pages are recognised and its fields read, the spec gives
the name shown to people (``label``), its checks by name (``checks``, from the registry
``docproc.checks.documents.CHECKS``) and when it is accepted or refused (``accept``). Specs are
read from ``docproc/specs`` and from the folders of the ``DOCPROC_SPEC_DIRS`` setting.

This module is the registry: which folders are read (:func:`spec_dirs`), every spec loaded once
(:func:`all_specs`), lookups by kind and the values derived from the loaded specs
(:func:`derived`). The types are in :mod:`docproc.extractors.spec_model`, the reading and
validation of one file in :mod:`docproc.extractors.spec_load`; both are re-exported here, where
the rest of the code imports them from.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

from docproc.extractors.spec_load import load_spec
from docproc.extractors.spec_model import SPEC_DIR, DocSpec, SpecError
from docproc.settings import get_settings


def spec_dirs() -> tuple[Path, ...]:
    """The built-in specs folder, then the extra folders of the settings (``DOCPROC_SPEC_DIRS``)."""
    extra = get_settings().spec_dirs
    for folder in extra:
        if not folder.is_dir():
            raise SpecError(f"DOCPROC_SPEC_DIRS : le dossier « {folder} » n'existe pas")
    return (SPEC_DIR, *extra)


_T = TypeVar("_T")
_CLEARS: list[Callable[[], None]] = []


def derived(fn: Callable[[], _T]) -> Callable[[], _T]:
    """Cache a value computed from the loaded specs; ``reload_specs`` forgets it."""
    cached = cache(fn)
    _CLEARS.append(cached.cache_clear)
    return cached


@derived
def all_specs() -> tuple[DocSpec, ...]:
    """Every spec of the specs folders, most specific first (lowest classify.priority)."""
    specs: dict[str, tuple[DocSpec, Path]] = {}
    for folder in spec_dirs():
        for path in sorted(folder.glob("*.toml")):
            spec = load_spec(path)
            if spec.kind in specs:
                raise SpecError(
                    f"{path.name}: le type {spec.kind!r} est déjà défini par {specs[spec.kind][1]}"
                )
            specs[spec.kind] = (spec, path)
    return tuple(
        sorted((s for s, _ in specs.values()), key=lambda s: (s.classify.priority, s.kind))
    )


def reload_specs() -> None:
    """Forget the loaded specs and everything derived from them (tests, a changed setting)."""
    for clear in _CLEARS:
        clear()


@derived
def _by_kind() -> dict[str, DocSpec]:
    return {s.kind: s for s in all_specs()}


def spec_for(kind: str) -> DocSpec | None:
    """The spec of a kind; None for "inconnu" (no spec)."""
    return _by_kind().get(kind)


@derived
def paged_kinds() -> frozenset[str]:
    """Kinds whose pages say "n/N" (their spec has a ``counter`` key): grouped across files."""
    return frozenset(s.kind for s in all_specs() if "counter" in s.keys)


@derived
def kinds() -> tuple[str, ...]:
    """Every kind with a spec, alphabetically (a document of none of them is "inconnu")."""
    return tuple(sorted(s.kind for s in all_specs()))
