"""Fixtures of the 2D-Doc tests (data in twoddoc_samples.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from docproc.twoddoc.trust_bundle import fr00_test_key_pem


@pytest.fixture(autouse=True)
def _isolated_trust(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's trust cache, and FR00 is off unless a test says so."""
    monkeypatch.setenv("DOCPROC_TRUST_DIR", str(tmp_path / "trust-cache"))
    monkeypatch.delenv("DOCPROC_TRUST_TEST_2DDOC", raising=False)


@pytest.fixture
def trust_fr00(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCPROC_TRUST_TEST_2DDOC", "1")


@pytest.fixture(scope="session")
def fr00_key() -> bytes:
    return fr00_test_key_pem()
