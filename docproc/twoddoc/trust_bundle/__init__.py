"""Bundled 2D-Doc trust data (ANTS TSL, FR00 test certificate and key); see PROVENANCE.md."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
#: The ANTS Trust Service List shipped with docproc (issue 2025-08-25, sequence 22).
BUNDLED_TSL = DATA_DIR / "ants-2ddoc-tsl.xml"
#: The ANTS test signing certificate FR00/0001 (spec §16.1).
FR00_TEST_CERT = DATA_DIR / "ants-fr00-test-cert.pem"
#: Its private key, published by ANTS: only for signing synthetic samples and tests.
FR00_TEST_KEY = DATA_DIR / "ants-fr00-test-key.pem"


def fr00_test_key_pem() -> bytes:
    """The published FR00/0001 private key (PEM), for the sample generator and tests."""
    return FR00_TEST_KEY.read_bytes()
