"""A tablet at a chain's location stays at its location's address, whichever
button sends it back to the screen it was on."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin

import pytest

from .patient_client import PatientClient, csrf_token
from .test_locations import add_locations

pytestmark = pytest.mark.database("sqlite", "postgresql")

BACK = re.compile(r'<input type="hidden" name="back" value="([^"]*)">')


def back_to(html: str) -> str:
    """Where the Larger text button comes back to (without JavaScript)."""
    match = BACK.search(html)
    assert match, "the page has no Larger text button"
    return unescape(match.group(1))


def larger_text(tablet: PatientClient) -> str:
    """Press Larger text as a browser without JavaScript does; where it lands."""
    html = tablet.last_html
    response = tablet.client.post(
        tablet.at + "/text-size", data={"csrf_token": csrf_token(html), "back": back_to(html)}
    )
    assert response.status_code == 303
    return response.headers["Location"]


@pytest.mark.parametrize("screen", ["/", "/step/about", "/check", "/consent"])
def test_larger_text_comes_back_to_the_screen_at_the_location(app, client, screen):
    add_locations(app)
    harley = PatientClient(client, at="/at/harley-street")
    if screen != "/":
        harley.walk()
    page = harley.get("/at/harley-street" + screen)
    assert page.status_code == 200
    assert back_to(harley.last_html) == "/at/harley-street" + screen
    assert larger_text(harley) == "/at/harley-street" + screen
    harley.get("/at/harley-street" + screen)
    assert "Glow Harley Street" in harley.last_html


def test_larger_text_at_the_first_location_comes_back_to_its_own_address(app, client):
    add_locations(app)
    first = PatientClient(client)
    first.walk()
    first.get("/check")
    assert back_to(first.last_html) == "/check"
    assert larger_text(first) == "/check"


def test_an_address_not_found_under_a_location_is_the_location_s_page(app, client):
    add_locations(app)
    harley = PatientClient(client, at="/at/harley-street")
    page = harley.get("/at/harley-street/nowhere")
    assert page.status_code == 404
    assert "Glow Harley Street" in harley.last_html
    assert "/at/harley-street/brand/6b2d5c.css" in harley.last_html
    assert back_to(harley.last_html) == "/at/harley-street/nowhere"
    # A staff page is not under a location: not found there either, as the location's page.
    page = harley.get("/at/harley-street/staff/login")
    assert page.status_code == 404
    assert "Glow Harley Street" in harley.last_html


def test_a_tablet_added_to_the_home_screen_at_a_location_opens_its_welcome(app, client):
    """The web app manifest's start and scope resolve against its own address,
    which is under the location's prefix on the location's pages."""
    add_locations(app)
    harley = PatientClient(client, at="/at/harley-street")
    harley.get("/at/harley-street/")
    [address] = re.findall(r'<link rel="manifest" href="([^"]+)">', harley.last_html)
    assert address == "/at/harley-street/static/manifest.webmanifest"
    manifest = client.get(address).get_json(force=True)
    assert urljoin(address, manifest["start_url"]) == "/at/harley-street/"
    assert urljoin(address, manifest["scope"]) == "/at/harley-street/"
    for icon in manifest["icons"]:
        assert client.get(urljoin(address, icon["src"])).status_code == 200
