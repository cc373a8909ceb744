"""``docproc bench``: speed measured as ratios within one run (machines are noisy).

Sections: ``cold_start`` (``docproc extract`` on one text avis as a whole process vs a bare
``python -c "import pypdfium2"``), ``text`` (extract vs raw PDFium text on the text samples),
``twoddoc`` (decoding cost per text-PDF avis), ``ocr`` (scan pipeline vs plain tesseract),
``service`` (API and queue), ``hostile`` (the hostile corpus through the sandbox, on request).
"""

from __future__ import annotations

import json
from typing import Any

#: The sections run when none is chosen (``hostile`` only on request).
DEFAULT_SECTIONS = ("cold_start", "text", "twoddoc", "ocr", "service")


def _section(name: str, avis: int = 1000) -> dict[str, Any]:
    """One section's figures; each section imports what it measures only when it runs."""
    if name == "cold_start":
        from bench.cold_start import bench_cold_start

        return bench_cold_start()
    if name == "text":
        from bench.text import bench_text

        return bench_text()
    if name == "twoddoc":
        from bench.twoddoc import bench_twoddoc

        return bench_twoddoc()
    if name == "ocr":
        from bench.common import SAMPLES
        from bench.ocr_speed import bench_ocr

        return bench_ocr(SAMPLES)
    if name == "hostile":
        from bench.hostile_reading import bench_hostile

        return bench_hostile()
    if name == "service":
        from bench.service import bench_service

        return bench_service(avis=avis)
    raise ValueError(name)


def run_bench(as_json: bool = False, sections: list[str] | None = None, avis: int = 1000) -> int:
    results: dict[str, Any] = {}
    for name in sections or DEFAULT_SECTIONS:
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
                if k == "per_file" and isinstance(v, list):
                    for r in v:
                        print(  # noqa: T201
                            f"    {r['ms']:8.1f} ms {r['peak_mb'] or 0:7.1f} Mo  {r['verdict'] or 'lu'}"
                            f"{'' if r['verdict'] == r['expected'] else ' ≠ ' + str(r['expected'])}  {r['file']!r}"
                        )
                    continue
                print(f"  {k}: {v}")  # noqa: T201
    return 0
