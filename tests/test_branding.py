"""The clinic's logo and colour: refused when unreadable or unsafe, kept and
served when good, and shown on the kiosk's pages and in both PDFs."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk import branding, stored_pdfs
from kiosk.extensions import db
from kiosk.models import Consultation
from kiosk.settings import SETTINGS, SettingError

from .logos import SVG_LOGO, png_logo
from .staff_helpers import add_consultation, settings_form_data

URL = "/staff/settings"


# The colour ----------------------------------------------------------------------------


def test_a_readable_colour_is_kept_in_lower_case():
    assert branding.check_colour("#7A1F5C") == "#7a1f5c"
    assert branding.check_colour(" 1d4f6e ") == "#1d4f6e"


@pytest.mark.parametrize("colour", ["#88ccff", "#ffdd00", "#1d8f6e", "#ff0000"])
def test_a_colour_white_cannot_be_read_on_gets_the_nearest_readable_shade(colour):
    with pytest.raises(branding.ColourError) as refused:
        branding.check_colour(colour)
    shade = refused.value.suggestion
    assert branding.contrast_ratio(shade, "#ffffff") >= 4.5
    assert shade in refused.value.message
    # The nearest: one step lighter would no longer read.
    import colorsys

    hue, lightness, saturation = colorsys.rgb_to_hls(*branding._rgb(shade))
    lighter = branding._hex(*colorsys.hls_to_rgb(hue, lightness + 0.01, saturation))
    assert branding.contrast_ratio(lighter, "#ffffff") < 4.5
    assert branding.check_colour(shade) == shade


@pytest.mark.parametrize("text", ["blue", "#12345", "#1234567", "#gg0000", ""])
def test_text_that_is_no_colour_is_refused_without_a_suggestion(text):
    with pytest.raises(branding.ColourError) as refused:
        branding.check_colour(text)
    assert refused.value.suggestion is None


def test_the_environment_cannot_set_an_unreadable_colour_either():
    with pytest.raises(SettingError) as refused:
        SETTINGS["BRAND_COLOUR"].parse("#88ccff")
    assert "The nearest shade that reads well is #" in refused.value.message


def test_contrast_follows_wcag():
    assert round(branding.contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(branding.contrast_ratio("#767676", "#ffffff"), 2) == 4.54


# The logo ------------------------------------------------------------------------------

UNSAFE_SVG = {
    "script": '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "event attribute": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "external image": (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<image xlink:href="http://example.com/x.png"/></svg>'
    ),
    "entity": (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>'
    ),
    "style fetching": (
        '<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(http://x/y.css);</style></svg>'
    ),
    "foreign object": (
        '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>hi</p></foreignObject></svg>'
    ),
}


@pytest.mark.parametrize("svg", UNSAFE_SVG.values(), ids=UNSAFE_SVG.keys())
def test_an_svg_that_could_run_or_fetch_anything_is_refused(svg):
    with pytest.raises(branding.LogoError, match="scripts or links to other files"):
        branding.check_logo(svg.encode())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\0" * 100, "must be a PNG or an SVG"),
        (b"\x89PNG\r\n\x1a\n" + b"not really a png", "not a PNG image that can be read"),
        (png_logo(4100, 20), "larger than 4000 pixels"),
        (b"<svg" + b" " * (branding.LOGO_BYTES + 1), "larger than 512 KB"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>", "cannot be read"),
    ],
    ids=["gif", "fake png", "too many pixels", "too big", "broken svg"],
)
def test_a_file_that_is_no_usable_logo_is_refused_with_why(data, message):
    with pytest.raises(branding.LogoError, match=message):
        branding.check_logo(data)


def test_a_good_logo_is_kept_private_under_a_name_made_from_its_content(tmp_path):
    path = branding.store_logo(tmp_path, png_logo())
    assert path.parent == tmp_path / "branding"
    assert path.suffix == ".png"
    assert path.stat().st_mode & 0o777 == 0o600
    assert branding.store_logo(tmp_path, png_logo()) == path  # the same file twice: kept once
    assert branding.store_logo(tmp_path, SVG_LOGO.encode()).suffix == ".svg"


# On the settings page, the kiosk and the PDFs --------------------------------------------


def upload(admin, app, data: bytes, filename: str, **changes):
    form = settings_form_data(app, **changes) | {"CLINIC_LOGO": (io.BytesIO(data), filename)}
    return admin.post(URL, form, token_from=URL, content_type="multipart/form-data")


def test_an_unreadable_colour_on_the_page_is_refused_with_the_shade_to_use(app, admin):
    response = admin.post(URL, settings_form_data(app, BRAND_COLOUR="#88ccff"), token_from=URL)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The nearest shade that reads well is #" in html
    assert 'value="#88ccff"' in html
    assert app.config["BRAND_COLOUR"] == "#1d4f6e"


def test_a_logo_refused_on_the_page_says_why_and_saves_nothing(app, admin):
    response = upload(admin, app, UNSAFE_SVG["script"].encode(), "logo.svg", CLINIC_PHONE="1")
    assert response.status_code == 422
    assert "scripts or links to other files" in response.get_data(as_text=True)
    assert app.config["CLINIC_LOGO"] == ""
    assert app.config["CLINIC_PHONE"] == ""


def test_the_logo_and_colour_saved_on_the_page_show_on_every_kiosk_screen(app, admin, patient):
    assert upload(admin, app, png_logo(), "logo.png", BRAND_COLOUR="#7a1f5c").status_code == 303
    patient.start()
    page = patient.get("/step/about").get_data(as_text=True)
    logo = re.search(r'<img class="masthead__logo" src="([^"]+)" alt="">', page).group(1)
    css = re.search(r'<link rel="stylesheet" href="(/brand/7a1f5c\.css)">', page).group(1)
    served = app.test_client().get(logo)
    assert served.mimetype == "image/png"
    assert served.get_data() == png_logo()
    assert "--brand: #7a1f5c;" in app.test_client().get(css).get_data(as_text=True)
    welcome = app.test_client().get("/").get_data(as_text=True)
    assert 'class="welcome__logo"' in welcome
    # Removed again: the clinic's name alone.
    form = settings_form_data(app) | {"remove_logo": "y"}
    admin.post(URL, form, token_from=URL, content_type="multipart/form-data")
    assert "masthead__logo" not in app.test_client().get("/").get_data(as_text=True)
    assert app.test_client().get(logo).status_code == 404


def brand_pixels(pdf: Path, colour: str) -> int:
    """Pixels of page 1 within a small distance of ``colour``."""
    from PIL import Image

    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", pdf, pdf],
        check=True,
    )
    target = branding._rgb(colour)
    image = Image.open(pdf.with_name(pdf.name + ".png")).convert("RGB")
    return sum(
        1
        for pixel in image.getdata()
        if sum(abs(p / 255 - t) for p, t in zip(pixel, target, strict=True)) < 0.12
    )


def test_both_pdfs_carry_the_logo_and_the_colour(app, admin, tmp_path):
    upload(admin, app, SVG_LOGO.encode(), "logo.svg", BRAND_COLOUR="#2b5d1e")
    sent = add_consultation(app)
    with app.app_context():
        for pdf in stored_pdfs.generate(db.session.get(Consultation, sent.id)):
            data = tmp_path / f"{pdf.copy}.pdf"
            data.write_bytes(stored_pdfs.pdf_path(pdf).read_bytes())
            text = PdfReader(data).pages[0].extract_text()
            assert "Riverside" in text  # the SVG logo's own text, drawn as vector text
            assert brand_pixels(data, "#7a1f5c") > 200  # the logo's fill
            assert brand_pixels(data, "#2b5d1e") > 50  # headings in the brand colour


def test_only_a_logo_kept_by_the_kiosk_can_be_named_by_a_form(tmp_path):
    kept = branding.store_logo(tmp_path, png_logo())
    assert branding.kept_logo(tmp_path, kept.name) == kept
    for name in ("../secret_key", "logo-0123456789abcdef.png", "logo.png", "", None):
        assert branding.kept_logo(tmp_path, name) is None


def test_the_preview_sample_copy_shows_the_name_logo_and_colour_not_yet_saved(
    app, accounts, tmp_path
):
    from .conftest import another_process
    from .staff_helpers import StaffClient

    unlocked = another_process(app)  # the test app's own name is forced by its config
    admin = StaffClient(unlocked.test_client())
    admin.login("ada", accounts["ada"])
    form = settings_form_data(
        unlocked, CLINIC_NAME="Riverside Skin Clinic", BRAND_COLOUR="#2b5d1e"
    ) | {"CLINIC_LOGO": (io.BytesIO(SVG_LOGO.encode()), "logo.svg"), "action": "preview"}
    html = admin.post(URL, form, token_from=URL, content_type="multipart/form-data").get_data(
        as_text=True
    )
    token = re.search(r"/staff/settings/preview/([A-Za-z0-9_-]{16})/", html).group(1)
    sample = tmp_path / "sample.pdf"
    sample.write_bytes(admin.client.get(f"/staff/settings/preview/{token}/sample.pdf").get_data())
    text = PdfReader(sample).pages[0].extract_text()
    assert "Riverside Skin Clinic" in text
    assert brand_pixels(sample, "#7a1f5c") > 200  # the logo
    assert brand_pixels(sample, "#2b5d1e") > 50  # the colour
    assert unlocked.config["CLINIC_NAME"] == "Our clinic"  # nothing saved
    assert unlocked.config["CLINIC_LOGO"] == ""
