"""``docproc bench --only text``: ``extract`` on the text samples against raw PDFium text."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import SAMPLES, median_ms


def _text_sample_files() -> list[list[Path]]:
    from docproc import qa

    out = []
    for exp in qa.expected_files(SAMPLES, {"text"}):
        expected = json.loads(exp.read_text(encoding="utf-8"))
        out.append(qa.sample_inputs(exp, expected))
    return out


def bench_text(repeat: int = 15) -> dict[str, Any]:
    import pypdfium2 as pdfium

    from docproc.models import Upload
    from docproc.pipeline import extract

    samples = _text_sample_files()
    blobs = [[(p.name, p.read_bytes()) for p in files] for files in samples]

    def raw(files: list[tuple[str, bytes]]) -> None:
        for _, data in files:
            pdf = pdfium.PdfDocument(data)
            for i in range(len(pdf)):
                page = pdf[i]
                tp = page.get_textpage()
                tp.get_text_range()
                tp.close()
                page.close()
            pdf.close()

    ours, core, base = [], [], []
    for files in blobs:
        uploads = [Upload(n, d) for n, d in files]
        ours.append(
            median_ms(lambda u=uploads: extract(u, date(2025, 10, 1)).to_contract(), repeat)  # type: ignore[misc]
        )
        core.append(
            median_ms(
                lambda u=uploads: extract(u, date(2025, 10, 1), verify_codes=False).to_contract(),  # type: ignore[misc]
                repeat,
            )
        )
        base.append(median_ms(lambda f=files: raw(f), repeat))  # type: ignore[misc]
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import docproc.pipeline"], check=True)
    import_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    python_ms = (time.perf_counter() - t0) * 1000
    m_ours, m_core, m_base = (
        statistics.median(ours),
        statistics.median(core),
        statistics.median(base),
    )
    return {
        "documents": len(blobs),
        "pypdfium2_text_median_ms": round(m_base, 2),
        "extract_without_2ddoc_median_ms": round(m_core, 2),
        "ratio_without_2ddoc": round(m_core / m_base, 2),
        "extract_median_ms": round(m_ours, 2),
        "ratio": round(m_ours / m_base, 2),
        "twoddoc_added_ms": round(m_ours - m_core, 2),
        "target_ratio": 6.0,
        "cli_import_ms": round(import_ms - python_ms, 1),
    }
