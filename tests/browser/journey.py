"""A patient's answers, given the way a patient gives them: by visible labels."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import Page, expect

from ..patient_client import MONTHS


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def press_continue(page: Page) -> None:
    page.get_by_role("button", name="Continue").click()


def group(page: Page, question: str):
    return page.get_by_role("group", name=question)


def answer_row(page: Page, label: str):
    """A row of the check-answers page, by the exact words of its question."""
    return page.locator(".summary-list__row").filter(has=page.get_by_text(label, exact=True))


def none_of_these_apply(page: Page) -> None:
    """Tick the screen's checklist's "None of these apply to me"."""
    page.get_by_label("None of these apply to me").check()


def go_to(page: Page, step_id: str) -> None:
    # Polls the address bar: steps arrive by full loads, htmx swaps and history pops.
    expect(page).to_have_url(re.compile(rf"/step/{step_id}(\?|$)"))
    # The address changes when a full load commits, before its stylesheet has
    # arrived; anything measured or pressed next needs the finished page.
    page.wait_for_load_state("load")


def start(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_role("button", name="Start").click()
    go_to(page, "about")


def about(page: Page, name: str = "Maya") -> None:
    expect(heading(page)).to_have_text("About you")
    page.get_by_label("Your first name").fill(name)
    page.get_by_label("30 to 39").check()
    group(page, "May we contact you").get_by_label("No", exact=True).check()
    press_continue(page)
    go_to(page, "concerns")


def concerns(page: Page) -> None:
    expect(heading(page)).to_have_text("What would you like to improve?")
    page.get_by_label("Fine lines and wrinkles").check()
    page.get_by_label("Acne scars").check()
    page.get_by_label("Face", exact=True).check()
    press_continue(page)
    go_to(page, "skin_type")


def skin_type(page: Page) -> None:
    expect(heading(page)).to_have_text("Your skin in the sun")
    page.get_by_label("I sometimes burn and tan gradually").check()
    press_continue(page)
    go_to(page, "skin_today")


def skin_today(page: Page) -> None:
    expect(heading(page)).to_have_text("Your skin today")
    none_of_these_apply(page)
    press_continue(page)
    go_to(page, "health_history")


def tick(page: Page, *lines: str) -> None:
    """Tick the lines of the screen's checklist, else "None of these apply to me"."""
    for line in lines:
        page.get_by_label(line).check()
    if not lines:
        none_of_these_apply(page)


def health_history(page: Page, *ticked: str) -> None:
    expect(heading(page)).to_have_text("Your general health")
    tick(page, *ticked)
    press_continue(page)
    go_to(page, "medicines")


def medicines(page: Page, *ticked: str, isotretinoin: str = "No, never") -> None:
    expect(heading(page)).to_have_text("Medicines and allergies")
    tick(page, *ticked)
    group(page, "isotretinoin").get_by_label(isotretinoin).check()
    press_continue(page)


def treatments_allergies(page: Page, **chosen: str) -> None:
    """The lists the checklist before called for: ``chosen`` by question
    (words of its legend) the option to tick."""
    expect(heading(page)).to_have_text("Treatments, allergies and implants")
    for question, option in chosen.items():
        group(page, question).get_by_label(option).check()
    press_continue(page)


def goals(page: Page) -> None:
    expect(heading(page)).to_have_text("Your goals and plans")
    page.get_by_label("2 to 3 days").check()
    page.get_by_label("Microneedling with a pen").check()
    group(page, "at-home derma roller").get_by_label("No", exact=True).check()
    press_continue(page)
    go_to(page, "event")


def enter_date(page: Page, question: str, day: str, month: str, year: str) -> None:
    """Type the day and year, and pick the month by its name, in the boxes of
    the date question ``question``."""
    boxes = group(page, question)
    boxes.get_by_label("Day").fill(day)
    boxes.get_by_label("Month").select_option(label=month)
    boxes.get_by_label("Year").fill(year)


def event(page: Page, date: dt.date | None = None) -> None:
    expect(heading(page)).to_have_text("Is there a date you are planning for?")
    if date:
        month = MONTHS[date.month - 1]
        enter_date(page, "Date of your event", str(date.day), month, str(date.year))
    press_continue(page)
    expect(page).to_have_url(re.compile(r"/check$"))


def whole_questionnaire(page: Page, base_url: str, name: str = "Maya") -> None:
    start(page, base_url)
    about(page, name)
    concerns(page)
    skin_type(page)
    skin_today(page)
    health_history(page)
    medicines(page)
    go_to(page, "goals")
    goals(page)
    event(page)


def draw_signature(page: Page) -> None:
    """Sign in the consent's drawing area as a finger would: two strokes."""
    canvas = page.locator("#signature-canvas")
    expect(canvas).to_be_visible()
    canvas.scroll_into_view_if_needed()  # the mouse moves in the window
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    for stroke in (
        [(0.1, 0.7), (0.18, 0.3), (0.26, 0.75), (0.34, 0.35), (0.42, 0.7)],
        [(0.5, 0.55), (0.65, 0.5), (0.8, 0.58)],
    ):
        page.mouse.move(x + stroke[0][0] * w, y + stroke[0][1] * h)
        page.mouse.down()
        for fx, fy in stroke[1:]:
            page.mouse.move(x + fx * w, y + fy * h, steps=6)
        page.mouse.up()
    expect(page.locator("#signature")).not_to_have_value("")


def to_consent(page: Page, continue_words: str = "Continue") -> None:
    """From Check your answers on to the consent screen."""
    page.get_by_role("button", name=continue_words).click()
    expect(page).to_have_url(re.compile(r"/consent$"))
    page.wait_for_load_state("load")


def send_answers(
    page: Page, *, continue_words: str = "Continue", sign_words: str = "Sign and send my answers"
) -> None:
    """From Check your answers: on to the consent, signed with a finger, and sent."""
    to_consent(page, continue_words)
    draw_signature(page)
    page.get_by_role("button", name=sign_words).click()
