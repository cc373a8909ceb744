"""Image bombs and odd images for the hostile corpus, in every format intake accepts."""

from __future__ import annotations

import io
import struct
import zlib

from docproc.hostile_pdf import flate_bomb


def plain_image(size: tuple[int, int]) -> object:
    from PIL import Image, ImageDraw

    im = Image.new("L", size, 255)
    if min(size) >= 12:
        ImageDraw.Draw(im).rectangle((5, 5, size[0] // 2, size[1] // 2), fill=0)
    return im


def encode_image(size: tuple[int, int], fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    plain_image(size).save(buf, fmt, **kw)  # type: ignore[attr-defined]
    return buf.getvalue()


def make_jpeg(size: tuple[int, int]) -> bytes:
    return encode_image(size, "JPEG", quality=80)


def make_png(size: tuple[int, int]) -> bytes:
    return encode_image(size, "PNG")


def jpeg_with_segment(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    seg = bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload
    return jpeg[:2] + seg + jpeg[2:]


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def png_header_bomb(width: int, height: int) -> bytes:
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def png_zlib_bomb() -> bytes:
    """A 1000×1000 grey PNG (within the caps) whose IDAT is a flate bomb of 512 MiB of zeros."""
    width = height = 1000
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    idat = flate_bomb(0.5, b"\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def jpeg_sof_bomb(jpeg: bytes, width: int, height: int) -> bytes:
    i = jpeg.find(b"\xff\xc0")
    return jpeg[: i + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + jpeg[i + 9 :]


def tiff_header_bomb(width: int, height: int) -> bytes:
    data = encode_image((16, 16), "TIFF")
    # patch ImageWidth (256) and ImageLength (257) entries of the first IFD (little-endian)
    off = struct.unpack("<I", data[4:8])[0]
    count = struct.unpack("<H", data[off : off + 2])[0]
    out = bytearray(data)
    for k in range(count):
        e = off + 2 + 12 * k
        tag, typ = struct.unpack("<HH", data[e : e + 4])
        if tag in (256, 257):
            value = width if tag == 256 else height
            if typ == 3:
                out[e + 2 : e + 4] = struct.pack("<H", 4)  # LONG
            out[e + 8 : e + 12] = struct.pack("<I", value)
    return bytes(out)


def webp_bomb() -> bytes:
    """A lossless 1×1 WebP whose VP8L header claims 16384 × 16384 pixels."""
    data = bytearray(encode_image((1, 1), "WEBP", lossless=True))
    i = data.find(b"VP8L")
    if i < 0:
        return bytes(data)
    bits = (16383) | (16383 << 14)
    head = int.from_bytes(data[i + 9 : i + 13], "little")
    head = (head & ~((1 << 28) - 1)) | bits
    data[i + 9 : i + 13] = head.to_bytes(4, "little")
    return bytes(data)


def heic_bomb() -> bytes | None:
    try:
        import pillow_heif
    except ImportError:  # pragma: no cover - declared dependency
        return None
    pillow_heif.register_heif_opener()
    try:
        data = bytearray(encode_image((64, 64), "HEIF", quality=50))
    except (OSError, ValueError, KeyError):
        return None
    i = data.find(b"ispe")
    if i < 0:
        return None
    data[i + 8 : i + 12] = (30000).to_bytes(4, "big")
    data[i + 12 : i + 16] = (30000).to_bytes(4, "big")
    return bytes(data)
