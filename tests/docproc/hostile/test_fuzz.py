"""Issue 12 §9: a bounded PDF fuzz pass over intake and text extraction (hypothesis).

Valid sample PDFs are mutated (bytes flipped, ranges cut, duplicated or overwritten, PDF
keywords and numbers changed) and read through ``read_file`` — sniffing, polyglot checks, the
sandbox, pikepdf guard, PDFium, text layer, OCR. Every outcome must be a clean result or a
clean rejection with a known code: never an exception, never a dead caller.
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docproc import hostile_active, hostile_pdf
from docproc.errors import Reason
from docproc.models import Upload
from docproc.settings import get_settings
from docproc.text.acquire import read_file
from tests.conftest import SAMPLES

pytestmark = pytest.mark.adversarial

SEEDS = [
    (SAMPLES / "avis_2025_couple_4p.pdf").read_bytes(),
    (SAMPLES / "asdir_2025_imposable.pdf").read_bytes(),
    hostile_pdf.simple_pdf(),
    hostile_pdf.to_object_streams(hostile_pdf.simple_pdf()),
    hostile_pdf.write_pdf(dict(hostile_active.active_cases())["annotation_lien_uri"]),
]
KNOWN = {r.value for r in Reason} | {
    "fichier.vide",
    "fichier.taille",
    "fichier.type",
    "fichier.lisible",
}
TOKENS = [
    b"obj",
    b"endobj",
    b"stream",
    b"endstream",
    b"xref",
    b"trailer",
    b"startxref",
    b"%%EOF",
    b"<<",
    b">>",
    b"[",
    b"]",
    b"/Length",
    b"/Filter",
    b"/FlateDecode",
    b"/Kids",
    b"/Count",
    b"R",
    b"0",
    b"-1",
    b"99999999999",
    b"/JavaScript",
    b"/J#61vaScript",
    b"/Type /XObject /Subtype /Form",
    b"Do",
    b"(",
    b")",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        n = len(data)
        if n < 64:
            break
        op = draw(st.integers(0, 5))
        at = draw(st.integers(16, n - 1))  # the header stays: what follows is what is fuzzed
        if op == 0:  # flip a byte
            data[at] ^= draw(st.integers(1, 255))
        elif op == 1:  # cut a range
            del data[at : at + draw(st.integers(1, 2048))]
        elif op == 2:  # duplicate a range elsewhere
            size = draw(st.integers(1, 2048))
            chunk = data[at : at + size]
            to = draw(st.integers(0, len(data)))
            data[to:to] = chunk
        elif op == 3:  # insert a PDF token
            data[at:at] = b" " + draw(st.sampled_from(TOKENS)) + b" "
        elif op == 4:  # truncate
            del data[at:]
        else:  # overwrite with random bytes
            data[at : at + 8] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


FUZZ_SETTINGS = replace(get_settings(), sandbox_timeout_s=5.0)  # a mutant sent to OCR: bounded


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated())
def test_mutated_pdfs_get_a_clean_result_or_a_clean_rejection(data: bytes) -> None:
    result = read_file(Upload("fuzz.pdf", data), FUZZ_SETTINGS)  # never raises
    report = result.report()
    failed = [c for c in report["checks"] if not c["ok"] and c["level"] == "critical"]
    if report["accepted"]:
        assert not failed and report["pages"] >= 1
    else:
        assert failed and failed[0]["code"] in KNOWN, failed
        assert failed[0]["message"]
