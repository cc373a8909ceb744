"""One page of a file as pixels for a person to look at (the agents' page images).

This runs in the sandbox (:meth:`docproc.sandbox.Sandbox.render`), with the same guards as
reading: a PDF is opened by :func:`docproc.text.pdf_text.open_pdf` (active content, page count,
bounded structure and streams before PDFium draws anything), an image within the pixel and
frame caps, a JPEG without script-like segments. What leaves is pixels only (width, height,
mode, bytes), never the file or an encoded image.
"""

from __future__ import annotations

import io
import math
from typing import Any

from docproc.errors import DocprocError, Reason, out_of_memory
from docproc.intake import HEIC, IMAGE_TYPES, JPEG, PDF, TIFF, jpeg_script
from docproc.models import RENDER_MAX_PIXELS
from docproc.settings import Settings

#: An image is shown as if it were an A4 page this many inches wide.
IMAGE_WIDTH_INCHES = 8.27


class PageAbsent(Exception):
    """The file has no such page."""


def render_outcome(
    data: bytes, media_type: str, number: int, dpi: int, settings: Settings
) -> tuple[Any, ...]:
    """``("px", width, height, mode, bytes)``, ``("absent",)`` or ``("err", reason, message,
    data)``; never raises (the sandbox's answer to its caller)."""
    from docproc.text.acquire import guarded_outcome

    def work() -> tuple[Any, ...]:
        try:
            img = render_page(data, media_type, number, dpi, settings)
        except PageAbsent:
            return ("absent",)
        return ("px", int(img.width), int(img.height), str(img.mode), img.tobytes())

    return guarded_outcome(work)


def render_page(data: bytes, media_type: str, number: int, dpi: int, settings: Settings) -> Any:
    """Page ``number`` (1-based) as a PIL image in RGB, within :data:`RENDER_MAX_PIXELS`."""
    if number < 1:
        raise PageAbsent
    if media_type == PDF:
        return _render_pdf(data, number, dpi, settings)
    if media_type in IMAGE_TYPES:
        return _render_image(data, media_type, number, dpi, settings)
    raise DocprocError(Reason.unsupported_type)


def _render_pdf(data: bytes, number: int, dpi: int, settings: Settings) -> Any:
    import pypdfium2 as pdfium

    from docproc.text.pdf_text import open_pdf

    pdf = open_pdf(data, settings.max_pages, settings)  # the reading guards, first
    try:
        if number > len(pdf):
            raise PageAbsent
        page = pdf[number - 1]
        try:
            width, height = page.get_size()
            if not (width > 0 and height > 0 and math.isfinite(width) and math.isfinite(height)):
                raise DocprocError(Reason.malformed)
            scale = dpi / 72
            cap = min(RENDER_MAX_PIXELS, settings.max_image_pixels)
            if width * height * scale * scale > cap:
                scale = math.sqrt(cap / (width * height)) * 0.999
            try:
                bitmap = page.render(scale=scale)
            except pdfium.PdfiumError as exc:
                if "bitmap" in str(exc).lower():
                    raise DocprocError(Reason.resources, limite="memoire") from exc
                raise DocprocError(Reason.malformed) from exc
            try:
                img = bitmap.to_pil()
                return img.convert("RGB") if img.mode != "RGB" else img.copy()
            finally:
                bitmap.close()
        finally:
            page.close()
    finally:
        pdf.close()


def _render_image(data: bytes, media_type: str, number: int, dpi: int, settings: Settings) -> Any:
    from PIL import Image, ImageOps

    from docproc.text import images

    if not data:
        raise DocprocError(Reason.empty)
    if media_type == JPEG and (segment := jpeg_script(data)) is not None:
        raise DocprocError(Reason.image_script, segment=segment)
    max_pixels = settings.max_image_pixels
    images._configure(max_pixels)
    if media_type == HEIC:
        images._register_heif()
    try:
        with Image.open(io.BytesIO(data), formats=list(images.FORMATS[media_type])) as im:
            frames = 1
            if media_type == TIFF:  # count (headers only) within the cap
                while True:
                    try:
                        im.seek(frames)
                    except EOFError:
                        break
                    frames += 1
                    if frames > settings.max_frames:
                        raise DocprocError(Reason.too_many_frames, max_frames=settings.max_frames)
            if number > frames:
                raise PageAbsent
            im.seek(number - 1)
            if im.width <= 0 or im.height <= 0:
                raise DocprocError(Reason.image_unreadable)
            if im.width * im.height > max_pixels:
                raise DocprocError(
                    Reason.image_too_large, pixels=im.width * im.height, max_pixels=max_pixels
                )
            im.load()
            upright = ImageOps.exif_transpose(im) or im
            page = _to_rgb(upright)
    except (DocprocError, PageAbsent):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DocprocError(Reason.image_too_large) from exc
    except MemoryError:
        raise  # memory ran out: fichier.ressources (acquire.guarded_outcome), not the image's fault
    except images._DECODE_ERRORS as exc:
        if out_of_memory(exc):  # a decoder that could not allocate: fichier.ressources
            raise
        raise DocprocError(Reason.image_unreadable) from exc
    target = int(IMAGE_WIDTH_INCHES * dpi)
    if page.width > target:
        page = page.resize(
            (target, max(1, round(page.height * target / page.width))), Image.Resampling.LANCZOS
        )
    if page.width * page.height > RENDER_MAX_PIXELS:  # a very tall strip
        factor = math.sqrt(RENDER_MAX_PIXELS / (page.width * page.height)) * 0.999
        page = page.resize(
            (max(1, int(page.width * factor)), max(1, int(page.height * factor))),
            Image.Resampling.BILINEAR,
        )
    return page


def _to_rgb(im: Any) -> Any:
    from PIL import Image

    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        im.mode == "P" and "transparency" in im.info
    ):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        from docproc.text.images import _to_grey

        return _to_grey(im).convert("RGB")
    rgb = im.convert("RGB")
    return Image.frombytes("RGB", rgb.size, rgb.tobytes())  # pixels only
