"""The questionnaire over HTTP: plain POSTs, htmx requests, bad input, odd URLs."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from html import unescape

import pytest

from kiosk.data.database import db
from kiosk.data.models import Consultation, Draft

from .patient_client import (
    DRAWN_SIGNATURE,
    PLAIN,
    TYPED_SIGNATURE,
    PatientClient,
    csrf_token,
    date_boxes,
    errors,
    event_in,
    field_error,
    in_days,
    plain,
    progress,
)

FOLLOW_UPS = {
    "about": {**PLAIN["about"], "contact_consent": "yes"},
    "medicines": plain("medicines", isotretinoin="stopped", has_allergies="yes"),
}

# Where the error summary's link of a checklist goes: its first line.
FIRST_LINE = {"skin_today": "infection_now-0", "health_history": "pregnant-0"}


def session_data(app, client) -> dict:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def only_draft(app) -> Draft:
    with app.app_context():
        [draft] = db.session.scalars(db.select(Draft)).all()
        db.session.expunge(draft)
        return draft


# Values no screen offers: a forged request, which cannot be shown again.
FORGED = {"age_100_plus", "tattoo_removal", "maybe"}

# Each case: the step, what the patient sent, and what they must be told.
INVALID = [
    (
        "about",
        {"first_name": "", "contact_consent": "no"},
        {
            "first_name": "Enter your first name",
            "age_band": "Select your age group",
        },
    ),
    (
        "about",
        {**PLAIN["about"], "first_name": "M" * 41},
        {
            "first_name": "First name must be 40 characters or fewer",
        },
    ),
    (
        "about",
        {**PLAIN["about"], "age_band": "age_100_plus"},
        {
            "age_band": "Select one of the options",
        },
    ),
    (
        "contact",
        {"phone": "call me maybe", "email": "maya@"},
        {
            "phone": "Enter a phone number using digits, spaces and an optional + at the start",
            "email": "Enter an email address like name@example.com",
        },
    ),
    (
        "contact",
        {"phone": "", "email": ""},
        {
            "phone": "Enter a phone number we can call or text",
        },
    ),
    (
        "concerns",
        {},
        {
            "concerns": "Select at least one thing you would like to improve",
            "areas": "Select at least one area",
        },
    ),
    (
        "concerns",
        {"concerns": ["acne_scars", "tattoo_removal"], "areas": ["face"]},
        {
            "concerns": "Select one of the options",
        },
    ),
    ("skin_type", {}, {"fitzpatrick": "Select the answer that sounds most like you"}),
    (
        "skin_today",
        {},
        {
            "none_apply": "Select what applies to the areas, or ‘None of these apply to me’",
        },
    ),
    (
        "health_history",
        {"none_apply": "yes", "diabetes": "yes"},
        {
            "none_apply": "Select ‘None of these apply to me’ on its own, or untick it",
        },
    ),
    (
        "medicines",
        plain("medicines", isotretinoin=""),
        {
            "isotretinoin": "Select whether you have taken isotretinoin",
        },
    ),
    (
        "treatments_allergies",
        {},
        {
            "allergies": "Select what you are allergic to",
        },
    ),
    (
        "medicine_details",
        {"isotretinoin_months": "eight"},
        {
            "isotretinoin_months": "Enter a whole number of months, for example 8",
        },
    ),
    (
        "medicine_details",
        {"isotretinoin_months": "700"},
        {
            "isotretinoin_months": "Enter a whole number from 0 to 600",
        },
    ),
    (
        "goals",
        {"device_interest": "pen"},
        {
            "downtime": "Select how much recovery time you can accept",
            "home_roller": "Select yes if you use an at-home roller",
        },
    ),
    *(
        ("event", date_boxes("event_date", *boxes), {"event_date": message})
        for boxes, message in [
            (("31", "2", "2027"), "Enter a real date, for example 14 June 2027"),
            (("fourteen", "6", "2027"), "Enter a real date, for example 14 June 2027"),
            (("14", "", "2027"), "The date must include a month"),
            (("", "6", ""), "The date must include a day and a year"),
            (("14", "6", "27"), "The year must have 4 digits"),
        ]
    ),
]


@pytest.mark.parametrize(("step_id", "sent", "expected"), INVALID)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_invalid_answers_are_explained_and_kept(patient, step_id, sent, expected, htmx):
    patient.walk(FOLLOW_UPS, until=step_id)
    response = patient.answer(step_id, sent, htmx=htmx)
    html = patient.last_html

    assert response.status_code == 200
    assert errors(html) == list(expected.values())
    for question_id, message in expected.items():
        assert field_error(html, question_id) == message
        first_input = FIRST_LINE.get(step_id) if question_id == "none_apply" else None
        first_input = first_input or rf"{question_id}(-0|-day)?"
        assert re.search(rf'<a href="#{first_input}">', html), "summary links to the field"
        assert re.search(rf'<(input|textarea) [^>]*id="{first_input}"', html)
    assert re.search(r"<title>Error: ", html)
    # What the patient typed or picked is still there.
    for question_id, value in sent.items():
        for one in value if isinstance(value, list) else [value]:
            if not one or one in FORGED:
                continue
            typed = f'name="{question_id}" value="{one}" checked' in html or (
                f'id="{question_id}" name="{question_id}"' in html and f'value="{one}"' in html
            )
            assert typed, f"{question_id}={one!r} was not shown again"
    if htmx:
        assert "<html" not in html, "htmx gets the step fragment only"
        assert response.headers["HX-Push-Url"] == "false"
    else:
        assert html.startswith("<!doctype html>")


def test_event_date_must_be_ahead_and_within_two_years(app, patient):
    patient.walk(until="event")
    patient.answer("event", event_in(0))
    assert errors(patient.last_html) == ["The date must be in the future"]
    patient.answer("event", event_in(731))
    assert errors(patient.last_html)[0].startswith("The date must be on or before")
    response = patient.answer("event", event_in(21))
    assert response.headers["Location"] == "/check"
    # Stored as it always was: an ISO date.
    assert only_draft(app).answers["event_date"] == in_days(21)


def test_the_event_date_is_entered_in_the_patients_language(app, patient):
    patient.walk(until="event")
    html = patient.get("/step/event").get_data(as_text=True)
    boxes = re.findall(r'<label class="date-input__label" for="event_date-(\w+)">(\w+)<', html)
    assert boxes == [("day", "Day"), ("month", "Month"), ("year", "Year")]
    assert re.search(r'<option value="6">June</option>', html)
    assert 'inputmode="numeric"' in html
    assert 'type="date"' not in html
    patient.client.post(
        "/language", data={"language": "es", "csrf_token": csrf_token(patient.last_html)}
    )
    patient.walk(until="event")
    html = patient.get("/step/event").get_data(as_text=True)
    boxes = re.findall(r'<label class="date-input__label" for="event_date-(\w+)">(\w+)<', html)
    assert boxes == [("day", "Día"), ("month", "Mes"), ("year", "Año")]
    assert re.search(r'<option value="6">junio</option>', html)
    patient.answer("event", date_boxes("event_date", "14", "6", ""))
    assert errors(patient.last_html) == ["La fecha debe incluir el año"]


def test_a_stored_event_date_shows_again_in_its_boxes(app, patient):
    patient.walk({"event": {**event_in(30), "notes": ""}})
    day = dt.date.today() + dt.timedelta(days=30)
    html = patient.get("/step/event").get_data(as_text=True)
    assert 'id="event_date-day" name="event_date-day" type="text" inputmode="numeric"\n' in html
    assert f'value="{day.day}"' in html
    assert f'<option value="{day.month}" selected>' in html
    assert f'value="{day.year}"' in html
    # Emptying the three boxes takes the date back out.
    patient.answer("event", PLAIN["event"])
    assert "event_date" not in only_draft(app).answers


def test_only_the_boxes_at_fault_are_marked(patient):
    patient.walk(until="event")
    patient.answer("event", date_boxes("event_date", "14", "", "27"))
    marked = re.findall(r'id="(event_date-\w+)"[^>]*aria-invalid="true"', patient.last_html, re.S)
    assert marked == ["event_date-month"]
    patient.answer("event", date_boxes("event_date", "14", "6", "27"))
    marked = re.findall(r'id="(event_date-\w+)"[^>]*aria-invalid="true"', patient.last_html, re.S)
    assert marked == ["event_date-year"]
    patient.answer("event", date_boxes("event_date", "31", "2", "2027"))
    marked = re.findall(r'id="(event_date-\w+)"[^>]*aria-invalid="true"', patient.last_html, re.S)
    assert marked == ["event_date-day", "event_date-month", "event_date-year"]


def test_valid_fields_of_a_rejected_screen_survive_a_reload(patient):
    patient.start()
    patient.answer("about", {"first_name": "Maya", "age_band": "", "contact_consent": "no"})
    assert errors(patient.last_html) == ["Select your age group"]
    patient.get("/step/about")
    assert 'value="Maya"' in patient.last_html
    assert 'name="contact_consent" value="no" checked' in patient.last_html


def test_the_progress_names_the_topics_and_marks_the_screens_own(patient):
    """Follow-up screens add no topic: every screen lists the same topics, the
    marker moving forward only, those before it done."""
    answers = {**PLAIN, **FOLLOW_UPS}
    seen = []
    location = patient.start().headers["Location"]
    while location.startswith("/step/"):
        step_id = location.removeprefix("/step/")
        seen.append((step_id, progress(patient.get(location).get_data(as_text=True))))
        location = patient.answer(step_id, answers[step_id]).headers["Location"]
    seen.append(("check", progress(patient.get(location).get_data(as_text=True))))
    patient.client.post("/check", data={"csrf_token": csrf_token(patient.last_html)})
    seen.append(("consent", progress(patient.get("/consent").get_data(as_text=True))))

    names = ["About you", "Your skin", "Health", "Goals", "Check"]
    assert all([name for name, _ in items] == names for _, items in seen)
    current = [(step, [n for n, state in items if state == "current"]) for step, items in seen]
    assert current == [
        ("about", ["About you"]),
        ("contact", ["About you"]),
        ("concerns", ["Your skin"]),
        ("skin_type", ["Your skin"]),
        ("skin_today", ["Health"]),
        ("health_history", ["Health"]),
        ("medicines", ["Health"]),
        ("treatments_allergies", ["Health"]),
        ("medicine_details", ["Health"]),
        ("goals", ["Goals"]),
        ("event", ["Goals"]),
        ("check", ["Check"]),
        ("consent", ["Check"]),
    ]
    for _, items in seen:
        states = [state for _, state in items]
        at = states.index("current")
        assert states == ["done"] * at + ["current"] + ["later"] * (len(states) - at - 1)


def test_the_progress_speaks_the_patients_language(patient):
    patient.get("/")
    patient.client.post(
        "/language", data={"language": "es", "csrf_token": csrf_token(patient.last_html)}
    )
    patient.walk(until="skin_type")
    page = patient.get("/step/skin_type").get_data(as_text=True)
    assert progress(page) == [
        ("Sobre usted", "done"),
        ("Su piel", "current"),
        ("Salud", "later"),
        ("Objetivos", "later"),
        ("Revisar", "later"),
    ]
    assert '<ol class="progress" aria-label="Su progreso">' in page
    assert '<span class="visually-hidden"> (completado)</span>' in page


def test_expired_form_keeps_answers_and_asks_to_press_again(patient):
    patient.start()
    patient.get("/step/about")
    response = patient.client.post("/step/about", data={**PLAIN["about"], "csrf_token": "forged"})
    assert response.status_code == 200
    assert errors(patient.last_html + response.get_data(as_text=True))
    html = response.get_data(as_text=True)
    assert "press the button again" in html
    assert 'value="Maya"' in html


def test_whole_questionnaire_plain_posts(app, patient):
    visited = patient.walk()
    assert visited == [
        "about", "concerns", "skin_type", "skin_today", "health_history",
        "medicines", "goals", "event",
    ]  # fmt: skip
    page = patient.get("/check")
    assert page.status_code == 200
    assert "Check your answers" in patient.last_html
    assert progress(patient.last_html) == [
        ("About you", "done"),
        ("Your skin", "done"),
        ("Health", "done"),
        ("Goals", "done"),
        ("Check", "current"),
    ]

    response = patient.submit()
    assert response.headers["Location"] == "/done"
    assert session_data(app, patient.client) == {"done": session_data(app, patient.client)["done"]}
    done = patient.get("/done")
    assert done.status_code == 200
    reference = re.search(r'class="reference">([A-Z0-9-]+)<', patient.last_html).group(1)
    assert re.fullmatch(r"[ACEFHJKMNPRTWXY3479]{3}-[ACEFHJKMNPRTWXY3479]{3}", reference)
    assert 'data-return-after="20" data-return-to="/"' in patient.last_html
    assert 'http-equiv="refresh"' not in patient.last_html  # a timed refresh fails WCAG 2.2.1

    with app.app_context():
        [consultation] = db.session.scalars(db.select(Consultation)).all()
        assert consultation.reference == reference
        assert consultation.first_name == "Maya"
        assert consultation.answers["concerns"] == ["fine_lines"]
        assert consultation.answers["infection_now"] is False
        assert "event_date" not in consultation.answers
        assert len(consultation.id) == 32
        assert db.session.scalars(db.select(Draft)).all() == []

    # The done screen shows once; afterwards the kiosk is back at the start.
    again = patient.get("/done")
    assert again.headers["Location"] == "/"
    assert set(session_data(app, patient.client)) <= {"csrf_token"}  # nothing of the patient


def test_a_copy_of_the_tablets_cookie_never_shows_the_done_page(app, patient):
    """The Done page shows once, to the tablet that sent the answers: a copy of
    its session cookie, taken before or after, finds nothing."""
    patient.walk()
    patient.get("/check")
    patient.submit()
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    copied = patient.client.get_cookie(cookie_name).value
    assert "Thank you, Maya" in patient.get("/done").get_data(as_text=True)

    stranger = app.test_client()
    stranger.set_cookie(cookie_name, copied)
    replayed = stranger.get("/done")
    assert replayed.status_code == 303
    assert replayed.headers["Location"] == "/"
    assert "Maya" not in stranger.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(Consultation.done_token)).all() == [None]


def test_session_cookie_holds_only_the_draft_id(app, patient):
    patient.walk(FOLLOW_UPS, until="concerns")
    data = session_data(app, patient.client)
    assert set(data) == {"draft", "csrf_token"}
    assert data["draft"] == only_draft(app).id
    assert "Maya" not in str(data)


STEP_CONTAINER = (
    '<div id="step" class="step" hx-target="this" hx-swap="innerHTML" hx-push-url="true">'
)


def test_htmx_gets_fragments_and_history_restore_gets_the_page(patient):
    patient.walk(until="concerns")
    fragment = patient.get("/step/concerns", headers={"HX-Request": "true"})
    html = patient.last_html
    assert "<html" not in html
    assert html.lstrip().startswith("<title>What would you like to improve?")
    assert 'hx-post="/step/concerns"' in html
    # Where the answer goes, how it is swapped in and that its URL is pushed
    # are the step container's, inherited by whatever fragment fills it.
    assert "hx-target" not in html
    assert "hx-swap" not in html
    assert "hx-push-url" not in html
    assert "HX-Request" in fragment.headers["Vary"]
    assert fragment.headers["Cache-Control"] == "no-store"

    restore = patient.get(
        "/step/concerns",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert patient.last_html.startswith("<!doctype html>")
    assert "HX-Request" in restore.headers["Vary"]
    assert STEP_CONTAINER in patient.last_html

    # Continue under htmx: the next screen comes in the same response, with its
    # own address for the address bar (one round trip, not a redirect and a GET).
    moved = patient.answer("concerns", {"concerns": ["acne_scars"], "areas": ["face"]}, htmx=True)
    assert moved.status_code == 200
    assert moved.headers["HX-Push-Url"] == "/step/skin_type"
    assert patient.last_html.lstrip().startswith("<title>Your skin in the sun")
    assert 'hx-post="/step/skin_type"' in patient.last_html
    assert patient.get("/step/concerns").status_code == 200  # saved: Back shows it
    assert 'value="acne_scars" checked' in patient.last_html

    # From Check your answers, a change comes back to the check the same way,
    # its address naming the row that was changed.
    patient.walk()
    back = patient.answer(
        "concerns", {"concerns": ["fine_lines"], "areas": ["face"]}, change="areas", htmx=True
    )
    assert back.status_code == 200
    assert back.headers["HX-Push-Url"] == "/check#answer-areas"
    assert patient.last_html.lstrip().startswith("<title>Check your answers")
    assert '<div class="summary-list__row" id="answer-areas">' in patient.last_html


def test_every_link_and_form_of_the_steps_swaps_into_the_step_container(patient):
    patient.walk()
    pages = {url: patient.get(url).get_data(as_text=True) for url in ("/step/about", "/check")}
    changing = "/step/about?change=first_name"
    pages[changing] = patient.get(changing).get_data(as_text=True)
    for url, html in pages.items():
        container = html[html.index(STEP_CONTAINER) :]
        assert container.count('<div id="step"') == 1, url
        # Every htmx request of the page that swaps anything in is made from
        # inside the container (Larger text swaps nothing: hx-swap="none").
        requests = swapping_requests(html)
        assert requests, url
        assert swapping_requests(container) == requests, url


def swapping_requests(html: str) -> list[str]:
    tags = re.findall(r"<(?:a|form)\b[^>]*>", html)
    return [t for t in tags if re.search(r"\bhx-(?:get|post)=", t) and 'hx-swap="none"' not in t]


@pytest.mark.parametrize("url", ["/", "/step/about", "/check"])
def test_patient_pages_are_never_stored_by_the_browser(patient, url):
    patient.start()
    response = patient.get(url)
    assert response.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in response.headers["Vary"]


def test_forged_and_out_of_order_step_urls(patient):
    # No draft yet: every step sends the patient to the start.
    assert patient.get("/step/concerns").headers["Location"] == "/"
    assert patient.get("/check").headers["Location"] == "/"
    htmx = patient.get("/step/concerns", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/"

    patient.walk(until="skin_type")
    # Skipping ahead lands on the first step not yet answered.
    assert patient.get("/step/goals").headers["Location"] == "/step/skin_type"
    assert patient.get("/check").headers["Location"] == "/step/skin_type"
    forged = patient.client.post("/step/event", data={**event_in(30), "notes": "skip"})
    assert forged.headers["Location"] == "/step/skin_type"
    # A follow-up that does not apply to these answers cannot be opened.
    assert patient.get("/step/contact").headers["Location"] == "/step/skin_type"
    assert patient.get("/step/health_details").headers["Location"] == "/step/skin_type"
    # A step that does not exist is a plain "not found".
    missing = patient.get("/step/nonsense")
    assert missing.status_code == 404
    assert "This page does not exist." in patient.last_html


def test_back_link_goes_to_previous_applicable_step(patient):
    patient.walk(FOLLOW_UPS, until="concerns")
    patient.get("/step/concerns")
    assert 'class="back-link" href="/step/contact"' in patient.last_html
    patient.answer("about", {**PLAIN["about"]})  # no contact wanted now
    patient.get("/step/concerns")
    assert 'class="back-link" href="/step/about"' in patient.last_html
    patient.get("/step/about")
    assert 'class="back-link" href="/"' in patient.last_html


def autofocused(html: str) -> list[str]:
    """The ids of the elements that take the focus when the page loads."""
    return re.findall(r'<(?:input|textarea|select)\b[^>]*\bid="([^"]+)"[^>]*\bautofocus', html)


def test_change_returns_to_check_or_asks_new_follow_up_first(app, patient):
    patient.walk()
    patient.get("/check")
    # The general health checklist is one row, changed from its first line.
    assert 'href="/step/health_history?change=pregnant"' in patient.last_html

    changed = patient.answer(
        "health_history", plain("health_history", diabetes="yes"), change="pregnant"
    )
    # The new follow-up first, its question focused; then back to the row.
    assert changed.headers["Location"] == "/step/health_details?change=pregnant"
    assert "Back" in patient.get("/step/health_details?change=pregnant").get_data(as_text=True)
    assert autofocused(patient.last_html) == ["diabetes_control-0"]
    assert 'class="back-link" href="/check#answer-pregnant"' in patient.last_html
    done = patient.answer("health_details", {"diabetes_control": "well"}, change="pregnant")
    assert done.headers["Location"] == "/check#answer-pregnant"

    patient.get("/check")
    assert "Diabetes control" in patient.last_html
    # Turning the trigger off again drops the follow-up from the answers.
    patient.answer("health_history", PLAIN["health_history"], change="pregnant")
    patient.get("/check")
    assert "Diabetes control" not in patient.last_html
    patient.submit()
    with app.app_context():
        [consultation] = db.session.scalars(db.select(Consultation)).all()
        assert "diabetes_control" not in consultation.answers


def test_every_row_of_check_your_answers_changes_its_own_question(app, patient):
    patient.walk(FOLLOW_UPS)
    html = patient.get("/check").get_data(as_text=True)
    row = r'<div class="summary-list__row" id="answer-(\w+)">.*?class="change-link" href="([^"]+)"'
    rows = re.findall(row, html, re.S)
    # A checklist is one row, named by its first line.
    assert len(rows) > 15
    assert {"infection_now", "pregnant", "blood_thinners"} <= {question for question, _ in rows}
    for question_id, link in rows:
        step = app.extensions["kiosk.core.flow"].step_of(question_id)
        assert link == f"/step/{step.id}?change={question_id}"


@pytest.mark.parametrize(
    ("question_id", "first_input"),
    [("first_name", "first_name"), ("pregnant", "pregnant-0"), ("notes", "notes")],
)
def test_a_change_lands_on_its_question_with_the_focus(patient, question_id, first_input):
    patient.walk()
    step = {"first_name": "about", "pregnant": "health_history", "notes": "event"}[question_id]
    html = patient.get(f"/step/{step}?change={question_id}").get_data(as_text=True)
    assert autofocused(html) == [first_input]
    assert re.search(rf'class="field[\w -]* field--changing" id="field-{question_id}"', html)
    assert f'class="back-link" href="/check#answer-{question_id}"' in html
    assert f'action="/step/{step}?change={question_id}"' in html
    # The same screen reached any other way puts the focus nowhere.
    html = patient.get(f"/step/{step}").get_data(as_text=True)
    assert autofocused(html) == []
    assert "field--changing" not in html


def test_a_change_with_problems_gives_the_focus_to_the_problems(patient):
    patient.walk()
    patient.answer("about", {**PLAIN["about"], "first_name": ""}, change="first_name")
    assert errors(patient.last_html) == ["Enter your first name"]
    assert autofocused(patient.last_html) == []
    assert 'action="/step/about?change=first_name"' in patient.last_html


@pytest.mark.parametrize("sent", ["1", "nonsense", "<script>", "first_name#x"])
def test_only_a_question_of_the_questionnaire_is_a_change(patient, sent):
    patient.walk()
    html = patient.get("/step/about", query_string={"change": sent}).get_data(as_text=True)
    assert 'action="/step/about"' in html
    assert autofocused(html) == []
    assert "change=" not in html, "what was sent is never put into another address"
    response = patient.client.post(
        "/step/about",
        query_string={"change": sent},
        data={**PLAIN["about"], "csrf_token": csrf_token(html)},
    )
    # Not a change: Continue carries on to the next screen.
    assert response.headers["Location"] == "/step/concerns"


def walk_to_check_and_let_the_event_pass(app, patient) -> None:
    """The patient reached Check your answers, then waited: overnight their
    event date is now in the past."""
    patient.walk({"event": {**event_in(10), "notes": ""}})
    patient.get("/check")
    with app.app_context():
        draft = db.session.scalars(db.select(Draft)).one()
        draft.answers = {**draft.answers, "event_date": "2020-01-01"}
        db.session.commit()


def test_final_submit_checks_every_answer_again(app, patient):
    walk_to_check_and_let_the_event_pass(app, patient)
    response = patient.submit()
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert errors(html) == ["The date must be in the future"]
    assert 'action="/step/event?change=event_date"' in html
    with app.app_context():
        assert db.session.scalars(db.select(Consultation)).all() == []

    patient.answer("event", event_in(30), change="event_date")
    assert patient.submit().headers["Location"] == "/done"


def test_a_screen_the_final_check_sends_back_can_be_sent_from_that_page(app, patient):
    walk_to_check_and_let_the_event_pass(app, patient)
    html = patient.submit().get_data(as_text=True)
    form = re.search(r'<form class="form" method="post" action="([^"]+)".*?</form>', html, re.S)
    assert form.group(1) == "/step/event?change=event_date"
    assert 'value="2020"' in form.group(0), "the stored answer is shown again"
    assert '<option value="1" selected>January</option>' in form.group(0)
    # The page carries its own token: Continue is not refused as a stale page.
    sent = patient.client.post(
        form.group(1),
        data={**event_in(30), "notes": "", "csrf_token": csrf_token(form.group(0))},
    )
    assert sent.status_code == 303
    assert sent.headers["Location"] == "/check#answer-event_date"
    assert patient.submit().headers["Location"] == "/done"


def test_only_an_offered_language_can_be_chosen(app, patient):
    patient.get("/")
    token = csrf_token(patient.last_html)
    patient.client.post("/language", data={"language": "fr", "csrf_token": token})
    assert 'lang="en"' in patient.get("/").get_data(as_text=True)
    patient.client.post("/language", data={"language": "es", "csrf_token": token})
    assert '<html lang="es"' in patient.get("/").get_data(as_text=True)


def test_welcome_with_answers_in_progress_asks_before_anything_is_deleted(app, patient):
    """Back from the first screen, an error page's button or a typed address
    brings a patient to Welcome mid-way: their answers stay, unseen, until they
    choose to start again; "Continue my answers" comes first."""
    patient.get("/")
    patient.client.post(
        "/language", data={"language": "es", "csrf_token": csrf_token(patient.last_html)}
    )
    patient.walk(until="skin_type")
    welcome = patient.get("/").get_data(as_text=True)
    assert "Maya" not in welcome
    assert welcome.index("Seguir con mis respuestas") < welcome.index("Empezar de nuevo y borrar")
    # The idle reset still runs, with its warning: it is what clears a draft left behind.
    assert 'data-quiet="false"' in welcome
    with app.app_context():
        assert len(db.session.scalars(db.select(Draft)).all()) == 1

    # Continue my answers: back where they were, nothing lost.
    response = patient.client.post("/start", data={"csrf_token": csrf_token(welcome)})
    assert response.headers["Location"] == "/step/skin_type"
    assert 'value="Maya"' in patient.get("/step/about").get_data(as_text=True)

    # Start again: the answers are deleted, the language stays for them.
    patient.get("/")
    response = patient.client.post("/start-again", data={"csrf_token": csrf_token(welcome)})
    assert response.headers["Location"] == "/"
    with app.app_context():
        assert db.session.scalars(db.select(Draft)).all() == []
    assert set(session_data(app, patient.client)) <= {"csrf_token", "language"}
    fresh = patient.get("/").get_data(as_text=True)
    assert "Seguir con mis respuestas" not in fresh
    assert 'lang="es"' in fresh
    patient.start()
    assert 'value="Maya"' not in patient.get("/step/about").get_data(as_text=True)


def test_start_again_without_this_sessions_token_deletes_nothing(app, patient):
    patient.walk(until="concerns")
    response = patient.client.post("/start-again", data={"csrf_token": "forged"})
    assert response.headers["Location"] == "/"
    with app.app_context():
        assert len(db.session.scalars(db.select(Draft)).all()) == 1


def test_welcome_warns_nobody_and_resets_quietly_only_what_was_chosen(patient):
    untouched = patient.get("/").get_data(as_text=True)
    assert 'id="idle-dialog"' not in untouched  # an untouched tablet: no idle clock
    patient.client.post("/text-size", data={"csrf_token": csrf_token(untouched)})
    chosen = patient.get("/").get_data(as_text=True)
    assert 'data-quiet="true"' in chosen
    patient.walk(until="concerns")
    assert 'data-quiet="false"' in patient.get("/step/about").get_data(as_text=True)


def test_no_answer_ever_travels_in_a_url(app, patient):
    patient.walk(FOLLOW_UPS)
    patient.get("/check")
    links = re.findall(r'(?:href|action|hx-get|hx-post)="([^"]*)"', patient.last_html)
    assert links
    questions = {q.id for s in app.extensions["kiosk.core.flow"].steps for q in s.questions}
    for link in links:
        assert "Maya" not in link
        # The only thing a link carries is the question a Change is for.
        changes = re.fullmatch(r"/step/\w+\?change=(\w+)", link)
        assert "=" not in link or changes, link
        assert not changes or changes[1] in questions, link


def test_web_app_manifest_asks_for_fullscreen(client):
    from urllib.parse import urljoin

    address = "/static/manifest.webmanifest"
    manifest = client.get(address).get_json(force=True)
    assert manifest["display"] == "fullscreen"
    # Its addresses are relative to its own (a chain's location serves it under its prefix).
    assert urljoin(address, manifest["start_url"]) == "/"
    assert urljoin(address, manifest["scope"]) == "/"
    for icon in manifest["icons"]:
        assert client.get(urljoin(address, icon["src"])).status_code == 200
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="manifest" href="/static/manifest.webmanifest">' in page
    # Pinch-zoom stays allowed: the viewport never forbids scaling.
    assert "user-scalable=no" not in page
    assert "maximum-scale" not in page


def test_a_patients_language_never_leaks_into_the_next_request(app, client):
    spanish = PatientClient(app.test_client())
    spanish.get("/")
    spanish.client.post(
        "/language", data={"language": "es", "csrf_token": csrf_token(spanish.last_html)}
    )
    assert 'lang="es"' in spanish.get("/").get_data(as_text=True)
    # Same thread, next request, someone else: the clinic's language again.
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert 'lang="en"' in missing.get_data(as_text=True)
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["//other-host/x", "/\\other-host/x", "///other-host/x"])
def test_larger_text_on_a_not_found_page_never_leaves_the_site(client, path):
    page = client.get("/", environ_overrides={"PATH_INFO": path})
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "Larger text" in html
    # Whatever the page's own address says, and whatever is sent instead.
    for back in (back_field(html), path, "https://other-host/x", "/\\other-host"):
        response = client.post("/text-size", data={"csrf_token": csrf_token(html), "back": back})
        assert response.status_code == 303
        location = response.headers["Location"]
        assert location.startswith("/"), back
        assert not location.startswith(("//", "/\\")), back


def back_field(html: str) -> str:
    return unescape(re.search(r'name="back" value="([^"]*)"', html)[1])


@pytest.mark.parametrize(
    ("url", "answer"),
    [
        ("/step/about", 'value="Maya"'),
        ("/step/concerns?change=areas", 'value="face" checked'),
        ("/check", "Maya"),
    ],
)
def test_larger_text_without_javascript_returns_to_the_screen_with_its_answers(
    patient, url, answer
):
    """The browser sends no Referer (the kiosk's own policy): the form says
    which screen it was pressed on."""
    patient.walk()
    html = patient.get(url).get_data(as_text=True)
    assert back_field(html) == url
    response = patient.client.post(
        "/text-size", data={"csrf_token": csrf_token(html), "back": back_field(html)}
    )
    assert response.headers["Location"] == url
    page = patient.get(url).get_data(as_text=True)
    assert 'class="large-text"' in page
    assert answer in page


def test_larger_text_with_htmx_changes_the_size_in_place(patient):
    """With htmx nothing is reloaded (what is typed stays): the response says
    which size is now chosen, and the next screens keep it."""
    patient.start()
    html = patient.get("/step/about").get_data(as_text=True)
    for large in (True, False, True):
        response = patient.client.post(
            "/text-size",
            data={"csrf_token": csrf_token(html), "back": "/step/about"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 204
        assert json.loads(response.headers["HX-Trigger"]) == {"kiosk:text-size": {"large": large}}
    assert 'class="large-text"' in patient.get("/step/about").get_data(as_text=True)


def test_the_address_a_screen_comes_back_to_carries_nothing_else_that_was_sent(patient):
    patient.walk()
    html = patient.get("/step/about?change=first_name&name=Maya&next=//x").get_data(as_text=True)
    assert back_field(html) == "/step/about?change=first_name"


def test_a_file_sent_in_a_text_field_is_refused_and_the_rest_kept(app, patient):
    patient.start()
    patient.get("/step/about")
    response = patient.client.post(
        "/step/about",
        data={
            **PLAIN["about"],
            "first_name": (io.BytesIO(b"not a name"), "name.txt"),
            "csrf_token": csrf_token(patient.last_html),
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(html, "first_name") == "First name must be typed in, not sent as a file"
    assert "FileStorage" not in html
    answers = only_draft(app).answers
    assert "first_name" not in answers
    assert answers["age_band"] == "age_30_39"
    assert answers["contact_consent"] is False


UNSAFE = [
    ("Ma\x00ya", "Maya"),
    ("\u202eayaM", "ayaM"),
    ("Maya\u2066 \u2069", "Maya"),
    ("Ma\x1bya\u202c", "Maya"),
]


@pytest.mark.parametrize(("typed", "shown"), UNSAFE)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_control_and_bidi_characters_are_removed_and_the_patient_told(
    app, patient, typed, shown, htmx
):
    patient.start()
    response = patient.answer("about", {**PLAIN["about"], "first_name": typed}, htmx=htmx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(html, "first_name") == (
        "First name: we removed invisible characters that cannot be kept. "
        "Check the answer and press Continue again."
    )
    assert f'value="{shown}"' in html
    assert 'name="age_band" value="age_30_39" checked' in html
    assert "first_name" not in only_draft(app).answers

    response = patient.answer("about", {**PLAIN["about"], "first_name": shown})
    assert response.status_code == 303
    assert only_draft(app).answers["first_name"] == shown


def test_a_text_box_keeps_its_line_breaks(app, patient):
    patient.walk(until="event")
    notes = "Wedding on Saturday.\r\n\tCan we plan around it?"
    assert patient.answer("event", {**PLAIN["event"], "notes": notes}).status_code == 303
    assert only_draft(app).answers["notes"] == notes


def done_covers(patient) -> list[str]:
    assert patient.submit().headers["Location"] == "/done"
    patient.get("/done")
    block = re.search(
        r"Your summary will cover</h2>\s*<ul class=\"list\">(.*?)</ul>", patient.last_html, re.S
    )
    return [unescape(item) for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


MEDICINES = {"blood_thinners", "nsaids", "isotretinoin"}


def with_event(**health) -> dict:
    """An event in 120 days, and ``health``: lines of the health checklists ticked."""
    return {
        "health_history": plain(
            "health_history", **{k: v for k, v in health.items() if k not in MEDICINES}
        ),
        "medicines": plain("medicines", **{k: v for k, v in health.items() if k in MEDICINES}),
        "event": {**event_in(120), "notes": ""},
    }


def test_done_lists_what_the_summary_holds_for_a_plain_patient(patient):
    patient.walk(with_event())
    covers = done_covers(patient)
    assert covers[0] == "What microneedling may do for: fine lines and wrinkles"
    assert "The earliest date for your first session" in covers
    assert covers[-1].startswith("A session plan for your event on ")
    assert "Things to discuss with your clinician" not in covers


def test_done_promises_no_dates_when_a_clinician_must_plan_them(patient):
    patient.walk(with_event(pregnant="yes"))
    covers = done_covers(patient)
    assert "Things to discuss with your clinician" in covers
    assert covers[-1] == "Your clinician will plan the dates of your sessions with you"
    assert not [line for line in covers if "session plan" in line or "earliest date" in line]


def test_done_says_the_dates_wait_for_the_clinician_after_a_review_flag(patient):
    patient.walk(with_event(nsaids="yes"))
    covers = done_covers(patient)
    assert "The earliest date for your first session, if your clinician agrees" in covers
    assert covers[-1].endswith(", if your clinician agrees")
    assert covers[-1].startswith("A session plan for your event on ")


def test_a_clinic_without_rf_never_asks_about_it(app):
    from .conftest import another_process

    without_rf = another_process(app, POLICY_OFFERS_RF="false")
    patient = PatientClient(without_rf.test_client())
    patient.walk(until="goals")
    patient.get("/step/goals")
    assert "Which treatment are you interested in?" not in patient.last_html
    assert "Radiofrequency" not in patient.last_html
    patient.walk()  # the answers of a clinic with RF: its choice is not taken
    patient.get("/check")
    assert "Treatment of interest" not in patient.last_html
    assert patient.submit().headers["Location"] == "/done"
    with without_rf.app_context():
        assert "device_interest" not in db.session.scalars(db.select(Consultation)).one().answers


def test_send_with_htmx_goes_to_done_as_a_whole_page(app, patient):
    """Send is posted in the background, so a dropped connection leaves Check
    your answers as it is (kiosk.js says so); once sent, Done is a page of its own."""
    app.config["CONSENT_ON"] = False
    patient.walk()
    html = patient.get("/check").get_data(as_text=True)
    response = patient.client.post(
        "/check", data={"csrf_token": csrf_token(html)}, headers={"HX-Request": "true"}
    )
    assert response.headers["HX-Redirect"] == "/done"
    assert "Thank you, Maya" in patient.get("/done").get_data(as_text=True)


def test_sign_with_htmx_goes_from_check_to_the_consent_and_on_to_done_as_whole_pages(patient):
    """Continue on Check and Sign on the consent are posted in the background;
    the consent screen and Done are pages of their own (the consent loads the
    signature's scripts)."""
    patient.walk()
    html = patient.get("/check").get_data(as_text=True)
    htmx = {"HX-Request": "true"}
    response = patient.client.post("/check", data={"csrf_token": csrf_token(html)}, headers=htmx)
    assert response.headers["HX-Redirect"] == "/consent"
    page = patient.get("/consent").get_data(as_text=True)
    assert "signature_pad-5.1.4.umd.min.js" in page
    data = {"signature": DRAWN_SIGNATURE, "csrf_token": csrf_token(page)}
    response = patient.client.post("/consent", data=data, headers=htmx)
    assert response.headers["HX-Redirect"] == "/done"


def test_start_with_htmx_goes_to_the_first_screen_as_a_whole_page(patient):
    html = patient.get("/").get_data(as_text=True)
    response = patient.client.post(
        "/start", data={"csrf_token": csrf_token(html)}, headers={"HX-Request": "true"}
    )
    assert response.headers["HX-Redirect"] == "/step/about"


@pytest.mark.parametrize("url", ["/step/concerns", "/check", "/consent"])
def test_a_server_error_returns_the_patient_to_the_screen_they_were_on(
    app, patient, monkeypatch, url
):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in a clinic: the error page, not a traceback
    app.config["CONSENT_ON"] = url == "/consent"
    patient.walk()
    html = patient.get(url).get_data(as_text=True)

    def fail(*_args, **_kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("kiosk.web.patient.routes.submit_draft", fail)
    monkeypatch.setattr("kiosk.data.models.Draft.keep_answers", fail)
    sent = {**PLAIN["concerns"], **TYPED_SIGNATURE, "csrf_token": csrf_token(html)}
    response = patient.client.post(url, data=sent)
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Your answers so far are saved" in page
    assert f'<a class="button" href="{url}">Back to my answers</a>' in page
    monkeypatch.undo()
    assert "Maya" in patient.get("/check").get_data(as_text=True)


def test_an_address_that_is_no_screen_leads_a_patient_back_to_where_they_are(patient):
    patient.walk(until="skin_type")
    page = patient.get("/step/no-such-screen").get_data(as_text=True)
    assert '<a class="button" href="/step/skin_type">Back to my answers</a>' in page
    # Outside the questionnaire: Welcome, which offers to continue.
    page = patient.get("/no/such/page").get_data(as_text=True)
    assert '<a class="button" href="/">Go to the start</a>' in page
    assert "Continue my answers" in patient.get("/").get_data(as_text=True)
