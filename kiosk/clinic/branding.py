"""The clinic's logo and brand colour: checked, kept, and served.

The brand colour is the kiosk's header, links, selected answers and accents.
kiosk.css puts white text on it (the header, pressed buttons) and it as text
on white (links) and on its own pale tint (a Change link in the answer just
changed), so each of these must reach WCAG AA's 4.5:1; a colour that does not
is refused with the nearest shade that does (same hue and saturation, the
lightness moved the least).

A logo is a PNG or an SVG of at most ``LOGO_BYTES``, known by its content. An
SVG is parsed by defusedxml with no DOCTYPE (nor entities) allowed and refused
when it could run or fetch anything: scripts, foreign objects, event
attributes, processing instructions such as a stylesheet, references other
than to itself or an embedded raster image. It is kept in the instance folder
under a name made from its content, and served to the kiosk's pages by
``/brand/logo/…``; the colour by ``/brand/….css``, since the pages allow no
inline style.

The API, for the settings page and the settings schema:

- ``check_colour(text) -> "#rrggbb"`` or :class:`ColourError` (``.message``,
  and ``.suggestion``: the nearest shade that reads, None when the text is no
  colour at all). ``contrast_ratio(a, b)`` is WCAG 2's.
- ``check_logo(data, filename=None) -> "png" | "svg"`` or :class:`LogoError`
  (``.message``, in the request's language); a file name, when given, must end
  in the extension of what the file holds.
- ``store_logo(instance_path, data, filename=None) -> Path``: checked, then
  kept (0600, never executable) as ``instance/branding/logo-<hash>.png|svg``;
  that path is the value of ``CLINIC_LOGO``.
- ``kept_logo(instance_path, name)``: a logo stored earlier, by the file name a
  form sent back, or None.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import re
import struct
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from flask import Flask, Response, abort, send_file, url_for

from kiosk.clinic import locations
from kiosk.core.files import create_private_file, private_folder
from kiosk.core.i18n import gettext as _

DEFAULT_COLOUR = "#1d4f6e"
AA_CONTRAST = 4.5
WHITE = "#ffffff"
LOGO_BYTES = 512 * 1024
LOGO_PIXELS = 4000  # the largest width or height of a PNG logo
HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
REFUSED_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object"}
# What an SVG may refer to: itself, or an image embedded in it that cannot
# refer to anything in turn (an embedded SVG could).
LOCAL_REFERENCE = re.compile(r"#|data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)
# Any processing instruction but the XML declaration (<?xml-stylesheet …?> fetches).
INSTRUCTION = re.compile(rb"<\?(?!xml[\s?])", re.IGNORECASE)
# The logo opened on its own is a document: it may style itself, nothing more.
LOGO_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


# The colour --------------------------------------------------------------------------


class ColourError(ValueError):
    """A brand colour the kiosk cannot use; ``suggestion`` is the nearest that
    it can (None when the text is no colour at all)."""

    def __init__(self, message: str, suggestion: str | None = None):
        super().__init__(message)
        self.message, self.suggestion = message, suggestion


def _rgb(colour: str) -> tuple[float, float, float]:
    value = colour.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _hex(red: float, green: float, blue: float) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in (red, green, blue))


def luminance(colour: str) -> float:
    """WCAG 2's relative luminance of ``#rrggbb``."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def pairings(colour: str) -> list[tuple[str, str]]:
    """Text on background: each pairing of the brand colour that kiosk.css
    uses for text. (Its darker shade, links under the pointer, reads wherever
    the colour does.)"""
    tint = brand_shades(colour)["brand-tint"]
    return [(WHITE, colour), (colour, WHITE), (colour, tint)]


def lowest_contrast(colour: str) -> float:
    return min(contrast_ratio(text, background) for text, background in pairings(colour))


def accessible_shade(colour: str) -> str:
    """``colour`` itself if every pairing reaches 4.5:1, else the shade of the
    same hue and saturation whose lightness is the nearest that does."""
    if lowest_contrast(colour) >= AA_CONTRAST:
        return colour
    hue, lightness, saturation = colorsys.rgb_to_hls(*_rgb(colour))
    for step in range(1, 1001):
        for moved in (lightness - step / 1000, lightness + step / 1000):
            if 0 <= moved <= 1:
                shade = _hex(*colorsys.hls_to_rgb(hue, moved, saturation))
                if lowest_contrast(shade) >= AA_CONTRAST:
                    return shade
    return "#000000"  # not reached: black reads on white and on its tint


def check_colour(text: str) -> str:
    """``text`` as ``#rrggbb`` in lower case, or a :class:`ColourError`."""
    found = HEX.match(str(text).strip())
    if not found:
        raise ColourError(_("Enter a colour as # and six hexadecimal digits, for example #1d4f6e."))
    colour = "#" + found.group(1).lower()
    shade = accessible_shade(colour)
    if shade != colour:
        raise ColourError(
            _(
                "White text on %(colour)s, and links in %(colour)s on white or pale "
                "backgrounds, would be hard to read (contrast %(ratio).1f:1, at least 4.5:1 "
                "is needed). The nearest shade that reads well is %(shade)s.",
                colour=colour,
                ratio=lowest_contrast(colour),
                shade=shade,
            ),
            suggestion=shade,
        )
    return colour


# The kiosk's own colour keeps the shades it was designed with.
DEFAULT_SHADES = {"brand": DEFAULT_COLOUR, "brand-dark": "#123348", "brand-tint": "#e8f1f6"}


def brand_shades(colour: str) -> dict[str, str]:
    """The colour and the two shades the kiosk's stylesheet derives from it:
    a darker one (links under the pointer) and a pale tint (selected answers)."""
    if colour == DEFAULT_COLOUR:
        return dict(DEFAULT_SHADES)
    hue, lightness, saturation = colorsys.rgb_to_hls(*_rgb(colour))
    red, green, blue = _rgb(colour)
    return {
        "brand": colour,
        "brand-dark": _hex(*colorsys.hls_to_rgb(hue, lightness * 0.65, saturation)),
        "brand-tint": _hex(*(channel * 0.1 + 0.9 for channel in (red, green, blue))),
    }


# The logo ----------------------------------------------------------------------------


class LogoError(ValueError):
    """A file the kiosk will not use as a logo; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_logo(data: bytes, filename: str | None = None) -> str:
    """The kind of logo ``data`` is, ``png`` or ``svg``, or a :class:`LogoError`.

    The content decides; ``filename``, when given, must agree with it.
    """
    if len(data) > LOGO_BYTES:
        raise LogoError(_("The logo is larger than 512 KB: save it smaller and upload it again."))
    if data.startswith(PNG_SIGNATURE):
        _check_png(data)
        kind = "png"
    elif data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        _check_svg(data)
        kind = "svg"
    else:
        raise LogoError(_("The logo must be a PNG or an SVG file."))
    if filename is not None and Path(filename).suffix.lower() != f".{kind}":
        raise LogoError(
            _(
                "The file's name does not match what it holds: "
                "a PNG must end in .png, an SVG in .svg."
            )
        )
    return kind


def _check_png(data: bytes) -> None:
    from PIL import Image, UnidentifiedImageError

    unreadable = _("The logo is not a PNG image that can be read.")
    # The size from the header (IHDR, the first chunk) before Pillow sees it:
    # a PNG claiming a huge size is refused for its size, not as a "bomb".
    if data[12:16] != b"IHDR" or len(data) < 24:
        raise LogoError(unreadable)
    width, height = struct.unpack(">II", data[16:24])
    if max(width, height) > LOGO_PIXELS:
        raise LogoError(_("The logo is larger than 4000 pixels: make it smaller."))
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.verify()  # every chunk and its checksum
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise LogoError(unreadable) from None
    if image.size != (width, height):
        raise LogoError(unreadable)


def _check_svg(data: bytes) -> None:
    unsafe = _("The SVG logo contains scripts or links to other files; export it as a plain image.")
    if INSTRUCTION.search(data):
        raise LogoError(unsafe)
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:  # a DOCTYPE, an entity, an external reference
        raise LogoError(unsafe) from None
    except SafeElementTree.ParseError:
        raise LogoError(_("The SVG logo cannot be read.")) from None
    if root.tag not in ("svg", f"{SVG}svg"):
        raise LogoError(_("The logo must be a PNG or an SVG file."))
    for element in root.iter():
        name = str(element.tag).rsplit("}", 1)[-1]
        if name in REFUSED_ELEMENTS:
            raise LogoError(unsafe)
        if name == "style" and _fetches(element.text or ""):
            raise LogoError(unsafe)
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                raise LogoError(unsafe)
            if local == "href" and not LOCAL_REFERENCE.match(value.strip()):
                raise LogoError(unsafe)
            if _fetches(value):
                raise LogoError(unsafe)


def _fetches(text: str) -> bool:
    """Whether CSS or an attribute refers to anything but the SVG itself."""
    lowered = text.lower()
    if "@import" in lowered or "javascript:" in lowered:
        return True
    urls = re.findall(r"url\(([^)]*)\)", lowered)
    return any(not LOCAL_REFERENCE.match(url.strip(" '\"")) for url in urls)


def store_logo(instance_path: str | Path, data: bytes, filename: str | None = None) -> Path:
    """Check ``data`` and keep it in the instance folder; its path."""
    kind = check_logo(data, filename)
    folder = private_folder(Path(instance_path) / "branding")
    path = folder / f"logo-{hashlib.sha256(data).hexdigest()[:16]}.{kind}"
    if not path.exists():
        create_private_file(path, data)
    return path


# The name store_logo gives a logo it keeps.
KEPT_LOGO = re.compile(r"logo-[0-9a-f]{16}\.(png|svg)")


def kept_logo(instance_path: str | Path, name: str | None) -> Path | None:
    """A logo :func:`store_logo` kept, by its file name (from a form), if it is one."""
    if not name or not KEPT_LOGO.fullmatch(name):
        return None
    path = Path(instance_path) / "branding" / name
    return path if path.is_file() else None


def logo_file(path: str) -> Path | None:
    """The logo the setting names, if it is there."""
    return Path(path) if path and Path(path).is_file() else None


def logo_version(path: Path) -> str:
    """A short name for this logo file as it is now: a kept logo's names its
    content, and a file the deployment names may be replaced under the same name."""
    found = path.stat()
    return hashlib.sha256(f"{path}:{found.st_size}:{found.st_mtime_ns}".encode()).hexdigest()[:16]


# Serving -----------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    # The version in the path changes with the logo or colour, so that browsers
    # may keep each for a day and still see a change at once (no query strings:
    # the kiosk's links carry none).
    app.add_url_rule("/brand/logo/<version>", "brand_logo", serve_logo)
    app.add_url_rule("/brand/<version>.css", "brand_css", serve_css)

    @app.context_processor
    def brand() -> dict:
        config = locations.current().config
        logo = logo_file(config["CLINIC_LOGO"])
        colour = config["BRAND_COLOUR"]
        return {
            "brand_css_url": url_for("brand_css", version=colour.lstrip("#")),
            "brand_logo_url": url_for("brand_logo", version=logo_version(logo)) if logo else None,
        }


def serve_logo(version: str) -> Response:
    # The logo of the location whose address it is under (kiosk/web/places.py).
    logo = logo_file(locations.current().config["CLINIC_LOGO"])
    if logo is None:
        abort(404)
    return logo_response(logo)


def logo_response(logo: Path) -> Response:
    """A logo file, served for a day (its address names its version); an SVG
    with a policy of its own that lets it run and fetch nothing."""
    svg = logo.suffix == ".svg"
    response = send_file(logo, mimetype="image/svg+xml" if svg else "image/png", max_age=86400)
    response.headers["Content-Disposition"] = "inline"
    if svg:
        response.headers["Content-Security-Policy"] = LOGO_POLICY
    return response


def serve_css(version: str) -> Response:
    return css_response(locations.current().config["BRAND_COLOUR"])


def css_response(colour: str) -> Response:
    """The stylesheet that gives the kiosk's stylesheet ``colour`` and its
    shades, served for a day (its address names the colour)."""
    shades = brand_shades(colour)
    css = ":root { " + " ".join(f"--{name}: {value};" for name, value in shades.items()) + " }\n"
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response
