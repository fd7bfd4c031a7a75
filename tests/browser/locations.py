"""A chain of three clinics on one served kiosk, for the browser tests of
each location's Welcome: the first (the chain's own settings, Welcome "/"),
Harley Street and Madrid (Welcome "/at/<slug>/"), each with its own name,
logo and brand colour.

Use in a test module::

    from .locations import chain_server_fixture  # noqa: F401

The locations are added to the server's database before it starts, in
process (``kiosk.clinic.locations.add``), as the settings page would.
"""

from __future__ import annotations

import io
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk import create_app
from kiosk.clinic import branding, locations
from kiosk.data.database import db

from ..test_locations import HARLEY, MADRID
from .conftest import LiveServer


def svg_logo(text: str, colour: str) -> str:
    """A wide SVG logo: a ``colour`` band with a white ring and ``text``."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="80" viewBox="0 0 320 80">'
        f'<rect width="320" height="80" rx="10" fill="{colour}"/>'
        '<circle cx="40" cy="40" r="22" fill="none" stroke="#ffffff" stroke-width="6"/>'
        f'<text x="78" y="52" font-size="30" fill="#ffffff">{text}</text></svg>'
    )


def png_logo(text: str, colour: str) -> bytes:
    """A PNG logo: a ``colour`` band with a white square and ``text``."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (320, 80), colour)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((18, 18, 62, 62), outline="#ffffff", width=6)
    draw.text((78, 22), text, fill="#ffffff", font_size=30)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def rgb(colour: str) -> str:
    """``#rrggbb`` as a browser's computed style gives it."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


@dataclass(frozen=True)
class Place:
    """A location as its tablet shows it."""

    slug: str
    path: str  # its Welcome, from the kiosk's root
    name: str
    heading: str  # Welcome's heading, in the location's first language
    colour: str
    logo: str  # "svg" or "png"

    @property
    def prefix(self) -> str:
        return self.path.rstrip("/")


PLUM, NAVY, GREEN = "#7a1f5c", "#1f3a6b", "#1f5c3a"
FIRST = Place("main", "/", "Test Clinic", "Welcome to Test Clinic", PLUM, "svg")
HARLEY_STREET = Place(
    "harley-street",
    "/at/harley-street/",
    HARLEY["CLINIC_NAME"],
    f"Welcome to {HARLEY['CLINIC_NAME']}",
    NAVY,
    "png",
)
MADRID_PLACE = Place(
    "madrid",
    "/at/madrid/",
    MADRID["CLINIC_NAME"],
    f"Le damos la bienvenida a {MADRID['CLINIC_NAME']}",  # Spanish only
    GREEN,
    "svg",
)
PLACES = (FIRST, HARLEY_STREET, MADRID_PLACE)


def make_chain(instance: Path) -> dict[str, str]:
    """Harley Street and Madrid added to the database in ``instance``, each
    with its logo (kept as the settings page keeps one) and colour; returns
    the first location's (the chain's) settings for the server."""
    first_logo = branding.store_logo(instance, svg_logo("Test Clinic", PLUM).encode())
    own = {
        HARLEY_STREET: {**HARLEY, "BRAND_COLOUR": NAVY},
        MADRID_PLACE: {**MADRID, "BRAND_COLOUR": GREEN},
    }
    logos = {
        HARLEY_STREET: png_logo("Harley St", NAVY),
        MADRID_PLACE: svg_logo("Madrid", GREEN).encode(),
    }
    app = create_app({"INSTANCE_PATH": str(instance)})
    with app.app_context():
        for place, values in own.items():
            # A colour the kiosk takes as it is (else the location would show the chain's).
            assert branding.check_colour(values["BRAND_COLOUR"]) == values["BRAND_COLOUR"]
            logo = branding.store_logo(instance, logos[place])
            locations.add(app, place.slug, {**values, "CLINIC_LOGO": str(logo)})
        db.engine.dispose()
    return {"KIOSK_CLINIC_LOGO": str(first_logo), "KIOSK_BRAND_COLOUR": PLUM}


@pytest.fixture(name="chain_server")
def chain_server_fixture(tmp_path, migrated_instance) -> Callable[..., LiveServer]:
    """Starts the chain's server with ``settings`` (KIOSK_… variables)."""
    started: list[LiveServer] = []

    def start(**settings: str) -> LiveServer:
        instance = migrated_instance(tmp_path / f"instance-{len(started)}")
        live = LiveServer(instance, **make_chain(instance), **settings)
        started.append(live)
        live.start()
        return live

    yield start
    for live in started:
        live.stop()


def wait_for_the_chain(server) -> None:
    """Until the server has loaded the new locations (it looks for changed
    settings every few seconds): Madrid's Welcome is found."""
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(server.url + "/at/madrid/") as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as error:
            if error.code != 404 or time.monotonic() > deadline:
                raise
        time.sleep(0.2)
