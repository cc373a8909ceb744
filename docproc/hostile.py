"""A corpus of hostile and odd uploads, generated on demand (nothing binary is committed).

``corpus()`` returns ``HostileFile(name, data, expected)`` items: ``expected`` is the code
of the check that refuses the file (``fichier.ressources``, ``pdf.contenu_actif``…), or
None for a file that must be read (accepted at file level). Families (``family``):
``structure`` (XObject "billion laughs", flate bombs, deep nesting, object streams, object
and page counts), ``actif`` (active content in every hiding place: plain, hex-escaped names,
object streams; catalog, names tree, page and annotation actions), ``polyglotte``,
``image`` (bombs in every accepted format, script in JPEG segments), ``casse`` (broken and
truncated), ``nom`` (odd file names) and ``normal``.

Used by the tests (CLI and API), by ``docproc bench --only hostile`` and by anyone who
wants to throw it at a deployment: it depends on the library's own dependencies only.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from docproc.errors import Reason
from docproc.hostile_images import (
    heic_bomb,
    jpeg_sof_bomb,
    jpeg_with_segment,
    make_jpeg,
    make_png,
    png_header_bomb,
    png_zlib_bomb,
    tiff_header_bomb,
    webp_bomb,
)
from docproc.hostile_pdf import (
    TEXT,
    base_objects,
    flate_bomb,
    hex_names,
    simple_pdf,
    stream,
    to_object_streams,
    write_pdf,
)

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


RESOURCES = Reason.resources.value


ACTIVE = Reason.active_content.value


MALFORMED = Reason.malformed.value


POLYGLOT = Reason.polyglot.value


FOREIGN = Reason.foreign_markup.value


TRAILING = Reason.trailing_data.value


IMAGE_TOO_LARGE = Reason.image_too_large.value


IMAGE_UNREADABLE = Reason.image_unreadable.value


IMAGE_SCRIPT = Reason.image_script.value


TOO_MANY_FRAMES = Reason.too_many_frames.value


TOO_MANY_PAGES = Reason.too_many_pages.value


ENCRYPTED = Reason.encrypted.value


WRONG_TYPE = Reason.unsupported_type.value


EMPTY = Reason.empty.value


TOO_BIG = Reason.too_large.value


@dataclass(frozen=True)
class HostileFile:
    name: str
    data: bytes
    expected: str | None  # code of the refusing check; None: the file is read
    family: str = ""

    def __iter__(self) -> Iterator[object]:  # (name, data, expected) unpacking
        return iter((self.name, self.data, self.expected))


def _structure() -> Iterator[HostileFile]:
    f = "structure"

    def laughs(levels: int, fan: int) -> dict[int, bytes]:
        objs = base_objects(
            content=b"BT /F1 11 Tf 40 780 Td (" + TEXT + b") Tj ET /X6 Do",
            resources=b"/XObject << /X6 6 0 R >>",
        )
        for k in range(levels):
            num = 6 + k
            if k == levels - 1:
                body = b"0 0 m 10 10 l S"
                res = b""
            else:
                body = b" ".join([b"/X%d Do" % (num + 1)] * fan)
                res = b"/Resources << /XObject << /X%d %d 0 R >> >>" % (num + 1, num + 1)
            objs[num] = stream(b"/Type /XObject /Subtype /Form /BBox [0 0 100 100] " + res, body)
        return objs

    yield HostileFile("xobject_rires_9x10.pdf", write_pdf(laughs(9, 10)), RESOURCES, f)
    yield HostileFile("xobject_rires_7x20.pdf", write_pdf(laughs(7, 20)), RESOURCES, f)
    yield HostileFile(
        "xobject_rires_objstm.pdf", to_object_streams(write_pdf(laughs(9, 10))), RESOURCES, f
    )
    yield HostileFile("xobject_chaine_40.pdf", write_pdf(laughs(40, 1)), RESOURCES, f)
    yield HostileFile(
        "xobject_rires_3x10.pdf", write_pdf(laughs(3, 10)), None, f
    )  # 1 000 draws: fine
    ap = laughs(9, 10)  # the same forms, drawn by an annotation's appearance, not by the page
    ap[4] = stream(b"", b"BT /F1 11 Tf 40 780 Td (" + TEXT + b") Tj ET")
    ap[3] = ap[3].replace(b"/Resources", b"/Annots [20 0 R] /Resources")
    ap[20] = b"<< /Type /Annot /Subtype /Square /Rect [0 0 100 100] /AP << /N 6 0 R >> >>"
    yield HostileFile("xobject_rires_apparence_annotation.pdf", write_pdf(ap), RESOURCES, f)
    t3 = laughs(9, 10)  # drawn by each glyph of a Type 3 font
    t3[4] = stream(
        b"", b"BT /F1 11 Tf 40 780 Td (" + TEXT + b") Tj ET BT /T3 12 Tf 40 700 Td (aaaa) Tj ET"
    )
    t3[3] = t3[3].replace(b"/Font << /F1 5 0 R >>", b"/Font << /F1 5 0 R /T3 21 0 R >>")
    t3[21] = (
        b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 10 10] /FontMatrix [0.1 0 0 0.1 0 0] "
        b"/CharProcs << /a 22 0 R >> /Encoding << /Differences [97 /a] >> /FirstChar 97 /LastChar 97 "
        b"/Widths [10] /Resources << /XObject << /X6 6 0 R >> >> >>"
    )
    t3[22] = stream(b"", b"10 0 d0 /X6 Do")
    yield HostileFile("xobject_rires_police_type3.pdf", write_pdf(t3), RESOURCES, f)
    pat = laughs(9, 10)
    pat[4] = stream(
        b"", b"BT /F1 11 Tf 40 780 Td (" + TEXT + b") Tj ET /Pattern cs /P1 scn 0 0 500 500 re f"
    )
    pat[3] = pat[3].replace(b"/XObject << /X6 6 0 R >>", b"/Pattern << /P1 23 0 R >>")
    pat[23] = stream(
        b"/PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 10 10] /XStep 10 /YStep 10 "
        b"/Resources << /XObject << /X6 6 0 R >> >>",
        b"/X6 Do",
    )
    yield HostileFile("xobject_rires_motif.pdf", write_pdf(pat), RESOURCES, f)
    cyc = base_objects(
        content=b"BT /F1 11 Tf 40 780 Td (" + TEXT + b") Tj ET /X6 Do",
        resources=b"/XObject << /X6 6 0 R >>",
    )
    cyc[6] = stream(
        b"/Type /XObject /Subtype /Form /BBox [0 0 9 9] /Resources << /XObject << /X7 7 0 R >> >>",
        b"/X7 Do",
    )
    cyc[7] = stream(
        b"/Type /XObject /Subtype /Form /BBox [0 0 9 9] /Resources << /XObject << /X6 6 0 R >> >>",
        b"/X6 Do",
    )
    yield HostileFile("xobject_cycle.pdf", write_pdf(cyc), RESOURCES, f)

    bomb = flate_bomb(1.0)
    objs = base_objects()
    objs[4] = stream(b"/Filter /FlateDecode", bomb)
    yield HostileFile("flate_bombe_1go_contenu.pdf", write_pdf(objs), RESOURCES, f)
    yield HostileFile(
        "flate_bombe_1go_objstm.pdf", to_object_streams(write_pdf(objs)), RESOURCES, f
    )
    objs = base_objects(
        content=b"BT /F1 11 Tf 40 780 Td (" + TEXT + b") Tj ET /X6 Do",
        resources=b"/XObject << /X6 6 0 R >>",
    )
    objs[6] = stream(
        b"/Type /XObject /Subtype /Form /BBox [0 0 9 9] /Filter /FlateDecode", flate_bomb(0.5)
    )
    yield HostileFile("flate_bombe_formulaire.pdf", write_pdf(objs), RESOURCES, f)
    objs = base_objects()
    objs[6] = stream(b"/Filter /FlateDecode", flate_bomb(0.5, b"\x00"))  # referenced by nothing
    yield HostileFile("flate_bombe_orpheline.pdf", write_pdf(objs), RESOURCES, f)
    inner = flate_bomb(0.06)  # 60 MiB once inflated twice
    objs = base_objects()
    objs[6] = stream(b"/Filter [/FlateDecode /FlateDecode]", zlib.compress(inner, 9))
    yield HostileFile("flate_bombe_double.pdf", write_pdf(objs), RESOURCES, f)
    objs = base_objects()
    for k in range(7):  # 7 × 20 MiB: each under the per-stream cap, together over the total
        objs[6 + k] = stream(b"/Filter /FlateDecode", flate_bomb(0.02, bytes([65 + k])))
    yield HostileFile("flate_flux_nombreux.pdf", write_pdf(objs), RESOURCES, f)
    ops = zlib.compress(b"q Q\n" * 2_500_000, 9)
    objs = base_objects()
    objs[4] = stream(b"/Filter /FlateDecode", ops)
    objs[6] = stream(b"", b"BT /F1 11 Tf 40 780 Td (" + TEXT + b") Tj ET")
    objs[3] = objs[3].replace(b"/Contents 4 0 R", b"/Contents [6 0 R 4 0 R]")
    yield HostileFile("operateurs_2_5_millions.pdf", write_pdf(objs), RESOURCES, f)
    objs = base_objects()
    objs[6] = b"[" * 60_000 + b"]" * 60_000
    objs[1] = objs[1].replace(b"/Pages 2 0 R", b"/Pages 2 0 R /Junk 6 0 R")
    yield HostileFile(
        "imbrication_tableaux_60000.pdf", write_pdf(objs), None, f
    )  # qpdf/PDFium cut it
    objs = base_objects()
    objs[6] = b"<< /A " * 20_000 + b"1" + b" >>" * 20_000
    objs[1] = objs[1].replace(b"/Pages 2 0 R", b"/Pages 2 0 R /Junk 6 0 R")
    yield HostileFile("imbrication_dictionnaires_20000.pdf", write_pdf(objs), None, f)
    objs = base_objects()
    objs[2] = b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>"  # the tree contains itself
    yield HostileFile("arbre_pages_cyclique.pdf", write_pdf(objs), MALFORMED, f)
    yield HostileFile("objets_60000_objstm.pdf", _many_objects(60_000), RESOURCES, f)
    yield HostileFile("pages_5000.pdf", _many_pages(5000), TOO_MANY_PAGES, f)
    objs = base_objects(content=b"")
    objs[3] = objs[3].replace(b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 200000 200000]")
    yield HostileFile("page_geante_sans_texte.pdf", write_pdf(objs), IMAGE_TOO_LARGE, f)
    objs = base_objects(
        content=b"BT /F1 11 Tf 40 780 Td (" + TEXT + b") Tj ET q 10 0 0 10 0 0 cm /Im Do Q",
        resources=b"/XObject << /Im 6 0 R >>",
    )
    objs[6] = stream(
        b"/Type /XObject /Subtype /Image /Width 60000 /Height 60000 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode",
        flate_bomb(0.1, b"\x00"),
    )
    yield HostileFile("image_pdf_60000x60000.pdf", write_pdf(objs), IMAGE_TOO_LARGE, f)
    inline = (
        b"BT /F1 11 Tf 40 780 Td (" + TEXT + b") Tj ET q 500 0 0 500 0 0 cm "
        b"BI /W 60000 /H 60000 /CS /G /BPC 8 /F /Fl ID " + zlib.compress(b"\x00" * 1000) + b" EI Q"
    )
    yield HostileFile(
        "image_en_ligne_60000x60000.pdf", simple_pdf(content=inline), None, f
    )  # PDFium declines it
    data = simple_pdf()
    yield HostileFile(
        "longueur_mensongere.pdf",
        data.replace(b"/Length %d" % (len(TEXT) + 33), b"/Length 999999"),
        None,
        f,
    )
    objs = base_objects()
    circular = write_pdf(objs)
    start = int(circular.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    circular = circular.replace(b"/Root 1 0 R ", b"/Root 1 0 R /Prev %d " % start)
    yield HostileFile("xref_prev_circulaire.pdf", circular, None, f)


def _many_objects(n: int) -> bytes:
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(simple_pdf()))
    junk = pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(N=i)) for i in range(n)])
    pdf.Root.Junk = pdf.make_indirect(junk)
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _many_pages(n: int) -> bytes:
    objs: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        4: stream(b"", b"BT /F1 11 Tf 40 780 Td (" + TEXT + b") Tj ET"),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    kids = []
    for i in range(n):
        num = 6 + i
        kids.append(b"%d 0 R" % num)
        objs[num] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>"
        )
    objs[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % n
    return write_pdf(objs)


#: Active content: (name, objects overrides) — each also written with hex names and in object streams.
def _active_cases() -> Iterator[tuple[str, dict[int, bytes]]]:
    js = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    yield "openaction_javascript", base_objects(catalog=b"/OpenAction " + js + b" ")
    yield "openaction_launch", base_objects(catalog=b"/OpenAction << /S /Launch /F (cmd.exe) >> ")
    yield (
        "openaction_uri",
        base_objects(catalog=b"/OpenAction << /S /URI /URI (http://exemple.invalid/) >> "),
    )
    yield (
        "openaction_gotoe",
        base_objects(catalog=b"/OpenAction << /S /GoToE /T << /R /C /N (a) >> >> "),
    )
    o = base_objects(catalog=b"/Names << /JavaScript 6 0 R >> ")
    o[6] = b"<< /Names [(a) 7 0 R] >>"
    o[7] = js
    yield "names_javascript", o
    o = base_objects(catalog=b"/Names << /EmbeddedFiles 6 0 R >> ")
    o[6] = b"<< /Names [(facture.exe) 7 0 R] >>"
    o[7] = b"<< /Type /Filespec /F (facture.exe) /EF << /F 8 0 R >> >>"
    o[8] = stream(b"/Type /EmbeddedFile", b"MZ\x90\x00 not really a program")
    yield "names_fichier_joint", o
    o = base_objects(catalog=b"/AcroForm << /Fields [] /XFA 6 0 R >> ")
    o[6] = stream(b"", b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"></xdp:xdp>')
    yield "acroform_xfa", o
    yield "document_aa_javascript", base_objects(catalog=b"/AA << /WC " + js + b" >> ")
    yield "page_aa_launch", base_objects(page=b"/AA << /O << /S /Launch /F (calc) >> >> ")
    yield "page_aa_javascript", base_objects(page=b"/AA << /C " + js + b" >> ")

    def annot(body: bytes) -> dict[int, bytes]:
        o = base_objects(page=b"/Annots [6 0 R] ")
        o[6] = b"<< /Type /Annot /Rect [10 10 60 30] " + body + b" >>"
        return o

    yield (
        "annotation_lien_uri",
        annot(b"/Subtype /Link /A << /S /URI /URI (http://exemple.invalid/) >>"),
    )
    yield (
        "annotation_submitform",
        annot(b"/Subtype /Widget /FT /Btn /A << /S /SubmitForm /F (http://x.invalid) >>"),
    )
    yield (
        "annotation_importdata",
        annot(b"/Subtype /Widget /FT /Btn /A << /S /ImportData /F (x.fdf) >>"),
    )
    yield "annotation_gotor", annot(b"/Subtype /Link /A << /S /GoToR /F (autre.pdf) /D [0 /Fit] >>")
    yield "annotation_javascript", annot(b"/Subtype /Link /A " + js)
    yield "annotation_aa_javascript", annot(b"/Subtype /Widget /AA << /E " + js + b" >>")
    yield (
        "annotation_richmedia",
        annot(b"/Subtype /RichMedia /RichMediaContent << /Assets << >> >>"),
    )
    o = annot(b"/Subtype /FileAttachment /FS 7 0 R")
    o[7] = b"<< /Type /Filespec /F (a.exe) >>"
    yield "annotation_fichier_joint", o


def _active() -> Iterator[HostileFile]:
    for name, objs in _active_cases():
        plain = write_pdf(objs)
        yield HostileFile(f"actif_{name}.pdf", plain, ACTIVE, "actif")
        yield HostileFile(
            f"actif_{name}_hex.pdf",
            write_pdf({k: hex_names(v) if k != 4 else v for k, v in objs.items()}),
            ACTIVE,
            "actif",
        )
        if name in (
            "openaction_javascript",
            "openaction_launch",
            "names_javascript",
            "names_fichier_joint",
            "page_aa_launch",
            "annotation_lien_uri",
            "annotation_submitform",
            "acroform_xfa",
            "annotation_javascript",
            "openaction_uri",
        ):
            yield HostileFile(f"actif_{name}_objstm.pdf", to_object_streams(plain), ACTIVE, "actif")
    # names of actions written as text on the page are only text
    yield HostileFile(
        "texte_qui_cite_javascript.pdf",
        simple_pdf(content=b"BT /F1 11 Tf 40 780 Td (" + TEXT + b" /JS /Launch /URI /XFA) Tj ET"),
        None,
        "actif",
    )


def _polyglots() -> Iterator[HostileFile]:
    f = "polyglotte"
    pdf = simple_pdf()
    zip_bytes = _zip()
    yield HostileFile(
        "pdf_puis_html_script.pdf",
        pdf + b"<html><script>alert(document.cookie)</script></html>\n",
        FOREIGN,
        f,
    )
    yield HostileFile("pdf_puis_script_court.pdf", pdf + b"<script>x()</script>", FOREIGN, f)
    yield HostileFile(
        "pdf_puis_octets.pdf", pdf + b"\x89\x01\x02 donnees inconnues " * 8, TRAILING, f
    )
    yield HostileFile("pdf_puis_zip.pdf", pdf + zip_bytes, POLYGLOT, f)
    commented = pdf.replace(
        b"%\xe2\xe3\xcf\xd3\n", b"%\xe2\xe3\xcf\xd3\n%" + zip_bytes.replace(b"\n", b" ") + b"\n", 1
    )
    yield HostileFile(
        "zip_en_commentaire_rembourrage_70ko.pdf",
        _fix_xref(commented) + b"%" + b" " * 70_000 + b"\n",
        POLYGLOT,
        f,
    )
    yield HostileFile(
        "php_en_commentaire.pdf",
        _fix_xref(
            pdf.replace(
                b"%\xe2\xe3\xcf\xd3\n", b"%\xe2\xe3\xcf\xd3\n%<?php system($_GET['c']); ?>\n", 1
            )
        ),
        FOREIGN,
        f,
    )
    yield HostileFile(
        "html_dans_info.pdf",
        write_pdf(
            {**base_objects(), 6: b"<< /Title (<html><body>x</body></html>) >>"},
            trailer=b"/Info 6 0 R ",
        ),
        FOREIGN,
        f,
    )
    yield HostileFile("rembourrage_blanc_apres_eof.pdf", pdf + b"\n" * 10, None, f)
    jpeg = make_jpeg((120, 80))
    yield HostileFile(
        "jpeg_php_commentaire.jpg",
        jpeg_with_segment(jpeg, 0xFE, b"<?php eval($_POST['x']); ?>"),
        IMAGE_SCRIPT,
        f,
    )
    yield HostileFile(
        "jpeg_script_app13.jpg",
        jpeg_with_segment(jpeg, 0xED, b"Photoshop 3.0\x00<script>alert(1)</script>"),
        IMAGE_SCRIPT,
        f,
    )
    yield HostileFile(
        "jpeg_commentaire_banal.jpg",
        jpeg_with_segment(jpeg, 0xFE, b"Scanne le 12/05/2025"),
        None,
        f,
    )
    yield HostileFile("jpeg_puis_zip.jpg", jpeg + zip_bytes, POLYGLOT, f)
    yield HostileFile("png_puis_zip.png", make_png((120, 80)) + zip_bytes, POLYGLOT, f)


def _fix_xref(data: bytes) -> bytes:
    """Re-write a PDF made by ``write_pdf`` whose bytes moved (offsets recomputed)."""
    head, _, rest = data.partition(b"1 0 obj\n")
    objs: dict[int, bytes] = {}
    body = b"1 0 obj\n" + rest.split(b"xref\n", 1)[0]
    for m in re.finditer(rb"(\d+) 0 obj\n(.*?)\nendobj\n", body, re.S):
        objs[int(m.group(1))] = m.group(2)
    trailer = re.search(rb"/Root 1 0 R (.*?)>>\nstartxref", data, re.S)
    return write_pdf(objs, header=head, trailer=trailer.group(1) if trailer else b"")


def _zip() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    return buf.getvalue()


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
    for family in (_structure, _active, _polyglots, _images, _broken, _names, _normal):
        items.extend(family())
    return tuple(items)


def corpus() -> list[HostileFile]:
    """Every hostile or odd file with the code that must refuse it (None: read normally)."""
    return list(_corpus())
