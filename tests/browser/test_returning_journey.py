"""A patient back for a later session of their course, in Chromium: "I have
been here before", a mistyped code, then only the screens asked again; and
staff see what changed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kiosk import create_app

from ..staff_helpers import add_consultation, create_account
from . import journey
from .conftest import PORTRAIT, LiveServer, new_page, screenshot, sign_in
from .test_accessibility import serious_violations

NOT_FOUND = (
    "We could not find a summary with that code and first name. Check the code on your "
    "summary, or answer all the questions as a new patient."
)


@pytest.fixture
def server(tmp_path, migrated_instance):
    """The kiosk without its consent screen: what is measured here is the
    returning patient's own screens (the consent has tests of its own)."""
    live = LiveServer(migrated_instance(tmp_path / "instance"), KIOSK_CONSENT_ON="false")
    live.start()
    yield live
    live.stop()


class Taps:
    """The patient's taps (a button, a link, a line ticked), counted as pressed."""

    def __init__(self, page: Page):
        self.page = page
        self.count = 0

    def press(self, role: str, name: str) -> None:
        self.page.get_by_role(role, name=name).click()
        self.count += 1

    def tick(self, label: str, scope=None) -> None:
        (scope or self.page).get_by_label(label, exact=True).check()
        self.count += 1


def look_up(page: Page, taps: Taps, code: str, name: str) -> None:
    page.get_by_label("Reference code").fill(code)
    page.get_by_label("Your first name").fill(name)
    taps.press("button", "Continue")


def test_a_returning_patient_with_nothing_changed_answers_three_screens(browser, server):
    app = create_app({"INSTANCE_PATH": str(server.instance)})
    earlier = add_consultation(app, "fine-lines-no-flags", first_name="Maya")
    page = new_page(browser, PORTRAIT)
    page.goto(server.url + "/")
    taps = Taps(page)
    expect(page.get_by_role("button", name="Start")).to_be_visible()
    screenshot(page, "returning", "returning-welcome", full_page=False)
    taps.press("link", "I have been here before")
    expect(journey.heading(page)).to_have_text("You have been here before")
    assert serious_violations(page) == []

    # A mistyped code: one message, what was typed kept, and a way on as a new patient.
    look_up(page, taps, "K7P 4QX", "Maya")
    expect(page.get_by_role("alert")).to_contain_text(NOT_FOUND)
    expect(page.get_by_label("Reference code")).to_have_value("K7P 4QX")
    expect(page.get_by_label("Your first name")).to_have_value("Maya")
    expect(
        page.get_by_role("button", name="Answer all the questions as a new patient")
    ).to_be_visible()
    assert "K7P" not in page.url
    screenshot(page, "returning", "returning-code-error", full_page=False)
    assert serious_violations(page) == []

    # The code as read aloud, the name in lower case.
    taps.count = 1  # the mistyped code aside: a patient who types it right
    look_up(page, taps, earlier.reference.lower().replace("-", " "), "maya")
    journey.go_to(page, "skin_today")
    expect(page.get_by_role("list", name="Your progress")).to_have_text(
        re.compile(r"^\s*Health\s*Check\s*$")
    )
    screenshot(page, "returning", "returning-skin-today", full_page=False)
    screens = ["I have been here before"]
    for step_id, heading in (
        ("skin_today", "Your skin today"),
        ("health_history", "Your general health"),
        ("medicines", "Medicines and allergies"),
    ):
        journey.go_to(page, step_id)
        expect(journey.heading(page)).to_have_text(heading)
        screens.append(heading)
        # Asked again today: nothing ticked from last time.
        assert page.locator("input:checked").count() == 0
        taps.tick("None of these apply to me")
        if step_id == "medicines":
            taps.tick("No, never", journey.group(page, "isotretinoin"))
        taps.press("button", "Continue")
    expect(page).to_have_url(re.compile(r"/check$"))
    expect(journey.heading(page)).to_have_text("Check your answers")
    screens.append("Check your answers")
    assert serious_violations(page) == []
    expect(page.get_by_text("Fine lines and wrinkles")).to_have_count(0)
    taps.press("button", "Send my answers")
    expect(page).to_have_url(re.compile(r"/done$"))
    reference = page.locator(".reference").inner_text()
    assert reference != earlier.reference
    # The figure in the README: five screens and ten taps, besides typing the
    # code and the first name.
    assert (len(screens), taps.count) == (5, 10)
    page.context.close()


def test_staff_see_what_changed_since_the_earlier_visit(browser, server):
    app = create_app({"INSTANCE_PATH": str(server.instance)})
    earlier = add_consultation(app, "fine-lines-no-flags", first_name="Lucía")
    password = create_account(app, "nia", "staff", "Nia Brooks")
    page = new_page(browser, PORTRAIT)
    page.goto(server.url + "/returning")
    taps = Taps(page)
    look_up(page, taps, earlier.reference, "LUCIA")
    journey.skin_today(page)
    # A restart of the server loses nothing: the draft and its link are stored.
    server.restart()
    page.reload()
    journey.go_to(page, "health_history")
    journey.health_history(page, "Pregnant or breastfeeding")
    journey.medicines(page, isotretinoin="Yes, I have stopped")
    journey.go_to(page, "medicine_details")
    page.get_by_label("About how many months ago did you stop taking isotretinoin?").fill("3")
    journey.press_continue(page)
    expect(journey.heading(page)).to_have_text("Check your answers")
    page.get_by_role("button", name="Send my answers").click()
    expect(page).to_have_url(re.compile(r"/done$"))
    reference = page.locator(".reference").inner_text()
    page.context.close()

    staff = new_page(browser, PORTRAIT)
    sign_in(staff, server.url, "nia", password)
    row = staff.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Returning")
    screenshot(staff, "returning", "returning-queue", full_page=False)
    row.get_by_role("link", name=reference).click()
    changed = staff.locator(".follow-up")
    expect(changed.get_by_role("heading")).to_contain_text(f"Changed since {earlier.reference} (")
    rows = changed.locator(".summary-list__row")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="Pregnant or breastfeeding")).to_contain_text("No → now Yes")
    expect(rows.filter(has=staff.get_by_text("Isotretinoin", exact=True))).to_contain_text(
        "No, never → now Yes, but has stopped"
    )
    expect(staff.locator(".summary-list__row--changed")).to_have_count(3)
    screenshot(staff, "returning", "returning-staff-changes", full_page=False)
    screenshot(staff, "returning", "returning-staff-page")
    assert serious_violations(staff) == []
    changed.get_by_role("link", name=f"Open {earlier.reference}").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text(earlier.reference)
    staff.context.close()
