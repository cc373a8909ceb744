"""The ``structure`` family of the hostile corpus: XObject "billion laughs", flate bombs, deep
nesting, object streams, object and page counts.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator

from docproc.hostile_file import IMAGE_TOO_LARGE, MALFORMED, RESOURCES, TOO_MANY_PAGES, HostileFile
from docproc.hostile_pdf import (
    TEXT,
    base_objects,
    flate_bomb,
    simple_pdf,
    stream,
    to_object_streams,
    write_pdf,
)


def structure() -> Iterator[HostileFile]:
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
    yield HostileFile("objets_60000_objstm.pdf", many_objects(60_000), RESOURCES, f)
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


def many_objects(n: int) -> bytes:
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
