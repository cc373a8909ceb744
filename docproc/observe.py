"""Timings the library reports to whoever hosts it (the service's workers turn them into metrics).

``observe("ocr.page", seconds, count)`` is a no-op until a host registers a callback with
``add_observer``. Only event names and durations pass here, never content. A failing
observer is ignored: it never breaks the work it measures.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

Observer = Callable[[str, float, int], None]
_observers: list[Observer] = []


def add_observer(fn: Observer) -> None:
    if fn not in _observers:
        _observers.append(fn)


def remove_observer(fn: Observer) -> None:
    if fn in _observers:
        _observers.remove(fn)


def observe(event: str, seconds: float, count: int = 1) -> None:
    """``event`` took ``seconds`` for each of ``count`` items (``ocr.page``: pages of one call)."""
    for fn in tuple(_observers):
        with contextlib.suppress(Exception):  # an observer never breaks the work it measures
            fn(event, seconds, count)
