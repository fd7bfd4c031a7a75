"""The form of a screen: made for each request from the content it shows, its
answers returned cleaned, stored answers shown again with their problems."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask

from kiosk.core.answers import DateParts, Problem
from kiosk.core.content import parse_questionnaire
from kiosk.web.patient.forms import LanguageForm, step_form

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def web():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False)
    return app


def posted(web, data: dict):
    return web.test_request_context("/step/x", method="POST", data=data)


def about(flow):
    return flow.enabled_questions(flow.step("about"), {})


def test_a_screen_has_a_field_per_question_and_returns_the_cleaned_answers(web, flow):
    sent = {"first_name": "  Maya ", "age_band": "age_30_39", "contact_consent": "no"}
    with posted(web, sent):
        form = step_form(about(flow), "en", today=TODAY)
        assert [field.name for field in form] == [q.id for q in about(flow)]
        assert form.validate()
        assert form.answers() == {
            "first_name": "Maya",
            "age_band": "age_30_39",
            "contact_consent": False,
        }
        # The fields hold what was sent; the answers are returned, not kept on them.
        assert form.first_name.data == "  Maya "


def test_a_screen_with_problems_returns_what_can_be_kept(web, flow):
    with posted(web, {"first_name": "Maya", "age_band": "", "contact_consent": "perhaps"}):
        form = step_form(about(flow), "en", today=TODAY)
        assert not form.validate()
        assert form.answers() == {"first_name": "Maya"}
        assert form.errors == {
            "age_band": ["Select your age group"],
            "contact_consent": ["Select one of the options"],
        }


def test_text_shown_again_without_what_could_not_be_kept(web, flow):
    with posted(web, {"first_name": "Ma\u202eya", "age_band": "age_30_39"}):
        form = step_form(about(flow), "en", today=TODAY)
        assert not form.validate()
        assert form.first_name.data == "Maya"
        assert "first_name" not in form.answers()


ONE_QUESTION = """\
id: one
version: "{version}"
languages: [en, es]
title: {{en: One, es: Una}}
topics: [{{id: all, title: {{en: All, es: Todo}}}}]
steps:
  - id: about
    topic: all
    title: {{en: About, es: Sobre}}
    questions:
      - {{id: smoker, type: {kind}, label: {{en: "Do you smoke?", es: "¿Fuma?"}}}}
"""


def test_each_form_is_made_from_the_content_it_shows(web):
    # The same step and question ids in two versions of the content: each form
    # takes its own version's question, whatever came before it.
    def question(version: int, kind: str):
        text = ONE_QUESTION.format(version=version, kind=kind)
        return parse_questionnaire(text, Path("one.yaml")).steps[0].questions

    with posted(web, {"smoker": "yes"}):
        as_text = step_form(question(1, "text"), "en", today=TODAY)
        as_yes_no = step_form(question(2, "yesno"), "es", today=TODAY)
        assert as_text.validate()
        assert as_yes_no.validate()
        assert as_text.answers() == {"smoker": "yes"}
        assert as_yes_no.answers() == {"smoker": True}
        assert as_yes_no.smoker.label.text == "¿Fuma?"


def test_stored_answers_are_shown_again_with_their_problems_beside_them(web, flow):
    questions = flow.enabled_questions(flow.step("event"), {})
    stored = {"event_date": "2020-01-01", "notes": "Hello"}
    # Sending Check your answers posts only a token: the form shows what is stored.
    with posted(web, {"csrf_token": "x"}):
        form = step_form(questions, "en", today=TODAY, stored=stored)
        form.show_problems({"event_date": Problem("too_early", {"date": TODAY})})
        assert (form.event_date.data, form.notes.data) == (DateParts("1", "1", "2020"), "Hello")
        assert form.errors == {"event_date": ["The date must be in the future"]}
        assert form.event_date.wrong_parts == ("day", "month", "year")


def event(flow):
    return flow.enabled_questions(flow.step("event"), {})


def test_a_date_is_read_from_its_three_boxes_and_stored_as_an_iso_date(web, flow):
    sent = {"event_date-day": " 07 ", "event_date-month": "6", "event_date-year": "2026"}
    with posted(web, {**sent, "event_date": "2030-01-01", "notes": ""}):
        form = step_form(event(flow), "en", today=TODAY)
        assert form.event_date.data == DateParts(" 07 ", "6", "2026")
        assert form.validate()
        assert form.answers() == {"event_date": "2026-06-07", "notes": None}


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "wrong"),
    [
        ("", "6", "2026", "The date must include a day", ("day",)),
        ("7", "", "", "The date must include a month and a year", ("month", "year")),
        ("7", "6", "26", "The year must have 4 digits", ("year",)),
        ("31", "6", "2026", "Enter a real date, for example 14 June 2027", DateParts._fields),
        ("9", "3", "2026", "The date must be in the future", DateParts._fields),
        ("9", "3", "2029", "The date must be on or before 9 March 2028", DateParts._fields),
    ],
)
def test_a_date_with_a_problem_keeps_its_boxes_and_names_the_ones_at_fault(
    web, flow, day, month, year, message, wrong
):
    sent = {"event_date-day": day, "event_date-month": month, "event_date-year": year}
    with posted(web, sent):
        form = step_form(event(flow), "en", today=TODAY)
        assert not form.validate()
        assert form.errors == {"event_date": [message]}
        assert form.event_date.wrong_parts == wrong
        assert [form.event_date.part(p) for p in DateParts._fields] == [day, month, year]
        assert "event_date" not in form.answers()


def test_a_date_is_offered_in_the_order_and_words_of_the_language(web, flow):
    with posted(web, {}):
        spanish = step_form(event(flow), "es", today=TODAY).event_date
        assert spanish.order == ("day", "month", "year")
        assert spanish.months[0] == (1, "enero")
        assert spanish.part_name("day") == "event_date-day"


@pytest.mark.parametrize(
    ("sent", "chosen"),
    [({"language": "es"}, "es"), ({"language": "fr"}, None), ({}, None)],
)
def test_the_language_form_takes_only_an_offered_language(web, sent, chosen):
    with posted(web, sent):
        form = LanguageForm.offering([("en", "English"), ("es", "Español")])
        assert (form.language.data if form.validate_on_submit() else None) == chosen
