"""Year-of-avis rule and status derivation."""

from __future__ import annotations

from datetime import date

import pytest

from docproc.checks import failed, passed, status
from docproc.checks.documents import DocFacts, avis_year, latest_avis_year
from docproc.extractors.spec import spec_for
from docproc.models import Group


@pytest.mark.parametrize(
    ("request_date", "latest"),
    [
        (date(2025, 10, 1), 2025),
        (date(2025, 7, 31), 2024),
        (date(2025, 8, 1), 2025),
        (date(2026, 1, 5), 2025),
    ],
)
def test_latest_avis(request_date: date, latest: int) -> None:
    assert latest_avis_year(request_date) == latest


def _facts(year: int, request_date: date) -> DocFacts:
    return DocFacts(
        "avis_impot_revenu",
        Group("avis_impot_revenu"),
        {"annee_avis": year},
        {},
        request_date,
        False,
        spec_for("avis_impot_revenu"),
    )


@pytest.mark.parametrize(
    ("year", "request_date", "ok", "level"),
    [
        (2025, date(2025, 10, 1), True, "critical"),
        (
            2024,
            date(2025, 8, 20),
            False,
            "warning",
        ),  # summer switch: previous accepted, with a warning
        (2024, date(2025, 11, 15), False, "critical"),  # after the switch: too old
        (2023, date(2025, 8, 20), False, "critical"),
        (2024, date(2025, 3, 1), True, "critical"),
    ],
)
def test_avis_year(year: int, request_date: date, ok: bool, level: str) -> None:
    check = avis_year(_facts(year, request_date))
    assert check.ok is ok and check.level == level
    assert (
        str(year) not in check.message or not ok
    )  # messages name the expected year, never personal data


def test_status_follows_checks() -> None:
    assert status([passed("a", "critical", "m")]) == "accepted"
    assert status([failed("a", "warning", "m")]) == "needs_review"
    assert status([failed("a", "warning", "m"), failed("b", "critical", "m")]) == "rejected"
    assert status([failed("a", "info", "m")]) == "accepted"
