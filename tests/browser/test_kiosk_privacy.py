"""A shared tablet: idle warning, reset, and no trace of the previous patient."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from . import journey
from .conftest import new_page, screenshot


def no_trace_of(page: Page, name: str) -> None:
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("button", name="Start")).to_be_visible()
    assert name not in page.content()
    stored = page.evaluate("JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert name not in stored


def test_idle_warning_more_time_and_reset_wipe_everything(browser, idle_server):
    page = new_page(browser)
    journey.start(page, idle_server.url)
    journey.about(page, "Rosa")
    journey.concerns(page)

    dialog = page.get_by_role("alertdialog", name="Are you still there?")
    expect(dialog).to_be_visible(timeout=6_000)
    more = dialog.get_by_role("button", name="I need more time")
    expect(more).to_be_focused()
    expect(dialog).to_contain_text("20 seconds")
    expect(dialog.locator("[data-countdown]")).not_to_have_text("20", timeout=3_000)
    screenshot(page, "privacy", "01-idle-warning")

    # As many times as needed: the idle clock starts again each time.
    for _ in range(2):
        more.click()
        expect(dialog).to_be_hidden()
        expect(dialog).to_be_visible(timeout=6_000)
    assert idle_server.drafts() == 1

    # Nobody answers: the countdown runs out and the kiosk resets itself.
    started = time.monotonic()
    expect(page).to_have_url(re.compile(r"/$"), timeout=30_000)
    assert time.monotonic() - started >= 15, "the patient had at least 20 seconds"
    assert idle_server.drafts() == 0
    no_trace_of(page, "Rosa")

    page.go_back()
    no_trace_of(page, "Rosa")
    page.go_back()
    no_trace_of(page, "Rosa")
    page.context.close()


def test_an_untouched_welcome_never_warns_and_a_passers_by_choice_resets_quietly(
    browser, idle_server
):
    page = new_page(browser)
    page.goto(idle_server.url + "/")
    page.evaluate("window.untouched = true")
    dialog = page.get_by_role("alertdialog", name="Are you still there?")
    page.wait_for_timeout(4_000)  # twice the idle time
    expect(dialog).to_be_hidden()
    assert page.evaluate("window.untouched") is True, "the untouched Welcome reloaded"

    # Somebody picks Spanish and larger text, then walks away without starting.
    page.get_by_role("button", name="Español").click()
    page.get_by_role("button", name="Letra más grande").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("html")).to_have_class("large-text")
    # A few idle seconds later the tablet is back to the clinic's own settings,
    # with no warning in between.
    expect(page.locator("html")).to_have_attribute("lang", "en", timeout=10_000)
    expect(page.locator("html")).not_to_have_class("large-text")
    expect(dialog).to_be_hidden()
    page.context.close()


def test_start_over_resets_at_once(browser, idle_server):
    page = new_page(browser)
    journey.start(page, idle_server.url)
    journey.about(page, "Tomasz")
    dialog = page.get_by_role("alertdialog", name="Are you still there?")
    expect(dialog).to_be_visible(timeout=6_000)
    dialog.get_by_role("button", name="Start over").click()
    no_trace_of(page, "Tomasz")
    assert idle_server.drafts() == 0
    page.go_back()
    no_trace_of(page, "Tomasz")
    page.go_forward()
    no_trace_of(page, "Tomasz")
    page.context.close()


def test_after_a_completed_consultation_back_and_forward_show_nothing(browser, server):
    page = new_page(browser)
    journey.whole_questionnaire(page, server.url, name="Lucia")
    journey.send_answers(page)
    expect(page).to_have_url(re.compile(r"/done$"))
    countdown = page.locator("[data-return-countdown]")
    expect(countdown).to_have_text("This screen clears itself in 20 seconds.")
    expect(countdown).to_have_text(re.compile(r"in 1[0-9] seconds"), timeout=5_000)
    page.get_by_role("link", name="Finish now").click()
    no_trace_of(page, "Lucia")
    for _ in range(4):
        page.go_back()
        expect(page).to_have_url(re.compile(r"/$"))
        assert "Lucia" not in page.content()
        assert page.locator("input[value='Lucia']").count() == 0
    page.go_forward()
    assert "Lucia" not in page.content()
    # The next patient starts with empty forms.
    page.goto(server.url + "/")
    journey.start(page, server.url)
    expect(page.get_by_label("Your first name")).to_have_value("")
    page.context.close()


def test_text_fields_ask_the_browser_not_to_remember_answers(page, server):
    journey.start(page, server.url)
    for form in page.locator("form").all():
        assert form.get_attribute("autocomplete") == "off"
    for field in page.locator("input[type=text], textarea").all():
        assert field.get_attribute("autocomplete") == "off"
