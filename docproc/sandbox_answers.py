"""What crosses the sandbox's pipe: plain page data made in the child, and the checks the
caller makes on it before it believes any of it (allowed classes, shapes, sizes)."""

from __future__ import annotations

import io
import math
import pickle
from typing import Any

from docproc.errors import DocprocError, Reason
from docproc.models import Check, PageText, Segment

#: Largest answer accepted from the child (the words of ten pages take a few megabytes).
MAX_ANSWER_BYTES = 64 * 1024 * 1024


#: The only classes an answer may hold: what comes back is data, never code. A compromised
#: child could otherwise send a pickle that runs code in the caller, secrets and all.
_ANSWER_CLASSES = {
    ("docproc.models", "PageText"),
    ("docproc.models", "Segment"),
    ("docproc.models", "Check"),
}


class _AnswerUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ANSWER_CLASSES:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"classe refusée : {module}.{name}")


def safe_loads(raw: bytes) -> Any:
    """Unpickle an answer of the child, allowing builtins and the page classes only."""
    return _AnswerUnpickler(io.BytesIO(raw)).load()


def well_formed(outcome: Any) -> bool:
    if not isinstance(outcome, tuple) or not outcome:
        return False
    if outcome[0] == "ok":
        return (
            len(outcome) == 5
            and isinstance(outcome[1], int)
            and isinstance(outcome[2], list)
            and all(isinstance(p, PageText) for p in outcome[2])
            and isinstance(outcome[3], list)
            and len(outcome[3]) == len(outcome[2])
            and all(_pixels_ok(px) for px in outcome[3])
            and isinstance(outcome[4], list)
            and all(_event_ok(e) for e in outcome[4])
        )
    if outcome[0] == "err":
        return (
            len(outcome) == 4
            and outcome[1] in {r.value for r in Reason}
            and isinstance(outcome[2], str)
            and isinstance(outcome[3], dict)
        )
    return False


def render_well_formed(outcome: Any) -> bool:
    """A render answer: pixels of a known mode whose size matches, no page, or a reason."""
    from docproc.models import MODES, RENDER_MAX_PIXELS

    if not isinstance(outcome, tuple) or not outcome:
        return False
    if outcome[0] == "px":
        return (
            len(outcome) == 5
            and all(type(v) is int for v in outcome[1:3])
            and outcome[3] in MODES
            and type(outcome[4]) is bytes
            and 0 < outcome[1] * outcome[2] <= RENDER_MAX_PIXELS
            and len(outcome[4]) == outcome[1] * outcome[2] * MODES[outcome[3]]
        )
    if outcome[0] == "absent":
        return len(outcome) == 1
    return outcome[0] == "err" and well_formed(outcome)


def plain_value(value: Any) -> Any:
    """Builtins only (numpy scalars and the like become int, float or str)."""
    if value is None or isinstance(value, bool):
        return None if value is None else bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)  # np.float64 is a float subclass: made a plain float
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    item = getattr(value, "item", None)
    if callable(item):
        return plain_value(item())
    return str(value)


def plain_pages(pages: list[PageText]) -> list[PageText]:
    """Pages with builtin values only (what :func:`safe_loads` lets through); no pixels."""
    out = []
    for p in pages:
        out.append(
            PageText(
                file=str(p.file),
                page=int(p.page),
                source="ocr" if p.source == "ocr" else "text",
                segments=[
                    Segment(
                        str(s.text),
                        float(s.x0),
                        float(s.y0),
                        float(s.x1),
                        float(s.y1),
                        float(s.conf),
                    )
                    for s in p.segments
                ],
                quality={str(k): float(v) for k, v in p.quality.items()},
                checks=[
                    Check(str(c.code), c.level, bool(c.ok), str(c.message), plain_value(c.data))
                    for c in p.checks
                ],
                image=None,
                twoddoc=None if p.twoddoc is None else str(p.twoddoc),
                twoddoc_box=None if p.twoddoc_box is None else _box(p.twoddoc_box),
                to_file=_to_file(p.to_file),
            )
        )
    return out


def _box(box: Any) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in box)
    return x0, y0, x1, y1


def _to_file(m: Any) -> tuple[float, ...] | None:
    """A page's map to its file: nine finite floats, or None (anything else is dropped)."""
    if m is None or not isinstance(m, list | tuple) or len(m) != 9:
        return None
    values = tuple(float(v) for v in m)
    return values if all(math.isfinite(v) for v in values) else None


def page_pixels(pages: list[PageText]) -> list[tuple[int, int, bytes] | None]:
    """The greyscale pixels of each page as OCR read it (width, height, bytes): the words'
    boxes refer to them (QA draws them); only pixels cross, never an encoded image."""
    out: list[tuple[int, int, bytes] | None] = []
    for p in pages:
        img = p.image
        if img is None:
            out.append(None)
            continue
        grey = img if img.mode == "L" else img.convert("L")
        out.append((int(grey.width), int(grey.height), grey.tobytes()))
    return out


def _event_ok(event: Any) -> bool:
    return (
        isinstance(event, tuple)
        and len(event) == 3
        and isinstance(event[0], str)
        and len(event[0]) < 64
        and isinstance(event[1], float)
        and isinstance(event[2], int)
    )


def _pixels_ok(px: Any) -> bool:
    return px is None or (
        isinstance(px, tuple)
        and len(px) == 3
        and isinstance(px[0], int)
        and isinstance(px[1], int)
        and isinstance(px[2], bytes)
        and 0 < px[0] * px[1] == len(px[2])
    )


def after_memory_error(outcome: Any) -> bool:
    return bool(
        outcome[0] == "err"
        and outcome[1] == Reason.resources.value
        and outcome[3].get("limite") == "memoire"
    )


def unpack(outcome: Any) -> tuple[int, list[PageText]]:
    if outcome[0] == "ok":
        from docproc.observe import observe

        for event, seconds, count in outcome[4]:  # timings measured in the child (OCR per page)
            observe(event, seconds, count)
        pages: list[PageText] = outcome[2]
        for page, px in zip(pages, outcome[3], strict=True):
            if px is not None:  # a scanned page: PIL is already needed (a text PDF never is here)
                from PIL import Image

                page.image = Image.frombytes("L", (px[0], px[1]), px[2])
        return outcome[1], pages
    _, reason, message, data = outcome
    raise DocprocError(Reason(reason), message, **data)
