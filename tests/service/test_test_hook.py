"""Fault injection is a test-only hook (``service/hooks.py`` + ``tests/fault_hooks.py``)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests import paths

HOOK = paths.ROOT / "tests" / "fault_hooks.py"

_PROBE = """
from service import hooks
try:
    hooks.before_job(1)
    hooks.before_extract()
except Exception as exc:
    print(type(exc).__name__, getattr(getattr(exc, "reason", None), "value", ""), exc)
else:
    print("aucune panne")
"""


def _run(env: dict[str, str]) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DOCPROC_", "TEST_FAULT_"))}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_without_the_hook_the_fault_switches_do_nothing() -> None:
    """Production reads no fault switch: the variables alone inject nothing."""
    assert _run({"TEST_FAULT_INFRA_FAILURES": "5", "TEST_FAULT_PIPELINE_ERROR": "1"}) == (
        "aucune panne"
    )


def test_the_hook_injects_a_retryable_infrastructure_fault() -> None:
    out = _run({"DOCPROC_TEST_HOOK": str(HOOK), "TEST_FAULT_INFRA_FAILURES": "1"})
    assert out.startswith("DocprocError infra.simulee")


def test_the_hook_injects_a_pipeline_error() -> None:
    out = _run({"DOCPROC_TEST_HOOK": str(HOOK), "TEST_FAULT_PIPELINE_ERROR": "1"})
    assert out.startswith("RuntimeError")
