"""The whole test run's logs hold no sample's personal value (issue 14, point 5).

Ordered last (marker ``run_logs``, see ``tests/conftest.py``): by then the run's log records
and the stderr of every service process the tests started are in ``<basetemp>/run-logs.txt``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import run_logs

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

pytestmark = pytest.mark.run_logs


def test_the_finder_sees_a_planted_value_without_showing_it() -> None:
    secrets = run_logs.sample_secrets(SAMPLES)
    assert {s.field for s in secrets} >= {
        "nom",
        "prenoms",
        "numero_fiscal",
        "reference_avis",
        "adresse",
        "revenu_fiscal_reference",
    }
    fiscal = next(s for s in secrets if s.field == "numero_fiscal")
    amount = next(s for s in secrets if s.field == "revenu_fiscal_reference")
    name = next(s for s in secrets if s.field == "nom" and len(s.value) > 4)
    spaced = " ".join(fiscal.value[i : i + 3] for i in range(0, len(fiscal.value), 3))
    grouped = f"{int(amount.value):,}".replace(",", "\u00a0")
    text = (
        f'=== worker-0.log\n{{"message": "job finished", "duration_ms": {amount.value}.5}}\n'
        f"pid={amount.value}, port 127.0.0.1:{amount.value}\n"
        f"ok\nerreur {name.value.title()} n° {spaced} rfr {grouped} €\n"
    )
    leaks = run_logs.find_leaks(text, [fiscal, amount, name])
    assert [(leak.secret.field, leak.source, leak.line) for leak in leaks] == [
        ("numero_fiscal", "worker-0.log", 4),
        ("revenu_fiscal_reference", "worker-0.log", 4),
        ("nom", "worker-0.log", 4),
    ]
    report = "\n".join(leak.describe() for leak in leaks)
    assert fiscal.value not in report and spaced not in report and grouped not in report
    assert name.value.title() not in report and name.value not in report
    # Durations, pids and ports are not amounts.
    assert run_logs.find_leaks(text.split("ok")[0], [amount]) == []


def test_the_whole_run_logs_hold_no_sample_value(
    run_log: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    text = run_logs.gather(run_log, tmp_path_factory.getbasetemp())
    leaks = run_logs.find_leaks(text, run_logs.sample_secrets(SAMPLES))
    assert not leaks, f"valeurs personnelles dans les journaux du run ({run_log}) :\n" + "\n".join(
        leak.describe() for leak in leaks
    )
