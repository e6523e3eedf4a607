"""Badge pictures: the bundled designs draw and recolour, custom uploads are checked, and a
credential baked into a PNG or SVG reads back (and is replaced by a second bake)."""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from tracker.errors import ValidationError
from tracker.reports import badge_image
from tracker.reports.badge_image import (
    DEFAULT_COLOURS,
    DESIGNS,
    bake_png,
    bake_svg,
    check_custom_image,
    design_svg,
    png_of_svg,
    read_baked_png,
    read_baked_svg,
)
from tracker.resource_files import resource_dir

TOKEN = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6a2V5OnoifQ.c2lnbmF0dXJl"
OTHER_TOKEN = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6a2V5OnoyIn0.b3RoZXI"
SIMPLE_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">'
              '<circle cx="50" cy="50" r="40" fill="#c62828"/></svg>')


def picture(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def png_of_size(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 30, 30, 255)).save(out, "PNG")
    return out.getvalue()


def svg_file(body: str, *, extra: str = "") -> bytes:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" {extra} '
            f'width="64" height="64" viewBox="0 0 64 64">{body}</svg>').encode()


# --- designs --------------------------------------------------------------------------------------

def test_at_least_twelve_designs_ship_as_files_named_like_the_designs():
    folder = resource_dir("badges")  # resources/badges in the repository (or the installed copy)
    stems = {entry.name.removesuffix(".svg") for entry in folder.iterdir() if entry.name.endswith(".svg")}
    assert len(DESIGNS) >= 12
    assert stems == set(DESIGNS)
    assert set(DEFAULT_COLOURS) == set(DESIGNS)


@pytest.mark.parametrize("design", DESIGNS)
def test_each_design_is_a_recolourable_256_box_with_nothing_school_specific(design):
    template = (resource_dir("badges") / f"{design}.svg").read_text("utf-8")
    assert 'viewBox="0 0 256 256"' in template
    assert "{{primary" in template and "{{secondary" in template
    # no fixed colour apart from black and white (shadows and highlights): the two picks decide
    assert set(re.findall(r"#[0-9a-fA-F]{3,6}\b", template)) <= {"#000", "#fff"}
    assert "<text" not in template  # no words, so nothing to translate or to name a school


@pytest.mark.parametrize("design", DESIGNS)
def test_each_design_draws_a_transparent_cornered_256_px_png(design):
    image = picture(png_of_svg(design_svg(design, *DEFAULT_COLOURS[design])))
    assert image.format == "PNG" and image.size == (256, 256) and image.mode == "RGBA"
    assert image.getpixel((0, 255))[3] == 0 and image.getpixel((255, 255))[3] == 0  # transparent corners
    assert image.getpixel((128, 128))[3] == 255  # the badge itself is opaque
    assert len(image.getcolors(256 * 256) or []) > 50  # gradients and an emblem, not a flat blob


def test_the_size_asked_for_is_the_size_drawn():
    assert picture(png_of_svg(design_svg("star", "#1f5fbf", "#f4b400"), 64)).size == (64, 64)
    with pytest.raises(ValueError):
        png_of_svg(design_svg("star", "#1f5fbf", "#f4b400"), 4)


def test_primary_colours_the_face_and_secondary_the_rim():
    base = picture(png_of_svg(design_svg("star", "#1f5fbf", "#f4b400")))
    new_primary = picture(png_of_svg(design_svg("star", "#2e7d32", "#f4b400")))
    new_secondary = picture(png_of_svg(design_svg("star", "#1f5fbf", "#6a1b9a")))
    face, rim = (128, 56), (128, 18)
    assert new_primary.getpixel(face) != base.getpixel(face)
    assert new_primary.getpixel(rim) == base.getpixel(rim)
    assert new_secondary.getpixel(rim) != base.getpixel(rim)
    assert new_secondary.getpixel(face) == base.getpixel(face)


def test_icons_are_white_on_dark_colours_and_dark_on_light_ones():
    assert badge_image.shades("#1f5fbf", "#f4b400")["on_primary"] == "#ffffff"
    light = badge_image.shades("#ffe082", "#5d4037")["on_primary"]
    assert light != "#ffffff" and int(light[1:3], 16) < 90


def test_short_hex_colours_are_accepted_and_bad_ones_refused():
    assert "{{" not in design_svg("heart", "#c00", "#FFCCDD")
    for bad in ("red", "#12345", "#gggggg", "", "1f5fbf"):
        with pytest.raises(ValueError, match="hex colour"):
            design_svg("heart", bad, "#ffffff")
    with pytest.raises(ValueError, match="unknown badge design"):
        design_svg("unicorn", "#123456", "#654321")


def test_a_wide_custom_svg_is_centred_on_a_transparent_square():
    wide = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
            '<rect width="200" height="100" fill="#0d47a1"/></svg>')
    image = picture(png_of_svg(wide, 128))
    assert image.size == (128, 128)
    assert image.getpixel((64, 4))[3] == 0 and image.getpixel((64, 64))[3] == 255


@pytest.mark.parametrize("svg", ["not xml at all", "<svg", "<html><body/></html>",
                                 '<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>'])
def test_what_is_not_a_drawable_svg_is_refused(svg):
    with pytest.raises(ValueError):
        png_of_svg(svg)


# --- custom pictures ------------------------------------------------------------------------------

def test_a_small_png_and_a_plain_svg_are_accepted():
    assert check_custom_image(png_of_size(512, 300)) == "png"
    assert check_custom_image(SIMPLE_SVG.encode()) == "svg"
    embedded = svg_file(f'<image width="10" height="10" href="data:image/png;base64,'
                        f'{base64.b64encode(png_of_size(4, 4)).decode()}"/>')
    assert check_custom_image(embedded) == "svg"


def refusal(data: bytes) -> str:
    with pytest.raises(ValidationError) as caught:
        check_custom_image(data)
    assert caught.value.problems and caught.value.problems[0].field == "image"
    return str(caught.value)


def test_a_file_that_is_neither_png_nor_svg_is_refused():
    assert "not a PNG or SVG" in refusal(b"GIF89a\x01\x00\x01\x00")
    assert "not a PNG or SVG" in refusal(b"\xff\xd8\xff\xe0 a jpeg")


def test_a_file_over_one_megabyte_is_refused():
    big = SIMPLE_SVG.replace("</svg>", "<!--" + "x" * (1024 * 1024) + "--></svg>").encode()
    assert "at most 1 MB" in refusal(big)


def test_a_png_over_1024_pixels_is_refused():
    assert "1025×10 pixels" in refusal(png_of_size(1025, 10))
    assert check_custom_image(png_of_size(1024, 1024)) == "png"


def test_a_damaged_png_is_refused():
    data = png_of_size(20, 20)
    assert "damaged" in refusal(data[: len(data) // 2])


@pytest.mark.parametrize(("body", "extra", "says"), [
    ('<script>alert(1)</script>', "", "<script>"),
    ('<circle r="4" onclick="alert(1)"/>', "", "event handler"),
    ("", 'onload="alert(1)"', "event handler"),
    ('<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">hi</p></foreignObject>', "", "<foreignObject>"),
    ('<image href="https://tracker.example/pixel.png" width="4" height="4"/>', "", "outside"),
    ('<image xlink:href="file:///etc/passwd" width="4" height="4"/>', "", "outside"),
    ('<a href="javascript:alert(1)"><circle r="4"/></a>', "", "outside"),
    ('<rect width="4" height="4" style="fill: url(https://tracker.example/x.svg#p)"/>', "", "outside"),
    ('<style>@import url("https://tracker.example/a.css");</style>', "", "outside"),
])
def test_an_svg_with_scripts_or_outside_references_is_refused(body, extra, says):
    assert says in refusal(svg_file(body, extra=extra))


def test_an_svg_that_would_draw_billions_of_shapes_is_refused_quickly():
    levels = ['<g id="l0"><circle r="1"/></g>']
    for level in range(1, 10):
        uses = "".join(f'<use href="#l{level - 1}"/>' for _ in range(10))
        levels.append(f'<g id="l{level}">{uses}</g>')
    bomb = svg_file("<defs>" + "".join(levels) + '</defs><use href="#l9"/>')
    assert len(bomb) < 10_000
    assert "more than 20,000 shapes" in refusal(bomb)
    assert "uses itself" in refusal(svg_file('<g id="a"><use href="#a"/></g>'))
    assert "nested more than" in refusal(svg_file("<g>" * 150 + "</g>" * 150))
    fine = svg_file('<defs><circle id="dot" r="3"/></defs>' + '<use href="#dot" x="8"/>' * 50)
    assert check_custom_image(fine) == "svg"


def test_an_unreadable_svg_or_one_with_entities_is_refused():
    assert "cannot be read" in refusal(b'<svg xmlns="http://www.w3.org/2000/svg"><circle></svg>')
    assert "cannot be drawn" in refusal(b'<svg xmlns="http://www.w3.org/2000/svg" width="wide" height="4"/>')
    bomb = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>')
    assert "DOCTYPE" in refusal(bomb)


# --- baking ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def badge_png() -> bytes:
    return png_of_svg(design_svg("medal", *DEFAULT_COLOURS["medal"]), 64)


def credential_chunks(png: bytes) -> list[bytes]:
    return [data for kind, data in badge_image.png_chunks(png)
            if kind == b"iTXt" and data.startswith(b"openbadgecredential\0")]


def test_a_png_bakes_the_credential_in_one_uncompressed_itxt_chunk_before_iend(badge_png):
    baked = bake_png(badge_png, TOKEN)
    assert read_baked_png(baked) == TOKEN
    kinds = [kind for kind, _ in badge_image.png_chunks(baked)]
    assert kinds[-2:] == [b"iTXt", b"IEND"]
    # keyword, NUL, compression flag 0, method 0, empty language tag and translated keyword
    assert credential_chunks(baked) == [b"openbadgecredential\0\0\0\0\0" + TOKEN.encode()]
    assert picture(baked).tobytes() == picture(badge_png).tobytes()  # the picture is untouched
    assert PngImagePlugin.PngImageFile(io.BytesIO(baked)).text["openbadgecredential"] == TOKEN


def test_baking_again_replaces_the_credential(badge_png):
    twice = bake_png(bake_png(badge_png, TOKEN), OTHER_TOKEN)
    assert read_baked_png(twice) == OTHER_TOKEN
    assert len(credential_chunks(twice)) == 1


def test_a_plain_png_has_no_credential_and_a_damaged_one_is_refused(badge_png):
    assert read_baked_png(badge_png) is None
    broken = bytearray(bake_png(badge_png, TOKEN))
    broken[-30] ^= 0xFF  # inside the credential chunk: its CRC no longer matches
    with pytest.raises(ValueError, match="CRC"):
        read_baked_png(bytes(broken))
    with pytest.raises(ValueError):
        bake_png(b"GIF89a", TOKEN)


def test_a_credential_another_tool_baked_compressed_reads_back(badge_png):
    info = PngImagePlugin.PngInfo()
    info.add_itxt("openbadgecredential", TOKEN, zip=True)
    out = io.BytesIO()
    picture(badge_png).save(out, "PNG", pnginfo=info)
    assert read_baked_png(out.getvalue()) == TOKEN
    assert read_baked_png(bake_png(out.getvalue(), OTHER_TOKEN)) == OTHER_TOKEN


def test_an_svg_bakes_the_credential_right_after_its_start_tag():
    svg = design_svg("leaf", *DEFAULT_COLOURS["leaf"])
    baked = bake_svg(svg, TOKEN)
    assert read_baked_svg(baked) == TOKEN
    start = re.search(r"<svg\b[^>]*>", baked)
    assert start and 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in start.group(0)
    after = baked[start.end():].lstrip()
    assert after.startswith(f'<openbadges:credential verify="{TOKEN}"></openbadges:credential>')
    assert png_of_svg(baked, 64)  # still a picture


def test_baking_an_svg_again_replaces_the_credential():
    twice = bake_svg(bake_svg(SIMPLE_SVG, TOKEN), OTHER_TOKEN)
    assert read_baked_svg(twice) == OTHER_TOKEN
    assert twice.count("<openbadges:credential") == 1
    assert twice.count("xmlns:openbadges") == 1


def test_self_closing_and_prolog_svgs_bake_too():
    bare = '<?xml version="1.0"?>\n<!-- made elsewhere -->\n<svg xmlns="http://www.w3.org/2000/svg"/>'
    baked = bake_svg(bare, TOKEN)
    assert baked.startswith('<?xml version="1.0"?>\n<!-- made elsewhere -->\n<svg')
    assert read_baked_svg(baked) == TOKEN


def test_an_svg_with_no_credential_reads_none_and_an_embedded_proof_reads_its_text():
    assert read_baked_svg(SIMPLE_SVG) is None
    embedded = SIMPLE_SVG.replace(
        "<circle", '<openbadges:credential xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        '<![CDATA[{"id": "urn:uuid:1"}]]></openbadges:credential><circle')
    assert read_baked_svg(embedded) == '{"id": "urn:uuid:1"}'
    with pytest.raises(ValueError):
        bake_svg("<html/>", TOKEN)


def test_the_credential_attribute_is_escaped():
    assert read_baked_svg(bake_svg(SIMPLE_SVG, 'a"b<c>&d')) == 'a"b<c>&d'


def test_png_chunk_structure_helpers_agree_with_zlib():
    baked = bake_png(png_of_size(2, 2), TOKEN)
    offset = baked.index(b"iTXt") - 4
    (length,) = struct.unpack(">I", baked[offset:offset + 4])
    data = baked[offset + 8:offset + 8 + length]
    (crc,) = struct.unpack(">I", baked[offset + 8 + length:offset + 12 + length])
    assert crc == zlib.crc32(b"iTXt" + data)
