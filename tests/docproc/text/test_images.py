"""Decoding uploads safely: caps before decoding, EXIF, greyscale, believable dpi."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zlib

import numpy as np
import pypdfium2
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from docproc.errors import DocprocError, Reason
from docproc.text.images import CAMERA_KEY, DPI_KEY, load_images, render_pdf_page


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares width×height but carries almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def _encode(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _reason(data: bytes, media_type: str) -> Reason:
    with pytest.raises(DocprocError) as err:
        load_images(data, media_type)
    return err.value.reason


@pytest.mark.adversarial
@pytest.mark.parametrize("size", [(8000, 6000), (7072, 5657), (100_000, 1_000)])
def test_image_over_40_mpx_is_refused_from_its_header(size: tuple[int, int]) -> None:
    tracemalloc.start()
    try:
        assert _reason(_png_header(*size), "image/png") == Reason.image_too_large
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, "the pixels must not have been decoded"


@pytest.mark.adversarial
def test_truncated_jpeg_is_unreadable() -> None:
    data = _encode(Image.new("RGB", (1200, 1600), "white"), "JPEG")
    assert _reason(data[: len(data) // 2], "image/jpeg") == Reason.image_unreadable


@pytest.mark.adversarial
def test_tiff_with_50_frames_is_refused() -> None:
    frames = [Image.new("L", (64, 64), i * 5) for i in range(50)]
    data = _encode(frames[0], "TIFF", save_all=True, append_images=frames[1:])
    assert _reason(data, "image/tiff") == Reason.too_many_frames


def test_tiff_frames_up_to_the_cap_are_pages() -> None:
    frames = [Image.new("L", (64, 80), i * 20) for i in range(10)]
    data = _encode(frames[0], "TIFF", save_all=True, append_images=frames[1:])
    pages = load_images(data, "image/tiff")
    assert len(pages) == 10
    assert [int(np.asarray(p)[0, 0]) for p in pages] == [i * 20 for i in range(10)]


@pytest.mark.adversarial
def test_frames_together_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCPROC_MAX_IMAGE_PIXELS", "1000000")
    frames = [Image.new("L", (1000, 900), 255) for _ in range(4)]  # 0.9 Mpx each, 3.6 in all
    data = _encode(
        frames[0], "TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw"
    )
    assert _reason(data, "image/tiff") == Reason.image_too_large


@pytest.mark.adversarial
@pytest.mark.parametrize(
    "data,media_type,reason",
    [
        (b"this is not an image at all", "image/png", Reason.image_unreadable),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "image/png", Reason.image_unreadable),
        (b"\xff\xd8\xff\xe0" + b"garbage" * 10, "image/jpeg", Reason.image_unreadable),
        (b"II*\x00" + b"\xff" * 40, "image/tiff", Reason.image_unreadable),
        (b"%PDF-1.7\n", "application/pdf", Reason.unsupported_type),
        (b"", "image/png", Reason.empty),
    ],
)
def test_bytes_that_are_not_the_claimed_image(data: bytes, media_type: str, reason: Reason) -> None:
    assert _reason(data, media_type) == reason


@pytest.mark.adversarial
def test_a_png_is_not_decoded_as_jpeg() -> None:
    data = _encode(Image.new("L", (50, 50), 200), "PNG")
    assert _reason(data, "image/jpeg") == Reason.image_unreadable


def test_exif_orientation_is_applied_and_the_result_is_grey() -> None:
    img = Image.new("RGB", (400, 200), "white")
    img.paste((0, 0, 0), (0, 0, 50, 50))  # a black square top-left as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # displayed turned 90° clockwise
    exif[0x010F] = "PhoneMaker"
    page = load_images(_encode(img, "JPEG", exif=exif, dpi=(72, 72)), "image/jpeg")[0]
    arr = np.asarray(page)
    assert page.mode == "L"
    assert page.size == (200, 400)
    assert arr[:50, -50:].mean() < 40 and arr[:50, :50].mean() > 200  # now top-right
    assert page.info.get(CAMERA_KEY) is True
    assert DPI_KEY not in page.info  # a phone's 72 dpi says nothing about the sheet


def test_a_scanner_dpi_is_kept_a_meaningless_one_is_not() -> None:
    a4 = Image.new("RGB", (2480, 3508), "white")
    assert load_images(_encode(a4, "PNG", dpi=(300, 300)), "image/png")[0].info[DPI_KEY] == 300
    assert DPI_KEY not in load_images(_encode(a4, "PNG", dpi=(72, 72)), "image/png")[0].info


def test_transparency_becomes_white_and_16_bit_is_scaled() -> None:
    clear = load_images(_encode(Image.new("RGBA", (64, 64), (0, 0, 0, 0)), "PNG"), "image/png")[0]
    assert np.asarray(clear).min() == 255
    deep = Image.fromarray(np.full((32, 32), 40000, dtype=np.uint16))
    grey = load_images(_encode(deep, "TIFF"), "image/tiff")[0]
    assert grey.mode == "L" and 150 <= int(np.asarray(grey)[0, 0]) <= 160


def test_webp_and_heic() -> None:
    webp = load_images(_encode(Image.new("RGB", (120, 90), "white"), "WEBP"), "image/webp")
    assert webp[0].mode == "L" and webp[0].size == (120, 90)
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    try:
        data = _encode(Image.new("RGB", (128, 96), "white"), "HEIF")
    except (OSError, ValueError, KeyError):
        pytest.skip("this pillow-heif has no HEIF encoder")
    heic = load_images(data, "image/heic")
    assert heic[0].mode == "L" and heic[0].size == (128, 96)


def _pdf(width_pt: float, height_pt: float) -> pypdfium2.PdfDocument:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(width_pt, height_pt))
    c.drawString(72, height_pt - 72, "Avis d'impôt")
    c.showPage()
    c.save()
    return pypdfium2.PdfDocument(buf.getvalue())


def test_render_pdf_page_in_grey_at_the_asked_dpi() -> None:
    pdf = _pdf(*A4)
    try:
        img = render_pdf_page(pdf, 0, 300)
    finally:
        pdf.close()
    assert img.mode == "L"
    assert abs(img.width - 2480) <= 2 and abs(img.height - 3508) <= 2
    assert img.info[DPI_KEY] == pytest.approx(300)


@pytest.mark.adversarial
def test_render_of_a_huge_page_stays_under_the_pixel_cap() -> None:
    pdf = _pdf(5000, 5000)  # 69 inches square: 625 Mpx at 300 dpi
    try:
        img = render_pdf_page(pdf, 0, 300)
    finally:
        pdf.close()
    assert img.width * img.height <= 40_000_000
    assert img.info[DPI_KEY] < 300


@pytest.mark.adversarial
def test_render_refuses_a_page_that_cannot_fit() -> None:
    pdf = _pdf(14400, 14400)  # the largest page PDF allows: 50 dpi would still be 100 Mpx
    try:
        with pytest.raises(DocprocError) as err:
            render_pdf_page(pdf, 0, 300)
    finally:
        pdf.close()
    assert err.value.reason == Reason.image_too_large


@pytest.mark.parametrize("fault", [MemoryError(), OSError("cannot allocate memory for the image")])
def test_an_image_decoder_out_of_memory_is_fichier_ressources_not_unreadable(
    monkeypatch: pytest.MonkeyPatch, fault: BaseException
) -> None:
    """Regression: under the sandbox's memory cap, PIL failing to allocate was reported as a
    damaged image (image.illisible) or a too large one; it is memory running out."""
    from docproc.settings import get_settings
    from docproc.text import acquire, images

    def out_of_memory(*_args: object) -> list[Image.Image]:
        raise fault  # fault injection: the decoder cannot allocate

    monkeypatch.setattr(images, "_load", out_of_memory)
    buf = io.BytesIO()
    Image.new("L", (50, 50), 255).save(buf, "PNG")
    outcome = acquire.read_content_outcome(buf.getvalue(), "photo.png", "image/png", get_settings())
    assert outcome[0] == "err" and outcome[1] == "fichier.ressources"


def test_opencv_out_of_memory_while_cleaning_is_fichier_ressources(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Regression (CI, sandbox capped at 500 MB on a three-page scan): OpenCV failing to
    allocate in the page clean-up was reported as a damaged image (image.illisible)."""
    import cv2

    from docproc.settings import get_settings
    from docproc.text import acquire, cleanup

    def no_memory(*_args: object, **_kwargs: object) -> None:
        # fault injection: OpenCV's own wording for an allocation failure
        raise cv2.error("(-4:Insufficient memory) Failed to allocate 99999999 bytes")

    monkeypatch.setattr(cleanup, "clean", no_memory)
    buf = io.BytesIO()
    Image.new("L", (400, 400), 255).save(buf, "PNG")
    outcome = acquire.read_content_outcome(buf.getvalue(), "photo.png", "image/png", get_settings())
    assert outcome[0] == "err" and outcome[1] == "fichier.ressources"


def test_opencv_refusing_a_degenerate_image_is_still_image_unreadable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import cv2

    from docproc.settings import get_settings
    from docproc.text import acquire, cleanup

    def degenerate(*_args: object, **_kwargs: object) -> None:
        raise cv2.error("(-215:Assertion failed) !ssize.empty() in function 'resize'")

    monkeypatch.setattr(cleanup, "clean", degenerate)
    buf = io.BytesIO()
    Image.new("L", (400, 400), 255).save(buf, "PNG")
    outcome = acquire.read_content_outcome(buf.getvalue(), "photo.png", "image/png", get_settings())
    assert outcome[0] == "err" and outcome[1] == "image.illisible"


def test_ocr_stack_that_cannot_load_under_the_cap_is_fichier_ressources() -> None:
    """Regression (CI, light sandbox capped at 500 MB, a scan its first file): the OCR stack is
    loaded by the first scan, under the cap; dlopen then fails with "failed to map segment
    from shared object", an ImportError that was reported as an internal error (interne)."""
    import subprocess
    import sys

    probe = (
        "import resource\n"
        "from docproc.text import acquire\n"
        "acquire.load_pdf_stack()\n"
        "resource.setrlimit(resource.RLIMIT_AS, (300 * 1024 * 1024, resource.RLIM_INFINITY))\n"
        "def ocr_stack():\n"
        "    from docproc.text import ocr, tesseract\n"
        "    tesseract.warm_up()\n"
        "    return ('ok',)\n"
        "print(acquire.guarded_outcome(ocr_stack)[:2])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    outcome = done.stdout.strip()
    if outcome == "('ok',)":
        pytest.skip("the OCR stack fits in 300 MB of address space on this machine")
    assert outcome == "('err', 'fichier.ressources')", done.stderr[-500:]
