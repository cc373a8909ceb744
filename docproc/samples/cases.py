"""What a QA sample is (a ``Case``) and the expectations cases share (accepted, rejected, review)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Case:
    """One QA sample: one or more files uploaded together, and the request date."""

    name: str
    request_date: str
    files: list[tuple[str, list[tuple[Any, int]]]]  # (file name, [(document, page number)])
    font: str = "helvetica"
    sep: str = " "
    expect: dict[str, Any] = field(default_factory=dict)  # extra expectations (statuses, checks)
    tamper: dict[str, Any] = field(default_factory=dict)  # printed values edited after signing
    variant: str = "text"  # "text" | "scan" | "photo" | "screenshot"
    shuffle: bool = False  # photos: upload the page files out of order
    household: dict[str, Any] | None = None  # declared household (contract §5), for the demo
    #: Written to expected.json when set (the real-layout cases): "text" | "scan" | "photo" |
    #: "screenshot" | "variation". Older cases leave it unset so their golden files stay as they are.
    family: str | None = None
    color: bool = False  # degraded variants: render the page in colour before degrading it
    max_skew: float = 2.0  # scans: largest rotation, in degrees


def ok() -> dict[str, Any]:
    return {"documents": [{"status": "accepted", "failed_checks": []}]}


def rej(code: str, docs: int = 1) -> dict[str, Any]:
    return {"documents": [{"status": "rejected", "failed_checks": [code]}] * docs}


def review(code: str) -> dict[str, Any]:
    return {"documents": [{"status": "needs_review", "failed_checks": [code]}]}
