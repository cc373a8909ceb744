"""``docproc bench``: speed measured as ratios within one run (machines are noisy).

Sections: ``text`` (extract vs raw PDFium text on the text samples), ``twoddoc`` (decoding cost
per text-PDF avis), ``ocr`` (scan pipeline vs plain tesseract), ``service`` (API and queue).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


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
        ours.append(_median_ms(lambda u=uploads: extract(u, date(2025, 10, 1)), repeat))  # type: ignore[misc]
        core.append(_median_ms(lambda u=uploads: extract(u, date(2025, 10, 1), verify_codes=False), repeat))  # type: ignore[misc]
        base.append(_median_ms(lambda f=files: raw(f), repeat))  # type: ignore[misc]
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import docproc.pipeline"], check=True)
    import_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    python_ms = (time.perf_counter() - t0) * 1000
    m_ours, m_core, m_base = statistics.median(ours), statistics.median(core), statistics.median(base)
    return {"documents": len(blobs), "pypdfium2_text_median_ms": round(m_base, 2),
            "extract_without_2ddoc_median_ms": round(m_core, 2), "ratio_without_2ddoc": round(m_core / m_base, 2),
            "extract_median_ms": round(m_ours, 2), "ratio": round(m_ours / m_base, 2),
            "twoddoc_added_ms": round(m_ours - m_core, 2), "target_ratio": 6.0,
            "cli_import_ms": round(import_ms - python_ms, 1)}


def _section(name: str, avis: int = 1000) -> dict[str, Any]:
    if name == "text":
        return bench_text()
    if name == "twoddoc":
        from docproc.twoddoc import bench_decode
        files = list(SAMPLES.glob("avis_*.pdf"))
        ms = [bench_decode(p.read_bytes(), 9) for p in sorted(files)[:5]]
        return {"decode_median_ms_per_avis": round(statistics.median(ms), 2), "target_ms": 50}
    if name == "ocr":
        from docproc.text.ocr import bench_ocr
        return bench_ocr(SAMPLES)
    if name == "service":
        from service.bench import bench_service
        return bench_service(avis=avis)
    raise ValueError(name)


def run_bench(as_json: bool = False, sections: list[str] | None = None, avis: int = 1000) -> int:
    results: dict[str, Any] = {}
    for name in sections or ["text", "twoddoc", "ocr", "service"]:
        try:
            results[name] = _section(name, avis)
        except Exception as exc:  # a failed section is reported, the others still run
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
    if as_json:
        print(json.dumps(results, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        for name, values in results.items():
            print(f"[{name}]")  # noqa: T201
            for k, v in values.items():
                print(f"  {k}: {v}")  # noqa: T201
    return 0
