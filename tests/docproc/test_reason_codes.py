"""One vocabulary of reason codes (``docproc.errors.Reason``): documented, one shape, no leftovers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from docproc.checks import files as file_checks
from docproc.errors import DocprocError, Reason, size_fr, size_message
from tests import paths

ROOT = paths.ROOT
CODES_DOC = ROOT / "docs" / "codes.md"

#: The shape of every code: dotted French, lower case (``interne`` alone has no dot).
SHAPE = re.compile(r"^(interne|[a-z0-9]+(\.[a-z0-9_]+)+)$")

#: The older English codes, none of which may be written any more (contract HTTP codes aside).
OLD_LITERAL = re.compile(
    r"""["'](file\.(empty|too_large|unsupported_type|malformed|polyglot|timeout|resource_limit)"""
    r"""|infra\.(database|redis|storage|injected)|worker\.abandoned"""
    r"""|extraction\.internal|dossier\.busy|ocr\.failed|pdf\.(encrypted|too_many_pages)"""
    r"""|image\.(too_large|unreadable|too_many_frames))["']"""
)
#: The contract's HTTP error codes (``{"error": CODE}``, contract §4), stated once.
HTTP_CODES_HOME = ROOT / "service" / "api_errors.py"


def _table_rows() -> dict[str, list[str]]:
    rows = {}
    for line in CODES_DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) >= 4:
            rows[cells[0].strip("`")] = cells
    return rows


def test_every_reason_code_is_in_docs_codes_md_with_its_retry_flag() -> None:
    rows = _table_rows()
    missing = [r.value for r in Reason if r.value not in rows]
    assert not missing, f"docs/codes.md lacks {missing}"
    for reason in Reason:
        assert rows[reason.value][2] == ("oui" if reason.retryable else "non"), reason
    assert set(rows) == {r.value for r in Reason}, "docs/codes.md lists a code that is gone"


def test_every_reason_code_has_one_shape_and_a_french_message() -> None:
    for reason in Reason:
        assert SHAPE.match(reason.value), reason.value
        assert reason.message and reason.message[0].isupper(), reason
    assert len({r.value for r in Reason}) == len(Reason)


def test_only_infrastructure_faults_are_retryable() -> None:
    assert {r.value for r in Reason if r.retryable} == {
        "infra.base_de_donnees",
        "infra.file_attente",
        "infra.stockage",
        "infra.simulee",
    }
    assert DocprocError(Reason.infra_storage).retryable
    assert not DocprocError(Reason.malformed).retryable


def test_no_code_of_the_old_english_shape_is_left_in_the_sources() -> None:
    found = []
    for folder in ("docproc", "service", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == HTTP_CODES_HOME or path == Path(__file__) or "migrations" in path.parts:
                continue  # the contract's HTTP codes; migrations record what the database held
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if OLD_LITERAL.search(line) and "HTTP" not in line and '["error"]' not in line:
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, "\n".join(found)


def test_readme_links_the_table_of_codes() -> None:
    assert "docs/codes.md" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("n_bytes", "text"),
    [
        (2 * 1024 * 1024, "2 Mo"),
        (1536 * 1024, "1,5 Mo"),
        (10 * 1024 * 1024, "10 Mo"),
        (512, "512 octets"),
    ],
)
def test_sizes_are_written_in_french(n_bytes: int, text: str) -> None:
    assert size_fr(n_bytes) == text


def test_the_size_message_follows_the_max_bytes_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCPROC_MAX_BYTES", raising=False)
    too_big = file_checks.size(3 * 1024 * 1024, 2 * 1024 * 1024)
    assert too_big.code == "fichier.taille" and "(2 Mo)" in too_big.message
    assert Reason.too_large.text() == size_message(2 * 1024 * 1024)
    monkeypatch.setenv("DOCPROC_MAX_BYTES", str(1536 * 1024))
    assert "(1,5 Mo)" in Reason.too_large.text()
    from docproc.settings import get_settings

    check = file_checks.size(2 * 1024 * 1024, get_settings().max_bytes)
    assert not check.ok and "(1,5 Mo)" in check.message and "2 Mo" not in check.message


def test_errors_keep_their_reason_across_a_process_boundary() -> None:
    """Exceptions are pickled between the sandbox and its parent: the code must survive
    (the constructor takes a Reason, not the exception's text)."""
    import pickle

    from docproc.twoddoc.payload_errors import TwoDDocError

    err = pickle.loads(pickle.dumps(DocprocError(Reason.resources, limite="memoire")))
    assert (err.reason, err.data, err.message) == (
        Reason.resources,
        {"limite": "memoire"},
        Reason.resources.message,
    )
    code = pickle.loads(pickle.dumps(TwoDDocError(Reason.twoddoc_vide, "détail")))
    assert (code.code, code.detail) == (Reason.twoddoc_vide, "détail")
