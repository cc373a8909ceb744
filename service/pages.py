"""Page images for the agents' review: one page of a stored file as a PNG, in memory only.

The decrypted file never touches the disk, and neither does the image: nothing is cached.
PDFs are rendered by pypdfium2, images by Pillow (HEIC through pillow-heif when installed).
"""

from __future__ import annotations

import io
import threading

from service.errors import ApiError

#: PDFium is not thread-safe: one rendering at a time in this process (the API renders in
#: worker threads; the workers are separate processes).
_PDFIUM = threading.Lock()

DPI_MIN, DPI_MAX, DPI_DEFAULT = 50, 200, 100
#: A page never renders to more pixels than this (a hostile PDF may declare a huge page).
MAX_PIXELS = 40_000_000
#: An image is shown as if it were an A4 page this many inches wide.
_IMAGE_WIDTH_INCHES = 8.27


def page_not_found() -> ApiError:
    return ApiError(404, "page.not_found", "Cette page n'existe pas dans le fichier.")


def render_page(data: bytes, media_type: str, number: int, dpi: int) -> bytes:
    """Page ``number`` (1-based) of the file as PNG bytes at ``dpi``."""
    if not DPI_MIN <= dpi <= DPI_MAX:
        raise ApiError(422, "invalid_request", f"dpi doit être compris entre {DPI_MIN} et {DPI_MAX}.")
    if number < 1:
        raise page_not_found()
    image = _render_pdf(data, number, dpi) if media_type == "application/pdf" else _render_image(data, number, dpi)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _render_pdf(data: bytes, number: int, dpi: int):  # type: ignore[no-untyped-def]
    with _PDFIUM:
        return _render_pdf_locked(data, number, dpi)


def _render_pdf_locked(data: bytes, number: int, dpi: int):  # type: ignore[no-untyped-def]
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        if number > len(pdf):
            raise page_not_found()
        page = pdf[number - 1]
        try:
            width, height = page.get_size()
            scale = dpi / 72
            if width * height * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / max(width * height, 1.0)) ** 0.5
            bitmap = page.render(scale=scale)
            try:
                return bitmap.to_pil().convert("RGB")
            finally:
                bitmap.close()
        finally:
            page.close()
    finally:
        pdf.close()


def _render_image(data: bytes, number: int, dpi: int):  # type: ignore[no-untyped-def]
    from PIL import Image, ImageOps

    try:
        from pillow_heif import register_heif_opener

        register_heif_opener()
    except ImportError:  # pragma: no cover - optional
        pass
    with Image.open(io.BytesIO(data)) as img:
        frames = getattr(img, "n_frames", 1)
        if number > frames:
            raise page_not_found()
        img.seek(number - 1)
        page = ImageOps.exif_transpose(img.copy()) or img.copy()
    page = page.convert("RGB")
    target = int(_IMAGE_WIDTH_INCHES * dpi)
    if page.width > target:
        page = page.resize((target, max(1, round(page.height * target / page.width))), Image.Resampling.LANCZOS)
    return page
