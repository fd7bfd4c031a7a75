"""The questionnaire in real WebKit, the engine of every browser on an iPad.

The same server as the Chromium tests, driven through WebKitWebDriver and
MiniBrowser (see ``webkit.py``): the whole journey in English on an upright
and a sideways tablet, in Spanish, a change from Check your answers, and the
idle warning and reset.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import time

import pytest

from . import webkit_journey as wj
from .webkit import landscape, webkit_display_fixture, webkit_driver_fixture, webkit_fixture  # noqa: F401

pytestmark = pytest.mark.webkit

REFERENCE = re.compile(r"^[ACEFHJKMNPRTWXY3479]{3}-[ACEFHJKMNPRTWXY3479]{3}$")
EVENT = dt.date.today() + dt.timedelta(days=120)

# What the Spanish-speaking patient answers (None of the screening applies
# but pregnancy and cold sores), by question id.
SPANISH_ANSWERS = {
    "first_name": "Lucía",
    "age_band": "age_40_49",
    "contact_consent": False,
    "concerns": ["acne_scars"],
    "areas": ["face"],
    "fitzpatrick": "type_4",
    "pregnant": True,
    "cold_sores": True,
    "isotretinoin": "never",
    "downtime": "week",
    "device_interest": "pen",
    "home_roller": False,
    "event_date": EVENT,
}


def consultations(server) -> list[tuple[str, str, str]]:
    with sqlite3.connect(server.database) as db:
        return db.execute("select reference, first_name, language from consultations").fetchall()


def assert_no_sideways_scroll(driver) -> None:
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{wj.heading(driver)!r} scrolls sideways by {overflow}px"


def in_window(driver, element) -> bool:
    """The whole of ``element`` is inside the window."""
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth",
        element,
    )


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_whole_journey_in_english(webkit, server, orientation):
    driver = webkit
    if orientation == "landscape":
        landscape(driver)
    shots = iter(range(1, 100))

    below_the_fold = []

    def shoot(name: str) -> None:
        assert_no_sideways_scroll(driver)
        # A question screen opens at its top with Continue in view: the
        # typical patient answers each without scrolling.
        # (Check your answers reads every answer back before its Continue.)
        buttons = wj.find_all(driver, "button", "Continue", exact=True)
        question = "errors" not in name and name != "check-answers"
        if buttons and question and not in_window(driver, buttons[0]):
            below_the_fold.append(name)
        wj.screenshot(driver, orientation, f"{next(shots):02d}-{name}")

    driver.get(server.url + "/")
    wj.wait_for_heading(driver, "Welcome to Test Clinic")
    shoot("welcome")
    wj.press(driver, "Start")
    wj.go_to(driver, "about")
    shoot("about")

    # Continue with nothing filled in: the problems are listed.
    wj.press_continue(driver)
    summary = wj.alert(driver)
    wj.wait_for_text(summary, "There is a problem")
    wj.wait_for_text(summary, "Enter your first name")
    shoot("about-errors")

    wj.about(driver, "Maya")
    shoot("concerns")
    wj.concerns(driver)
    shoot("skin-type")
    wj.skin_type(driver)
    shoot("skin-today")
    wj.skin_today(driver)
    shoot("health-history")
    wj.health_history(driver)
    shoot("medicines")
    wj.medicines(driver)
    wj.go_to(driver, "goals")
    shoot("goals")
    wj.goals(driver)
    shoot("event")
    wj.event(driver, EVENT)
    shoot("check-answers")

    expected = {
        "First name": "Maya",
        "Age": "30 to 39",
        "May we contact you": "No",
        "Areas": "Face",
        "Skin and the sun": "I sometimes burn and tan gradually",
        "Isotretinoin": "No, never",
        "Recovery time you can accept": "2 to 3 days",
        "Treatment of interest": "Microneedling with a pen",
        "Uses an at-home roller": "No",
        "Event date": f"{EVENT.day} {wj.MONTHS[EVENT.month - 1]} {EVENT.year}",
    }
    shown = {question: wj.answer_text(driver, question) for question in expected}
    assert shown == expected
    concerns = wj.answer_text(driver, "Concerns")
    assert "Fine lines and wrinkles" in concerns
    assert "Acne scars" in concerns

    reference = wj.send(driver, "Maya")
    assert REFERENCE.match(reference), reference
    shoot("done")
    assert consultations(server) == [(reference, "Maya", "en")]
    assert below_the_fold == [], "Continue is below the fold on an iPad"


def test_whole_journey_in_spanish(webkit, server):
    driver = webkit

    def shoot(n: int, _heading: str) -> None:
        assert_no_sideways_scroll(driver)
        wj.screenshot(driver, "spanish", f"{n + 1:02d}-{'step' if n else 'welcome'}")

    wj.questionnaire_in(driver, server.url, SPANISH_ANSWERS, "es", "Español", on_screen=shoot)
    assert driver.find_element("css selector", "html").get_attribute("lang") == "es"
    assert wj.answer_text(driver, "Nombre") == "Lucía"
    months = wj.SPANISH_MONTHS
    assert wj.answer_text(driver, "Fecha del evento") == (
        f"{EVENT.day} de {months[EVENT.month - 1]} de {EVENT.year}"
    )
    assert wj.answer_text(driver, "Su salud general") == (
        "Embarazo o lactancia; Suele tener herpes labial"
    )
    wj.screenshot(driver, "spanish", "20-check")

    reference = wj.send(
        driver,
        "Lucía",
        continue_words=wj.ui("Continue", "es"),
        sign_words=wj.ui("Sign and send my answers", "es"),
        thanks=wj.ui("Thank you, %(name)s", "es", name="Lucía"),
    )
    wj.screenshot(driver, "spanish", "21-done")
    assert consultations(server) == [(reference, "Lucía", "es")]


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_signing_the_consent_with_a_finger(webkit, server, orientation):
    """On an iPad's engine: the consent fits the tablet, the finger's strokes
    reach their field and are kept, as strokes, with the consultation."""
    driver = webkit
    if orientation == "landscape":
        landscape(driver)
    wj.whole_questionnaire(driver, server.url)
    wj.to_consent(driver)
    assert wj.heading(driver) == "Your consent to microneedling"
    assert_no_sideways_scroll(driver)
    # The typed name is the other way, folded away once the drawing area shows.
    assert (
        driver.find_element("css selector", "[data-typed-signature]").get_attribute("open") is None
    )
    wj.screenshot(driver, f"consent-{orientation}", "01-consent")
    # Nothing given: the screen says so and nothing is sent.
    wj.press(driver, "Sign and send my answers")
    wj.wait(driver, lambda d: d.find_elements("css selector", ".error-summary"), "no problem shown")
    assert consultations(server) == []
    wj.draw_signature(driver)
    canvas = driver.find_element("css selector", "#signature-canvas")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
    wj.screenshot(driver, f"consent-{orientation}", "02-signed", full_page=False)
    reference = wj.send_signed(driver, "Maya")
    with sqlite3.connect(server.database) as db:
        signature, typed = db.execute(
            "select c.signature, c.typed_name from consents c join consultations s"
            " on s.id = c.consultation_id where s.reference = ?",
            (reference,),
        ).fetchone()
    strokes = json.loads(signature)["strokes"]
    assert typed is None
    assert len(strokes) == 2
    assert sum(len(stroke) for stroke in strokes) >= 6


def test_change_from_check_answers_returns_to_the_changed_row(webkit, server):
    driver = webkit
    wj.whole_questionnaire(driver, server.url)
    assert wj.answer_text(driver, "Isotretinoin") == "No, never"

    wj.change(driver, "Isotretinoin")
    wj.go_to(driver, "medicines")
    question = wj.group(driver, "isotretinoin")
    assert wj.is_checked(question, "No, never")
    wj.check(question, "Yes, I have stopped")
    wj.press_continue(driver)

    # The follow-up the new answer calls for comes first, then Check again.
    wj.go_to(driver, "medicine_details")
    wj.wait_for_heading(driver, "More about your medicines and treatments")
    wj.fill(driver, "how many months ago", "3")
    wj.press_continue(driver)
    wj.wait_for_url(driver, r"/check#answer-isotretinoin$")
    wj.wait_for_heading(driver, "Check your answers")
    assert wj.answer_text(driver, "Isotretinoin") == "Yes, I have stopped"
    assert wj.answer_text(driver, "Months since stopping isotretinoin") == "3 months"
    row = wj.answer_row(driver, "Isotretinoin")
    wj.wait(driver, lambda d: in_window(d, row), "the changed row is not in the window")
    change_link = wj.link(row, "Change", exact=False)
    wj.wait(
        driver,
        lambda d: d.switch_to.active_element == change_link,
        "the changed row's Change link does not have the focus",
    )
    wj.screenshot(driver, "change", "check-at-the-changed-row", full_page=False)


def test_idle_warning_more_time_and_reset(webkit, idle_server):
    driver = webkit
    wj.start(driver, idle_server.url)
    wj.about(driver, "Rosa")
    wj.concerns(driver)

    dialog = wj.wait(driver, wj.idle_dialog, "no idle warning", timeout=6)
    more = wj.button(dialog, "I need more time")
    assert driver.switch_to.active_element == more, "I need more time has the focus"
    count = dialog.find_element("css selector", "[data-countdown]")
    assert int(count.text) >= 19, count.text
    wj.wait(driver, lambda _d: int(count.text) <= 18, "the countdown does not count", timeout=4)
    wj.screenshot(driver, "privacy", "01-idle-warning", full_page=False)

    # As many times as needed: the idle clock starts again each time.
    for _ in range(2):
        more.click()
        wj.wait(driver, lambda d: wj.idle_dialog(d) is None, "the warning stayed")
        dialog = wj.wait(driver, wj.idle_dialog, "no idle warning again", timeout=6)
        more = wj.button(dialog, "I need more time")
    seen = time.monotonic()
    assert idle_server.drafts() == 1

    # Nobody answers: the countdown runs out and the kiosk resets itself.
    wj.wait_for_url(driver, r"/$", timeout=30)
    # 20 seconds on the clock; a little less measured from when the test saw
    # the dialog (it looks every tenth of a second), far more than the 5 asked.
    assert time.monotonic() - seen >= 18, "the patient had at least 20 seconds"
    wj.wait_for_heading(driver, "Welcome to Test Clinic")
    assert "Rosa" not in driver.page_source
    assert idle_server.drafts() == 0
