"""A chain's locations in real WebKit (the iPad's engine): each Welcome with
its own name, logo and colour, upright and on its side; a patient at a
location goes through to Done, and the kiosk comes back to that location's
Welcome, as its idle reset does."""

from __future__ import annotations

import sqlite3

import pytest
from selenium.common.exceptions import WebDriverException

from . import webkit_journey as wj
from .locations import HARLEY_STREET, PLACES, Place, chain_server_fixture, rgb  # noqa: F401
from .webkit import landscape, webkit_display_fixture, webkit_driver_fixture, webkit_fixture  # noqa: F401

pytestmark = pytest.mark.webkit


# What a Welcome shows, read in one go (the page may be replaced between two
# reads: Welcome resets itself whenever nobody touches it for a while).
WELCOME_FACTS = """
const logo = document.querySelector("img.welcome__logo");
const text = (selector) => (document.querySelector(selector) || {}).textContent;
return {
  ready: document.readyState === "complete",
  path: location.pathname,
  heading: (text("h1") || "").trim(),
  name: (text(".masthead__clinic") || "").trim(),
  logo: logo ? logo.getAttribute("src").split("/brand/logo/")[0] + "/brand/logo/" : null,
  drawn: Boolean(logo && logo.complete && logo.naturalWidth > 0),
  header: getComputedStyle(document.querySelector(".masthead")).backgroundColor,
};
"""


def welcome_facts(driver) -> dict | None:
    try:
        facts = driver.execute_script(WELCOME_FACTS)
    except WebDriverException:  # between two pages
        return None
    return facts if facts["ready"] and facts["drawn"] else None


def assert_welcome_of(driver, place: Place) -> None:
    """The page is ``place``'s Welcome: its address, heading and name, its
    logo drawn (naturalWidth > 0, from its own address), its colour in the header."""
    facts = wj.wait(driver, welcome_facts, f"no Welcome with its logo drawn ({place.slug})")
    assert facts == {
        "ready": True,
        "path": place.path,
        "heading": place.heading,
        "name": place.name,
        "logo": place.prefix + "/brand/logo/",
        "drawn": True,
        "header": rgb(place.colour),
    }


def sent(server) -> list[tuple[str, str]]:
    """Each consultation's first name and the slug of its location."""
    with sqlite3.connect(server.database) as db:
        return db.execute(
            "select c.first_name, l.slug from consultations c"
            " join locations l on l.id = c.location_id"
        ).fetchall()


@pytest.mark.parametrize("size", ["portrait", "landscape"])
def test_each_location_welcome_shows_its_own_name_logo_and_colour(webkit, chain_server, size):
    server = chain_server()
    driver = webkit
    if size == "landscape":
        landscape(driver)
    for place in PLACES:
        driver.get(server.url + place.path)
        assert_welcome_of(driver, place)
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{place.slug}'s Welcome scrolls sideways by {overflow}px"
        wj.screenshot(driver, "locations", f"{place.slug}-welcome-{size}", full_page=False)


def test_a_patient_at_a_location_goes_to_done_and_back_to_its_welcome(webkit, chain_server):
    server = chain_server(KIOSK_DONE_SECONDS="3")
    driver = webkit
    at = server.url + HARLEY_STREET.prefix
    wj.whole_questionnaire(driver, at, name="Maya")
    assert driver.current_url == at + "/check"
    reference = wj.send(driver, "Maya")
    assert driver.current_url == at + "/done"
    assert driver.find_element("css selector", ".masthead__clinic").text == HARLEY_STREET.name
    wj.screenshot(driver, "locations", "harley-street-done", full_page=False)
    assert sent(server) == [("Maya", "harley-street")]
    assert reference
    # Done clears itself after its seconds: back to this location's Welcome, not "/".
    assert_welcome_of(driver, HARLEY_STREET)
    assert driver.current_url == at + "/"
    assert "Maya" not in driver.page_source
    wj.screenshot(driver, "locations", "harley-street-welcome-after-done", full_page=False)


def test_the_idle_reset_stays_at_the_location(webkit, chain_server):
    server = chain_server(KIOSK_IDLE_SECONDS="3")
    driver = webkit
    at = server.url + HARLEY_STREET.prefix
    wj.start(driver, at)
    wj.about(driver, "Rosa")
    assert driver.current_url.startswith(at + "/step/")
    assert server.drafts() == 1

    # "Are you still there?": Start over clears the answers, at this location.
    dialog = wj.wait(driver, wj.idle_dialog, "no idle warning", timeout=10)
    wj.screenshot(driver, "locations", "harley-street-idle-warning", full_page=False)
    wj.button(dialog, "Start over").click()
    assert_welcome_of(driver, HARLEY_STREET)
    assert server.drafts() == 0
    assert "Rosa" not in driver.page_source

    # A passer-by picks Spanish on Welcome and walks away: the reset comes by
    # itself, with no warning, and puts English back, at this location.
    wj.press(driver, "Español")
    wj.wait_for_heading(driver, "Le damos la bienvenida a Glow Harley Street")
    assert driver.current_url == at + "/"
    wj.wait_for_heading(driver, HARLEY_STREET.heading, timeout=10)
    assert_welcome_of(driver, HARLEY_STREET)
    assert driver.current_url == at + "/"
    wj.screenshot(driver, "locations", "harley-street-welcome-after-idle-reset", full_page=False)
