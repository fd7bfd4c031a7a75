"""The clinic's logo and colour: refused when unreadable or unsafe, kept and
served when good, and shown on the kiosk's pages and in both PDFs."""

from __future__ import annotations

import colorsys
import io
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk import create_app
from kiosk.clinic import branding
from kiosk.clinic.settings import SETTINGS, SettingError
from kiosk.core.pdf.fetcher import FetchRefused, StaticFetcher
from kiosk.data.database import db
from kiosk.data.models import AuditEvent, Consultation
from kiosk.records import stored_pdfs

from .logos import SVG_LOGO, png_claiming, png_logo
from .staff_helpers import add_consultation, settings_form_data

URL = "/staff/settings/branding"  # the settings page's section of the logo and colour


# The colour ----------------------------------------------------------------------------


def test_a_readable_colour_is_kept_in_lower_case():
    assert branding.check_colour("#7A1F5C") == "#7a1f5c"
    assert branding.check_colour(" 1d4f6e ") == "#1d4f6e"


def lightness(colour: str) -> float:
    return colorsys.rgb_to_hls(*branding._rgb(colour))[1]


def reads_everywhere(colour: str) -> bool:
    """White text on it, and it as text on white and on its pale tint (kiosk.css)."""
    tint = branding.brand_shades(colour)["brand-tint"]
    return all(
        branding.contrast_ratio(text, background) >= 4.5
        for text, background in (("#ffffff", colour), (colour, "#ffffff"), (colour, tint))
    )


# #767676 reads on white (4.54:1) but not on its own tint, behind a Change link.
@pytest.mark.parametrize("colour", ["#88ccff", "#ffdd00", "#1d8f6e", "#ff0000", "#767676"])
def test_a_colour_that_would_not_read_gets_the_nearest_shade_that_does(colour):
    with pytest.raises(branding.ColourError) as refused:
        branding.check_colour(colour)
    shade = refused.value.suggestion
    assert reads_everywhere(shade)
    assert shade in refused.value.message
    assert branding.check_colour(shade) == shade
    # The nearest: same hue and saturation, and no lightness nearer to the
    # colour's own reads everywhere.
    hue, own, saturation = colorsys.rgb_to_hls(*branding._rgb(colour))
    assert colorsys.rgb_to_hls(*branding._rgb(shade))[0] == pytest.approx(hue, abs=0.01)
    distance = abs(lightness(shade) - own)
    for step in range(200):
        for nearer in (own - distance * step / 200, own + distance * step / 200):
            candidate = branding._hex(*colorsys.hls_to_rgb(hue, nearer, saturation))
            assert candidate == shade or not reads_everywhere(candidate), (candidate, shade)


def test_the_kiosks_own_colour_is_the_default_and_reads():
    assert SETTINGS["BRAND_COLOUR"].default == branding.DEFAULT_COLOUR
    assert branding.check_colour(branding.DEFAULT_COLOUR) == branding.DEFAULT_COLOUR
    stylesheet = (Path(__file__).parent.parent / "static/css/kiosk.css").read_text()
    for name, value in branding.DEFAULT_SHADES.items():
        assert f"--{name}: {value};" in stylesheet


@pytest.mark.parametrize("text", ["blue", "#12345", "#1234567", "#gg0000", ""])
def test_text_that_is_no_colour_is_refused_without_a_suggestion(text):
    with pytest.raises(branding.ColourError) as refused:
        branding.check_colour(text)
    assert refused.value.suggestion is None


def test_the_environment_cannot_set_an_unreadable_colour_either(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_BRAND_COLOUR", "#88CCFF")
    with pytest.raises(SettingError) as refused:
        create_app({"INSTANCE_PATH": str(tmp_path)})
    assert "setting BRAND_COLOUR (KIOSK_BRAND_COLOUR)" in refused.value.message
    assert "The nearest shade that reads well is #006fc3." in refused.value.message


def test_a_colour_from_the_environment_is_kept_in_lower_case(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_BRAND_COLOUR", "#7A1F5C")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "TESTING": True})
    assert app.config["BRAND_COLOUR"] == "#7a1f5c"


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
    "event attribute deeper in": (
        '<svg xmlns="http://www.w3.org/2000/svg"><g><rect ONCLICK="alert(1)"/></g></svg>'
    ),
    "external use": (
        '<svg xmlns="http://www.w3.org/2000/svg"><use href="https://example.com/a.svg#x"/></svg>'
    ),
    "javascript link": (
        '<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>'
    ),
    "embedded svg": (
        '<svg xmlns="http://www.w3.org/2000/svg">'
        '<image href="data:image/svg+xml,%3Csvg/%3E"/></svg>'
    ),
    "external fill": (
        '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(http://x/p.svg#g)"/></svg>'
    ),
    "external doctype": (
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://x/svg11.dtd">'
        '<svg xmlns="http://www.w3.org/2000/svg"/>'
    ),
    "stylesheet instruction": (
        '<?xml version="1.0"?><?xml-stylesheet href="http://x/y.css"?>'
        '<svg xmlns="http://www.w3.org/2000/svg"/>'
    ),
}

SAFE_SVG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!-- the clinic\'s mark -->'
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
    '<defs><linearGradient id="g"><stop offset="0" stop-color="#7a1f5c"/></linearGradient>'
    '<path id="p" d="M0 0h10v10z"/></defs>'
    '<style>.a { fill: url(#g); }</style><rect class="a" width="10" height="10"/>'
    '<use xlink:href="#p"/><image href="data:image/png;base64,iVBORw0KGgo="/></svg>'
)


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
        (png_claiming(60000, 60000), "larger than 4000 pixels"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "not a PNG image that can be read"),
        (b"<svg" + b" " * (branding.LOGO_BYTES + 1), "larger than 512 KB"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>", "cannot be read"),
    ],
    ids=["gif", "fake png", "too many pixels", "huge header", "cut short", "too big", "broken svg"],
)
def test_a_file_that_is_no_usable_logo_is_refused_with_why(data, message):
    with pytest.raises(branding.LogoError, match=message):
        branding.check_logo(data)


def test_an_svg_that_refers_only_to_itself_is_a_logo():
    assert branding.check_logo(SAFE_SVG.encode(), "mark.SVG") == "svg"
    assert branding.check_logo(png_logo(4000, 10), "logo.png") == "png"


@pytest.mark.parametrize(
    ("data", "filename"),
    [(png_logo(), "logo.svg"), (SVG_LOGO.encode(), "logo.png"), (png_logo(), "logo.jpg")],
)
def test_a_logo_must_be_named_for_what_it_holds(data, filename):
    with pytest.raises(branding.LogoError, match="does not match what it holds"):
        branding.check_logo(data, filename)


def test_a_broken_logo_in_the_settings_stops_the_app_naming_it(tmp_path):
    fake = tmp_path / "logo.png"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png")
    for path, why in ((fake, "not a PNG image that can be read"), (tmp_path / "gone.png", "")):
        with pytest.raises(SettingError) as refused:
            create_app({"INSTANCE_PATH": str(tmp_path), "CLINIC_LOGO": str(path)})
        assert "setting CLINIC_LOGO (KIOSK_CLINIC_LOGO)" in refused.value.message
        assert str(path) in refused.value.message
        assert why in refused.value.message


def test_a_good_logo_is_kept_private_under_a_name_made_from_its_content(tmp_path):
    path = branding.store_logo(tmp_path, png_logo())
    assert path.parent == tmp_path / "branding"
    assert path.suffix == ".png"
    assert path.stat().st_mode & 0o777 == 0o600  # never executable, nor open to others
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert branding.store_logo(tmp_path, png_logo()) == path  # the same file twice: kept once
    assert branding.store_logo(tmp_path, SVG_LOGO.encode()).suffix == ".svg"


# On the settings page, the kiosk and the PDFs --------------------------------------------


def upload(admin, app, data: bytes, filename: str, **changes):
    form = settings_form_data(app, "branding", **changes) | {
        "CLINIC_LOGO": (io.BytesIO(data), filename)
    }
    return admin.post(URL, form, token_from=URL, content_type="multipart/form-data")


def test_an_unreadable_colour_on_the_page_is_refused_with_the_shade_to_use(app, admin):
    response = admin.post(URL, settings_form_data(app, BRAND_COLOUR="#88ccff"), token_from=URL)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The nearest shade that reads well is #" in html
    assert 'value="#88ccff"' in html
    assert app.config["BRAND_COLOUR"] == "#1d4f6e"


def test_a_logo_refused_on_the_page_says_why_and_saves_nothing(app, admin):
    svg = UNSAFE_SVG["script"].encode()
    response = upload(admin, app, svg, "logo.svg", BRAND_COLOUR="#7a1f5c")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "scripts or links to other files" in html
    assert 'id="CLINIC_LOGO-error"' in html  # beside the field
    assert 'value="#7a1f5c"' in html  # the colour typed with it is still there
    assert app.config["CLINIC_LOGO"] == ""
    assert app.config["BRAND_COLOUR"] == "#1d4f6e"


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
    assert "masthead__logo" not in welcome  # once on Welcome, large
    with app.app_context():
        [change] = db.session.scalars(
            db.select(AuditEvent.detail).where(AuditEvent.detail.contains("CLINIC_LOGO"))
        ).all()
    # The section saved from, and the file by its name, not where the server keeps it.
    assert re.fullmatch(r"Logo and colour – CLINIC_LOGO: \(empty\) → logo-[0-9a-f]+\.png", change)
    # Removed again: the clinic's name alone.
    form = settings_form_data(app, "branding") | {"remove_logo": "y"}
    admin.post(URL, form, token_from=URL, content_type="multipart/form-data")
    patient.start()
    assert "masthead__logo" not in patient.get("/step/about").get_data(as_text=True)
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
        count
        for count, pixel in image.getcolors(maxcolors=1 << 24)
        if sum(abs(p / 255 - t) for p, t in zip(pixel, target, strict=True)) < 0.12
    )


def images_on_first_page(pdf: Path) -> list[tuple[int, int]]:
    """Width and height of every raster image page 1 draws."""
    xobjects = PdfReader(pdf).pages[0]["/Resources"].get("/XObject") or {}
    found = []
    for xobject in xobjects.values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Image":
            found.append((int(xobject["/Width"]), int(xobject["/Height"])))
    return found


def sent_pdfs(app, tmp_path):
    sent = add_consultation(app)
    with app.app_context():
        for pdf in stored_pdfs.generate(db.session.get(Consultation, sent.id)):
            data = tmp_path / f"{pdf.copy}.pdf"
            data.write_bytes(stored_pdfs.pdf_path(pdf).read_bytes())
            yield data


def test_both_pdfs_carry_the_svg_logo_and_the_colour(app, admin, tmp_path):
    upload(admin, app, SVG_LOGO.encode(), "logo.svg", BRAND_COLOUR="#2b5d1e")
    copies = list(sent_pdfs(app, tmp_path))
    assert [pdf.stem for pdf in copies] == ["patient", "staff"]
    for pdf in copies:
        text = PdfReader(pdf).pages[0].extract_text()
        assert "Riverside" in text  # the SVG logo's own text, drawn as vector text
        assert brand_pixels(pdf, "#7a1f5c") > 200  # the logo's fill
        assert brand_pixels(pdf, "#2b5d1e") > 50  # headings in the brand colour


def test_both_pdfs_carry_the_png_logo_at_the_top_of_page_one(app, admin, tmp_path):
    without_logo = brand_pixels(next(sent_pdfs(app, tmp_path)), "#0a6e8c")
    upload(admin, app, png_logo(300, 80, "#0a6e8c"), "logo.png")
    for pdf in sent_pdfs(app, tmp_path):
        assert (300, 80) in images_on_first_page(pdf)
        assert brand_pixels(pdf, "#0a6e8c") > without_logo + 200
        assert brand_pixels(pdf, "#1d4f6e") > 50  # the default colour's headings


def test_only_a_logo_kept_by_the_kiosk_can_be_named_by_a_form(tmp_path):
    kept = branding.store_logo(tmp_path, png_logo())
    assert branding.kept_logo(tmp_path, kept.name) == kept
    for name in ("../secret_key", "logo-0123456789abcdef.png", "logo.png", "", None):
        assert branding.kept_logo(tmp_path, name) is None


def unlocked_admin(app, accounts):
    """An app on the test app's database without its forced name, and an admin of it."""
    from .conftest import another_process
    from .staff_helpers import StaffClient

    unlocked = another_process(app)
    admin = StaffClient(unlocked.test_client())
    admin.login("ada", accounts["ada"])
    return unlocked, admin


def preview_of(admin, app, section: str, logo: bytes | None = None, **changes) -> str:
    """A section's Preview without saving, ``logo`` uploaded; the preview's token."""
    url = f"/staff/settings/{section}"
    form = settings_form_data(app, section, **changes) | {"action": "preview"}
    if logo:
        form = form | {"CLINIC_LOGO": (io.BytesIO(logo), "logo.svg")}
    html = admin.post(url, form, token_from=url, content_type="multipart/form-data").get_data(
        as_text=True
    )
    return re.search(r"/staff/settings/preview/([A-Za-z0-9_-]{16})/", html).group(1)


def welcome_preview(admin, token: str) -> dict:
    """The preview's Welcome: its heading, its stylesheet's colour and its logo."""
    html = admin.get(f"/staff/settings/preview/{token}/welcome").get_data(as_text=True)
    css = re.search(r'<link rel="stylesheet" href="(/[^"]*(brand|\.css)[^"]*)">\s*<script', html)
    logo = re.search(r'<img class="welcome__logo" src="([^"]+)" alt="">', html)
    served = admin.client.get(logo.group(1)) if logo else None
    return {
        "heading": re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1),
        "masthead": re.search(r'<span class="masthead__clinic">(.*?)</span>', html).group(1),
        "colour": re.search(
            r"--brand: (#[0-9a-f]{6});", admin.get(css.group(1)).get_data(as_text=True)
        ).group(1),
        "logo": served.get_data() if served else None,
        "logo_policy": served.headers["Content-Security-Policy"] if served else None,
    }


def sample_copy(admin, token: str, tmp_path: Path) -> Path:
    sample = tmp_path / f"sample-{token}.pdf"
    sample.write_bytes(admin.client.get(f"/staff/settings/preview/{token}/sample.pdf").get_data())
    return sample


@pytest.mark.render
def test_the_preview_shows_the_logo_and_colour_not_yet_saved_on_welcome_and_the_sample_copy(
    app, accounts, tmp_path
):
    unlocked, admin = unlocked_admin(app, accounts)
    token = preview_of(admin, unlocked, "branding", BRAND_COLOUR="#2b5d1e", logo=SVG_LOGO.encode())
    welcome = welcome_preview(admin, token)
    assert welcome["colour"] == "#2b5d1e"
    assert welcome["logo"] == SVG_LOGO.encode()
    assert welcome["logo_policy"] == branding.LOGO_POLICY  # served as the kiosk serves it
    assert welcome["heading"] == "Welcome to Our clinic"  # the saved name
    sample = sample_copy(admin, token, tmp_path)
    assert brand_pixels(sample, "#7a1f5c") > 200  # the logo
    assert brand_pixels(sample, "#2b5d1e") > 50  # the colour
    # Nothing saved: the kiosk's own Welcome has neither.
    assert (unlocked.config["BRAND_COLOUR"], unlocked.config["CLINIC_LOGO"]) == ("#1d4f6e", "")
    live = unlocked.test_client().get("/").get_data(as_text=True)
    assert "welcome__logo" not in live
    assert '<link rel="stylesheet" href="/brand/1d4f6e.css">' in live


@pytest.mark.render
def test_the_preview_shows_the_name_not_yet_saved_on_welcome_and_the_sample_copy(
    app, accounts, tmp_path
):
    unlocked, admin = unlocked_admin(app, accounts)
    form = settings_form_data(unlocked, "branding", BRAND_COLOUR="#7a1f5c")
    assert admin.post(URL, form, token_from=URL).status_code == 303  # saved before
    token = preview_of(admin, unlocked, "clinic", CLINIC_NAME="Riverside Skin Clinic")
    welcome = welcome_preview(admin, token)
    assert welcome["heading"] == "Welcome to Riverside Skin Clinic"
    assert welcome["masthead"] == "Riverside Skin Clinic"
    assert welcome["colour"] == "#7a1f5c"  # the colour saved in its own section
    assert welcome["logo"] is None
    text = PdfReader(sample_copy(admin, token, tmp_path)).pages[0].extract_text()
    assert "Riverside Skin Clinic" in text
    assert unlocked.config["CLINIC_NAME"] == "Our clinic"  # nothing saved
    live = unlocked.test_client().get("/").get_data(as_text=True)
    assert "Welcome to Our clinic" in live


def test_the_pdf_fetcher_reads_the_logo_and_no_other_file_beside_it(tmp_path):
    logo = branding.store_logo(tmp_path, png_logo())
    beside = branding.store_logo(tmp_path, SVG_LOGO.encode())
    fetcher = StaticFetcher(also=(logo,))
    assert fetcher.resolve(logo.as_uri()) == logo.resolve()
    assert fetcher.fetch(logo.as_uri()).headers["Content-Type"] == "image/png"
    for other in (beside, tmp_path / "branding", tmp_path / "secret_key"):
        with pytest.raises(FetchRefused):
            fetcher.fetch(other.as_uri())


def test_the_logo_is_served_as_what_it_is_and_never_run(app):
    for data, mimetype in ((png_logo(), "image/png"), (SAFE_SVG.encode(), "image/svg+xml")):
        app.config["CLINIC_LOGO"] = str(branding.store_logo(app.instance_path, data))
        page = app.test_client().get("/").get_data(as_text=True)
        url = re.search(r'<img class="welcome__logo" src="([^"]+)" alt="">', page).group(1)
        served = app.test_client().get(url)
        assert served.get_data() == data
        assert served.headers["Content-Type"].split(";")[0] == mimetype
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Disposition"] == "inline"
        if mimetype == "image/svg+xml":
            policy = served.headers["Content-Security-Policy"]
            assert policy == "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
        else:
            assert served.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_the_colour_reaches_the_pages_as_a_stylesheet_named_for_it(app):
    app.config["BRAND_COLOUR"] = "#2b5d1e"
    page = app.test_client().get("/").get_data(as_text=True)
    assert "style=" not in page
    assert "<style" not in page
    href = re.search(r'<link rel="stylesheet" href="(/brand/[^"]+\.css)">', page).group(1)
    assert href == "/brand/2b5d1e.css"
    css = app.test_client().get(href)
    assert css.mimetype == "text/css"
    shades = branding.brand_shades("#2b5d1e")
    assert css.get_data(as_text=True) == (
        f":root {{ --brand: #2b5d1e; --brand-dark: {shades['brand-dark']}; "
        f"--brand-tint: {shades['brand-tint']}; }}\n"
    )
    # No logo: the clinic's name alone.
    assert "masthead__logo" not in page
    assert "Test Clinic" in page


def test_a_logo_the_deployment_names_is_shown_and_a_new_one_seen_at_once(tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(png_logo())
    app = create_app(
        {"INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True, "CLINIC_LOGO": str(logo)}
    )

    def shown() -> str:
        page = app.test_client().get("/").get_data(as_text=True)
        return re.search(r'<img class="welcome__logo" src="([^"]+)"', page).group(1)

    first = shown()
    assert app.test_client().get(first).get_data() == png_logo()
    logo.write_bytes(png_logo(120, 30))  # replaced under the same name
    assert shown() != first
    assert app.test_client().get(shown()).get_data() == png_logo(120, 30)


def test_an_upload_whose_name_does_not_match_its_content_is_refused_on_the_page(app, admin):
    response = upload(admin, app, png_logo(), "logo.svg")
    assert response.status_code == 422
    assert "does not match what it holds" in response.get_data(as_text=True)
    assert app.config["CLINIC_LOGO"] == ""
