"""The clinic's logo and colour on a tablet, upright and on its side: in the
header of every patient screen, large on Welcome, the name still there as text."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kiosk.clinic import branding

from ..logos import SVG_LOGO
from . import journey
from .conftest import LANDSCAPE, PORTRAIT, LiveServer, new_page, screenshot
from .test_journey_figures import continue_out_of_view

PLUM = "rgb(122, 31, 92)"  # #7a1f5c


@pytest.fixture
def branded(tmp_path, migrated_instance):
    instance = migrated_instance(tmp_path / "instance")
    logo = branding.store_logo(instance, SVG_LOGO.encode())
    live = LiveServer(instance, KIOSK_CLINIC_LOGO=str(logo), KIOSK_BRAND_COLOUR="#7A1F5C")
    live.start()
    yield live
    live.stop()


def expect_logo_shown(page, selector: str) -> None:
    logo = page.locator(selector)
    expect(logo).to_be_visible()
    # Drawn, not a broken image: the route and the page's policy let it load.
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.parametrize(("size", "viewport"), [("portrait", PORTRAIT), ("landscape", LANDSCAPE)])
def test_the_logo_and_colour_on_welcome_and_a_question_page(browser, branded, size, viewport):
    page = new_page(browser, viewport)
    page.goto(branded.url + "/")
    # Welcome shows the logo once, large; the masthead keeps the name.
    expect_logo_shown(page, "img.welcome__logo")
    expect(page.locator("img.masthead__logo")).to_have_count(0)
    expect(page.locator(".masthead__clinic")).to_have_text("Test Clinic")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Test Clinic")
    expect(page.locator(".masthead")).to_have_css("background-color", PLUM)
    welcome = page.locator("img.welcome__logo").bounding_box()
    assert welcome["height"] >= 90  # 6rem high
    assert welcome["x"] + welcome["width"] <= viewport["width"]
    screenshot(page, "kiosk", f"41-branded-welcome-{size}", full_page=False)

    page.get_by_role("button", name="Start").click()
    journey.go_to(page, "about")
    expect_logo_shown(page, "img.masthead__logo")
    expect(page.locator("img.welcome__logo")).to_have_count(0)
    expect(page.locator(".masthead__clinic")).to_have_text("Test Clinic")
    page.get_by_label("30 to 39").check()
    expect(page.get_by_label("30 to 39").locator("xpath=..")).to_be_visible()
    expect(page.locator(".option__input:checked + .option__label")).to_have_css(
        "border-color", PLUM
    )
    screenshot(page, "kiosk", f"42-branded-question-{size}", full_page=False)
    page.context.close()


def test_a_typical_patient_reaches_continue_without_scrolling_with_the_logo_upright(
    browser, branded
):
    """The logo in the header takes room from every question screen: as
    without it (test_journey_figures), each screen of the typical patient
    shows its Continue as it opens on a 768 × 1024 tablet held upright."""
    page = new_page(browser, PORTRAIT)
    try:
        hidden = continue_out_of_view(page, branded.url, folder="fit-logo-portrait")
    finally:
        page.context.close()
    assert hidden == {}
