"""Typed values that flow through the pipeline: uploads, page text, checks, documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["critical", "warning", "info"]
Source = Literal["text", "ocr", "2ddoc"]


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name as given and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Check:
    """The result of one check, in the contract's CHECK shape."""

    code: str
    level: Level
    ok: bool
    message: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "level": self.level, "ok": self.ok,
                "message": self.message, "data": self.data}


@dataclass(frozen=True)
class Segment:
    """A run of text on one line with its box.

    Coordinates are fractions of the page size (0..1), origin top-left, so that text
    layers and OCR of any resolution share one geometry. ``conf`` is 0..1 (1.0 for a
    text layer).
    """

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float = 1.0


@dataclass(frozen=True)
class Line:
    """Segments that share a baseline, left to right."""

    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def y(self) -> float:
        return sum((s.y0 + s.y1) / 2 for s in self.segments) / len(self.segments)

    @property
    def conf(self) -> float:
        return min(s.conf for s in self.segments)


@dataclass
class PageText:
    """The text of one page of one file, from its text layer or from OCR."""

    file: str
    page: int  # 1-based index in its file
    source: Literal["text", "ocr"]
    segments: list[Segment]
    quality: dict[str, float] = field(default_factory=dict)  # e.g. blur, mean OCR confidence
    checks: list[Check] = field(default_factory=list)  # page-level warnings (blur…)
    image: Any = None  # PIL image when the page was OCR'd (kept in memory for 2D-Doc only)
    twoddoc: str | None = None  # 2D-Doc payload found on the page as it was read

    def lines(self) -> list[Line]:
        """Group segments into lines, each sorted by x.

        A segment joins a line when their vertical extents overlap by at least half the
        smaller height, so that words with descenders ("payer") or capitals stay on the
        line of their neighbours, and two columns printed at the same height share a line.
        """
        rows: list[list[Segment]] = []
        for seg in sorted(self.segments, key=lambda s: ((s.y0 + s.y1) / 2, s.x0)):
            height = max(seg.y1 - seg.y0, 1e-6)
            best, best_overlap = None, 0.0
            for row in rows[-4:]:
                # compare with the row's horizontally nearest word: a skewed photo tilts long rows
                near = min(row, key=lambda s: max(s.x0 - seg.x1, seg.x0 - s.x1, 0.0))
                overlap = min(near.y1, seg.y1) - max(near.y0, seg.y0)
                ratio = overlap / min(height, max(near.y1 - near.y0, 1e-6))
                if ratio >= 0.5 and ratio > best_overlap:
                    best, best_overlap = row, ratio
            if best is None:
                rows.append([seg])
            else:
                best.append(seg)
        return [Line(tuple(sorted(r, key=lambda s: s.x0))) for r in rows]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines())
