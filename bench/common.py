"""What the benchmark sections share: the samples folder, medians and percentiles, test PDFs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

#: The repository's sample documents (``make samples``).
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn`` over ``repeat`` calls after one warm-up call, in ms."""
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def avis_pdf() -> bytes:
    for name in ("avis_2025_couple_4p.pdf", "avis_2025_seul_2p.pdf"):
        if (SAMPLES / name).is_file():
            return (SAMPLES / name).read_bytes()
    from io import BytesIO

    from reportlab.pdfgen import canvas

    buf = BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.drawString(72, 760, "AVIS D'IMPOT 2025 SUR LES REVENUS DE L'ANNEE 2024")
    pdf.drawString(72, 740, "Revenu fiscal de reference : 25 123")
    pdf.save()
    return buf.getvalue()


def unique(pdf: bytes, tag: str, size: int = 0) -> bytes:
    """The same PDF with a trailing comment: a distinct SHA-256, padded to ``size`` bytes."""
    tail = f"\n%bench {tag}\n".encode()
    pad = max(0, size - len(pdf) - len(tail))
    return pdf + tail + (b"%" + b"0" * (pad - 2) + b"\n" if pad > 2 else b"")
