"""Apply a spec's fields to the pages of one document: values, provenance, missing reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docproc.extractors import declarants, revenus
from docproc.extractors.spec import DocSpec, FieldSpec
from docproc.extractors.values import TYPES, nif_key_ok
from docproc.extractors.view import PageView

#: Below this OCR confidence (0–1) a value is not trusted: reported missing, for review.
MIN_CONFIDENCE = 0.45


@dataclass
class Extraction:
    fields: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # field -> French reason

    def put(self, name: str, value: Any, view: PageView, conf: float, page_number: int) -> None:
        self.fields[name] = value
        self.missing.pop(name, None)
        self.provenance[name] = {"source": view.page.source, "page": page_number,
                                 "confidence": round(conf, 3)}


def _value_after(view: PageView, fs: FieldSpec, line: int, end: int) -> tuple[Any, float] | None:
    parse = TYPES[fs.type or "text"]
    if fs.next_line:
        if line + 1 >= len(view.lines):
            return None
        x_label = view.x_at(line, 0)
        segs = [s for s in view.lines[line + 1].segments if s.x0 < x_label + 0.3]
        if not segs:
            return None
        text = " ".join(s.text for s in segs)
        got = parse(text)
        return (got[0], min(s.conf for s in segs)) if got else None
    text = view.texts[line][end:]
    got = parse(text)
    if not got:
        return None
    value, consumed = got
    start = end + text.find(consumed[:1]) if consumed else end
    segs = view.segments_between(line, start, start + len(consumed))
    conf = min((s.conf for s in segs), default=view.lines[line].conf)
    if fs.sign < 0 and isinstance(value, int):
        value = -value
    return value, conf


def _labelled(views: list[tuple[PageView, int]], fs: FieldSpec, out: Extraction) -> None:
    low_conf = False
    for view, number in views:
        fuzzy = view.page.source == "ocr"
        for pattern, plain in zip(fs.labels, fs.label_texts, strict=True):
            for hit in view.find(pattern, plain, fuzzy):
                got = _value_after(view, fs, hit.line, hit.end)
                if got is None:
                    continue
                value, conf = got
                if fuzzy and conf < MIN_CONFIDENCE:
                    low_conf = True
                    continue
                if fs.type == "numero_fiscal" and view.page.source == "ocr" and not nif_key_ok(value):
                    low_conf = True
                    continue
                out.put(fs.name, value, view, conf, number)
                return
    if fs.name not in out.fields and fs.name not in out.missing:
        out.missing[fs.name] = ("lu avec une confiance insuffisante" if low_conf
                                else "introuvable dans le document")


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
            out.fields[fs.name] = any(fs.flag in v.folded_text for v, _ in views)
            out.provenance[fs.name] = {"source": views[0][0].page.source, "page": views[0][1], "confidence": 1.0}
        elif fs.parser == "declarants" and first is not None:
            declarants.extract(spec, first, out)
        elif fs.parser == "revenus":
            revenus.extract(spec, rest, out)
        elif fs.type:
            _labelled(views, fs, out)
    for name in [n for n in out.fields if n.startswith("_")]:
        out.fields.pop(name)
        out.provenance.pop(name, None)
    for name in [n for n in out.missing if n.startswith("_")]:
        out.missing.pop(name)
    present = {name for name, views in pages_for.items() if views}
    required = {f.name for f in spec.fields if f.required and f.pages in present}
    out.missing = {k: v for k, v in out.missing.items() if k in required and k not in out.fields}
    return out
