"""Child processes that die with the process that started them (Linux ``PR_SET_PDEATHSIG``):
``docproc up``'s Redis, workers and API processes end with it even when it is killed outright."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
from typing import Any

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """In the child (before exec, or first thing in a spawned process): receive SIGTERM when
    the parent dies (Linux). ``parent``: the pid it must still have, else it is already gone
    (killed between the fork and this call) and the child ends at once."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if parent is not None and os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


def child_of_me() -> Any:
    """``preexec_fn`` for a child that must die with this process."""
    return functools.partial(die_with_parent, os.getpid())
