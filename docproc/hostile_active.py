"""The ``actif`` and ``polyglotte`` families of the hostile corpus: active content in every hiding
place (plain, hex-escaped names, object streams; catalog, names tree, page and annotation
actions), and files that are also another format.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from docproc.hostile_file import ACTIVE, FOREIGN, IMAGE_SCRIPT, POLYGLOT, TRAILING, HostileFile
from docproc.hostile_images import jpeg_with_segment, make_jpeg, make_png
from docproc.hostile_pdf import (
    TEXT,
    base_objects,
    hex_names,
    simple_pdf,
    stream,
    to_object_streams,
    write_pdf,
)


#: Active content: (name, objects overrides) — each also written with hex names and in object streams.
def active_cases() -> Iterator[tuple[str, dict[int, bytes]]]:
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


def active() -> Iterator[HostileFile]:
    for name, objs in active_cases():
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


def polyglots() -> Iterator[HostileFile]:
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
