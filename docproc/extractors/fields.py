"""Apply a spec's fields to the pages of one document: values, provenance, missing reasons."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from docproc.extractors import rates
from docproc.extractors.extraction import Extraction, Provenance, provenance_entry
from docproc.extractors.parsers import PARSERS
from docproc.extractors.spec import all_specs, derived
from docproc.extractors.spec_model import DocSpec, FieldSpec
from docproc.extractors.values import TYPES, nif_key_ok
from docproc.extractors.view import PageView
from docproc.models import Box, Segment, union_box
from docproc.text.fold import fold

#: Below this OCR confidence (0–1) a value is not trusted: reported missing, for review.
MIN_CONFIDENCE = 0.45


def _gap_before_unit(segs: list[Segment]) -> bool:
    """True when a currency sign stands far right of the last digits read before it."""
    digits = [s for s in segs if any(ch.isdigit() for ch in s.text)]
    units = [s for s in segs if s.text.strip() in ("€", "EUR")]
    if not digits or not units:
        return False
    last, unit = digits[-1], units[-1]
    char_w = (last.x1 - last.x0) / max(len(last.text), 1)
    return unit.x0 - last.x1 > 2.5 * char_w


#: Lines further below a label than this many line heights are not its value.
BELOW_REACH = 4.5
#: An address block has at most this many lines.
BLOCK_LINES = 4
#: "Label :" at the start of a line: a new label ends a block.
_LABEL_START = re.compile(r"^[A-Z][A-Z' ()./0-9-]{2,60}:")


def _line_height(view: PageView, i: int) -> float:
    return max((s.y1 - s.y0 for s in view.lines[i].segments), default=0.012) or 0.012


#: What a label's reader gives: (value, confidence, where the value was read).
Read = tuple[Any, float, Box | None]


def _parse_segments(fs: FieldSpec, segs: list[Segment]) -> Read | None:
    """The segments' value, when they hold nothing else: an amount alone ("1 234 €"), or a
    value in words that the type reads whole ("Non imposable"), never a sentence."""
    parse = TYPES[fs.type or "text"]
    text = " ".join(s.text for s in segs)
    got = parse(text)
    if not got:
        return None
    value, consumed = got
    rest = text.replace(consumed, " ", 1)
    if sum(ch.isalpha() for ch in rest.replace("EUR", "")) > 1:
        return None  # a sentence, not a value alone
    if fs.sign < 0 and isinstance(value, int):
        value = -value
    return value, min((s.conf for s in segs), default=1.0), union_box(segs)


def _value_below(view: PageView, fs: FieldSpec, line: int, start: int, end: int) -> Read | None:
    """The value printed under its label: an amount in the row under a banner, right-aligned
    within the banner's width. Only the first line under the label that has ink in that
    span is looked at, and it must hold nothing but the value."""
    x0, x1 = view.x_at(line, start), view.x_at(line, end)
    # A label with nothing right of it heads its column: the amount may sit at the column's
    # right edge, past the label's own end (a banner wider than its words).
    followed = any(s.x0 >= x1 for s in view.lines[line].segments)
    right = x1 + 0.08 if followed else 1.0
    label_height = _line_height(view, line)
    base = view.lines[line].y
    for j in range(line + 1, min(line + 4, len(view.lines))):
        segs = [s for s in view.lines[j].segments if s.x1 > x0 - 0.02 and s.x0 < right]
        # Reach in heights of the label or of the value, whichever is taller (a large bold
        # amount under a small banner label sits lower).
        height = max([label_height, *(s.y1 - s.y0 for s in segs)])
        if view.lines[j].y - base > BELOW_REACH * height + 0.004:
            return None
        if not segs:
            continue
        return _parse_segments(fs, segs)
    return None


def _block_below(view: PageView, line: int, start: int, end: int) -> Read | None:
    """The lines under a label, in the label's column, until a blank gap or the next label."""
    x0, x1 = view.x_at(line, start), view.x_at(line, end)
    labels = _known_labels()
    taken: list[str] = []
    conf = 1.0
    boxes: list[Segment] = []
    last_y = view.lines[line].y
    height = _line_height(view, line)
    for j in range(line + 1, len(view.lines)):
        if len(taken) >= BLOCK_LINES or view.lines[j].y - last_y > 2.2 * height:
            break
        segs = [s for s in view.lines[j].segments if x0 - 0.03 <= s.x0 <= max(x1, x0 + 0.3)]
        if not segs:
            continue
        text = " ".join(" ".join(s.text for s in segs).split())
        folded = fold(text)
        if _LABEL_START.match(folded) or any(p.match(folded) for p in labels):
            break
        taken.append(text)
        boxes += segs
        conf = min(conf, *(s.conf for s in segs))
        last_y = view.lines[j].y
    return (" ".join(taken), conf, union_box(boxes)) if taken else None


@derived
def _known_labels() -> tuple[re.Pattern[str], ...]:
    return tuple(p for spec in all_specs() for f in spec.fields for p in f.labels)


def _value_after(view: PageView, fs: FieldSpec, line: int, start: int, end: int) -> Read | None:
    parse = TYPES[fs.type or "text"]
    if fs.block:
        return _block_below(view, line, start, end)
    if fs.next_line:
        if line + 1 >= len(view.lines):
            return None
        x_label = view.x_at(line, 0)
        segs = [s for s in view.lines[line + 1].segments if s.x0 < x_label + 0.3]
        if not segs:
            return None
        text = " ".join(s.text for s in segs)
        got = parse(text)
        return (got[0], min(s.conf for s in segs), union_box(segs)) if got else None
    text = view.texts[line][end:]
    got = parse(text)
    if not got:
        return _value_below(view, fs, line, start, end) if fs.below else None
    value, consumed = got
    value_start = end + text.find(consumed[:1]) if consumed else end
    segs = view.segments_between(line, value_start, value_start + len(consumed))
    box = (
        view.line_box(line, value_start, value_start + len(consumed))
        if consumed
        else union_box(segs)
    )
    conf = min((s.conf for s in segs), default=view.lines[line].conf)
    if view.page.source == "ocr" and _gap_before_unit(segs):
        conf = 0.0  # "13 … €": OCR dropped the digits between, the amount is not whole
    if fs.sign < 0 and isinstance(value, int):
        value = -value
    return value, conf, box


def _masked(fs: FieldSpec, value: Any) -> bool:
    """An identifier printed as zeros (an anonymised or specimen document) is not a value."""
    if fs.type not in ("numero_fiscal", "reference_avis"):
        return False
    digits = [ch for ch in str(value) if ch.isdigit()]
    return len(set(digits)) <= 1


def _labelled(views: list[tuple[PageView, int]], fs: FieldSpec, out: Extraction) -> None:
    low_conf = masked = False
    for view, number in views:
        fuzzy = view.page.source == "ocr"
        for pattern, plain in zip(fs.labels, fs.label_texts, strict=True):
            for hit in view.find(pattern, plain, fuzzy):
                got = _value_after(view, fs, hit.line, hit.start, hit.end)
                if got is None:
                    continue
                value, conf, box = got
                if _masked(fs, value):
                    masked = True
                    continue
                if fuzzy and conf < MIN_CONFIDENCE:
                    low_conf = True
                    continue
                if (
                    fs.type == "numero_fiscal"
                    and view.page.source == "ocr"
                    and not nif_key_ok(value)
                ):
                    low_conf = True
                    continue
                out.put(
                    fs.name,
                    value,
                    view,
                    conf,
                    number,
                    box,
                    view.line_box(hit.line, hit.start, hit.end),
                )
                return
    if fs.name not in out.fields and fs.name not in out.missing:
        out.missing[fs.name] = (
            "valeur masquée sur le document (uniquement des zéros)"
            if masked
            else "lu avec une confiance insuffisante"
            if low_conf
            else "introuvable dans le document"
        )


def _patterned(views: list[tuple[PageView, int]], fs: FieldSpec, out: Extraction) -> None:
    """A regex over the folded page text; its 'value' group, unfolded, is parsed by the type."""
    parse = TYPES[fs.type or "text"]
    low_conf = False
    for view, number in views:
        for pattern in fs.patterns:
            for m in pattern.finditer(view.folded_text):
                start, end = m.span("value")
                got = parse(view.text_between(start, end))
                if not got:
                    continue
                conf = view.conf_between(start, end)
                if view.page.source == "ocr" and conf < MIN_CONFIDENCE:
                    low_conf = True
                    continue
                label = union_box(
                    [
                        view.box_in(m.start(), start) if start > m.start() else None,
                        view.box_in(end, m.end()) if m.end() > end else None,
                    ]
                )
                out.put(fs.name, got[0], view, conf, number, view.box_in(start, end), label)
                return
    out.missing[fs.name] = (
        "lu avec une confiance insuffisante" if low_conf else "introuvable dans le document"
    )


def _chosen(views: list[tuple[PageView, int]], fs: FieldSpec, out: Extraction) -> None:
    """The choice whose markers match earliest (or most often) in the pages' text."""
    best: tuple[tuple[int, ...], Any, PageView, float, int, Box | None] | None = (
        None  # key, value, view, conf, page, box
    )
    for rank, choice in enumerate(fs.choices):
        count, earliest = 0, None
        for page_index, (view, number) in enumerate(views):
            for pattern in choice.any:
                for m in pattern.finditer(view.folded_text):
                    count += 1
                    where = (page_index, m.start())
                    if earliest is None or where < earliest[0]:
                        earliest = (
                            where,
                            view,
                            view.conf_between(m.start(), m.end()),
                            number,
                            view.box_in(m.start(), m.end()),
                        )
        if earliest is None:
            continue
        key = (-count, rank) if fs.choose == "most" else (*earliest[0], rank)
        if best is None or key < best[0]:
            best = (key, choice.value, earliest[1], earliest[2], earliest[3], earliest[4])
    if best is None:
        out.missing[fs.name] = "introuvable dans le document"
        return
    out.put(fs.name, best[1], best[2], best[3], best[4], best[5])


#: Words that deny a flag's wording just before it ("NON VALANT AVIS D'IMPOT").
_DENIED = re.compile(r"\b(?:NON|NE|PAS|SANS|N'EST)\W*$")


def _flag(fs: FieldSpec, views: list[tuple[PageView, int]], out: Extraction) -> None:
    """True when the wording is on one of the pages (its box then), else False (no box: the
    wording is nowhere). The wording denied ("non valant avis d'impôt") does not count."""
    assert fs.flag is not None
    for view, number in views:
        text = view.folded_text
        at = text.find(fs.flag)
        while at >= 0 and _DENIED.search(text[max(0, at - 12) : at]):
            at = text.find(fs.flag, at + 1)
        if at >= 0:
            out.put(fs.name, True, view, 1.0, number, view.box_in(at, at + len(fs.flag)))
            return
    out.fields[fs.name] = False
    out.provenance[fs.name] = provenance_entry(views[0][0].page.source, views[0][1], 1.0)


def _converted(fs: FieldSpec, out: Extraction) -> None:
    """An amount in euros from another field, its currency and its year (rates table)."""
    assert fs.convert is not None
    amount, currency = out.fields.get(fs.convert.amount), out.fields.get(fs.convert.currency)
    if amount is None or currency is None:
        out.missing[fs.name] = "montant ou devise introuvable : pas de conversion"
        return
    conv = rates.to_euros(int(amount), str(currency), out.fields.get(fs.convert.year))
    if conv.euros is None:
        out.missing[fs.name] = conv.reason or "pas de taux de change"
        return
    out.fields[fs.name] = conv.euros
    out.missing.pop(fs.name, None)
    out.provenance[fs.name] = dataclasses.replace(
        out.provenance.get(fs.convert.amount, Provenance()),
        rate=conv.rate,
        rate_date=conv.rate_date,
        rate_source=conv.rate_source,
    )


def _agree(name: str, other: str, out: Extraction) -> None:
    """Two readings of one value printed twice (the address of imposition and the addressee's
    address): when they differ by a few characters, one of them is a misreading ("ESCALIER 8"
    for "ESCALIER B") and nothing says which, so the value is not given. Readings far apart
    are two different addresses: the field keeps its own."""
    a, b = out.fields.get(name), out.fields.get(other)
    if not isinstance(a, str) or not isinstance(b, str):
        return
    ka, kb = ("".join(ch for ch in fold(x) if ch.isalnum()) for x in (a, b))
    if ka == kb:
        return
    from rapidfuzz.distance import Levenshtein  # two readings that differ: rare on a text PDF

    if Levenshtein.distance(ka, kb) <= max(2, len(ka) // 8):
        out.fields.pop(name)
        out.provenance.pop(name, None)
        out.missing[name] = "lu différemment à deux endroits du document"


def extract(spec: DocSpec, first: PageView | None, rest: list[tuple[PageView, int]]) -> Extraction:
    """Fields of one document from its page 1 (if any) and its continuation pages."""
    out = Extraction()
    pages_for = {
        "first": [(first, 1)] if first else [],
        "continuation": rest,
        "any": ([(first, 1)] if first else []) + rest,
    }
    for fs in spec.fields:
        views = pages_for[fs.pages]
        if not views or fs.name in out.fields:
            continue
        if fs.flag:
            _flag(fs, views, out)
        elif fs.parser:
            PARSERS[fs.parser](spec, fs, first, rest, views, out)
        elif fs.choices:
            _chosen(views, fs, out)
        elif fs.convert:
            _converted(fs, out)
        elif fs.patterns:
            _patterned(views, fs, out)
        elif fs.type:
            _labelled(views, fs, out)
    for fs in spec.fields:
        if fs.agree_with:
            _agree(fs.name, fs.agree_with, out)
    for name in [n for n in out.fields if n.startswith("_")]:
        out.fields.pop(name)
        out.provenance.pop(name, None)
    for name in [n for n in out.missing if n.startswith("_")]:
        out.missing.pop(name)
    present = {name for name, views in pages_for.items() if views}
    required = {f.name for f in spec.fields if f.required and f.pages in present}
    out.missing = {k: v for k, v in out.missing.items() if k in required and k not in out.fields}
    return out
