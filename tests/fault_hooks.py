"""Fault injection for the tests, loaded by the worker's hook point (``service/hooks.py``).

``tests/conftest.py`` sets ``DOCPROC_TEST_HOOK`` to this file, so every worker the tests start
(in process or as a subprocess) loads it. Each switch is read at each job, from the process's
environment (a test passes it to the workers it starts, e.g. ``harness(env={...})``):

* ``TEST_FAULT_SLEEP_S``: every job sleeps that long first (a slow job);
* ``TEST_FAULT_INFRA_FAILURES``: the first N attempts of every job fail with a simulated
  infrastructure fault (``infra.simulee``, retried like a database or Redis outage);
* ``TEST_FAULT_PIPELINE_ERROR``: the extraction raises an internal error (``interne``).
"""

from __future__ import annotations

import os
import time

from docproc.errors import DocprocError, Reason

SLEEP_S = "TEST_FAULT_SLEEP_S"
INFRA_FAILURES = "TEST_FAULT_INFRA_FAILURES"
PIPELINE_ERROR = "TEST_FAULT_PIPELINE_ERROR"


def before_job(attempt: int) -> None:
    if sleep_s := float(os.environ.get(SLEEP_S, "0") or 0):
        time.sleep(sleep_s)
    if attempt <= int(os.environ.get(INFRA_FAILURES, "0") or 0):
        raise DocprocError(Reason.infra_simulated)


def before_extract() -> None:
    if os.environ.get(PIPELINE_ERROR, "") not in ("", "0"):
        raise RuntimeError("erreur interne simulée de l'extraction")
