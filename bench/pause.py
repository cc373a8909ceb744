"""The paused no-op job of ``bench.queue_overhead`` (a module of its own: the ``rq worker``
that runs it imports nothing else of the bench)."""

from __future__ import annotations

import time


def pause(seconds: float) -> float:
    """Sleep ``seconds``; the time actually slept, which the bench subtracts."""
    t0 = time.perf_counter()
    time.sleep(seconds)
    return time.perf_counter() - t0
