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

The first is looked for by :mod:`docproc.text.pdf_active`, the second by
:mod:`docproc.text.pdf_bounds`; this module opens the file and walks it once. Everything here
runs inside the sandbox (``docproc.sandbox``), under its memory and CPU caps.
"""

from __future__ import annotations

import zlib
from typing import Any

import pikepdf

from docproc.errors import DocprocError, Reason, active_content_error
from docproc.settings import Settings
from docproc.text.pdf_active import check_object, raw_active_name
from docproc.text.pdf_bounds import (
    Budget,
    check_other_drawings,
    check_page,
    check_stream,
    limit_error,
)


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
        raise limit_error("objets", objets=declared, max=settings.pdf_max_objects)
    objects = pdf.objects
    if len(objects) > settings.pdf_max_objects:
        raise limit_error("objets", objets=len(objects), max=settings.pdf_max_objects)
    page_objs = {p.obj.objgen for p in pdf.pages} if len(pdf.pages) <= settings.max_pages else set()
    annots = _annotation_ids(pdf) if page_objs else set()
    root = pdf.Root.objgen if "/Root" in pdf.trailer else None
    check_object(pdf.trailer, "document")
    budget = Budget(settings)
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
        check_object(obj, where)
        if isinstance(obj, pikepdf.Stream):
            check_stream(obj, budget)
    if len(pdf.pages) > settings.max_pages:
        return  # refused for its page count by the reader, which says how many
    for page in pdf.pages:
        check_page(page, budget)
    check_other_drawings(objects, budget)


def _annotation_ids(pdf: pikepdf.Pdf) -> set[tuple[int, int]]:
    out = set()
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if isinstance(annots, pikepdf.Array):
            for a in annots:
                if a.is_indirect:
                    out.add(a.objgen)
    return out
