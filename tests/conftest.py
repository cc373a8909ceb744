"""Shared fixtures: the committed samples, the 2D-Doc test-authority switch, the run's logs."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import run_logs

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

# The synthetic samples are signed with the ANTS test authority FR00 (contract §2).
os.environ.setdefault("DOCPROC_TRUST_TEST_2DDOC", "1")
# Fault injection is a test-only hook (tests/fault_hooks.py), loaded by every worker the tests
# start, in this process or as a subprocess (service/hooks.py); production has no fault switch.
os.environ.setdefault("DOCPROC_TEST_HOOK", str(ROOT / "tests" / "fault_hooks.py"))


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session", autouse=True)
def run_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every log record of the run, in one file (``tests/run_logs.py``), searched for personal
    values by the run's last test; and one Prometheus metrics directory for the run's service
    processes (the API in this process, the workers it starts)."""
    base = tmp_path_factory.getbasetemp()
    metrics_dir = base / "metrics"
    metrics_dir.mkdir(exist_ok=True)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)  # docproc.* logs from INFO, as in the service (service/logs.py)
    path = base / "run-logs.txt"
    tee = run_logs.Tee(path)
    root.addHandler(tee)
    # The API the tests run in this process writes its lines (JSON, as in production) to a file
    # of the run, not between pytest's dots; the final check reads it with the workers' logs.
    from service import logs

    api_log = (base / "api-in-process.log").open("a", encoding="utf-8")
    logs.configure(stream=api_log)
    yield path
    root.removeHandler(tee)
    root.setLevel(level)
    tee.finish()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The check of the whole run's logs runs after everything else (a stable sort).
    items.sort(key=lambda item: item.get_closest_marker("run_logs") is not None)
