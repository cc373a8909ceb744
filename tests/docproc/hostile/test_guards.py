"""Issue 12 §1–3 and the TIFF code: one regression test per hiding place and per limit.

These call the checks directly (no sandbox, no CLI): fast and precise about the reason.
"""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image

from docproc import hostile_active, hostile_images, hostile_pdf, hostile_structure
from docproc.errors import DocprocError
from docproc.intake import jpeg_script, pdf_polyglot
from docproc.settings import get_settings
from docproc.text.images import load_images
from docproc.text.pdf_active import raw_active_name
from docproc.text.pdf_guard import inspect
from tests.conftest import SAMPLES

pytestmark = pytest.mark.adversarial


def _reason(data: bytes, **overrides: object) -> tuple[str, dict[str, object]] | None:
    try:
        inspect(data, replace(get_settings(), **overrides))  # type: ignore[arg-type]
    except DocprocError as err:
        return err.reason.value, err.data
    return None


CASES = dict(hostile_active.active_cases())


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("variant", ["plain", "hex", "objstm"])
def test_active_content_is_found_in_every_hiding_place(name: str, variant: str) -> None:
    objs = CASES[name]
    data = hostile_pdf.write_pdf(objs)
    if variant == "hex":
        data = hostile_pdf.write_pdf(
            {k: hostile_pdf.hex_names(v) if k != 4 else v for k, v in objs.items()}
        )
    elif variant == "objstm":
        data = hostile_pdf.to_object_streams(data)
    found = _reason(data)
    assert found is not None and found[0] == "pdf.contenu_actif", found
    assert found[1]["kind"] in (
        "javascript",
        "launch",
        "fichier_joint",
        "xfa",
        "richmedia",
        "uri",
        "submitform",
        "importdata",
        "gotor",
        "gotoe",
    )


def test_kind_and_place_are_named_in_french() -> None:
    try:
        inspect(
            hostile_pdf.to_object_streams(hostile_pdf.write_pdf(CASES["annotation_lien_uri"])),
            get_settings(),
        )
    except DocprocError as err:
        assert err.data == {"kind": "uri", "where": "annotation"}
        assert "lien vers une adresse web" in err.message and "annotation" in err.message
    else:
        pytest.fail("URI link not found")


def test_hex_escaped_name_is_decoded() -> None:
    assert (
        raw_active_name(b"1 0 obj << /OpenAction << /S /J#61vaScript /#4AS (x) >> >> endobj")
        == "javascript"
    )
    assert (
        raw_active_name(b"1 0 obj << /Title (x) >> endobj\nstream\n/JS /Launch\nendstream") is None
    )


def test_names_inside_streams_are_not_active() -> None:
    data = hostile_pdf.simple_pdf(
        content=b"BT /F1 11 Tf 40 780 Td (" + hostile_pdf.TEXT + b" /JS /Launch /URI) Tj ET"
    )
    assert _reason(data) is None


@pytest.mark.parametrize("path", sorted(SAMPLES.rglob("*.pdf")), ids=lambda p: p.name)
def test_every_sample_passes_the_guard(path: object) -> None:
    data = path.read_bytes()  # type: ignore[attr-defined]
    assert _reason(data) is None
    assert pdf_polyglot(data) is None


def _laughs(levels: int, fan: int) -> bytes:
    return next(
        f.data
        for f in hostile_structure.structure()
        if f.name == f"xobject_rires_{levels}x{fan}.pdf"
    )


def test_xobject_billion_laughs_is_refused_before_rendering() -> None:
    assert _reason(_laughs(9, 10)) == (
        "fichier.ressources",
        {"limite": "operateurs", "max": 1_000_000},
    )
    assert _reason(_laughs(3, 10)) is None  # a thousand draws is fine…
    assert _reason(_laughs(3, 10), pdf_max_operators=500)[0] == "fichier.ressources"  # type: ignore[index]


def test_flate_bomb_stops_at_the_stream_cap() -> None:
    objs = hostile_pdf.base_objects()
    objs[4] = hostile_pdf.stream(b"/Filter /FlateDecode", hostile_pdf.flate_bomb(1.0))
    found = _reason(hostile_pdf.write_pdf(objs))
    assert found == (
        "fichier.ressources",
        {"limite": "flux", "max": get_settings().pdf_max_stream_bytes},
    )


def test_xobject_depth_and_cycles() -> None:
    structure = {f.name: f.data for f in hostile_structure.structure()}
    assert _reason(structure["xobject_chaine_40.pdf"])[1]["limite"] == "profondeur_xobject"  # type: ignore[index]
    assert _reason(structure["xobject_cycle.pdf"])[1]["limite"] == "cycle_xobject"  # type: ignore[index]


def test_object_count_cap() -> None:
    found = _reason(hostile_structure.many_objects(2_000), pdf_max_objects=1_000)
    assert found is not None and found[1]["limite"] == "objets"


def test_pdf_followed_by_html_or_bytes_is_a_polyglot() -> None:
    pdf = hostile_pdf.simple_pdf()
    assert pdf_polyglot(pdf) is None
    assert pdf_polyglot(pdf + b"\r\n\x00\x00") is None  # padding is tolerated
    assert pdf_polyglot(pdf + b"<html><script>alert(1)</script>") == (
        "pdf.contenu_etranger",
        "html",
    )
    assert pdf_polyglot(pdf + b"junk that is not a pdf at all, longer than the slack") == (
        "pdf.donnees_apres_fin",
        "octets",
    )
    assert pdf_polyglot(pdf + b" " * 70_000) == ("pdf.donnees_apres_fin", "octets")


def test_zip_in_a_comment_far_from_the_end_is_found() -> None:
    data = next(
        f.data
        for f in hostile_active.polyglots()
        if f.name == "zip_en_commentaire_rembourrage_70ko.pdf"
    )
    assert len(data) > 70_000 and data.find(b"PK\x03\x04") < 1000
    assert pdf_polyglot(data) == ("fichier.polyglotte", "zip")


def test_markup_hidden_between_streams_is_found() -> None:
    """ "endstream" must not open a stream body that would hide what follows it."""
    objs = hostile_pdf.base_objects()
    objs[6] = hostile_pdf.stream(b"", b"x")
    data = hostile_pdf.write_pdf(objs).replace(
        b"endstream\nendobj\n5 0 obj", b"endstream\nendobj\n%<?php x(); ?>\n5 0 obj", 1
    )
    assert b"<?php" in data
    assert pdf_polyglot(data) == ("pdf.contenu_etranger", "php")


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (40, 30), 200).save(buf, "JPEG")
    return buf.getvalue()


def test_jpeg_comment_or_app_segment_with_script_is_refused() -> None:
    jpeg = _jpeg()
    php = hostile_images.jpeg_with_segment(jpeg, 0xFE, b"<?php system($_GET[1]); ?>")
    assert jpeg_script(php) == "COM"
    assert (
        jpeg_script(hostile_images.jpeg_with_segment(jpeg, 0xE1, b"x eval(atob('...'))")) == "APP1"
    )
    assert jpeg_script(hostile_images.jpeg_with_segment(jpeg, 0xFE, b"Numerise le 3 mai")) is None
    assert jpeg_script(jpeg + b"<?php after the end of image ?>") is None  # not a segment
    with pytest.raises(DocprocError) as err:
        load_images(php, "image/jpeg")
    assert err.value.reason.value == "image.segment_suspect" and err.value.data == {
        "segment": "COM"
    }


def test_images_leave_as_pixels_only() -> None:
    buf = io.BytesIO()
    im = Image.new("RGB", (60, 40), (10, 200, 30))
    exif = Image.Exif()
    exif[0x010E] = "description"
    im.save(buf, "PNG", exif=exif, icc_profile=b"\x00" * 128, pnginfo=None)
    [out] = load_images(buf.getvalue(), "image/png")
    assert out.mode == "L" and out.size == (60, 40)
    assert out.info == {} and not out.getexif()
    assert out.palette is None


def test_tiff_with_too_many_frames_has_its_own_code() -> None:
    frames = [Image.new("L", (16, 16), i) for i in range(12)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    with pytest.raises(DocprocError) as err:
        load_images(buf.getvalue(), "image/tiff")
    assert (
        err.value.reason.value == "image.trop_de_pages"
        and err.value.reason.value != "pdf.trop_de_pages"
    )
