"""A PDF is parsed (pikepdf/qpdf) and bounded before PDFium renders or reads a single page.

Two things are looked for, by walking every object (object streams included; qpdf decodes
names, so ``/J#61vaScript`` is ``/JavaScript``):

* **active content** (``pdf.contenu_actif``, with the kind found in ``data.kind``):
  JavaScript, Launch, embedded files, XFA, RichMedia and the URI, SubmitForm, ImportData,
  GoToR and GoToE actions, wherever they sit: catalog (OpenAction, Names, AA), pages (AA),
  annotations, or any other object;
* **work without bounds** (``fichier.ressources``, with the limit in ``data.limite``): more
  objects than ``pdf_max_objects``; a stream that inflates beyond ``pdf_max_stream_bytes``
  or all streams together beyond ``pdf_max_decoded_bytes`` (Flate is inflated in bounded
  steps, never whole); Form XObjects nested deeper than ``pdf_max_xobject_depth`` or
  drawing each other in a cycle; a page whose content operators, forms unfolded (a form
  drawn ten times counts ten times), exceed ``pdf_max_operators`` — the "billion laughs"
  made of XObjects; an image XObject whose declared size exceeds ``max_image_pixels``.

Everything here runs inside the sandbox (``docproc.sandbox``), under its memory and CPU caps.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Any

import pikepdf

from docproc.errors import DocprocError, Reason, active_content_error
from docproc.intake import outside_streams
from docproc.settings import Settings

#: Dictionary keys whose mere presence is active content.
_ACTIVE_KEYS: dict[str, str] = {
    "/JS": "javascript",
    "/JavaScript": "javascript",
    "/EmbeddedFiles": "fichier_joint",
    "/EmbeddedFile": "fichier_joint",
    "/EF": "fichier_joint",
    "/XFA": "xfa",
    "/RichMediaContent": "richmedia",
    "/RichMediaSettings": "richmedia",
}
#: Action types (``/S``) that are active content.
_ACTIVE_ACTIONS: dict[str, str] = {
    "/JavaScript": "javascript",
    "/Launch": "launch",
    "/URI": "uri",
    "/SubmitForm": "submitform",
    "/ImportData": "importdata",
    "/GoToR": "gotor",
    "/GoToE": "gotoe",
    "/RichMediaExecute": "richmedia",
}
#: ``/Type`` or ``/Subtype`` values that are active content.
_ACTIVE_TYPES: dict[str, str] = {
    "/EmbeddedFile": "fichier_joint",
    "/FileAttachment": "fichier_joint",
    "/RichMedia": "richmedia",
}
#: Nesting of arrays and dictionaries inside one object beyond this is refused as malformed.
MAX_NESTING = 200
#: Inflation proceeds in steps of this many output bytes.
_STEP = 1 << 20
_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s*Do(?![A-Za-z0-9_])")


def _limit(name: str, **data: Any) -> DocprocError:
    return DocprocError(Reason.resources, limite=name, **data)


@dataclass
class _Budget:
    settings: Settings
    decoded: int = 0
    content: dict[tuple[int, int], bytes] = field(default_factory=dict)


_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
#: Names that are active content wherever they are written (the byte pass below).
_RAW_ACTIVE: dict[str, str] = {**_ACTIVE_KEYS, **_ACTIVE_ACTIONS, "/RichMedia": "richmedia"}


def _decode_name(raw: bytes) -> str:
    out = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
    return "/" + out.decode("latin-1")


def raw_active_name(data: bytes) -> str | None:
    """An active-content name written outside streams, ``#xx`` escapes decoded (qpdf drops a
    key whose value is a dangling reference; this pass still sees it)."""
    for m in _NAME.finditer(outside_streams(data)):
        kind = _RAW_ACTIVE.get(_decode_name(m.group(1)))
        if kind is not None:
            return kind
    return None


def inspect(data: bytes, settings: Settings) -> None:
    """Raise DocprocError when the PDF holds active content or unbounded work."""
    try:
        pdf = pikepdf.open(_bytes_io(data))
    except pikepdf.PasswordError:
        raise DocprocError(Reason.encrypted) from None
    except (pikepdf.PdfError, ValueError, OSError, RecursionError):
        raise DocprocError(Reason.malformed) from None
    try:
        _inspect(pdf, settings)
        if (kind := raw_active_name(data)) is not None:
            raise active_content_error(kind, "objet")
    except (
        pikepdf.PdfError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        NotImplementedError,
        RecursionError,
        zlib.error,
    ):
        raise DocprocError(Reason.malformed) from None
    finally:
        pdf.close()


def _bytes_io(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def _inspect(pdf: pikepdf.Pdf, settings: Settings) -> None:
    try:
        declared = int(pdf.trailer.get("/Size", 0))
    except (TypeError, ValueError):
        declared = 0
    if declared > settings.pdf_max_objects:  # cheap, before qpdf loads every object
        raise _limit("objets", objets=declared, max=settings.pdf_max_objects)
    objects = pdf.objects
    if len(objects) > settings.pdf_max_objects:
        raise _limit("objets", objets=len(objects), max=settings.pdf_max_objects)
    page_objs = {p.obj.objgen for p in pdf.pages} if len(pdf.pages) <= settings.max_pages else set()
    annots = _annotation_ids(pdf) if page_objs else set()
    root = pdf.Root.objgen if "/Root" in pdf.trailer else None
    _walk(pdf.trailer, "document")
    budget = _Budget(settings)
    for obj in objects:
        if not isinstance(obj, pikepdf.Object):
            continue
        gen = obj.objgen
        where = (
            "document"
            if gen == root
            else "page"
            if gen in page_objs
            else "annotation"
            if gen in annots
            else "objet"
        )
        _walk(obj, where)
        if isinstance(obj, pikepdf.Stream):
            _check_stream(obj, budget)
    if len(pdf.pages) > settings.max_pages:
        return  # refused for its page count by the reader, which says how many
    for page in pdf.pages:
        _check_page(page, budget)
    _check_other_drawings(objects, budget)


def _check_other_drawings(objects: Any, budget: _Budget) -> None:
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
                raise _limit("operateurs", max=settings.pdf_max_operators)


def _annotation_ids(pdf: pikepdf.Pdf) -> set[tuple[int, int]]:
    out = set()
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if isinstance(annots, pikepdf.Array):
            for a in annots:
                if a.is_indirect:
                    out.add(a.objgen)
    return out


def _walk(obj: Any, where: str) -> None:
    """Look at one object and its direct children (indirect ones are visited on their own)."""
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_NESTING:
            raise DocprocError(Reason.malformed, detail="imbrication")
        if isinstance(item, pikepdf.Stream):
            item = item.stream_dict
        if isinstance(item, pikepdf.Dictionary):
            _check_dict(item, where)
            for key in item.keys():  # noqa: SIM118 (pikepdf dictionaries)
                value = item.get(key)
                if isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect:
                    stack.append((value, depth + 1))
        elif isinstance(item, pikepdf.Array):
            for value in item:
                if isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect:
                    stack.append((value, depth + 1))


def _check_dict(d: pikepdf.Dictionary, where: str) -> None:
    for key in d.keys():  # noqa: SIM118
        kind = _ACTIVE_KEYS.get(str(key))
        if kind:
            raise active_content_error(kind, where)
    action = d.get("/S")
    if isinstance(action, pikepdf.Name) and str(action) in _ACTIVE_ACTIONS:
        raise active_content_error(_ACTIVE_ACTIONS[str(action)], where)
    for key in ("/Type", "/Subtype"):
        value = d.get(key)
        if isinstance(value, pikepdf.Name) and str(value) in _ACTIVE_TYPES:
            raise active_content_error(_ACTIVE_TYPES[str(value)], where)


def _filters(stream: pikepdf.Stream) -> list[str]:
    f = stream.stream_dict.get("/Filter")
    if f is None:
        return []
    if isinstance(f, pikepdf.Array):
        return [str(x) for x in f]
    return [str(f)]


def _is_image(stream: pikepdf.Stream) -> bool:
    return str(stream.stream_dict.get("/Subtype", "")) == "/Image"


def _check_stream(stream: pikepdf.Stream, budget: _Budget) -> None:
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
        raise _limit("flux_total", max=settings.pdf_max_decoded_bytes)


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
                        raise _limit("flux", max=cap)
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
        raise _limit("flux", max=cap)
    return len(data)


def _content_bytes(stream: pikepdf.Stream, budget: _Budget) -> bytes:
    key = stream.objgen
    if key != (0, 0) and key in budget.content:
        return budget.content[key]
    try:
        data = stream.read_bytes()  # its size was bounded by _check_stream already
    except pikepdf.PdfError:
        data = b""  # PDFium decides what to do with an unreadable content stream
    if len(data) > budget.settings.pdf_max_stream_bytes:
        raise _limit("flux", max=budget.settings.pdf_max_stream_bytes)
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


def _check_page(page: pikepdf.Page, budget: _Budget) -> None:
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
            raise _limit("operateurs", max=settings.pdf_max_operators)


def _cost(
    stream: pikepdf.Stream,
    resources: Any,
    depth: int,
    memo: dict[tuple[int, int], int],
    active: set[tuple[int, int]],
    budget: _Budget,
) -> int:
    """Operators drawn by one content stream, its forms unfolded (memoised per form)."""
    settings = budget.settings
    if depth > settings.pdf_max_xobject_depth:
        raise _limit("profondeur_xobject", max=settings.pdf_max_xobject_depth)
    data = _content_bytes(stream, budget)
    total = _count_operators(data)
    if total > settings.pdf_max_operators:
        raise _limit("operateurs", max=settings.pdf_max_operators)
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
            raise _limit("cycle_xobject")
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
            raise _limit("operateurs", max=settings.pdf_max_operators)
    return total
