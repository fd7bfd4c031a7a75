"""The journey model: how long the questionnaire takes, and what Welcome says."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.clinic import time_needed
from kiosk.core import copy_covers, journey
from kiosk.core.content import parse_questionnaire
from kiosk.core.flow import Flow
from kiosk.core.i18n import language

from .patient_client import PatientClient, csrf_token
from .test_settings_page import save

SMALL = """\
id: small
version: "1"
languages: [en, es]
title: {en: Small, es: Pequeño}
topics:
  - {id: you, title: {en: About you, es: Sobre usted}}
  - {id: health, title: {en: Your health, es: Su salud}, short_title: {en: Health, es: Salud}}
steps:
  - id: one
    topic: you
    title: {en: A first screen, es: Una primera pantalla}
    intro: {en: Two words., es: Dos palabras.}
    questions:
      - id: name
        type: text
        label: {en: Your first name, es: Su nombre}
        hint: {en: So we can greet you., es: Para saludarle.}
      - id: smoker
        type: yesno
        label: {en: Do you smoke?, es: ¿Fuma?}
  - id: two
    topic: health
    title: {en: Your health, es: Su salud}
    checklist:
      label: {en: Do any of these apply?, es: ¿Le ocurre algo de esto?}
      none: {en: None of these, es: Nada de esto}
      summary_none: {en: None, es: Nada}
    questions:
      - {id: cough, type: yesno, label: {en: Cough?, es: ¿Tos?}, item: {en: A cough, es: Tos}}
      - {id: fever, type: yesno, label: {en: Fever?, es: ¿Fiebre?}, item: {en: A fever, es: Fiebre}}
  - id: three
    topic: health
    title: {en: How many days?, es: ¿Cuántos días?}
    questions:
      - id: days
        type: integer
        label: {en: Days of fever, es: Días de fiebre}
        suffix: {en: days, es: días}
        enable_when: [{question: fever, operator: "=", answer: true}]
      - id: kinds
        type: multichoice
        label: {en: Which kinds?, es: ¿Qué tipos?}
        enable_when: [{question: fever, operator: "=", answer: true}]
        options:
          - {value: high, label: {en: A high one, es: Alta}}
          - {value: low, label: {en: A low one, es: Baja}, hint: {en: Under 38, es: Menos de 38}}
typical_patient:
  name: Ana
  smoker: false
"""


@pytest.fixture(scope="module")
def small() -> Flow:
    return Flow(parse_questionnaire(SMALL, Path("small.yaml")))


def test_a_screens_time_is_its_words_at_200_a_minute_a_second_a_tap_and_typing():
    assert journey.Screen("x", words=200, taps=2, typed=10).seconds == 60 + 2 + 4
    assert journey.Screen("x", words=0).seconds == 1  # its button


def test_the_minutes_are_rounded_up():
    assert journey.minutes([journey.Screen("x", words=200, taps=0)]) == 1
    assert journey.minutes([journey.Screen("x", words=200, taps=1)]) == 2
    assert journey.minutes([journey.Screen("x", words=0, taps=0)]) == 0


def test_words_are_counted_as_runs_of_letters_and_digits():
    assert journey.count_words("Anti-wrinkle injections, 30 to 39?", "", None, "¿Qué edad?") == 8


def test_a_question_screen_counts_every_word_on_it_and_each_tap(small):
    answers = small.questionnaire.typical_answers()
    assert answers == {"cough": False, "fever": False, "name": "Ana", "smoker": False}
    with language("en"):
        one = journey.question_screen(small, small.step("one"), answers, "en")
        two = journey.question_screen(small, small.step("two"), answers, "en")
    # Back, "A first screen", "Two words.", "Your first name", "So we can greet
    # you.", "Do you smoke?", Yes, No, Continue, and the progress list: "About
    # you", "Health", "Check".
    assert one.words == 1 + 3 + 2 + 3 + 5 + 3 + 1 + 1 + 1 + (2 + 1 + 1)
    # The name: a tap and three letters; the yes/no question a tap; Continue.
    assert (one.taps, one.typed) == (3, 3)
    # Back, "Your health", "Do any of these apply?", "A cough", "A fever",
    # "or", "None of these", Continue, and the progress list.
    assert two.words == 1 + 2 + 5 + 2 + 2 + 1 + 3 + 1 + 4
    # "None of these" ticked, and Continue.
    assert (two.taps, two.typed) == (2, 0)


def test_a_follow_up_screen_counts_its_options_and_the_answers_given(small):
    answers = {**small.questionnaire.typical_answers(), "fever": True}
    answers |= {"days": 12, "kinds": ["high", "low"]}
    with language("en"):
        two = journey.question_screen(small, small.step("two"), answers, "en")
        three = journey.question_screen(small, small.step("three"), answers, "en")
    assert (two.taps, two.typed) == (2, 0)  # a fever ticked
    # Back, "How many days?", "Days of fever", "days", "Which kinds?", "A high
    # one", "A low one", "Under 38", Continue, and the progress list.
    assert three.words == 1 + 3 + 3 + 1 + 2 + 3 + 3 + 2 + 1 + 4
    # A tap and two digits for the days, a tap for each kind, and Continue.
    assert (three.taps, three.typed) == (1 + 2 + 1, 2)


def test_the_journey_runs_from_welcome_through_the_screens_the_answers_lead_to(small):
    typical = small.questionnaire.typical_answers()
    screens = journey.journey(small, typical, "en", clinic="Test Clinic", covers=["A", "B c"])
    assert [s.name for s in screens] == ["welcome", "one", "two", "check", "done"]
    welcome, done = screens[0], screens[-1]
    assert (welcome.taps, done.taps) == (1, 0)  # Start; Done leaves by itself
    with_fever = {**typical, "fever": True, "days": 3, "kinds": ["high"]}
    longer = journey.journey(small, with_fever, "en", clinic="Test Clinic", covers=["A", "B c"])
    assert [s.name for s in longer] == ["welcome", "one", "two", "three", "check", "done"]
    assert journey.minutes(longer) >= journey.minutes(screens)
    # Check your answers reads back the follow-ups too.
    assert longer[-2].words > screens[-2].words
    # Done reads what the summary will cover.
    assert done.words == journey.journey(small, typical, "en", covers=[])[-1].words + 3


def test_each_language_is_counted_in_its_own_words(small):
    typical = small.questionnaire.typical_answers()
    english = journey.journey(small, typical, "en")
    spanish = journey.journey(small, typical, "es")
    one_en, one_es = english[1], spanish[1]
    # "Una primera pantalla", "Dos palabras.", "Su nombre", "Para saludarle.",
    # "¿Fuma?", Sí, No: fewer words than in English.
    assert one_es.words < one_en.words
    assert one_es.words == 1 + 3 + 2 + 2 + 2 + 1 + 1 + 1 + 1 + (2 + 1 + 1)


def test_the_typical_patient_of_the_content_meets_no_follow_up(flow):
    screens = journey.journey(flow, flow.questionnaire.typical_answers(), "en")
    assert [s.name for s in screens] == [
        "welcome",
        "about",
        "concerns",
        "skin_type",
        "skin_today",
        "health_history",
        "medicines",
        "goals",
        "event",
        "check",
        "done",
    ]
    about = screens[1]
    assert (about.taps, about.typed) == (4, len("Maya"))
    assert 4 <= journey.minutes(screens) <= 8


# What Welcome says -----------------------------------------------------------


def model_minutes(app, code: str) -> int:
    """The typical patient's minutes, worked out here from the app's own flow."""
    flow, engine = app.extensions["kiosk.core.flow"], app.extensions["kiosk.core.plan"]
    answers = flow.questionnaire.typical_answers()
    with language(code):
        covers = copy_covers.covers(engine.build(answers, language=code))
    consent = engine.consent(answers, language=code) if app.config["CONSENT_ON"] else None
    screens = journey.journey(
        flow, answers, code, clinic=app.config["CLINIC_NAME"], covers=covers, consent=consent
    )
    return journey.minutes(screens)


def test_welcome_says_how_long_the_typical_patient_takes_in_each_language(app, patient):
    english, spanish = model_minutes(app, "en"), model_minutes(app, "es")
    assert app.extensions[time_needed.EXTENSION] == {"en": english, "es": spanish}
    # The consent's reading and signing are counted where the clinic asks for it.
    app.config["CONSENT_ON"] = False
    assert model_minutes(app, "en") < english
    patient.get("/")
    assert f"It takes about {english} minutes." in patient.last_html

    patient.client.post(
        "/language", data={"language": "es", "csrf_token": csrf_token(patient.last_html)}
    )
    patient.get("/")
    assert f"Se tarda unos {spanish} minutos." in patient.last_html


def test_welcome_minutes_are_worked_out_again_when_the_clinic_changes_what_it_asks(
    app, admin, monkeypatch
):
    worked_out = []

    def minutes_needed(flow, engine, config):
        worked_out.append(flow)
        return {"en": 41, "es": 42}

    monkeypatch.setattr(time_needed, "minutes_needed", minutes_needed)
    save(admin, app, POLICY_OFFERS_RF=False)
    [flow] = worked_out
    assert flow is app.extensions["kiosk.core.flow"]
    assert flow.question("device_interest") is None
    patient = PatientClient(app.test_client())
    patient.get("/")
    assert "It takes about 41 minutes." in patient.last_html
