"""Page images for the agents' review: one page of a stored file as a PNG, in memory only.

The decrypted file never touches the disk, and neither does the image: nothing is cached.
The page is drawn in the sandbox process (:meth:`docproc.sandbox.Sandbox.render`), with the
reading guards (active content, bounded PDF structure and streams, image pixel and frame caps)
and the sandbox's caps (address space, CPU time, wall time): a hostile file costs that child,
never the API. Only pixels come back; this process only encodes them as PNG. A file that is
refused, or that kills or overruns the child, answers 422 with a French message; a sandbox
that cannot start answers 503.

With the sandbox off (``DOCPROC_SANDBOX=0``, tests and development) the same code renders in
this process, one page at a time.
"""

from __future__ import annotations

import io
import threading
from typing import Any

from docproc.errors import DocprocError, Reason
from service.api_errors import ApiError

#: PDFium is not thread-safe: one rendering at a time when it runs in this process (the
#: sandbox serialises its own requests).
_PDFIUM = threading.Lock()

DPI_MIN, DPI_MAX, DPI_DEFAULT = 50, 200, 100


def page_not_found() -> ApiError:
    return ApiError(404, "page.not_found", "Cette page n'existe pas dans le fichier.")


def page_unreadable(reason: DocprocError | None = None) -> ApiError:
    if reason is not None and reason.reason is Reason.resources:
        return ApiError(
            422,
            "page.unreadable",
            "Cette page ne peut pas être affichée : son rendu demande plus de "
            "mémoire ou de temps que permis.",
        )
    return ApiError(422, "page.unreadable", "Cette page ne peut pas être affichée.")


def sandbox_unavailable() -> ApiError:
    return ApiError(
        503,
        "page.unavailable",
        "L'affichage des pages est momentanément indisponible ; réessayez dans un instant.",
    )


def render_page(data: bytes, media_type: str, number: int, dpi: int) -> bytes:
    """Page ``number`` (1-based) of the file as PNG bytes at ``dpi``."""
    from PIL import Image

    from docproc.settings import get_settings

    if not DPI_MIN <= dpi <= DPI_MAX:
        raise ApiError(
            422, "invalid_request", f"dpi doit être compris entre {DPI_MIN} et {DPI_MAX}."
        )
    if number < 1:
        raise page_not_found()
    settings = get_settings()
    try:
        pixels = _pixels(data, media_type, number, dpi, settings)
    except DocprocError as err:
        cause = str(err.data.get("cause", ""))
        if err.reason is Reason.resources and cause.startswith(("démarrage", "arrêt au démarrage")):
            raise sandbox_unavailable() from None
        raise page_unreadable(err) from None
    if pixels is None:
        raise page_not_found()
    width, height, mode, raw = pixels
    image = Image.frombytes(mode, (width, height), raw)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _pixels(
    data: bytes, media_type: str, number: int, dpi: int, settings: Any
) -> tuple[int, int, str, bytes] | None:
    if settings.sandbox:
        from docproc.sandbox import get_sandbox

        sandbox = get_sandbox()
        if sandbox.pid is None:  # the API's own child: no OCR models to load for a render
            sandbox.start(settings, warm=False)
        return sandbox.render(data, media_type, number, dpi, settings)
    from docproc.text.render import render_outcome

    with _PDFIUM:
        outcome = render_outcome(data, media_type, number, dpi, settings)
    if outcome[0] == "px":
        return int(outcome[1]), int(outcome[2]), str(outcome[3]), bytes(outcome[4])
    if outcome[0] == "absent":
        return None
    raise DocprocError(Reason(outcome[1]), outcome[2], **outcome[3])
