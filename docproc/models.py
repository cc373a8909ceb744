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

    def lines(self, tolerance: float = 0.004) -> list[Line]:
        """Group segments into lines by vertical centre, each sorted by x."""
        rows: list[list[Segment]] = []
        for seg in sorted(self.segments, key=lambda s: ((s.y0 + s.y1) / 2, s.x0)):
            centre = (seg.y0 + seg.y1) / 2
            height = max(seg.y1 - seg.y0, 1e-6)
            if rows:
                last = rows[-1]
                lc = sum((s.y0 + s.y1) / 2 for s in last) / len(last)
                if abs(centre - lc) <= max(tolerance, height * 0.45):
                    last.append(seg)
                    continue
            rows.append([seg])
        return [Line(tuple(sorted(r, key=lambda s: s.x0))) for r in rows]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines())
