"""A shared iPad: nothing of one patient reaches the next, and no patient loses
an answer, in WebKit.

WebKit keeps whole pages for Back and Forward (its back-forward cache) and
shows them again as they were left, whatever ``no-store`` says; Chromium does
not keep these pages, so only WebKit can show what these tests guard against.
"""

from __future__ import annotations

import sqlite3

import pytest

from . import webkit_journey as wj
from .webkit import webkit_display_fixture, webkit_driver_fixture, webkit_fixture  # noqa: F401

pytestmark = pytest.mark.webkit

WELCOME = "Welcome to Test Clinic"
CANNOT_REACH = "The tablet cannot reach the clinic’s system just now."


def consultations(server) -> int:
    with sqlite3.connect(server.database) as db:
        return db.execute("select count(*) from consultations").fetchone()[0]


def shows_nothing_of(driver, name: str) -> None:
    """Whatever the page is at this moment (one restored from the cache
    included), nothing of the patient is on it or in the browser's storage."""
    assert name not in driver.page_source
    stored = driver.execute_script(
        "return JSON.stringify([{...localStorage}, {...sessionStorage}])"
    )
    assert name not in stored


def lands_on_welcome(driver, name: str) -> None:
    shows_nothing_of(driver, name)
    wj.wait_for_url(driver, r"/$")
    wj.wait_for_heading(driver, WELCOME)
    shows_nothing_of(driver, name)


def back_and_forward_show_nothing_of(driver, name: str) -> None:
    """Back step by step, several steps at once, and Forward: each lands on
    Welcome, and no history entry is added on the way."""
    entries = driver.execute_script("return history.length")
    for _ in range(3):
        driver.back()
        lands_on_welcome(driver, name)
    driver.execute_script("history.go(-4)")
    lands_on_welcome(driver, name)
    driver.forward()
    lands_on_welcome(driver, name)
    driver.execute_script("history.go(2)")
    lands_on_welcome(driver, name)
    assert driver.execute_script("return history.length") == entries


def test_back_and_forward_after_done_show_nothing_of_the_patient(webkit, server):
    driver = webkit
    wj.whole_questionnaire(driver, server.url, name="Lucia")
    wj.send(driver, "Lucia")
    wj.link(driver, "Finish now").click()
    wj.wait_for_url(driver, r"/$")  # a click does not wait for the page it opens
    lands_on_welcome(driver, "Lucia")
    back_and_forward_show_nothing_of(driver, "Lucia")
    # The next patient starts with nothing filled in.
    wj.start(driver, server.url)
    assert wj.field(driver, "Your first name").get_attribute("value") == ""


def test_back_and_forward_after_start_over_show_nothing_of_the_patient(webkit, idle_server):
    """ "Start over" in the idle warning runs the idle reset at once."""
    driver = webkit
    wj.start(driver, idle_server.url)
    wj.about(driver, "Tomasz")
    wj.concerns(driver)
    wj.skin_type(driver)
    wj.wait(driver, lambda d: wj.find_all(d, "button", "Start over", exact=True), "no warning")
    wj.press(driver, "Start over")
    lands_on_welcome(driver, "Tomasz")
    assert idle_server.drafts() == 0
    back_and_forward_show_nothing_of(driver, "Tomasz")


def test_back_to_welcome_mid_way_asks_and_loses_nothing(webkit, server):
    """The browser's Back from the first screen shows Welcome as it was before
    Start, from the cache: asked for anew, it offers to carry on."""
    driver = webkit
    wj.start(driver, server.url)
    wj.about(driver, "Ines")
    driver.back()
    wj.go_to(driver, "about")
    driver.back()
    wj.wait_for_url(driver, r"/$")
    wj.wait_for_text(driver, "You have answers in progress")
    shows_nothing_of(driver, "Ines")
    wj.screenshot(driver, "privacy", "welcome-answers-in-progress", full_page=False)
    wj.press(driver, "Continue my answers")
    wj.go_to(driver, "concerns")
    wj.link(driver, "Back").click()
    wj.go_to(driver, "about")
    assert wj.field(driver, "Your first name").get_attribute("value") == "Ines"
    assert server.drafts() == 1


def is_large(driver) -> bool:
    return driver.execute_script("return document.documentElement.classList.contains('large-text')")


def test_larger_text_mid_way_keeps_the_screen_its_answers_and_lasts_to_done(webkit, server):
    driver = webkit
    wj.start(driver, server.url)
    wj.about(driver, "Ines")
    wj.check(driver, "Acne scars")  # ticked, not sent yet
    wj.press(driver, "Larger text")
    wj.wait(driver, is_large, "the text never grew")
    wj.go_to(driver, "concerns")
    assert wj.is_checked(driver, "Acne scars")
    assert wj.button(driver, "Larger text").get_attribute("aria-pressed") == "true"
    wj.screenshot(driver, "privacy", "larger-text-mid-way", full_page=False)
    wj.concerns(driver)
    assert is_large(driver)
    wj.skin_type(driver)
    wj.skin_today(driver)
    wj.health_history(driver)
    wj.medicines(driver)
    wj.go_to(driver, "goals")
    wj.goals(driver)
    wj.event(driver)
    wj.send(driver, "Ines")
    assert is_large(driver), "Done keeps the size"
    wj.link(driver, "Finish now").click()
    wj.wait_for_heading(driver, WELCOME)
    assert not is_large(driver), "the next patient starts with the clinic's size"


def test_a_dropped_connection_on_a_screen_start_and_send_keeps_answers_and_retries(webkit, server):
    """The server out of reach (as when the Wi-Fi drops): the screen stays with
    its answers, says so politely, and the same button sends once it is back."""
    driver = webkit
    driver.get(server.url + "/")
    server.stop()
    wj.press(driver, "Start")
    wj.wait_for_text(driver, CANNOT_REACH)
    assert wj.heading(driver) == WELCOME
    server.start()
    wj.press(driver, "Start")
    wj.go_to(driver, "about")

    wj.fill(driver, "Your first name", "Wen")
    wj.check(driver, "40 to 49")
    wj.check(wj.group(driver, "May we contact you"), "No", exact=True)
    server.stop()
    wj.press_continue(driver)
    wj.wait_for_text(driver, CANNOT_REACH)
    assert wj.heading(driver) == "About you"
    assert wj.field(driver, "Your first name").get_attribute("value") == "Wen"
    server.start()
    wj.press_continue(driver)
    wj.go_to(driver, "concerns")

    wj.concerns(driver)
    wj.skin_type(driver)
    wj.skin_today(driver)
    wj.health_history(driver)
    wj.medicines(driver)
    wj.go_to(driver, "goals")
    wj.goals(driver)
    wj.event(driver)
    server.stop()
    wj.press(driver, "Continue")
    wj.wait_for_text(driver, CANNOT_REACH)
    assert wj.heading(driver) == "Check your answers"
    assert wj.answer_text(driver, "First name") == "Wen"
    wj.screenshot(driver, "privacy", "send-without-a-connection", full_page=False)
    assert consultations(server) == 0
    server.start()
    wj.send(driver, "Wen")
    assert consultations(server) == 1
