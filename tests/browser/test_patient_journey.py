"""The questionnaire in real Chromium, the way a patient on the tablet meets it."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3

import pytest
from playwright.sync_api import Page, expect

from . import journey
from .conftest import LANDSCAPE, PORTRAIT, LiveServer, new_page, screenshot

REFERENCE = re.compile(r"^[ACEFHJKMNPRTWXY3479]{3}-[ACEFHJKMNPRTWXY3479]{3}$")
TOUCH_TARGETS = ".option__label, .button, .back-link, .change-link, .input"


def assert_fits_tablet(page: Page) -> None:
    """No sideways scrolling, and nothing to tap smaller than 48 × 48 px."""
    page.wait_for_load_state("load")  # measured with the stylesheet applied
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page scrolls sideways by {overflow}px"
    small = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter(el => el.offsetParent !== null)
            .map(el => [el.textContent.trim().slice(0, 40), el.getBoundingClientRect()])
            .filter(([, r]) => r.height < 48 || r.width < 48)
            .map(([text, r]) => `${text}: ${Math.round(r.width)}x${Math.round(r.height)}`)""",
        TOUCH_TARGETS,
    )
    assert small == [], f"touch targets under 48 px: {small}"


def stored_consultations(server) -> list[tuple[str, str, str]]:
    with sqlite3.connect(server.database) as db:
        return db.execute("select reference, first_name, answers from consultations").fetchall()


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_full_journey_by_labels_with_screenshots(browser, server, viewport):
    page = new_page(browser, viewport)
    folder = "portrait" if viewport is PORTRAIT else "landscape"
    shots = iter(range(1, 100))

    def shoot(name: str) -> None:
        assert_fits_tablet(page)
        screenshot(page, folder, f"{next(shots):02d}-{name}")

    page.goto(server.url + "/")
    shoot("welcome")
    page.get_by_role("button", name="Start").click()
    journey.go_to(page, "about")
    # From here on every step is swapped in by htmx: the page itself never reloads.
    page.evaluate("window.sameDocument = true")
    shoot("about")

    # Continue with nothing filled in: every problem listed, the title says so.
    journey.press_continue(page)
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter your first name")
    expect(summary).to_contain_text("Select your age group")
    expect(page).to_have_title(re.compile(r"^Error: About you"))
    expect(summary).to_be_focused()
    shoot("about-errors")
    summary.get_by_role("link", name="Select your age group").click()
    expect(page.get_by_label("Under 18")).to_be_focused()

    journey.about(page)
    shoot("concerns")
    journey.concerns(page)
    shoot("skin-type")
    journey.skin_type(page)
    shoot("skin-today")
    journey.skin_today(page)
    shoot("health-history")
    journey.health_history(page)
    shoot("medicines")
    journey.medicines(
        page,
        "An allergy, such as to metal, numbing cream or skin care",
        isotretinoin="Yes, I have stopped",
    )
    journey.go_to(page, "treatments_allergies")
    shoot("treatments-allergies")
    journey.treatments_allergies(page, **{"What are you allergic to?": "Gold"})
    journey.go_to(page, "medicine_details")
    expect(journey.heading(page)).to_have_text("More about your medicines and treatments")
    shoot("medicine-details")
    page.get_by_label("how many months ago").fill("eight")
    journey.press_continue(page)
    expect(page.get_by_role("alert")).to_contain_text("Enter a whole number of months")
    expect(page.get_by_label("how many months ago")).to_have_value("eight")
    page.get_by_label("how many months ago").fill("8")
    journey.press_continue(page)
    journey.go_to(page, "goals")
    shoot("goals")
    journey.goals(page)
    shoot("event")
    journey.event(page)
    expect(page).to_have_title("Check your answers – Test Clinic")
    progress = page.get_by_role("list", name="Your progress")
    expect(progress.locator("[aria-current=step]")).to_have_text("Check")
    shoot("check-answers")
    assert page.evaluate("window.sameDocument") is True

    journey.to_consent(page)
    expect(progress.locator("[aria-current=step]")).to_have_text("Check")
    shoot("consent")
    journey.draw_signature(page)
    shoot("consent-signed")
    page.get_by_role("button", name="Sign and send my answers").click()
    page.wait_for_url(re.compile(r"/done$"))
    expect(journey.heading(page)).to_have_text("Thank you, Maya")
    reference = page.locator(".reference").inner_text()
    assert REFERENCE.match(reference)
    shoot("done")

    [(stored_reference, first_name, answers)] = stored_consultations(server)
    assert (stored_reference, first_name) == (reference, "Maya")
    assert '"isotretinoin_months": 8' in answers
    page.context.close()


TOPICS = ["About you", "Your skin", "Health", "Goals", "Check"]


def progress_states(page: Page) -> list[tuple[str, str]]:
    """The progress list as the patient sees it: each item's name and how it
    is drawn (weight, underline, its mark's shape), and which one is current
    for a screen reader."""
    progress = page.get_by_role("list", name="Your progress")
    expect(progress.get_by_role("listitem")).to_have_count(len(TOPICS))
    return progress.evaluate(
        """list => [...list.children].map(item => {
            const name = item.querySelector('.progress__name');
            const mark = getComputedStyle(item.querySelector('.progress__mark'));
            return [name.innerText, {
                current: item.getAttribute('aria-current'),
                bold: Number(getComputedStyle(item).fontWeight) >= 700,
                underlined: getComputedStyle(name).textDecorationLine.includes('underline'),
                tick: mark.transform !== 'none' && mark.borderRadius === '0px',
                filled: mark.backgroundColor !== 'rgba(0, 0, 0, 0)',
                hidden: item.querySelector('.visually-hidden')?.textContent.trim() ?? null,
            }];
        })"""
    )


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_the_progress_shows_the_topics_current_one_marked_never_going_back(
    browser, server, viewport
):
    page = new_page(browser, viewport)
    journey.start(page, server.url)
    journey.about(page)
    journey.concerns(page)
    journey.skin_type(page)
    journey.skin_today(page)
    journey.tick(page, "Diabetes")
    journey.press_continue(page)
    journey.go_to(page, "health_details")
    # A follow-up screen an answer called for: the list is the same, its
    # marker still on Health.
    [about, skin, health, goals, check] = progress_states(page)
    assert [name for name, _ in (about, skin, health, goals, check)] == TOPICS
    done = {"current": None, "bold": False, "underlined": False, "tick": True}
    done |= {"filled": False, "hidden": "(completed)"}
    later = {"current": None, "bold": False, "underlined": False, "tick": False}
    later |= {"filled": False, "hidden": None}
    current = {"current": "step", "bold": True, "underlined": True, "tick": False}
    current |= {"filled": True, "hidden": None}
    assert [about[1], skin[1], health[1], goals[1], check[1]] == [done, done, current, later, later]
    # On one line above the question, beside Back.
    box = page.get_by_role("list", name="Your progress").bounding_box()
    back = page.get_by_role("link", name="Back").bounding_box()
    assert box["height"] < 2 * 24
    assert abs((box["y"] + box["height"] / 2) - (back["y"] + back["height"] / 2)) < 4
    assert_fits_tablet(page)
    screenshot(
        page,
        "progress-" + ("portrait" if viewport is PORTRAIT else "landscape"),
        "01-follow-up-screen",
        full_page=False,
    )

    # Through every later screen to Check: the current item moves forward only.
    currents = []

    def note_current() -> None:
        states = progress_states(page)
        currents.append([n for n, (name, state) in enumerate(states) if state["current"]])

    page.get_by_label("Well controlled", exact=True).check()
    journey.press_continue(page)
    journey.go_to(page, "medicines")
    note_current()
    journey.medicines(page)
    journey.go_to(page, "goals")
    note_current()
    journey.goals(page)
    note_current()
    journey.event(page)
    note_current()
    assert currents == [[2], [3], [3], [4]]
    page.context.close()


def test_done_screen_returns_to_welcome_by_itself(browser, tmp_path, migrated_instance):
    server = LiveServer(migrated_instance(tmp_path / "instance"), KIOSK_DONE_SECONDS="2")
    server.start()
    try:
        page = new_page(browser)
        journey.whole_questionnaire(page, server.url)
        journey.send_answers(page)
        page.wait_for_url(re.compile(r"/done$"))
        page.wait_for_url(server.url + "/", timeout=10_000)
        expect(page.get_by_role("button", name="Start")).to_be_visible()
        page.context.close()
    finally:
        server.stop()


def test_browser_back_shows_previous_step_with_its_answers(page, server):
    journey.start(page, server.url)
    journey.about(page, "Noor")
    journey.concerns(page)
    journey.skin_type(page)

    page.go_back()
    journey.go_to(page, "skin_type")
    expect(page.get_by_label("I sometimes burn and tan gradually")).to_be_checked()
    page.go_back()
    journey.go_to(page, "concerns")
    expect(page.get_by_label("Fine lines and wrinkles")).to_be_checked()
    expect(page.get_by_label("Acne scars")).to_be_checked()
    expect(page.get_by_label("Stretch marks")).not_to_be_checked()

    # The on-screen Back link does the same.
    page.get_by_role("link", name="Back").click()
    journey.go_to(page, "about")
    expect(page.get_by_label("Your first name")).to_have_value("Noor")
    expect(page.get_by_label("30 to 39")).to_be_checked()

    # Carry on from there: the later answers are still in place.
    journey.press_continue(page)
    journey.go_to(page, "concerns")
    expect(page.get_by_label("Acne scars")).to_be_checked()
    journey.press_continue(page)
    journey.go_to(page, "skin_type")
    # No answers were kept in the browser's storage on the way: htmx keeps
    # no history snapshots, only the current path.
    stored = page.evaluate("JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert "htmx-history-cache" not in stored
    assert "Noor" not in stored
    assert "fine_lines" not in stored


def test_reload_mid_way_resumes_exactly_there(page, server):
    journey.start(page, server.url)
    journey.about(page, "Ines")
    journey.concerns(page)
    page.get_by_label("I rarely burn and tan easily").check()

    page.reload()
    journey.go_to(page, "skin_type")
    expect(journey.heading(page)).to_have_text("Your skin in the sun")
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_label("Acne scars")).to_be_checked()


def test_back_to_welcome_mid_way_asks_before_deleting_anything(page, server):
    """Back from the first screen lands on Welcome, which offers to carry on
    (first) or start again; nothing of the answers shows, nothing is lost."""
    journey.start(page, server.url)
    journey.about(page, "Ines")
    journey.concerns(page)
    for _ in range(2):
        page.get_by_role("link", name="Back").click()
    expect(journey.heading(page)).to_have_text("About you")
    page.get_by_role("link", name="Back").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="You have answers in progress")).to_be_visible()
    assert "Ines" not in page.content()
    buttons = page.locator(".in-progress button")
    expect(buttons).to_have_text(["Continue my answers", "Start again and delete my answers"])
    # In view as the page opens: the patient need not look for the way back.
    expect(page.get_by_role("button", name="Continue my answers")).to_be_in_viewport(ratio=1)
    screenshot(page, "portrait", "00-welcome-answers-in-progress")

    page.get_by_role("button", name="Continue my answers").click()
    journey.go_to(page, "skin_type")
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_label("Acne scars")).to_be_checked()

    page.goto(server.url + "/")
    page.get_by_role("button", name="Start again and delete my answers").click()
    expect(page.get_by_role("heading", name="You have answers in progress")).to_have_count(0)
    journey.start(page, server.url)
    expect(page.get_by_label("Your first name")).to_have_value("")
    expect(page.get_by_label("30 to 39")).not_to_be_checked()


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-javascript"])
def test_larger_text_mid_way_keeps_the_screen_and_its_answers(browser, server, javascript):
    """With JavaScript the size changes in place, so even what is typed and not
    yet sent stays; without, the same screen comes back with the saved answers."""
    page = new_page(browser, javascript=javascript)
    journey.start(page, server.url)
    journey.about(page, "Ines")
    if javascript:
        # A screen reached through htmx: its address was pushed, not loaded.
        page.get_by_label("Acne scars").check()
    toggle = page.get_by_role("button", name="Larger text")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator("html")).to_have_class("large-text")
    journey.go_to(page, "concerns")
    if javascript:
        expect(page.get_by_label("Acne scars")).to_be_checked()
    page.get_by_label("Acne scars").check()
    page.get_by_label("Face", exact=True).check()
    journey.press_continue(page)
    journey.go_to(page, "skin_type")
    expect(page.locator("html")).to_have_class("large-text")
    page.get_by_role("link", name="Back").click()
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_label("Your first name")).to_have_value("Ines")
    page.get_by_role("button", name="Larger text").click()
    expect(page.locator("html")).not_to_have_class("large-text")
    expect(page.get_by_label("Your first name")).to_have_value("Ines")
    page.context.close()


def test_server_restart_mid_way_loses_nothing(page, server):
    journey.start(page, server.url)
    journey.about(page, "Olu")
    journey.concerns(page)
    journey.skin_type(page)

    server.restart()

    page.reload()
    journey.go_to(page, "skin_today")
    page.get_by_role("link", name="Back").click()
    journey.go_to(page, "skin_type")
    expect(page.get_by_label("I sometimes burn and tan gradually")).to_be_checked()
    journey.press_continue(page)
    journey.skin_today(page)
    journey.health_history(page)
    journey.medicines(page)
    journey.go_to(page, "goals")
    journey.goals(page)
    journey.event(page)
    expect(page.get_by_text("Olu")).to_be_visible()
    journey.send_answers(page)
    page.wait_for_url(re.compile(r"/done$"))
    assert [row[1] for row in stored_consultations(server)] == ["Olu"]


def test_change_from_check_answers_asks_new_follow_up_then_returns(page, server):
    journey.whole_questionnaire(page, server.url)
    row = journey.answer_row(page, "Isotretinoin")
    expect(row).to_contain_text("No, never")

    row.get_by_role("link", name="Change").click()
    journey.go_to(page, "medicines")
    expect(journey.group(page, "isotretinoin").get_by_label("No, never")).to_be_checked()
    journey.group(page, "isotretinoin").get_by_label("Yes, I have stopped").check()
    journey.press_continue(page)

    # The new follow-up comes first, then straight back to the check page.
    journey.go_to(page, "medicine_details")
    page.get_by_label("how many months ago").fill("3")
    journey.press_continue(page)
    expect(page).to_have_url(re.compile(r"/check#answer-isotretinoin$"))
    expect(journey.answer_row(page, "Isotretinoin")).to_contain_text("Yes, I have stopped")
    expect(journey.answer_row(page, "Months since stopping isotretinoin")).to_contain_text(
        "3 months"
    )

    # A change that needs no follow-up returns at once.
    journey.answer_row(page, "First name").get_by_role("link", name="Change").click()
    journey.go_to(page, "about")
    page.get_by_label("Your first name").fill("Maja")
    journey.press_continue(page)
    expect(page).to_have_url(re.compile(r"/check#answer-first_name$"))
    expect(journey.answer_row(page, "First name")).to_contain_text("Maja")


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_change_lands_on_its_question_and_comes_back_to_its_row(
    browser, server, viewport, javascript
):
    page = new_page(browser, viewport, javascript=javascript)
    folder = f"change-{'htmx' if javascript else 'no-js'}-" + (
        "portrait" if viewport is PORTRAIT else "landscape"
    )
    journey.whole_questionnaire(page, server.url)
    if javascript:
        page.evaluate("window.sameDocument = true")

    # A checklist is read back as one row; its Change opens the list with
    # its first line focused.
    row = journey.answer_row(page, "Your general health")
    expect(row).to_contain_text("None of these")
    row.get_by_role("link", name="Change").click()
    journey.go_to(page, "health_history")
    question = journey.group(page, "Do any of these apply to you?")
    expect(question.get_by_label("Pregnant or breastfeeding")).to_be_focused()
    expect(question).to_be_in_viewport(ratio=1)
    assert_fits_tablet(page)
    screenshot(page, folder, "01-change-lands-on-the-question", full_page=False)

    # Ticking a line unticks "None of these apply to me" (by hand without
    # JavaScript); the answer calls for a follow-up: it comes first, focused.
    none = question.get_by_label("None of these apply to me")
    if not javascript:
        none.uncheck()
    question.get_by_label("Diabetes", exact=True).check()
    expect(none).not_to_be_checked()
    journey.press_continue(page)
    journey.go_to(page, "health_details")
    follow_up = journey.group(page, "How well controlled is your diabetes?")
    expect(follow_up.get_by_label("Well controlled", exact=True)).to_be_focused()
    expect(follow_up).to_be_in_viewport(ratio=1)
    screenshot(page, folder, "02-change-asks-the-new-follow-up", full_page=False)
    follow_up.get_by_label("Well controlled", exact=True).check()
    journey.press_continue(page)

    # Back on Check your answers at the changed row, marked, with the new
    # follow-up under it; with JavaScript its Change link has the focus.
    expect(page).to_have_url(re.compile(r"/check#answer-pregnant$"))
    row = journey.answer_row(page, "Your general health")
    expect(row).to_contain_text("Diabetes")
    expect(journey.answer_row(page, "Diabetes control")).to_contain_text("Well controlled")
    expect(row).to_be_in_viewport(ratio=1)
    plain = journey.answer_row(page, "First name").evaluate(
        "row => getComputedStyle(row).backgroundColor"
    )
    expect(row).not_to_have_css("background-color", plain)  # marked
    if javascript:
        expect(row.get_by_role("link", name="Change")).to_be_focused()
        assert page.evaluate("window.sameDocument") is True
    assert_fits_tablet(page)
    screenshot(page, folder, "03-check-at-the-changed-row", full_page=False)

    # Back from a change returns to the row too.
    journey.answer_row(page, "Uses an at-home roller").get_by_role("link", name="Change").click()
    journey.go_to(page, "goals")
    page.get_by_role("link", name="Back").click()
    expect(page).to_have_url(re.compile(r"/check#answer-home_roller$"))
    expect(journey.answer_row(page, "Uses an at-home roller")).to_be_in_viewport(ratio=1)
    page.context.close()


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_the_event_date_is_entered_day_month_year_and_checked_on_the_server(
    browser, server, viewport
):
    page = new_page(browser, viewport)
    folder = "event-date-" + ("portrait" if viewport is PORTRAIT else "landscape")
    journey.start(page, server.url)
    journey.about(page)
    journey.concerns(page)
    journey.skin_type(page)
    journey.skin_today(page)
    journey.health_history(page)
    journey.medicines(page)
    journey.go_to(page, "goals")
    journey.goals(page)

    # Day, month by name, year: the British order, whatever the browser's locale.
    boxes = journey.group(page, "Date of your event")
    labels = boxes.locator("label").all_inner_texts()
    assert labels == ["Day", "Month", "Year"]
    expect(page.locator("input[type=date]")).to_have_count(0)
    expect(boxes.get_by_label("Day")).to_have_attribute("inputmode", "numeric")
    expect(boxes.get_by_label("Year")).to_have_attribute("inputmode", "numeric")
    assert_fits_tablet(page)
    screenshot(page, folder, "01-event-date")

    # A day February does not have: said at the top and beside the boxes, all kept.
    next_year = str(dt.date.today().year + 1)
    journey.enter_date(page, "Date of your event", "31", "February", next_year)
    journey.press_continue(page)
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter a real date, for example 14 June 2027")
    expect(boxes).to_contain_text("Enter a real date")
    expect(boxes.get_by_label("Day")).to_have_value("31")
    expect(boxes.get_by_label("Month").locator("option:checked")).to_have_text("February")
    expect(boxes.get_by_label("Year")).to_have_value(next_year)
    assert_fits_tablet(page)
    screenshot(page, folder, "02-event-date-not-a-real-date")
    summary.get_by_role("link").click()
    expect(boxes.get_by_label("Day")).to_be_focused()

    # A year in two digits: only the year box is marked.
    journey.enter_date(page, "Date of your event", "14", "June", "27")
    journey.press_continue(page)
    expect(summary).to_contain_text("The year must have 4 digits")
    expect(boxes.get_by_label("Year")).to_have_attribute("aria-invalid", "true")
    expect(boxes.get_by_label("Day")).not_to_have_attribute("aria-invalid", "true")
    screenshot(page, folder, "03-event-date-short-year")

    # Today is not ahead.
    today = dt.date.today()
    month = journey.MONTHS[today.month - 1]
    journey.enter_date(page, "Date of your event", str(today.day), month, str(today.year))
    journey.press_continue(page)
    expect(summary).to_contain_text("The date must be in the future")

    event = today + dt.timedelta(days=90)
    journey.event(page, event)
    expected = f"{event.day} {journey.MONTHS[event.month - 1]} {event.year}"
    expect(journey.answer_row(page, "Event date")).to_contain_text(expected)
    with sqlite3.connect(server.database) as db:
        (answers,) = db.execute("select answers from drafts").fetchone()
    assert json.loads(answers)["event_date"] == event.isoformat(), "stored as before: ISO"
    page.context.close()


def test_two_patients_never_see_each_others_answers(browser, server):
    first, second = new_page(browser), new_page(browser)
    journey.start(first, server.url)
    journey.about(first, "Alice")
    journey.concerns(first)

    journey.start(second, server.url)
    expect(second.get_by_label("Your first name")).to_have_value("")
    expect(second.get_by_label("30 to 39")).not_to_be_checked()
    journey.about(second, "Bea")
    second.get_by_role("link", name="Back").click()
    expect(second.get_by_label("Your first name")).to_have_value("Bea")

    # The first patient's answers are still theirs alone.
    first.get_by_role("link", name="Back").click()
    journey.go_to(first, "concerns")
    expect(first.get_by_label("Acne scars")).to_be_checked()
    first.get_by_role("link", name="Back").click()
    expect(first.get_by_label("Your first name")).to_have_value("Alice")
    # Even the second patient's tab at the first patient's URL shows their own draft.
    second.goto(server.url + "/step/concerns")
    expect(second.get_by_label("Acne scars")).not_to_be_checked()
    assert "Alice" not in second.content()
    for page in (first, second):
        page.context.close()


def test_a_screen_that_cannot_be_sent_says_so_keeps_its_answers_and_sends_on_retry(page, server):
    journey.start(page, server.url)
    problem = page.get_by_role("alert").filter(has_text="cannot reach")
    name = page.get_by_label("Your first name")
    name.fill("Wen")
    page.get_by_label("40 to 49").check()
    journey.group(page, "May we contact you").get_by_label("No", exact=True).check()

    page.context.set_offline(True)  # the clinic's Wi-Fi drops
    journey.press_continue(page)
    expect(problem).to_be_visible()
    assert_fits_tablet(page)
    # The button to press again is in view, not under the message.
    button = page.get_by_role("button", name="Continue").bounding_box()
    assert button["y"] + button["height"] <= problem.bounding_box()["y"]
    screenshot(page, "portrait", "90-connection-problem")
    expect(journey.heading(page)).to_have_text("About you")
    expect(name).to_have_value("Wen")
    expect(page.get_by_label("40 to 49")).to_be_checked()

    page.context.set_offline(False)  # back again: the same button sends it
    journey.press_continue(page)
    journey.go_to(page, "concerns")
    expect(problem).to_be_hidden()

    # A server that fails says so in other words, and a retry works the same way.
    page.route("**/step/concerns", lambda route: route.fulfill(status=500, body="failed"))
    page.get_by_label("Acne scars").check()
    page.get_by_label("Face", exact=True).check()
    journey.press_continue(page)
    expect(page.get_by_role("alert").filter(has_text="went wrong on our side")).to_be_visible()
    expect(page.get_by_label("Acne scars")).to_be_checked()
    page.unroute("**/step/concerns")
    journey.press_continue(page)
    journey.go_to(page, "skin_type")
    with sqlite3.connect(server.database) as db:
        (answers,) = db.execute("select answers from drafts").fetchone()
    assert "Wen" in answers
    assert "acne_scars" in answers


def test_send_and_start_without_a_connection_say_so_and_send_on_retry(page, server):
    """Send and Start are posted in the background like every screen: with the
    Wi-Fi down the page stays, says so politely, and the same button sends."""
    problem = page.get_by_role("alert").filter(has_text="cannot reach")
    page.goto(server.url + "/")
    page.context.set_offline(True)
    page.get_by_role("button", name="Start").click()
    expect(problem).to_be_visible()
    expect(page.get_by_role("heading", name="Welcome to Test Clinic")).to_be_visible()
    page.context.set_offline(False)
    page.get_by_role("button", name="Start").click()
    journey.go_to(page, "about")

    journey.about(page, "Wen")
    journey.concerns(page)
    journey.skin_type(page)
    journey.skin_today(page)
    journey.health_history(page)
    journey.medicines(page)
    journey.go_to(page, "goals")
    journey.goals(page)
    journey.event(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Continue").click()
    expect(problem).to_be_visible()
    expect(journey.heading(page)).to_have_text("Check your answers")
    expect(page.locator("#step")).to_contain_text("Wen")
    page.context.set_offline(False)
    journey.to_consent(page)
    # Signed, then sent with the network down: the consent stays, signature and all.
    journey.draw_signature(page)
    signed = page.locator("#signature").input_value()
    page.context.set_offline(True)
    page.get_by_role("button", name="Sign and send my answers").click()
    expect(problem).to_be_visible()
    expect(journey.heading(page)).to_have_text("Your consent to microneedling")
    assert page.locator("#signature").input_value() == signed
    screenshot(page, "portrait", "91-send-without-a-connection", full_page=False)
    assert stored_consultations(server) == []
    page.context.set_offline(False)
    page.get_by_role("button", name="Sign and send my answers").click()
    expect(page).to_have_url(re.compile(r"/done$"))
    expect(page.get_by_role("heading", name="Thank you, Wen")).to_be_visible()
    assert len(stored_consultations(server)) == 1
