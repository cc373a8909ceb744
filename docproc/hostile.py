"""A corpus of hostile and odd uploads, generated on demand (nothing binary is committed).

``corpus()`` returns ``HostileFile(name, data, expected)`` items: ``expected`` is the code
of the check that refuses the file (``fichier.ressources``, ``pdf.contenu_actif``…), or
None for a file that must be read (accepted at file level). Families (``family``):
``structure`` (XObject "billion laughs", flate bombs, deep nesting, object streams, object
and page counts), ``actif`` (active content in every hiding place: plain, hex-escaped names,
object streams; catalog, names tree, page and annotation actions), ``polyglotte``,
``image`` (bombs in every accepted format, script in JPEG segments), ``casse`` (broken and
truncated), ``nom`` (odd file names) and ``normal``. The longer families have their own
modules (:mod:`docproc.hostile_structure`, :mod:`docproc.hostile_active`), the builders theirs
(:mod:`docproc.hostile_pdf`, :mod:`docproc.hostile_images`), :class:`HostileFile` and the
expected codes :mod:`docproc.hostile_file`.

Used by the tests (CLI and API), by ``docproc bench --only hostile`` and by anyone who
wants to throw it at a deployment: it depends on the library's own dependencies only.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from functools import cache

from docproc.hostile_active import active, polyglots
from docproc.hostile_file import (
    EMPTY,
    ENCRYPTED,
    IMAGE_TOO_LARGE,
    IMAGE_UNREADABLE,
    MALFORMED,
    SAMPLES,
    TOO_BIG,
    TOO_MANY_FRAMES,
    WRONG_TYPE,
    HostileFile,
)
from docproc.hostile_images import (
    heic_bomb,
    jpeg_sof_bomb,
    make_jpeg,
    make_png,
    png_header_bomb,
    png_zlib_bomb,
    tiff_header_bomb,
    webp_bomb,
)
from docproc.hostile_pdf import TEXT, base_objects, simple_pdf, stream, write_pdf
from docproc.hostile_structure import structure


def _images() -> Iterator[HostileFile]:
    f = "image"
    yield HostileFile(
        "png_entete_100000x100000.png", png_header_bomb(100_000, 100_000), IMAGE_TOO_LARGE, f
    )
    yield HostileFile(
        "png_entete_10000x9000.png", png_header_bomb(10_000, 9_000), IMAGE_TOO_LARGE, f
    )
    yield HostileFile(
        "png_bombe_zlib.png", png_zlib_bomb(), None, f
    )  # decoded to its declared size only
    jpeg = make_jpeg((64, 64))
    yield HostileFile(
        "jpeg_entete_65000x65000.jpg", jpeg_sof_bomb(jpeg, 65000, 65000), IMAGE_TOO_LARGE, f
    )
    yield HostileFile(
        "jpeg_entete_9000x9000.jpg", jpeg_sof_bomb(jpeg, 9000, 9000), IMAGE_TOO_LARGE, f
    )
    yield HostileFile(
        "tiff_entete_100000x100000.tif", tiff_header_bomb(100_000, 100_000), IMAGE_TOO_LARGE, f
    )
    from PIL import Image

    frames = [Image.new("L", (32, 32), i * 4) for i in range(60)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    yield HostileFile("tiff_60_pages.tif", buf.getvalue(), TOO_MANY_FRAMES, f)
    frames = [
        Image.new("1", (6000, 6000), 1) for _ in range(4)
    ]  # each within the cap, together over it
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:], compression="group4")
    yield HostileFile("tiff_4_pages_6000x6000.tif", buf.getvalue(), IMAGE_TOO_LARGE, f)
    yield HostileFile("webp_entete_16384x16384.webp", webp_bomb(), IMAGE_TOO_LARGE, f)
    heic = heic_bomb()
    if heic is not None:
        yield HostileFile("heic_entete_30000x30000.heic", heic, IMAGE_TOO_LARGE, f)


def _broken() -> Iterator[HostileFile]:
    f = "casse"
    pdf = simple_pdf()
    avis = (
        (SAMPLES / "avis_2025_couple_4p.pdf").read_bytes()
        if (SAMPLES / "avis_2025_couple_4p.pdf").is_file()
        else pdf
    )
    yield HostileFile("vide.pdf", b"", EMPTY, f)
    yield HostileFile("entete_seul.pdf", b"%PDF-1.7\n", MALFORMED, f)
    yield HostileFile("pdf_tronque_10.pdf", avis[: len(avis) // 10], MALFORMED, f)
    yield HostileFile("pdf_tronque_33.pdf", avis[: len(avis) // 3], MALFORMED, f)
    yield HostileFile("pdf_sans_xref_ni_trailer.pdf", pdf[: pdf.find(b"xref")], MALFORMED, f)
    yield HostileFile("pdf_octets_nuls.pdf", b"%PDF-1.4\n" + b"\x00" * 5000, MALFORMED, f)
    yield HostileFile(
        "pdf_zero_page.pdf",
        write_pdf(
            {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"}
        ),
        MALFORMED,
        f,
    )
    objs = base_objects()
    packed = zlib.compress(b"BT /F1 11 Tf 40 780 Td (" + TEXT + b") Tj ET", 9)
    objs[4] = stream(b"/Filter /FlateDecode", packed[:-4] + b"\xde\xad\xbe\xef")  # wrong adler32
    yield HostileFile("flate_somme_de_controle_fausse.pdf", write_pdf(objs), None, f)
    yield HostileFile(
        "aleatoire.bin", bytes((i * 7919 + 13) % 251 for i in range(4000)), WRONG_TYPE, f
    )
    yield HostileFile("gif.gif", b"GIF89a" + b"\x00" * 100, WRONG_TYPE, f)
    yield HostileFile("trop_gros.pdf", pdf + b"%" + b"0" * (2 * 1024 * 1024), TOO_BIG, f)
    jpeg = make_jpeg((300, 200))
    yield HostileFile("jpeg_tronque.jpg", jpeg[: len(jpeg) // 2], IMAGE_UNREADABLE, f)
    png = make_png((300, 200))
    yield HostileFile("png_tronque.png", png[: len(png) // 2], IMAGE_UNREADABLE, f)
    yield HostileFile(
        "tiff_entete_seul.tif", b"II*\x00\x08\x00\x00\x00\xff\xff", IMAGE_UNREADABLE, f
    )
    yield HostileFile(
        "webp_tronque.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 \x00\x00", IMAGE_UNREADABLE, f
    )
    yield HostileFile(
        "heic_tronque.heic",
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
        IMAGE_UNREADABLE,
        f,
    )
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, encrypt=pdfencrypt.StandardEncryption("secret", canPrint=1))
    c.drawString(72, 720, "Document de test protege par un mot de passe, sans rapport avec un avis")
    c.showPage()
    c.save()
    yield HostileFile("chiffre.pdf", buf.getvalue(), ENCRYPTED, f)


def _names() -> Iterator[HostileFile]:
    f = "nom"
    pdf = simple_pdf()
    for name in (
        "avis 2025 (copie) é.pdf",
        "-rf.pdf",
        "x" * 200 + ".pdf",
        "AVIS.PDF",
        "sans_extension",
        "$(reboot).pdf",
        "; rm -rf ~.pdf",
        "<script>alert(1)<\\script>.pdf",
        "nom\tavec\ttab.pdf",
        "..pdf",
        ".cache.pdf",
        "ＡＶＩＳ.pdf",
        "\u202egnp.pdf",
        "photo.jpg",
        "avis.pdf.exe",
        "ligne\nnouvelle.pdf",
        "' OR 1=1 --.pdf",
        "%00%2e%2e.pdf",
    ):
        yield HostileFile(name, pdf, None, f)
    yield HostileFile("image_nommee.pdf", make_png((120, 80)), None, f)


def _normal() -> Iterator[HostileFile]:
    f = "normal"
    for name in ("avis_2025_couple_4p.pdf", "reel_avis_2026_pacses_3p.pdf"):
        path = SAMPLES / name
        if path.is_file():
            yield HostileFile(f"normal_{name}", path.read_bytes(), None, f)


@cache
def _corpus() -> tuple[HostileFile, ...]:
    items: list[HostileFile] = []
    for family in (structure, active, polyglots, _images, _broken, _names, _normal):
        items.extend(family())
    return tuple(items)


def corpus() -> list[HostileFile]:
    """Every hostile or odd file with the code that must refuse it (None: read normally)."""
    return list(_corpus())
