"""What a file is, from its bytes, never from its name."""

from __future__ import annotations

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
HEIC = "image/heic"
WEBP = "image/webp"

IMAGE_TYPES = frozenset({JPEG, PNG, TIFF, HEIC, WEBP})
ACCEPTED_TYPES = frozenset({PDF}) | IMAGE_TYPES


def sniff(data: bytes) -> str | None:
    """Media type from the magic bytes; None for anything docproc does not read."""
    head = data[:32]
    if head[:4] == b"PK\x03\x04" or head[:6] in (b"GIF87a", b"GIF89a") or head[:2] == b"BM":
        return None  # archives and formats we refuse, even when a PDF hides inside
    if head[:3] == b"\xff\xd8\xff":
        return JPEG
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
        return HEIC
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:5] == b"%PDF-":  # strict: no preamble (polyglots)
        return PDF
    return None


def is_polyglot(data: bytes) -> bool:
    """A PDF or image that is also a ZIP archive (central directory at its end)."""
    return b"PK\x05\x06" in data[-65_600:] or b"PK\x03\x04" in data[:1024]

def describe(data: bytes) -> str:
    """A short French name for an unsupported type, for messages (no content)."""
    head = data[:8]
    if not data:
        return "fichier vide"
    if head[:4] == b"PK\x03\x04":
        return "archive ZIP ou document bureautique"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image GIF"
    if head[:2] == b"BM":
        return "image BMP"
    return "format inconnu"
