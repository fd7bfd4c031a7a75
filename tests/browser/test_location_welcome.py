"""Each of a chain's locations greets its patients on its own Welcome, in
Chromium: its name, its logo (loaded, from its own address) and its colour,
on a tablet held upright and on its side; added to the home screen, its
tablet opens that Welcome."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import LANDSCAPE, PORTRAIT, new_page, screenshot
from .locations import PLACES, chain_server_fixture, rgb  # noqa: F401

SIZES = {"portrait": PORTRAIT, "landscape": LANDSCAPE}


@pytest.mark.parametrize("size", SIZES)
def test_each_location_welcome_shows_its_own_name_logo_and_colour(browser, chain_server, size):
    server = chain_server()
    page = new_page(browser, SIZES[size])
    logos = set()
    try:
        for place in PLACES:
            page.goto(server.url + place.path)
            expect(page.get_by_role("heading", level=1)).to_have_text(place.heading)
            expect(page.locator(".masthead__clinic")).to_have_text(place.name)
            welcome = "Bienvenida" if place.slug == "madrid" else "Welcome"
            expect(page).to_have_title(f"{welcome} – {place.name}")
            logo = page.locator("img.welcome__logo")
            expect(logo).to_be_visible()
            # Drawn, not a broken image: its own, from its location's address.
            assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
            source = logo.get_attribute("src")
            assert source.startswith(place.prefix + "/brand/logo/"), source
            logos.add(logo.evaluate("img => img.currentSrc"))
            box = logo.bounding_box()
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= SIZES[size]["width"]
            # The colour: the header, and the language chosen where there is a choice.
            expect(page.locator(".masthead")).to_have_css("background-color", rgb(place.colour))
            pressed = page.locator('.button--language[aria-pressed="true"]')
            if place.slug == "madrid":
                expect(pressed).to_have_count(0)  # Spanish only: no choice to show
            else:
                expect(pressed).to_have_css("background-color", rgb(place.colour))
            # Start, as every address on it, keeps the location's.
            start = page.locator("form", has=page.locator(".button--start"))
            assert start.get_attribute("action") == place.prefix + "/start"
            # Added to the home screen, the tablet opens this location's Welcome
            # (the manifest as Chromium reads it: its start and scope).
            manifest = page.context.new_cdp_session(page).send("Page.getAppManifest")
            assert manifest["errors"] == []
            assert manifest["manifest"]["startUrl"] == server.url + place.path
            assert manifest["manifest"]["scope"] == server.url + place.path
            screenshot(page, "locations", f"{place.slug}-welcome-{size}", full_page=False)
    finally:
        page.context.close()
    assert len(logos) == 3, logos
