"""A page as lines of folded text, with offsets mapped back to segments."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property

from docproc.models import Box, Line, PageText, Segment, union_box
from docproc.text.fold import fold

#: Least similarity (0–100) for a label read by OCR to count as found.
FUZZY_LABEL_SCORE = 86


@dataclass(frozen=True)
class Hit:
    line: int  # index in PageView.lines
    start: int  # offset of the label in the line text
    end: int  # offset just after the label
    exact: bool


class PageView:
    def __init__(self, page: PageText) -> None:
        self.page = page
        self.lines: list[Line] = page.lines()
        self.texts = [ln.text for ln in self.lines]
        self.folded = [fold(t) for t in self.texts]

    @cached_property
    def folded_text(self) -> str:
        return "\n".join(self.folded)

    @cached_property
    def line_starts(self) -> list[int]:
        """Offset of each line in ``folded_text`` (lines are joined by one newline)."""
        starts, pos = [], 0
        for text in self.folded:
            starts.append(pos)
            pos += len(text) + 1
        return starts

    def locate(self, offset: int) -> tuple[int, int]:
        """(line, offset in that line) of an offset in ``folded_text``."""
        i = max(bisect.bisect_right(self.line_starts, offset) - 1, 0)
        return i, offset - self.line_starts[i]

    def text_between(self, start: int, end: int) -> str:
        """The original (unfolded) text of a span of ``folded_text``: folding keeps lengths."""
        return "\n".join(self.texts)[start:end]

    def conf_between(self, start: int, end: int) -> float:
        """Least confidence of the segments under a span of ``folded_text``."""
        return min((s.conf for s in self.segments_in(start, end)), default=1.0)

    def _line_spans(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """(line, start, end) of each line's part of a span of ``folded_text``."""
        (l0, c0), (l1, c1) = self.locate(start), self.locate(max(end - 1, start))
        return [
            (i, c0 if i == l0 else 0, c1 + 1 if i == l1 else len(self.texts[i]))
            for i in range(l0, l1 + 1)
        ]

    def segments_in(self, start: int, end: int) -> list[Segment]:
        """The segments under a span of ``folded_text`` (it may cross lines)."""
        return [
            seg
            for i, lo, hi in self._line_spans(start, end)
            for seg in self.segments_between(i, lo, hi)
        ]

    def box_in(self, start: int, end: int) -> Box | None:
        """The box of a span of ``folded_text`` (union over its lines)."""
        return union_box(self.line_box(i, lo, hi) for i, lo, hi in self._line_spans(start, end))

    def line_box(self, i: int, start: int = 0, end: int | None = None) -> Box | None:
        """The box of a span of line i's text (the whole line by default). A segment that holds
        more than the span (a text layer run "Label : value") is cut in proportion."""
        end = len(self.texts[i]) if end is None else end
        box = union_box(self.segments_between(i, start, end))
        if box is None:
            return None
        x0, x1 = max(box[0], self.x_at(i, start)), min(box[2], self.x_at(i, end))
        return (x0, box[1], x1, box[3]) if x1 > x0 else box

    def spans(self, i: int) -> list[tuple[int, int, Segment]]:
        """(start, end, segment) of each segment in line i's text."""
        out, pos = [], 0
        for seg in self.lines[i].segments:
            out.append((pos, pos + len(seg.text), seg))
            pos += len(seg.text) + 1
        return out

    def segments_between(self, i: int, start: int, end: int) -> list[Segment]:
        return [seg for s, e, seg in self.spans(i) if s < end and e > start]

    def x_at(self, i: int, offset: int) -> float:
        for s, e, seg in self.spans(i):
            if s <= offset <= e:
                frac = (offset - s) / max(e - s, 1)
                return seg.x0 + frac * (seg.x1 - seg.x0)
        return self.lines[i].segments[-1].x1

    def find(self, pattern: re.Pattern[str], plain: str, fuzzy: bool) -> list[Hit]:
        """Every line holding the label: exact matches first, then fuzzy ones (OCR only)."""
        hits = [
            Hit(i, m.start(), m.end(), True)
            for i, text in enumerate(self.folded)
            for m in [pattern.search(text)]
            if m
        ]
        if hits or not fuzzy:
            return hits
        probe = plain.split("\\")[0].strip()
        if len(probe) < 6:
            return []
        from rapidfuzz import fuzz  # fuzzy search: OCR text only

        for i, text in enumerate(self.folded):
            if len(text) < len(probe) * 0.6:
                continue
            al = fuzz.partial_ratio_alignment(probe, text, score_cutoff=FUZZY_LABEL_SCORE)
            if al is not None and _same_digits(probe, text[al.dest_start : al.dest_end]):
                hits.append(Hit(i, al.dest_start, al.dest_end, False))
        return hits


def _same_digits(probe: str, found: str) -> bool:
    """A label's digits are never approximate: "DECLARANT 1 :" is not "DECLARANT 2 :"."""
    return [ch for ch in probe if ch.isdigit()] == [ch for ch in found if ch.isdigit()]
