"""A clinic owner makes the kiosk theirs in the browser, and a tablet shows it."""

from __future__ import annotations

from playwright.sync_api import expect

from kiosk import create_app

from ..logos import SVG_LOGO
from ..staff_helpers import create_account
from . import journey
from .conftest import LANDSCAPE, PORTRAIT, new_page, screenshot, sign_in

PLUM = "rgb(122, 31, 92)"  # #7a1f5c


def section(page, name: str) -> None:
    """A section of the settings, by its tab."""
    page.get_by_role("navigation", name="Parts of the settings").get_by_role(
        "link", name=name, exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def test_an_admin_sets_the_clinic_up_and_the_next_patient_sees_it(browser, rendering_server):
    password = create_account(
        create_app({"INSTANCE_PATH": str(rendering_server.instance)}), "ada", "admin", "Ada Okafor"
    )
    admin = new_page(browser, LANDSCAPE)
    sign_in(admin, rendering_server.url, "ada", password)
    admin.get_by_role("link", name="Add them in the clinic settings").click()
    expect(admin.get_by_role("heading", name="The clinic")).to_be_visible()
    screenshot(admin, "staff", "20-settings-landscape", full_page=False)

    # The test server's name is set by its environment: shown, locked.
    expect(admin.get_by_label("The clinic's name")).to_be_disabled()
    expect(admin.get_by_text("Locked: set on the server by KIOSK_CLINIC_NAME.")).to_be_visible()
    admin.get_by_label("Phone number").fill("020 7946 0000")
    admin.get_by_label("Address, in the contact block").fill("1 High Street, Leeds")
    admin.get_by_role("button", name="Save settings").click()
    expect(admin.get_by_role("status")).to_contain_text("Saved: 2 settings changed.")
    expect(admin.locator("#clinic-details-missing")).to_have_count(0)

    section(admin, "Treatments and policy")
    admin.get_by_label("Whether the clinic offers RF microneedling").uncheck()
    admin.get_by_label("No tanning, sunbeds or self-tan").fill("4")
    admin.get_by_role("button", name="Save settings").click()
    expect(admin.get_by_role("status")).to_contain_text("Saved: 2 settings changed.")

    section(admin, "Keeping data and timeouts")
    admin.get_by_label("Seconds that question counts down").fill("10")
    admin.get_by_label("Seconds the Done screen stays").fill("25")
    admin.get_by_role("button", name="Save settings").click()
    # Refused, and what was typed is still there.
    expect(admin.get_by_role("alert")).to_contain_text("Enter a whole number from 20 to 3600.")
    expect(admin.get_by_label("Seconds the Done screen stays")).to_have_value("25")
    admin.get_by_label("Seconds that question counts down").fill("30")
    admin.get_by_role("button", name="Save settings").click()
    expect(admin.get_by_role("status")).to_contain_text("Saved: 1 setting changed.")

    section(admin, "Logo and colour")
    admin.get_by_label("Brand colour").fill("#7a1f5c")
    admin.get_by_label("Logo, a PNG or SVG file").set_input_files(
        files=[{"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": SVG_LOGO.encode()}]
    )
    # A preview first: nothing saved, the worker renders a sample copy.
    admin.get_by_role("button", name="Preview without saving").click()
    expect(admin.locator("#preview")).to_contain_text("not saved yet")
    expect(admin.get_by_role("link", name="A sample patient copy (PDF)")).to_be_visible(
        timeout=60_000
    )
    screenshot(admin, "staff", "22-settings-preview", full_page=False)
    with admin.expect_popup() as welcome:
        admin.get_by_role("link", name="The Welcome screen, as patients would see it").click()
    expect(welcome.value.get_by_role("button", name="Start")).to_be_disabled()
    expect(welcome.value.locator("img.welcome__logo")).to_be_visible()
    expect(welcome.value.locator(".masthead")).to_have_css("background-color", PLUM)
    # The logo chosen for the preview is saved with the rest.
    expect(admin.get_by_text("The logo chosen for this preview is saved")).to_be_visible()
    expect(admin.get_by_role("img", name="The logo chosen for this preview")).to_be_visible()
    admin.get_by_role("button", name="Save settings").click()
    expect(admin.get_by_role("status")).to_contain_text("Saved: 2 settings changed.")
    expect(admin.get_by_role("img", name="The logo in use")).to_be_visible()

    portrait = new_page(browser, PORTRAIT)
    portrait.context.add_cookies(admin.context.cookies())
    portrait.goto(rendering_server.url + "/staff/settings/clinic")
    screenshot(portrait, "staff", "21-settings-portrait", full_page=False)

    for size, viewport in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        tablet = new_page(browser, viewport)
        tablet.goto(rendering_server.url + "/")
        expect(tablet.locator("img.welcome__logo")).to_be_visible()
        expect(tablet.locator("img.masthead__logo")).to_have_count(0)  # once, large
        screenshot(tablet, "kiosk", f"40-welcome-with-logo-{size}", full_page=False)
        tablet.context.close()

    patient = new_page(browser)
    journey.start(patient, rendering_server.url)
    journey.about(patient)
    journey.concerns(patient)
    journey.skin_type(patient)
    journey.skin_today(patient)
    journey.health_history(patient)
    journey.medicines(patient)
    expect(journey.heading(patient)).to_have_text("Your goals and plans")
    expect(patient.get_by_text("Radiofrequency")).to_have_count(0)
    expect(patient.get_by_text("Which treatment are you interested in?")).to_have_count(0)
