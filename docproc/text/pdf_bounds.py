"""Work without bounds in a PDF (``fichier.ressources``, the limit in ``data.limite``): inflated
stream sizes, Form XObject depth and cycles, content operators per page with forms unfolded,
declared image sizes.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Any

import pikepdf

from docproc.errors import DocprocError, Reason
from docproc.settings import Settings

#: Inflation proceeds in steps of this many output bytes.
_STEP = 1 << 20

_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s*Do(?![A-Za-z0-9_])")


def limit_error(name: str, **data: Any) -> DocprocError:
    return DocprocError(Reason.resources, limite=name, **data)


@dataclass
class Budget:
    settings: Settings
    decoded: int = 0
    content: dict[tuple[int, int], bytes] = field(default_factory=dict)


def check_other_drawings(objects: Any, budget: Budget) -> None:
    """What PDFium may draw besides page contents: annotation appearances and any other Form
    XObject, tiling patterns, Type 3 glyph procedures — each bounded like a page."""
    settings = budget.settings
    memo: dict[tuple[int, int], int] = {}
    for obj in objects:
        roots: list[tuple[pikepdf.Stream, Any]] = []
        if isinstance(obj, pikepdf.Stream):
            d = obj.stream_dict
            if str(d.get("/Subtype", "")) == "/Form" or int(d.get("/PatternType", 0) or 0) == 1:
                roots.append((obj, d.get("/Resources")))
        elif isinstance(obj, pikepdf.Dictionary) and str(obj.get("/Subtype", "")) == "/Type3":
            procs = obj.get("/CharProcs")
            if isinstance(procs, pikepdf.Dictionary):
                roots.extend(
                    (p, obj.get("/Resources"))
                    for p in procs.values()
                    if isinstance(p, pikepdf.Stream)
                )
        for stream_obj, resources in roots:
            key = stream_obj.objgen
            if key in memo:
                continue
            cost = _cost(stream_obj, resources, 0, memo, {key}, budget)
            memo[key] = cost
            if cost > settings.pdf_max_operators:
                raise limit_error("operateurs", max=settings.pdf_max_operators)


def _filters(stream: pikepdf.Stream) -> list[str]:
    f = stream.stream_dict.get("/Filter")
    if f is None:
        return []
    if isinstance(f, pikepdf.Array):
        return [str(x) for x in f]
    return [str(f)]


def _is_image(stream: pikepdf.Stream) -> bool:
    return str(stream.stream_dict.get("/Subtype", "")) == "/Image"


def check_stream(stream: pikepdf.Stream, budget: Budget) -> None:
    settings = budget.settings
    if _is_image(stream):
        try:
            width = int(stream.stream_dict.get("/Width", 0))
            height = int(stream.stream_dict.get("/Height", 0))
        except (TypeError, ValueError):
            raise DocprocError(Reason.malformed) from None
        if width * height > settings.max_image_pixels:
            raise DocprocError(
                Reason.image_too_large, pixels=width * height, max_pixels=settings.max_image_pixels
            )
        return  # image codecs are decoded by PDFium within the declared size
    size = _decoded_size(stream, settings.pdf_max_stream_bytes)
    budget.decoded += size
    if budget.decoded > settings.pdf_max_decoded_bytes:
        raise limit_error("flux_total", max=settings.pdf_max_decoded_bytes)


def _decoded_size(stream: pikepdf.Stream, cap: int) -> int:
    """The decoded size of a stream, inflating Flate in steps so a bomb stops at ``cap``."""
    filters = _filters(stream)
    if filters and all(f in ("/FlateDecode", "/Fl") for f in filters):
        chunks: list[bytes] = [stream.read_raw_bytes()]
        total = 0
        for n, _f in enumerate(filters):
            last = n == len(filters) - 1
            d = zlib.decompressobj()
            out: list[bytes] = []
            total = 0
            for chunk in chunks:  # chained Flate: each stage bounded by ``cap`` too
                buf = chunk
                while buf:
                    try:
                        piece = d.decompress(buf, _STEP)
                    except zlib.error:
                        break  # damaged data ends the stream here (as PDFium reads it): no bomb
                    total += len(piece)
                    if total > cap:
                        raise limit_error("flux", max=cap)
                    if not last:
                        out.append(piece)
                    buf = d.unconsumed_tail
                    if not piece and not buf:
                        break
            chunks = out
        return total
    if not filters or all(
        f in ("/ASCIIHexDecode", "/AHx", "/ASCII85Decode", "/A85") for f in filters
    ):
        return len(stream.read_raw_bytes())  # these only shrink
    if any(
        f in ("/DCTDecode", "/JPXDecode", "/CCITTFaxDecode", "/JBIG2Decode", "/DCT", "/CCF")
        for f in filters
    ):
        return len(stream.read_raw_bytes())  # image codecs: decoded by PDFium within declared sizes
    try:
        data = stream.read_bytes()  # LZW, RunLength, chains: under the sandbox's memory cap
    except pikepdf.PdfError:
        raise DocprocError(Reason.malformed) from None
    if len(data) > cap:
        raise limit_error("flux", max=cap)
    return len(data)


def _content_bytes(stream: pikepdf.Stream, budget: Budget) -> bytes:
    key = stream.objgen
    if key != (0, 0) and key in budget.content:
        return budget.content[key]
    try:
        data = stream.read_bytes()  # its size was bounded by check_stream already
    except pikepdf.PdfError:
        data = b""  # PDFium decides what to do with an unreadable content stream
    if len(data) > budget.settings.pdf_max_stream_bytes:
        raise limit_error("flux", max=budget.settings.pdf_max_stream_bytes)
    if key != (0, 0):
        budget.content[key] = data
    return data


#: Bytes that end a token in a content stream: whitespace and delimiters.
_DELIMITERS = tuple(bytes([c]) for c in b" \n\r\t\x0c\x00()<>[]{}/%")


def _count_operators(data: bytes) -> int:
    """An upper bound of the operators in a content stream, counted at C speed.

    Every operator is followed by whitespace, a delimiter or the end of the stream, so the
    count of those bytes plus one bounds the operators (operands and text inflate it: the
    bound errs on the side of refusing, ~3 tokens per operator on real pages).
    """
    return sum(data.count(d) for d in _DELIMITERS) + 1


def check_page(page: pikepdf.Page, budget: Budget) -> None:
    settings = budget.settings
    contents = page.obj.get("/Contents")
    streams: list[pikepdf.Stream] = []
    if isinstance(contents, pikepdf.Stream):
        streams = [contents]
    elif isinstance(contents, pikepdf.Array):
        streams = [s for s in contents if isinstance(s, pikepdf.Stream)]
    resources = page.obj.get("/Resources")
    memo: dict[tuple[int, int], int] = {}
    cost = 0
    for s in streams:
        cost += _cost(s, resources, 0, memo, set(), budget)
        if cost > settings.pdf_max_operators:
            raise limit_error("operateurs", max=settings.pdf_max_operators)


def _cost(
    stream: pikepdf.Stream,
    resources: Any,
    depth: int,
    memo: dict[tuple[int, int], int],
    active: set[tuple[int, int]],
    budget: Budget,
) -> int:
    """Operators drawn by one content stream, its forms unfolded (memoised per form)."""
    settings = budget.settings
    if depth > settings.pdf_max_xobject_depth:
        raise limit_error("profondeur_xobject", max=settings.pdf_max_xobject_depth)
    data = _content_bytes(stream, budget)
    total = _count_operators(data)
    if total > settings.pdf_max_operators:
        raise limit_error("operateurs", max=settings.pdf_max_operators)
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    if not isinstance(xobjects, pikepdf.Dictionary):
        return total
    for m in _DO.finditer(data):
        name = "/" + m.group(1).decode("latin-1")
        xo = xobjects.get(name)
        if not isinstance(xo, pikepdf.Stream) or str(xo.stream_dict.get("/Subtype", "")) != "/Form":
            continue
        key = xo.objgen
        if key in active:
            raise limit_error("cycle_xobject")
        if key in memo:
            sub = memo[key]
        else:
            inner = xo.stream_dict.get("/Resources")
            active.add(key)
            sub = _cost(
                xo,
                inner if isinstance(inner, pikepdf.Dictionary) else resources,
                depth + 1,
                memo,
                active,
                budget,
            )
            active.discard(key)
            if key != (0, 0):
                memo[key] = sub
        total += sub
        if total > settings.pdf_max_operators:
            raise limit_error("operateurs", max=settings.pdf_max_operators)
    return total
