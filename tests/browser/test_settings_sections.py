"""The clinic settings in sections, on a tablet held upright (768 × 1024) and a
desktop (1366 × 768): the contents lead to each section, a section saves only
its own settings and nothing typed is lost, a refused value keeps what was
typed, and the preview shows the logo and colour not yet saved on Welcome."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kiosk import create_app

from ..logos import SVG_LOGO
from ..staff_helpers import create_account
from .conftest import PORTRAIT, new_page, screenshot, sign_in
from .test_accessibility import serious_violations

DESKTOP = {"width": 1366, "height": 768}
VIEWPORTS = [("tablet", PORTRAIT), ("desktop", DESKTOP)]
SECTIONS = [
    "The clinic",
    "Logo and colour",
    "Treatments and policy",
    "Languages and paper",
    "Summary e-mail",
    "Keeping data and timeouts",
]
PLUM = "rgb(122, 31, 92)"  # #7a1f5c
DEFAULT_BLUE = "rgb(29, 79, 110)"  # #1d4f6e

per_viewport = pytest.mark.parametrize(("size", "viewport"), VIEWPORTS)


def signed_in_admin(browser, server, viewport) -> Page:
    password = create_account(
        create_app({"INSTANCE_PATH": str(server.instance)}), "ada", "admin", "Ada Okafor"
    )
    page = new_page(browser, viewport)
    sign_in(page, server.url, "ada", password)
    return page


def contents(page: Page):
    return page.get_by_role("navigation", name="Parts of the settings")


def open_section(page: Page, name: str) -> None:
    contents(page).get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def sideways_scroll(page: Page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@per_viewport
def test_the_contents_lead_to_each_section_and_each_fits_the_window(
    browser, server, size, viewport
):
    page = signed_in_admin(browser, server, viewport)
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic settings")
    links = contents(page).get_by_role("link")
    expect(links).to_have_text([*SECTIONS, "Locations"])
    expect(page.get_by_text("Name, address, phone, email and booking page.")).to_be_visible()
    assert sideways_scroll(page) == 0
    assert serious_violations(page) == []
    screenshot(page, "staff", f"settings-contents-{size}")
    heights = {}
    for name in SECTIONS:
        open_section(page, name)
        current = contents(page).locator("[aria-current=page]")
        expect(current).to_have_text(name)
        # The tabs stay together above the section, none clipped.
        for n in range(links.count()):
            box = links.nth(n).bounding_box()
            assert box["x"] >= 0, name
            assert box["x"] + box["width"] <= viewport["width"], name
        expect(page.get_by_role("button", name="Save settings")).to_have_count(1)
        assert sideways_scroll(page) == 0, name
        assert serious_violations(page) == [], name
        heights[name] = page.evaluate("document.documentElement.scrollHeight")
        key = page.url.rsplit("/", 1)[1]
        screenshot(page, "staff", f"settings-{key}-{size}")
    # One section a page: the longest (every policy window) far shorter than
    # the whole page was (5,900 px on a desktop, 7,150 on a tablet).
    assert max(heights.values()) < 4500, heights
    assert heights["The clinic"] < 2000, heights
    page.context.close()


@per_viewport
def test_saving_a_section_keeps_every_other_section_and_nothing_typed_is_lost(
    browser, server, size, viewport
):
    page = signed_in_admin(browser, server, viewport)
    page.goto(server.url + "/staff/settings/clinic")
    page.get_by_label("Phone number").fill("020 7946 0000")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: 1 setting changed.")

    open_section(page, "Treatments and policy")
    page.get_by_label("Whether the clinic offers RF microneedling").uncheck()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: 1 setting changed.")

    # Typed in one section, then another chosen: the browser asks before
    # leaving, and staying keeps what was typed.
    open_section(page, "The clinic")
    address = page.get_by_label("Address, in the contact block")
    address.press_sequentially("1 High Street, Leeds")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    contents(page).get_by_role("link", name="Languages and paper").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The clinic")
    assert asked == ["beforeunload"]
    expect(address).to_have_value("1 High Street, Leeds")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: 1 setting changed.")

    open_section(page, "Languages and paper")
    page.get_by_label("Paper size of both PDFs").select_option("Letter")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: 1 setting changed.")
    screenshot(page, "staff", f"settings-saved-{size}", full_page=False)

    # Every other section as it was saved: its own Save touched nothing else.
    open_section(page, "The clinic")
    expect(page.get_by_label("Phone number")).to_have_value("020 7946 0000")
    expect(page.get_by_label("Address, in the contact block")).to_have_value("1 High Street, Leeds")
    open_section(page, "Treatments and policy")
    expect(page.get_by_label("Whether the clinic offers RF microneedling")).not_to_be_checked()
    expect(page.get_by_label("Whether the clinic offers RF microneedling")).to_be_visible()
    open_section(page, "Keeping data and timeouts")
    expect(page.get_by_label("Days after sending that a consultation")).to_have_value("30")
    # Nothing typed, nothing asked: the contents lead straight on.
    open_section(page, "Summary e-mail")
    page.goto(server.url + "/staff/audit")
    expect(page.get_by_role("table")).to_contain_text(
        "The clinic – CLINIC_ADDRESS: (empty) → 1 High Street, Leeds"
    )
    expect(page.get_by_role("table")).to_contain_text(
        "Languages and paper – PAPER_SIZE: A4 → Letter"
    )
    page.context.close()


@per_viewport
def test_a_refused_value_is_named_beside_its_field_and_what_was_typed_stays(
    browser, server, size, viewport
):
    page = signed_in_admin(browser, server, viewport)
    page.goto(server.url + "/staff/settings/retention")
    retention = page.get_by_label("Days after sending that a consultation")
    drafts = page.get_by_label("Hours after their last change")
    retention.fill("thirty")
    drafts.fill("48")
    page.get_by_label("Seconds that question counts down").fill("10")
    page.get_by_role("button", name="Save settings").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a whole number from 1 to 36500.")
    expect(summary).to_contain_text("Enter a whole number from 20 to 3600.")
    expect(page).to_have_title(re.compile(r"^Error: Keeping data and timeouts – Clinic settings"))
    expect(page.locator("#RETENTION_DAYS-error")).to_contain_text(
        "Enter a whole number from 1 to 36500."
    )
    expect(retention).to_have_value("thirty")
    expect(drafts).to_have_value("48")
    assert sideways_scroll(page) == 0
    screenshot(page, "staff", f"settings-error-{size}")
    # The summary leads to the field.
    summary.get_by_role("link", name=re.compile("^Days after sending")).click()
    expect(retention).to_be_focused()
    retention.fill("45")
    page.get_by_label("Seconds that question counts down").fill("30")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: 2 settings changed.")
    expect(drafts).to_have_value("48")
    page.context.close()


@per_viewport
def test_the_preview_shows_the_logo_and_colour_not_yet_saved_on_welcome(
    browser, server, size, viewport
):
    page = signed_in_admin(browser, server, viewport)
    page.goto(server.url + "/staff/settings/branding")
    page.get_by_label("Brand colour").fill("#7a1f5c")
    page.get_by_label("Logo, a PNG or SVG file").set_input_files(
        files=[{"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": SVG_LOGO.encode()}]
    )
    page.get_by_role("button", name="Preview without saving").click()
    expect(page.locator("#preview")).to_contain_text("not saved yet")
    expect(page.get_by_label("Brand colour")).to_have_value("#7a1f5c")
    assert sideways_scroll(page) == 0
    screenshot(page, "staff", f"settings-preview-{size}", full_page=False)
    with page.expect_popup() as opened:
        page.get_by_role("link", name="The Welcome screen, as patients would see it").click()
    welcome = opened.value
    expect(welcome.get_by_role("button", name="Start")).to_be_disabled()
    logo = welcome.locator("img.welcome__logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")  # drawn, not broken
    expect(welcome.locator(".masthead")).to_have_css("background-color", PLUM)
    expect(welcome.get_by_role("heading", level=1)).to_have_text("Welcome to Test Clinic")
    screenshot(welcome, "staff", f"settings-preview-welcome-{size}", full_page=False)
    welcome.close()

    # Not saved: the kiosk itself shows neither.
    tablet = new_page(browser, viewport)
    tablet.goto(server.url + "/")
    expect(tablet.locator(".masthead")).to_have_css("background-color", DEFAULT_BLUE)
    expect(tablet.locator("img.welcome__logo")).to_have_count(0)
    tablet.context.close()

    # Saved: the logo chosen for the preview with it.
    expect(page.get_by_text("The logo chosen for this preview is saved")).to_be_visible()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: 2 settings changed.")
    tablet = new_page(browser, viewport)
    tablet.goto(server.url + "/")
    expect(tablet.locator(".masthead")).to_have_css("background-color", PLUM)
    expect(tablet.locator("img.welcome__logo")).to_be_visible()
    tablet.context.close()
    page.context.close()
