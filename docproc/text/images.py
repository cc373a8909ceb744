"""Decode uploaded images (JPEG, PNG, TIFF, HEIC, WEBP) and render PDF pages, safely.

Every image is checked against the pixel cap from its header, *before* any pixel is
decoded; multi-page TIFFs are capped in frames; the EXIF orientation is applied; the
result is greyscale (``L``). Damaged files raise ``DocprocError(image_unreadable)``.

OpenCV never decodes untrusted bytes in docproc (engineering.md B.4): Pillow, capped,
decodes; OpenCV only sees numpy arrays. Its own cap is still tightened, before any import
of cv2, in case some other module does.

Each returned image carries in ``info``:

- ``DPI_KEY`` (``"docproc_dpi"``): the resolution the file declares, only when it is
  believable for a sheet of paper (a phone's 72-dpi tag on a 4000-pixel photo is not);
- ``CAMERA_KEY`` (``"docproc_camera"``): True when EXIF names a camera (a photo).
"""

from __future__ import annotations

import io
import math
import os
import struct
import warnings
import zlib
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from docproc.errors import DocprocError, Reason, out_of_memory
from docproc.intake import HEIC, JPEG, PNG, TIFF, WEBP, jpeg_script
from docproc.settings import get_settings

if TYPE_CHECKING:
    import pypdfium2

os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(get_settings().max_image_pixels))

DPI_KEY = "docproc_dpi"
CAMERA_KEY = "docproc_camera"

#: The only Pillow decoders tried for each accepted type (never FITS, PSD, EPS…).
FORMATS: dict[str, tuple[str, ...]] = {
    JPEG: ("JPEG",),
    PNG: ("PNG",),
    TIFF: ("TIFF",),
    WEBP: ("WEBP",),
    HEIC: ("HEIF",),
}
#: Decoded frames of one file may not exceed this many times the per-image pixel cap.
TOTAL_PIXEL_FACTOR = 3
#: A JPEG larger than this (long side, pixels) is decoded at a reduced DCT scale.
JPEG_DRAFT_SIDE = 4200

_heif_ready = False

# Pillow warns above MAX_IMAGE_PIXELS and only raises above twice that: make the warning an
# error wherever Pillow is used in this process (engineering.md B.4).
warnings.simplefilter("error", Image.DecompressionBombWarning)


def _configure(max_pixels: int) -> None:
    # Pillow's cap is process-wide: it follows the setting (set here, not only at import,
    # so that worker processes and changed settings get it too).
    if max_pixels != Image.MAX_IMAGE_PIXELS:
        Image.MAX_IMAGE_PIXELS = max_pixels


def _register_heif() -> None:
    global _heif_ready
    if _heif_ready:
        return
    try:
        import pillow_heif
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise DocprocError(Reason.unsupported_type, detail="heif_unavailable") from exc
    pillow_heif.register_heif_opener()
    _heif_ready = True


_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    TypeError,
    IndexError,
    KeyError,
    ZeroDivisionError,
    zlib.error,
    RuntimeError,
    Warning,
)


def load_images(data: bytes, media_type: str) -> list[Image.Image]:
    """The pages of an image file, greyscale, upright per EXIF, each within the pixel cap.

    Raises DocprocError with reason ``unsupported_type`` (not an image type docproc reads),
    ``empty``, ``image_too_large`` (over ``max_image_pixels`` per frame, or frames
    together over 3× that), ``too_many_frames`` (a TIFF with more than ``max_frames``
    frames), ``image_script`` (a JPEG comment or APPn segment holding script-like
    content) or ``image_unreadable`` (truncated, corrupt, not what it claims to be).

    What comes back is pixels only: each frame is rebuilt from its raw greyscale bytes, so
    no metadata, profile or trailing data of the upload goes further (OCR, 2D-Doc reader).
    """
    if media_type not in FORMATS:
        raise DocprocError(Reason.unsupported_type)
    if not data:
        raise DocprocError(Reason.empty)
    if media_type == JPEG and (segment := jpeg_script(data)) is not None:
        raise DocprocError(Reason.image_script, segment=segment)
    settings = get_settings()
    max_pixels = settings.max_image_pixels
    _configure(max_pixels)
    if media_type == HEIC:
        _register_heif()
    try:
        # The header's size is checked by Pillow at open (the module-level filter turns its
        # warning into an error) and again below, per frame, before any pixel is decoded.
        return _load(data, media_type, max_pixels, settings.max_frames)
    except DocprocError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DocprocError(Reason.image_too_large) from exc
    except MemoryError:
        raise  # memory ran out: fichier.ressources (acquire.guarded_outcome), not the image's fault
    except _DECODE_ERRORS as exc:
        if out_of_memory(exc):  # a decoder that could not allocate: fichier.ressources
            raise
        raise DocprocError(Reason.image_unreadable) from exc


def _load(data: bytes, media_type: str, max_pixels: int, max_frames: int) -> list[Image.Image]:
    im = Image.open(io.BytesIO(data), formats=list(FORMATS[media_type]))
    # First every frame's header (a seek reads no pixels): count, size of each, size of all;
    # only then are pixels decoded, so a bomb is refused before any work.
    sizes: list[tuple[int, int]] = []
    total = 0
    while True:
        if sizes:
            if media_type != TIFF:
                break  # HEIC bursts, animated WEBP: the first image is the photo
            try:
                im.seek(len(sizes))
            except EOFError:
                break
        if len(sizes) >= max_frames:
            # One more frame than allowed exists: refuse rather than silently drop pages.
            raise DocprocError(Reason.too_many_frames, max_frames=max_frames)
        width, height = im.size
        if width <= 0 or height <= 0:
            raise DocprocError(Reason.image_unreadable)
        if width * height > max_pixels:
            raise DocprocError(Reason.image_too_large, pixels=width * height, max_pixels=max_pixels)
        total += width * height
        if total > TOTAL_PIXEL_FACTOR * max_pixels:
            raise DocprocError(Reason.image_too_large, pixels=total)
        sizes.append((width, height))
    frames: list[Image.Image] = []
    for index in range(len(sizes)):
        if index > 0 or media_type == TIFF:
            im.seek(index)
        frames.append(_prepare(im, media_type))
    if not frames:
        raise DocprocError(Reason.image_unreadable)
    return frames


def _prepare(im: Image.Image, media_type: str) -> Image.Image:
    """Decode the current frame: upright, greyscale, with the docproc info keys."""
    exif = im.getexif()
    camera = bool(exif.get(0x010F) or exif.get(0x0110))  # Make, Model
    declared = _declared_dpi(im)
    if media_type == JPEG:
        # Decode only the luma plane, and at 1/2, 1/4… straight from the DCT when the
        # photo is far larger than OCR needs: less memory and time.
        width = im.width
        factor = min(1.0, JPEG_DRAFT_SIDE / max(im.size))
        im.draft("L", (math.ceil(im.width * factor), math.ceil(im.height * factor)))
        if declared and im.width != width:
            declared *= im.width / width
    im.load()
    upright = ImageOps.exif_transpose(im)
    grey = _to_grey(upright if upright is not None else im)
    grey = Image.frombytes("L", grey.size, grey.tobytes())  # pixels only, nothing else of the file
    if camera:
        grey.info[CAMERA_KEY] = True
    if declared and not camera and _believable(grey.size, declared):
        grey.info[DPI_KEY] = float(declared)
        grey.info["dpi"] = (declared, declared)
    return grey


def _declared_dpi(im: Image.Image) -> float | None:
    dpi = im.info.get("dpi")
    if not isinstance(dpi, (tuple, list)) or len(dpi) < 2:
        return None
    try:
        x, y = float(dpi[0]), float(dpi[1])
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(x) and math.isfinite(y)) or x <= 0 or y <= 0:
        return None
    if abs(x - y) > 0.02 * max(x, y):
        return None
    # PNG stores pixels per metre: 300 dpi comes back as 299.9994.
    return float(round(x)) if abs(x - round(x)) < 0.01 else x


def _believable(size: tuple[int, int], dpi: float) -> bool:
    """A declared resolution is kept when it makes the image a sheet of paper (A6 to A3)."""
    if not 100 <= dpi <= 1200:
        return False
    long_in = max(size) / dpi
    short_in = min(size) / dpi
    return 5.0 <= long_in <= 17.5 and 3.5 <= short_in <= 12.5


def _to_grey(im: Image.Image) -> Image.Image:
    mode = im.mode
    if mode == "L":
        return im
    if mode == "1":
        return im.convert("L")
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(im, dtype=np.float32)
        top = float(arr.max()) if arr.size else 0.0
        limit = 255.0 if top <= 255 else (65535.0 if top <= 65535 else top)
        return Image.fromarray(np.clip(arr * (255.0 / limit), 0, 255).astype(np.uint8), "L")
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    if mode in ("RGB", "P"):
        return im.convert("L")
    return im.convert("RGB").convert("L")


def render_pdf_page(pdf: pypdfium2.PdfDocument, index: int, dpi: int) -> Image.Image:
    """Render page ``index`` (0-based) of a ``pypdfium2.PdfDocument`` in greyscale.

    The resolution is lowered when the page is so large that ``dpi`` would exceed the
    pixel cap; a page that cannot be rendered above 50 dpi within the cap is refused
    (``image_too_large``). The image's ``info`` carries the resolution actually used.
    """
    import pypdfium2

    if not isinstance(pdf, pypdfium2.PdfDocument):
        raise TypeError("render_pdf_page expects a pypdfium2.PdfDocument")
    max_pixels = get_settings().max_image_pixels
    try:
        page = pdf[index]
    except (pypdfium2.PdfiumError, IndexError, ValueError) as exc:
        raise DocprocError(Reason.malformed) from exc
    try:
        w_pt, h_pt = page.get_size()
        if not (w_pt > 0 and h_pt > 0 and math.isfinite(w_pt) and math.isfinite(h_pt)):
            raise DocprocError(Reason.malformed)
        scale = dpi / 72.0
        if w_pt * h_pt * scale * scale > max_pixels:
            scale = math.sqrt(max_pixels / (w_pt * h_pt)) * 0.999
            if scale * 72.0 < 50.0:
                raise DocprocError(
                    Reason.image_too_large, width_pt=round(w_pt), height_pt=round(h_pt)
                )
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            img: Image.Image = bitmap.to_pil()
            img = img.convert("L") if img.mode != "L" else img.copy()
        finally:
            bitmap.close()
    except pypdfium2.PdfiumError as exc:
        if "bitmap" in str(exc).lower():  # PDFium could not allocate the page's pixels
            raise DocprocError(Reason.resources, limite="memoire") from exc
        raise DocprocError(Reason.malformed) from exc
    finally:
        page.close()
    used = scale * 72.0
    img.info = {DPI_KEY: used, "dpi": (used, used)}
    return img
