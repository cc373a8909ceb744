"""The worker's watchdog decision: only a job past its timeout and the grace period ends it."""

from __future__ import annotations

from service.runner import WATCHDOG_GRACE_S, overdue


def test_no_job_is_never_overdue() -> None:
    assert not overdue(None, 10_000.0, 120)


def test_job_within_timeout_and_grace_is_left_alone() -> None:
    assert not overdue(100.0, 100.0 + 120 + WATCHDOG_GRACE_S - 1, 120)


def test_job_past_timeout_and_grace_is_overdue() -> None:
    assert overdue(100.0, 100.0 + 120 + WATCHDOG_GRACE_S + 1, 120)
