"""What the sandbox's child runs with: an environment without the parent's secrets, the
``DOCPROC_*`` values of each request, and the CPU priority of the thread that asks."""

from __future__ import annotations

import os
import re

#: Environment variables never given to the child (besides the patterns below).
SECRET_NAMES = frozenset(
    {
        "DATABASE_URL",
        "REDIS_URL",
        "DOCPROC_API_KEYS",
        "DOCPROC_API_KEYS_FILE",
        "DOCPROC_STORAGE_KEY",
        "DOCPROC_SETTINGS_FILE",
        "PGPASSWORD",
        "PGPASSFILE",
        "SSH_AUTH_SOCK",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    }
)


_SECRET_PATTERN = re.compile(r"KEY|SECRET|TOKEN|PASSW|CREDENTIAL|_URL$|_DSN$", re.I)


def child_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """The parent's environment without its secrets, plus the child's own tuning."""
    source = dict(os.environ if env is None else env)
    out = {
        k: v for k, v in source.items() if k not in SECRET_NAMES and not _SECRET_PATTERN.search(k)
    }
    out.setdefault("MALLOC_ARENA_MAX", "2")  # threads' malloc arenas would eat the address space
    out.setdefault("OPENBLAS_NUM_THREADS", "1")
    out.setdefault("OMP_THREAD_LIMIT", "1")
    out["PYTHONDONTWRITEBYTECODE"] = "1"
    return out


def library_env() -> dict[str, str]:
    """The ``DOCPROC_*`` values the child must follow for this request (settings may change)."""
    return {
        k: v
        for k, v in os.environ.items()
        if k.startswith("DOCPROC_") and k not in SECRET_NAMES and not _SECRET_PATTERN.search(k)
    }


def caller_nice() -> int:
    """The calling thread's nice level (Linux: a thread's own; 0 where unknown)."""
    try:
        return os.getpriority(os.PRIO_PROCESS, 0)
    except OSError:
        return 0


def renice_process(pid: int, nice: int) -> bool:
    """Set every thread of process ``pid`` to ``nice``; whether all of them took it."""
    try:
        tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except (OSError, ValueError):
        tids = [pid]
    ok = True
    for tid in tids:
        try:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
        except ProcessLookupError:
            continue  # a thread that just ended
        except OSError:
            ok = False
    return ok
