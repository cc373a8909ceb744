"""Shared fixtures: the committed samples, and the 2D-Doc test-authority switch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

# The synthetic samples are signed with the ANTS test authority FR00 (contract §2).
os.environ.setdefault("DOCPROC_TRUST_TEST_2DDOC", "1")


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES
