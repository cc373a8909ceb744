"""Typed values that flow through the pipeline: uploads, page text, checks, documents."""

from __future__ import annotations

from collections.abc import Iterable
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
        return {
            "code": self.code,
            "level": self.level,
            "ok": self.ok,
            "message": self.message,
            "data": self.data,
        }


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


#: A box on a page: (x0, y0, x1, y1) as fractions of the page width and height, origin top-left.
Box = tuple[float, float, float, float]


def union_box(boxes: Iterable[Box | Segment | None]) -> Box | None:
    """The smallest box holding every given box (segments count by their own box); None when
    none is given."""
    xs0, ys0, xs1, ys1 = [], [], [], []
    for b in boxes:
        if b is None:
            continue
        x0, y0, x1, y1 = (b.x0, b.y0, b.x1, b.y1) if isinstance(b, Segment) else b
        xs0.append(x0)
        ys0.append(y0)
        xs1.append(x1)
        ys1.append(y1)
    if not xs0:
        return None
    return min(xs0), min(ys0), max(xs1), max(ys1)


def contract_box(box: Box | None) -> list[float] | None:
    """A box as the contract gives it (``bbox``): ``[x0, y0, x1, y1]`` within [0, 1], rounded to
    4 decimals, x0 < x1 and y0 < y1; None for no box or an empty one."""
    if box is None:
        return None
    x0, y0, x1, y1 = (min(1.0, max(0.0, float(v))) for v in box)
    out = [round(x0, 4), round(y0, 4), round(x1, 4), round(y1, 4)]
    if out[0] >= out[2] or out[1] >= out[3]:
        return None
    return out


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
    twoddoc_box: Box | None = None  # where that code is on the page (same geometry as segments)
    #: OCR of a photo or a turned scan: the 3x3 map (row-major) from fractions of this page to
    #: fractions of the file's image as uploaded (docproc.page_geometry); None: the same.
    to_file: tuple[float, ...] | None = None

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


@dataclass(frozen=True)
class PageKey:
    """What grouping needs to know of one page (pure data, unit-testable)."""

    order: int  # position among all pages given together
    file: str
    page: int  # 1-based in its file
    kind: str  # spec kind, or "inconnu"
    role: str  # "first" | "continuation" | "other"
    annee_revenus: int | None = None
    annee_avis: int | None = None
    numero_fiscal: str | None = None
    n: int | None = None
    of: int | None = None
    signals: tuple[str, ...] = ()  # names of the signals that decided kind and role
    score: float = 0.0

    def evidence(self) -> dict[str, Any]:
        """The page's classification for the contract (§6 ``classification``)."""
        return {
            "file": self.file,
            "page": self.page,
            "kind": self.kind,
            "role": self.role,
            "score": round(self.score, 1),
            "signals": list(self.signals),
        }


@dataclass
class Group:
    kind: str
    pages: list[PageKey] = field(default_factory=list)  # kept pages, page 1 first then by n
    duplicates: list[PageKey] = field(default_factory=list)
    total: int | None = None  # N, when a continuation page says it
    totals_disagree: bool = False
    missing: list[int] = field(default_factory=list)
    mixed_with_other: bool = False  # a file of this document also holds another avis

    @property
    def first(self) -> PageKey | None:
        return next((p for p in self.pages if p.role == "first"), None)

    @property
    def complete(self) -> bool:
        return self.total is not None and not self.missing and not self.totals_disagree

    @property
    def first_order(self) -> int:
        return min(p.order for p in self.pages + self.duplicates)


#: A page rendered for people (the agents' page images) never has more pixels than this (RGB:
#: 36 MB crossing the sandbox's pipe).
RENDER_MAX_PIXELS = 12_000_000
#: The pixel modes a render answer may carry, with their bytes per pixel.
MODES = {"L": 1, "RGB": 3}
