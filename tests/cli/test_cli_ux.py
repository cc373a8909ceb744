"""The command line people enjoy (issue 14, point 2): --version, French help and usage errors,
paths checked before work, progress on stderr, exit codes, ``docproc settings``."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import parser
from docproc.progress import Progress
from tests.conftest import SAMPLES

CLI = [sys.executable, "-m", "cli"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "DOCPROC_TRUST_TEST_2DDOC": "1", **(env or {})},
    )


def test_version() -> None:
    proc = run("--version")
    assert (
        proc.returncode == 0
        and proc.stdout.startswith("docproc ")
        and proc.stdout.split()[1][0].isdigit()
    )


def test_every_option_and_argument_has_a_french_help() -> None:
    p = parser()
    subparsers = next(a for a in p._actions if a.choices and isinstance(a.choices, dict))
    assert set(subparsers.choices) >= {
        "extract",
        "qa",
        "eligibility",
        "bench",
        "serve",
        "worker",
        "up",
        "demo",
        "trust",
        "settings",
    }
    for name, sub in subparsers.choices.items():
        assert sub.description, name
        for action in sub._actions:
            assert action.help, f"{name} {action.dest} sans aide"
    page = run("qa", "--help").stdout
    assert page.startswith("utilisation : ") and "options" in page and "afficher cette aide" in page
    assert "usage:" not in page and "show this help" not in page
    top = run("--help").stdout
    assert "codes de sortie" in top and "DOCPROC_TRUST_TEST_2DDOC" in top and "exemples" in top


def test_usage_errors_are_french_and_exit_2() -> None:
    proc = run("extract")
    assert proc.returncode == 2 and "arguments obligatoires manquants" in proc.stderr
    assert "required" not in proc.stderr
    proc = run("qa", "samples", "--nope")
    assert proc.returncode == 2 and "arguments inconnus : --nope" in proc.stderr
    proc = run("trust", "purge")
    assert proc.returncode == 2 and "choix invalide" in proc.stderr


def test_every_input_path_is_checked_before_work(tmp_path: Path) -> None:
    good = str(SAMPLES / "avis_2025_couple_4p.pdf")
    proc = run("extract", good, str(tmp_path / "absent.pdf"))
    assert proc.returncode == 2 and "absent.pdf" in proc.stderr and "n'existe pas" in proc.stderr
    assert proc.stdout == ""
    proc = run("extract", str(tmp_path))
    assert proc.returncode == 2 and "est un dossier" in proc.stderr


def test_progress_plain_lines_on_stderr_when_not_a_terminal_and_quiet_silences() -> None:
    files = sorted(str(p) for p in (SAMPLES / "avis_2025_pages_separees").glob("*.pdf"))
    proc = run("extract", *files, "--json", "--date", "2025-10-01")
    assert proc.returncode == 0, proc.stderr
    json.loads(proc.stdout)  # stdout stays pure JSON
    assert (
        f"Extraction 1/{len(files)}" in proc.stderr
        and f"Extraction {len(files)}/{len(files)}" in proc.stderr
    )
    quiet = run("extract", *files, "--json", "--date", "2025-10-01", "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_progress_uses_rich_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    with Progress("QA", stream=stream) as p:
        assert p._bar is not None
        p.step(1, 2, "un")
        p.step(2, 2, "deux")
    quiet = io.StringIO()
    with Progress("QA", quiet=True, stream=quiet) as p:
        p.step(1, 1, "x")
    assert quiet.getvalue() == ""


def test_unknown_docproc_variable_is_refused(tmp_path: Path) -> None:
    proc = run("extract", str(SAMPLES / "avis_2025_couple_4p.pdf"), env={"DOCPROC_MAX_BYTE": "3"})
    assert proc.returncode == 2
    assert "DOCPROC_MAX_BYTE" in proc.stderr and "DOCPROC_MAX_BYTES" in proc.stderr


def test_malformed_limit_is_refused_not_defaulted() -> None:
    proc = run(
        "extract", str(SAMPLES / "avis_2025_couple_4p.pdf"), env={"DOCPROC_MAX_BYTES": "3MB"}
    )
    assert proc.returncode == 2 and "DOCPROC_MAX_BYTES" in proc.stderr and "3MB" in proc.stderr
    assert "entier" in proc.stderr and "erreur interne" not in proc.stderr


def test_settings_command_masks_secrets_and_names_origins(tmp_path: Path) -> None:
    toml = tmp_path / "r.toml"
    toml.write_text("job_timeout_s = 45\n", encoding="utf-8")
    secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I="
    env = {
        "DOCPROC_STORAGE_KEY": secret,
        "DOCPROC_SETTINGS_FILE": str(toml),
        "DOCPROC_ACCESS_LOG": "True",
        "DOCPROC_API_KEYS": "agent1:agent:abcdefghijklmnopqrstuvwxyz",
        "DOCPROC_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "postgresql://docproc:motdepasse@db/docproc",
    }
    proc = run("settings", env=env)
    assert proc.returncode == 0, proc.stderr
    assert secret not in proc.stdout and "abcdefghijklmnopqrstuvwxyz" not in proc.stdout
    assert "motdepasse" not in proc.stdout and "agent1:agent:***" in proc.stdout
    rows = {r["name"]: r for r in json.loads(run("settings", "--json", env=env).stdout)}
    assert (
        rows["DOCPROC_JOB_TIMEOUT_S"]["value"] == 45
        and str(toml) in rows["DOCPROC_JOB_TIMEOUT_S"]["origin"]
    )
    assert rows["DOCPROC_ACCESS_LOG"]["value"] is True
    assert rows["DOCPROC_ACCESS_LOG"]["origin"] == "environnement (DOCPROC_ACCESS_LOG)"
    assert (
        rows["DOCPROC_MAX_ATTEMPTS"]["origin"] == "défaut"
        and rows["DOCPROC_MAX_ATTEMPTS"]["value"] == 3
    )
    assert rows["DOCPROC_TRUST_TEST_2DDOC"]["value"] is True


def test_extract_text_uses_the_demo_labels() -> None:
    proc = run("extract", str(SAMPLES / "avis_2025_couple_4p.pdf"), "--date", "2025-10-01")
    assert proc.returncode == 0, proc.stderr
    assert "Avis d'impôt sur le revenu — accepté, complet" in proc.stdout
    assert (
        "revenu fiscal de référence" in proc.stdout and "2D-Doc : signature valide" in proc.stdout
    )
    assert "✓ tous les contrôles sont satisfaits" in proc.stdout
    assert proc.stderr == ""  # one file: no progress lines


def test_dev_tools_without_their_extra_are_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """reportlab and httpx are in the dev extra only: bench and demo say so (exit 2), no traceback."""
    import importlib.util

    from cli.main import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "httpx" else real(name, *a)
    )  # fault: httpx absent
    assert main(["demo", "samples"]) == 2
    err = capsys.readouterr().err
    assert "httpx" in err and "[dev]" in err and "Traceback" not in err


def test_extract_puts_the_sandbox_logger_level_back(capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: ``extract`` muted ``docproc.sandbox`` for the rest of the process, so a caller
    in the same process (the tests, a notebook) lost the sandbox's warnings."""
    import logging

    from cli.main import main

    logger = logging.getLogger("docproc.sandbox")
    before = logger.level
    assert main(["extract", "--json", "samples/asdir_2025_imposable.pdf"]) == 0
    capsys.readouterr()
    assert logger.level == before


def test_every_subcommand_help_is_in_french() -> None:
    """Regression: rotate-key and reextract chose argparse's own formatter and printed
    "usage:" in English."""
    p = parser()
    subparsers = next(a for a in p._actions if a.choices and isinstance(a.choices, dict))
    for name, sub in subparsers.choices.items():
        page = sub.format_help()
        assert page.startswith("utilisation : "), (name, page[:40])
        assert "usage:" not in page and "show this help" not in page, name
