"""A minimal PDF writer for the hostile corpus: objects, object streams, hex-escaped names, flate bombs."""

from __future__ import annotations

import io
import re
import zlib
from functools import cache

TEXT = b"Document de test sans rapport avec un avis d'imp\\364t, ligne assez longue pour la couche texte"


def stream(entries: bytes, data: bytes) -> bytes:
    return b"<< " + entries + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def write_pdf(
    objects: dict[int, bytes],
    root: int = 1,
    trailer: bytes = b"",
    header: bytes = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
) -> bytes:
    """Objects (number → body) with a correct classic xref table."""
    out = bytearray(header)
    offsets: dict[int, int] = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    start = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for i in range(1, size):
        out += b"%010d 00000 n \n" % offsets[i] if i in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        root,
        trailer,
        start,
    )
    return bytes(out)


def base_objects(
    catalog: bytes = b"", page: bytes = b"", content: bytes | None = None, resources: bytes = b""
) -> dict[int, bytes]:
    """A one-page PDF with a real text layer (objects 1–5); extra objects from 6 on."""
    body = content if content is not None else b"BT /F1 11 Tf 40 780 Td (" + TEXT + b") Tj ET"
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog + b">>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> " + resources + b">> " + page + b">>",
        4: stream(b"", body),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }


def simple_pdf(**kwargs: bytes) -> bytes:
    return write_pdf(base_objects(**kwargs))


def to_object_streams(data: bytes) -> bytes:
    """The same PDF rewritten by qpdf with every object it can in compressed object streams."""
    import warnings

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
        return out.getvalue()


ESCAPED_NAMES = re.compile(
    rb"/(JavaScript|JS|Launch|URI|SubmitForm|ImportData|GoToR|GoToE|EmbeddedFiles|"
    rb"EmbeddedFile|EF|XFA|RichMedia|RichMediaContent|FileAttachment|OpenAction|AA)"
    rb"(?![A-Za-z0-9])"
)


def hex_names(body: bytes) -> bytes:
    """``/JavaScript`` → ``/J#61vaScript``: the same names, written with ``#xx`` escapes."""

    def esc(m: re.Match[bytes]) -> bytes:
        name = m.group(1)
        return b"/" + name[:1] + b"#%02X" % name[1] + name[2:]

    return ESCAPED_NAMES.sub(esc, body)


def adler_combine(a1: int, a2: int, len2: int) -> int:
    """zlib's adler32_combine: the checksum of A + B from those of A and B."""
    base = 65521
    rem = len2 % base
    sum1 = a1 & 0xFFFF
    sum2 = (rem * sum1) % base
    sum1 += (a2 & 0xFFFF) + base - 1
    sum2 += ((a1 >> 16) & 0xFFFF) + ((a2 >> 16) & 0xFFFF) + base - rem
    sum1 = sum1 % base
    sum2 = sum2 % base
    return sum1 | (sum2 << 16)


def adler_repeat(chunk: bytes, n: int) -> int:
    """adler32 of ``chunk * n`` without building it (doubling)."""
    result, result_len = 1, 0
    power, power_len = zlib.adler32(chunk), len(chunk)
    while n:
        if n & 1:
            result = adler_combine(result, power, power_len) if result_len else power
            result_len += power_len
        power = adler_combine(power, power, power_len)
        power_len *= 2
        n >>= 1
    return result


@cache
def flate_bomb(gigabytes: float = 1.0, fill: bytes = b" ") -> bytes:
    """A zlib stream of ``gigabytes`` GiB of ``fill`` in about 1 MB, built without compressing it."""
    chunk = fill * (1 << 20)
    n = max(2, int(gigabytes * 1024))
    c = zlib.compressobj(9)
    first = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    same = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    return first + same * (n - 1) + b"\x03\x00" + adler_repeat(chunk, n).to_bytes(4, "big")
