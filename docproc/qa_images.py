"""The QA report's images: each mismatch's page with the field's box (value in red, label in blue),
thumbnails, renders of PDF pages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: At most this many page images are embedded (the report stays a few megabytes).
MAX_IMAGES = 120

#: Resolution of the embedded pages: enough to see the field, small enough to inline.
IMAGE_DPI = 60

#: Resolution of the crop around a field: its characters readable.
CROP_DPI = 100

#: Margin around the field in the crop, as a fraction of the page.
CROP_MARGIN = 0.04

VALUE_COLOUR = (220, 0, 0)

LABEL_COLOUR = (0, 90, 200)

#: A4 width in inches: a page image of unknown resolution is scaled as if it were A4 wide.
_A4_WIDTH_IN = 8.27


def _png_uri(image: Any, colours: int = 32) -> str:
    """A small inline PNG: a few colours, no dithering (a page of text and two frames)."""
    import base64
    import io

    from PIL import Image

    small = image.convert("RGB").quantize(colors=colours, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _frame(
    draw: Any,
    box: Any,
    size: tuple[int, int],
    colour: tuple[int, int, int],
    offset: tuple[int, int] = (0, 0),
) -> None:
    if not (isinstance(box, list | tuple) and len(box) == 4):
        return
    w, h = size
    x0, y0, x1, y1 = (float(v) for v in box)
    ox, oy = offset
    draw.rectangle(
        [x0 * w - ox - 2, y0 * h - oy - 2, x1 * w - ox + 2, y1 * h - oy + 2],
        outline=colour,
        width=2,
    )


def field_images(
    page: Any, bbox: Any = None, label_bbox: Any = None, *, scanned: bool = False
) -> dict[str, str]:
    """Inline images of a field on its page (a PIL image as the boxes refer to it): ``page``,
    the whole page at about :data:`IMAGE_DPI`, and ``crop``, the field and its label at about
    :data:`CROP_DPI` with a margin (only when the field has a box). The value's box is red,
    the label's blue. ``scanned``: the page is a scan or a photo (its noise is smoothed out of
    the overview)."""
    from PIL import Image, ImageDraw, ImageFilter

    width_px = page.width
    out: dict[str, str] = {}
    scale = min(1.0, _A4_WIDTH_IN * IMAGE_DPI / max(width_px, 1))
    grey = page.convert("L").resize(
        (max(1, round(page.width * scale)), max(1, round(page.height * scale))),
        Image.Resampling.LANCZOS,
    )
    # the overview shows where the field is, the crop shows what it says: four greys and white
    # keep a scan's noise out of the PNG (a tenth of the bytes)
    if scanned:
        grey = grey.filter(ImageFilter.MedianFilter(3))
    grey = grey.point(lambda v: (v // 64) * 85 if v < 192 else 255)
    thumb = grey.convert("RGB")
    draw = ImageDraw.Draw(thumb)
    _frame(draw, label_bbox, thumb.size, LABEL_COLOUR)
    _frame(draw, bbox, thumb.size, VALUE_COLOUR)
    out["page"] = _png_uri(thumb, colours=8)
    if isinstance(bbox, list | tuple) and len(bbox) == 4:
        boxes = [b for b in (bbox, label_bbox) if isinstance(b, list | tuple) and len(b) == 4]
        x0 = max(0.0, min(float(b[0]) for b in boxes) - CROP_MARGIN)
        y0 = max(0.0, min(float(b[1]) for b in boxes) - CROP_MARGIN / 2)
        x1 = min(1.0, max(float(b[2]) for b in boxes) + CROP_MARGIN)
        y1 = min(1.0, max(float(b[3]) for b in boxes) + CROP_MARGIN / 2)
        cscale = min(1.0, _A4_WIDTH_IN * CROP_DPI / max(width_px, 1))
        full = (round(page.width * cscale), round(page.height * cscale))
        region = (
            page.convert("RGB")
            .resize(full)
            .crop(
                (round(x0 * full[0]), round(y0 * full[1]), round(x1 * full[0]), round(y1 * full[1]))
            )
        )
        cdraw = ImageDraw.Draw(region)
        offset = (round(x0 * full[0]), round(y0 * full[1]))
        _frame(cdraw, label_bbox, full, LABEL_COLOUR, offset)
        _frame(cdraw, bbox, full, VALUE_COLOUR, offset)
        out["crop"] = _png_uri(region)
    return out


def render_pdf_page(data: bytes, page: int, dpi: int = CROP_DPI) -> Any:
    """A page of a PDF as a PIL image (None when it cannot be rendered)."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except Exception:  # a page that cannot be shown does not stop the report
        return None
    try:
        return pdf[page - 1].render(scale=dpi / 72).to_pil().convert("RGB")
    except Exception:  # idem
        return None
    finally:
        pdf.close()


def page_thumbnail(path: Path, page: int, bbox: Any = None, dpi: int = IMAGE_DPI) -> str | None:
    """A ``data:image/png;base64`` URI of one page, with the field's box (fractions of the
    page, top-left origin) drawn in red when provenance gives one; None if it cannot be read."""
    import base64
    import io

    from PIL import Image, ImageDraw, ImageOps

    try:
        if path.suffix.lower() == ".pdf":
            import pypdfium2

            pdf = pypdfium2.PdfDocument(str(path))
            try:
                image = pdf[page - 1].render(scale=dpi / 72).to_pil().convert("RGB")
            finally:
                pdf.close()
        else:
            with Image.open(path) as source:
                source.seek(max(0, page - 1))
                # upright as the reader and the agents' pages show it (a phone's EXIF turn)
                image = (ImageOps.exif_transpose(source) or source).convert("RGB")
                image.thumbnail((int(8.3 * dpi * 1.5), int(11.7 * dpi * 1.5)))
    except Exception:  # a page that cannot be shown does not stop the report
        return None
    if isinstance(bbox, list | tuple) and len(bbox) == 4:
        x0, y0, x1, y1 = (float(v) for v in bbox)
        w, h = image.size
        ImageDraw.Draw(image).rectangle(
            [x0 * w - 2, y0 * h - 2, x1 * w + 2, y1 * h + 2], outline=(220, 0, 0), width=2
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def page_images(mismatches: list[dict[str, Any]]) -> dict[int, str]:
    """Mismatch index → inline page image, for the first ``MAX_IMAGES`` mismatches with a page."""
    out: dict[int, str] = {}
    cache: dict[tuple[str, int, str], str | None] = {}
    for i, m in enumerate(mismatches):
        ref = m.get("page_image")
        if not ref or len(out) >= MAX_IMAGES:
            continue
        box = ref.get("file_bbox") or ref.get("bbox")  # the file's own pixels are shown
        key = (str(ref["path"]), int(ref["page"]), json.dumps(box))
        if key not in cache:
            cache[key] = page_thumbnail(Path(ref["path"]), int(ref["page"]), box)
        if cache[key]:
            out[i] = str(cache[key])
    return out
