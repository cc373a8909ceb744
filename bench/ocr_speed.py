"""How fast OCR reads scanned pages (``docproc bench``)."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from docproc.text.ocr import ocr_images
from docproc.text.tesseract import LANG, ocr_workers, warm_up


def _scan_pages(directory: Path, limit: int, out: Path) -> list[Path]:
    """Up to ``limit`` 300-dpi greyscale PNGs of scanned pages found under ``directory``:
    the pages of its image-only PDFs (``scan_*`` samples) rendered the way a scanner's PNG
    would be, else its PNG files (the samples also hold PNG screen captures, which are not
    scans: the target is set for scans)."""
    if not any(directory.glob("scan_*/*.pdf")):
        return sorted(directory.rglob("*.png"))[:limit]
    import pypdfium2

    from docproc.text.images import render_pdf_page

    made: list[Path] = []
    for pdf_path in sorted(directory.glob("scan_*/*.pdf")):
        pdf = pypdfium2.PdfDocument(pdf_path.read_bytes())
        try:
            for i in range(len(pdf)):
                if len(made) >= limit:
                    break
                target = out / f"{pdf_path.parent.name}_p{i + 1}.png"
                render_pdf_page(pdf, i, 300).save(target, dpi=(300, 300))
                made.append(target)
        finally:
            pdf.close()
        if len(made) >= limit:
            break
    return made


def bench_ocr(png_path: str | os.PathLike[str], runs: int = 5, pages: int = 2) -> dict[str, Any]:
    """Plain ``tesseract PNG - -l fra --psm 3`` (OMP_THREAD_LIMIT=1) against this pipeline
    on the same page: medians over ``runs`` interleaved runs, and their ratios.

    ``png_path`` is a PNG of a scanned page, or a directory: its PNGs, else the pages of
    its ``scan_*/*.pdf`` samples rendered at 300 dpi (at most ``pages`` of them; the
    totals then add up the pages' medians).

    ``pipeline_s`` is ``ocr_images`` on the decoded page (clean-up + OCR, wall clock);
    ``pipeline_with_decode_s`` adds ``load_images`` on the file's bytes. ``*_cpu_s`` are
    CPU seconds (the CLI's from its rusage); ``cpu_ratio`` tells what a fully loaded
    machine would see, ``ratio`` what one upload waits. The machine is shared and noisy:
    compare ratios from one call, not absolute times across calls.
    """
    import tempfile

    path = Path(png_path)
    if not path.is_dir():
        return _bench_page(path, runs)
    with tempfile.TemporaryDirectory(prefix="docproc-bench-") as tmp:
        files = _scan_pages(path, pages, Path(tmp))
        if not files:
            raise FileNotFoundError(f"no scanned page under {path}")
        per_page = [_bench_page(f, runs) for f in files]
    total: dict[str, Any] = {"pages": per_page, "runs": runs, "threads": ocr_workers()}
    for key in (
        "tesseract_cli_s",
        "pipeline_s",
        "pipeline_with_decode_s",
        "tesseract_cli_cpu_s",
        "pipeline_cpu_s",
        "words",
    ):
        total[key] = round(sum(p[key] for p in per_page), 3)
    total["ratio"] = round(total["pipeline_s"] / total["tesseract_cli_s"], 3)
    total["cpu_ratio"] = round(total["pipeline_cpu_s"] / total["tesseract_cli_cpu_s"], 3)
    total["target_ratio"] = 0.7
    return total


def _bench_page(path: Path, runs: int) -> dict[str, Any]:
    import resource

    from docproc.text.images import load_images

    data = path.read_bytes()
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    warm_up()
    images = load_images(data, "image/png")
    ocr_images(images, path.name)  # warm caches, load both thread instances
    cli: list[float] = []
    cli_cpu: list[float] = []
    ours: list[float] = []
    ours_cpu: list[float] = []
    with_decode: list[float] = []
    words = 0
    for _ in range(max(1, runs)):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(
            ["tesseract", str(path), "-", "-l", LANG, "--psm", "3"],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        cli.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli_cpu.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))

        t = time.perf_counter()
        imgs = load_images(data, "image/png")
        t1 = time.perf_counter()
        c1 = time.process_time()
        pages = ocr_images(imgs, path.name)
        t2 = time.perf_counter()
        ours.append(t2 - t1)
        ours_cpu.append(time.process_time() - c1)
        with_decode.append(t2 - t)
        words = sum(len(p.segments) for p in pages)
    cli_s = statistics.median(cli)
    ours_s = statistics.median(ours)
    cli_c = statistics.median(cli_cpu)
    ours_c = statistics.median(ours_cpu)
    return {
        "file": path.name,
        "pixels": images[0].width * images[0].height if images else 0,
        "runs": runs,
        "threads": ocr_workers(),
        "tesseract_cli_s": round(cli_s, 3),
        "pipeline_s": round(ours_s, 3),
        "pipeline_with_decode_s": round(statistics.median(with_decode), 3),
        "ratio": round(ours_s / cli_s, 3) if cli_s else None,
        "tesseract_cli_cpu_s": round(cli_c, 3),
        "pipeline_cpu_s": round(ours_c, 3),
        "cpu_ratio": round(ours_c / cli_c, 3) if cli_c else None,
        "words": words,
    }
