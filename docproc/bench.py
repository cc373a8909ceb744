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
        rows.append({"file": item.name, "family": item.family, "bytes": len(item.data), "verdict": got,
                     "expected": item.expected, "ms": round(ms, 1), "peak_mb": _mb(_peak_kb(sandbox.pid))})
    times = [r["ms"] for r in rows]
    peaks = [r["peak_mb"] for r in rows if r["peak_mb"] is not None]
    return {"files": len(rows), "clean_verdicts": clean, "sandbox_restarts": sandbox.restarts,
            "median_ms": round(statistics.median(times), 1) if times else None,
            "max_ms": max(times, default=None), "max_peak_mb": max(peaks, default=None),
            "per_file": rows}


def _mb(kb: int | None) -> float | None:
    return round(kb / 1024, 1) if kb is not None else None


def _section(name: str) -> dict[str, Any]:
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
    if name == "hostile":
        return bench_hostile()
    if name == "service":
        from worker.bench import bench_service
        return bench_service()
    raise ValueError(name)


def run_bench(as_json: bool = False, sections: list[str] | None = None) -> int:
    results: dict[str, Any] = {}
    for name in sections or ["text", "twoddoc", "ocr", "service"]:
        try:
            results[name] = _section(name)
        except Exception as exc:  # a failed section is reported, the others still run
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
    if as_json:
        print(json.dumps(results, ensure_ascii=False, indent=2))  # noqa: T201
    else:
        for name, values in results.items():
            print(f"[{name}]")  # noqa: T201
            for k, v in values.items():
                if k == "per_file" and isinstance(v, list):
                    for r in v:
                        print(f"    {r['ms']:8.1f} ms {r['peak_mb'] or 0:7.1f} Mo  {r['verdict'] or 'lu'}"  # noqa: T201
                              f"{'' if r['verdict'] == r['expected'] else ' ≠ ' + str(r['expected'])}  {r['file']!r}")
                    continue
                print(f"  {k}: {v}")  # noqa: T201
    return 0
