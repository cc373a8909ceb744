"""How long finding and decoding an avis's 2D-Doc takes (``docproc bench --only twoddoc``)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from bench.common import SAMPLES

#: Median decode time of one text-PDF avis, in milliseconds, that the section aims under.
TARGET_MS = 50


def bench_decode(pdf_bytes: bytes, repeat: int = 20) -> float:
    """Median wall time of :func:`docproc.twoddoc.find_in_pdf` on a PDF, in milliseconds."""
    from docproc.twoddoc import find_in_pdf

    timings = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        find_in_pdf(pdf_bytes)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def bench_twoddoc(samples: Path = SAMPLES) -> dict[str, Any]:
    """The median of :func:`bench_decode` over the first five text avis of ``samples``."""
    files = sorted(samples.glob("avis_*.pdf"))[:5]
    ms = [bench_decode(p.read_bytes(), 9) for p in files]
    return {"decode_median_ms_per_avis": round(statistics.median(ms), 2), "target_ms": TARGET_MS}
