"""``docproc bench --only hostile``: the hostile corpus read through the sandbox, file by file."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any


def _peak_kb(pid: int | None, reset: bool = False) -> int | None:
    """The sandbox child's peak resident memory (VmHWM, kB); ``reset`` starts a new peak."""
    if pid is None:
        return None
    try:
        if reset:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
            return None
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def bench_hostile(families: set[str] | None = None) -> dict[str, Any]:
    """Every file of the hostile corpus read through the sandbox: verdict, wall time and the
    sandbox's peak memory for that file (its high-water mark is reset before each file)."""
    from docproc.hostile import corpus
    from docproc.models import Upload
    from docproc.sandbox import get_sandbox
    from docproc.settings import get_settings
    from docproc.text.acquire import read_file

    settings = get_settings()
    sandbox = get_sandbox()
    sandbox.start(settings)
    items = [f for f in corpus() if families is None or f.family in families]
    rows: list[dict[str, Any]] = []
    clean = 0
    for item in items:
        read_file(Upload("warm-up.pdf", b""), settings)  # cheap: refused before the sandbox
        _peak_kb(sandbox.pid, reset=True)
        t0 = time.perf_counter()
        result = read_file(Upload(item.name, item.data), settings)
        ms = (time.perf_counter() - t0) * 1000
        failed = [c.code for c in result.checks if not c.ok and c.level == "critical"]
        got = failed[0] if failed else None
        clean += got == item.expected
        rows.append(
            {
                "file": item.name,
                "family": item.family,
                "bytes": len(item.data),
                "verdict": got,
                "expected": item.expected,
                "ms": round(ms, 1),
                "peak_mb": _mb(_peak_kb(sandbox.pid)),
            }
        )
    times = [r["ms"] for r in rows]
    peaks = [r["peak_mb"] for r in rows if r["peak_mb"] is not None]
    return {
        "files": len(rows),
        "clean_verdicts": clean,
        "sandbox_restarts": sandbox.restarts,
        "median_ms": round(statistics.median(times), 1) if times else None,
        "max_ms": max(times, default=None),
        "max_peak_mb": max(peaks, default=None),
        "per_file": rows,
    }


def _mb(kb: int | None) -> float | None:
    return round(kb / 1024, 1) if kb is not None else None
