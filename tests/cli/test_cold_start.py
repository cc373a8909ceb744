"""Cold start of ``docproc extract`` (issue 14 §2): what a text PDF pulls in, not how long it takes.

Each case runs the CLI in a fresh interpreter and lists the heavy modules left in ``sys.modules``;
the timing itself is ``docproc bench --only cold_start`` (machines are too noisy for a test).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests import paths

SAMPLES = paths.SAMPLES

#: Never needed to read a PDF with a text layer: OCR, image processing, progress bars, the service.
NEVER_FOR_TEXT = (
    "cv2",
    "numpy",
    "PIL",
    "tesserocr",
    "pytesseract",
    "rich",
    "fastapi",
    "sqlalchemy",
    "pydantic",
    "redis",
    "rq",
    "httpx",
    "jinja2",
    "reportlab",
    "pdfplumber",
    "stdnum",
    "rapidfuzz",  # fuzzy matching: OCR text only
    # Read in the sandbox only: the CLI process hands the bytes over and gets pages back.
    "pypdfium2",
    "pikepdf",
    # The TSL's XML is parsed only for a code signed by a listed authority (not the samples').
    "xml",
)

_PROBE = """
import contextlib, io, json, sys
from cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    status = main(["extract", sys.argv[1], "--json", "--date", "2025-10-01"])
print(json.dumps({"status": status, "modules": sorted(sys.modules), "result": json.loads(out.getvalue())}))
"""


def _probe(code: str, sample: Path, **env: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter on ``sample``, with default settings (a DOCPROC_*
    variable would bring pydantic in to check it) plus ``env``; its JSON report."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROC_")}
    done = subprocess.run(
        [sys.executable, "-c", code, str(sample)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**clean, **env},
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _extract_in_fresh_process(
    sample: Path, trust_test_key: bool = False
) -> tuple[set[str], dict[str, Any]]:
    report = _probe(_PROBE, sample, **({"DOCPROC_TRUST_TEST_2DDOC": "1"} if trust_test_key else {}))
    assert report["status"] == 0
    tops = {name.split(".")[0] for name in report["modules"]}
    return tops, report["result"]


def test_text_pdf_without_a_code_imports_no_image_ocr_or_service_library() -> None:
    tops, result = _extract_in_fresh_process(SAMPLES / "attestation_rsa_caf_2025.pdf")
    assert result["documents"], "the attestation was read"
    assert not tops & {*NEVER_FOR_TEXT, "zxingcpp", "cryptography"}


def test_text_avis_with_its_2ddoc_needs_only_the_decoder() -> None:
    """The samples' code is signed by the ANTS test authority, refused by policy before any
    cryptography when that authority is not trusted."""
    tops, result = _extract_in_fresh_process(SAMPLES / "avis_2025_couple_4p.pdf")
    code = result["documents"][0]["twoddoc"]
    assert code["present"] is True and code["valid_signature"] is False  # read, then refused
    # Decoded in the reading sandbox (zxing-cpp on the embedded image, without numpy or PIL):
    # this process only receives the payload.
    assert not tops & {*NEVER_FOR_TEXT, "cryptography", "zxingcpp"}


def test_text_avis_whose_signature_is_checked_adds_only_cryptography() -> None:
    tops, result = _extract_in_fresh_process(
        SAMPLES / "avis_2025_couple_4p.pdf", trust_test_key=True
    )
    assert result["documents"][0]["twoddoc"]["valid_signature"] is True
    assert "cryptography" in tops  # certificates and ECDSA: unavoidable here
    assert not tops & set(NEVER_FOR_TEXT)


def test_the_light_sandbox_loads_pdfium_and_pikepdf_before_its_first_file() -> None:
    """The CLI process no longer imports the PDF stack: the sandbox child (started light, as
    ``extract`` starts it) loads it itself while starting, before its memory cap, not on the
    first file."""
    import time

    from docproc.sandbox import Sandbox
    from docproc.settings import get_settings

    sandbox = Sandbox()
    sandbox.start(get_settings(), warm=False)
    try:
        assert sandbox.pid is not None
        maps = Path(f"/proc/{sandbox.pid}/maps")
        deadline = time.monotonic() + 60
        loaded = ""
        while time.monotonic() < deadline:
            loaded = maps.read_text()
            if "pdfium" in loaded and "qpdf" in loaded:
                break
            time.sleep(0.05)
        assert "pdfium" in loaded and "qpdf" in loaded  # no file was sent
    finally:
        sandbox.close()


def test_the_cli_imports_only_what_starting_the_sandbox_needs_first() -> None:
    """``extract`` starts the sandbox's child once ``cli.main`` is imported and its arguments
    parsed: what that import pulls in delays the child (json: only for the output)."""
    probe = "import sys, cli.main; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(done.stdout.split())
    assert not loaded & {"json", "docproc.pipeline", "docproc.sandbox", "tomllib"}


_EARLY_PROBE = """
import json, sys
from docproc.sandbox_spawn import start_early
start_early()
from docproc import sandbox_spawn
early_pid = sandbox_spawn._EARLY[1].proc.pid
before = sorted(sys.modules)
from docproc.sandbox import get_sandbox
from docproc.settings import get_settings
box = get_sandbox()
pages = box.read(open(sys.argv[1], "rb").read(), "a.pdf", "application/pdf", get_settings())
print(json.dumps({"early": early_pid, "used": box.pid, "before": before, "pages": pages[0]}))
"""


def test_extract_starts_its_child_before_the_heavy_imports_and_uses_that_one() -> None:
    """The child's start is the longest part of a cold ``extract``: it begins before the
    pipeline, the pickled protocol or the page classes are imported, and the sandbox adopts
    it (one child, not two)."""
    report = _probe(_EARLY_PROBE, SAMPLES / "avis_2025_couple_4p.pdf")
    assert report["early"] == report["used"]
    assert report["pages"] == 4
    heavy = {"pickle", "multiprocessing.connection", "docproc.models", "docproc.pipeline"}
    assert not set(report["before"]) & heavy


def test_an_early_child_with_another_memory_cap_is_stopped_not_used() -> None:
    from docproc import sandbox_spawn

    child = sandbox_spawn.spawn(512, warm=False)
    sandbox_spawn._EARLY = (os.getpid(), child)
    assert sandbox_spawn.take_early(1024) is None
    assert child.proc.returncode is not None  # stopped and reaped
    assert sandbox_spawn.take_early(512) is None  # taken once only


def test_cold_start_bench_reports_its_ratios_and_the_pdf_stack_floor() -> None:
    from bench.cold_start import bench_cold_start

    out = bench_cold_start(runs=1)  # the figures themselves are the bench's, not a test's
    for key in (
        "ratio",
        "ratio_signature_checked",
        "ratio_sandbox_start",
        "ratio_pdf_stack_import",
    ):
        assert out[key] > 0, key
    assert out["target_ratio"] == 2.0 and out["met"] == (out["ratio"] <= 2.0)
