"""A copy a clinician would sign: a do-not-treat copy that cannot be read as a
go-ahead, an informed patient (what microneedling is, can and cannot do, its
effects and risks), words that say no more than the patient or the sources
did, and Spanish read as clinical text.

The PDFs are the example patients of examples/answers through the plan
engine, as the kiosk prints them, read back with pypdf.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import yaml

from kiosk.core.content.loader import DEFAULT_CONTENT_DIR
from kiosk.core.i18n import language
from kiosk.core.pdf import render_pdf
from kiosk.core.pdf.document import Clinic
from kiosk.core.policy import Policy
from kiosk.core.statuses import severity_label

from .patient_client import PatientClient
from .test_languages import spanish_patient
from .test_pdf import text_of
from .test_pdf_layout import EXAMPLE_NAMES, example_document, example_pdf, page_texts
from .unit.test_plan import build, example, rules

CONTENT = DEFAULT_CONTENT_DIR


def staff_text(name: str, language: str = "en") -> str:
    return text_of(render_pdf(example_document(name, language), "staff"))


def patient_text(name: str, language: str = "en") -> str:
    return text_of(example_pdf(name, language))


def spanish_texts() -> list[tuple[str, str]]:
    """(where, Spanish) for every text of the content files."""
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            if isinstance(node.get("es"), str):
                found.append((where, node["es"]))
            for key, value in node.items():
                walk(value, f"{where} > {key}")
        elif isinstance(node, list):
            for n, value in enumerate(node):
                walk(value, f"{where} > {n}")

    for name in ("questionnaire.yaml", "plan.yaml"):
        walk(yaml.safe_load((CONTENT / name).read_text(encoding="utf-8")), name)
    return found


# 3. A copy that cannot be mistaken for a go-ahead ---------------------------------------

HOLD = "Before any treatment, your clinician will talk some of your answers through with you."
# What presumes a treatment on page 1: a session count, dates, before and after steps.
GO_AHEAD = (
    "weeks apart",
    "First session:",
    "BEFORE YOUR SESSION",
    "AFTER YOUR SESSION",
    "HOW LONG YOU MAY LOOK RED",
    "Book your last session by",
)


@pytest.mark.parametrize(
    ("name", "point"),
    [
        ("pregnant", "You told us you are pregnant or breastfeeding."),
        ("pregnant-with-event", "You told us you are pregnant or breastfeeding."),
        ("numbing-allergy", "You mentioned an allergy to numbing creams."),
        ("changing-mole", "You mentioned a mole or mark in the area"),
    ],
)
def test_page_one_of_a_do_not_treat_copy_says_first_that_the_clinician_talks_it_through(
    name, point
):
    first = page_texts(example_pdf(name))[0]
    assert HOLD in first
    # First: before the boxes of the overview.
    assert first.index(HOLD) < first.index("WHAT YOU WOULD LIKE TO IMPROVE")
    assert [words for words in GO_AHEAD if words in first] == []
    assert not re.search(r"SESSIONS (About|Up to) \d|SESSIONS \d+ to \d+", first)
    # The points to talk through are right there.
    assert point in first


def test_a_do_not_treat_copy_gives_no_course_length_anywhere():
    text = patient_text("pregnant")  # uneven tone: up to 6 sessions
    assert "Up to 6 sessions" not in text
    assert "Typical course" not in text
    assert "If you go ahead later" in text


def test_a_copy_without_flags_still_shows_the_go_ahead_overview():
    first = page_texts(example_pdf("fine-lines-no-flags"))[0]
    assert HOLD not in first
    assert "SESSIONS About 4" in first
    assert "BEFORE YOUR SESSION" in first


@pytest.mark.parametrize("name", ["pregnant", "numbing-allergy"])
def test_no_numbing_cream_reads_as_a_talk_before_any_treatment(name):
    text = patient_text(name)
    assert "Numbing cream is not used for you" not in text
    assert "Numbing cream may not be suitable for you, because of what you told us." in text
    assert "Before any treatment, your clinician will talk with you about this" in text


def test_an_rf_stop_patient_sees_rf_only_as_not_for_you_now():
    plan = build(base=example("fitzpatrick-6-rf-pacemaker"))
    assert plan.on_hold
    assert plan.schedule.status == "clinician"
    assert plan.rf_not_now
    assert "carries heat" in plan.rf_not_now[0]
    # Nothing of RF as their plan: not its procedure, downtime, redness or warning signs.
    assert not any("carry heat" in step for step in plan.day_of)
    assert not any("RF" in line.text for line in plan.downtime)
    assert not any("RF" in line for line in plan.recovery.redness)
    assert not any("RF" in line for line in plan.call_clinic)
    assert not any("RF" in line.text for line in plan.about)

    text = patient_text("fitzpatrick-6-rf-pacemaker")
    heading = "RF microneedling: not for you now"
    assert text.count(heading) == 1
    assert text.count("RF microneedling carries heat into the skin") == 1
    assert text.index(heading) < text.index("RF microneedling carries heat into the skin")
    for words in ("grid pattern", "After RF microneedling", "after RF microneedling"):
        assert words not in text


def test_an_unsure_patient_with_an_rf_stop_keeps_the_pen_plan_if_the_clinician_agrees():
    plan = build(base=example("rf-unsure-metal-implant"))
    assert not plan.on_hold
    assert plan.schedule.status == "provisional"
    assert plan.rf_not_now
    assert not any("RF" in line.text for line in plan.downtime)
    first = page_texts(example_pdf("rf-unsure-metal-implant"))[0]
    assert "RF microneedling: not for you now" in first
    assert "SESSIONS About 4" in first


def test_a_gold_allergy_of_a_pen_patient_neither_holds_nor_delays_the_plan():
    plan = build(base=example("gold-allergy-pen"))
    assert [f.severity for f in plan.flags] == ["no_rf"]
    assert not plan.on_hold
    assert plan.schedule.status == "dated"
    assert not plan.rf_not_now


@pytest.mark.parametrize("name", ["fitzpatrick-6-rf-pacemaker", "rf-unsure-metal-implant"])
def test_the_staff_copy_labels_an_rf_only_contraindication_no_rf(name):
    text = staff_text(name)
    assert "Flags: No RF:" in text
    assert "NO RF RF:" in text.upper()
    assert "Do not treat today" not in text
    assert "needle-only microneedling may be considered by the clinician" in text


def test_the_staff_copy_says_why_an_rf_only_patient_has_no_dates():
    text = staff_text("fitzpatrick-6-rf-pacemaker")
    assert "Not dated: No RF, and RF was the only treatment chosen" in text
    assert "a do-not-treat flag fired" not in text


def test_no_rf_is_a_severity_of_its_own_in_the_content():
    severities = {rule.id: rule.severity for rule in rules().flags}
    assert {fid for fid, s in severities.items() if s == "no_rf"} == {
        "rf_electronic_implant",
        "rf_metal_implant",
        "rf_gold_allergy",
    }


def test_no_rf_has_its_spanish_words():
    with language("es"):
        assert severity_label("no_rf") == "Sin RF"
        assert severity_label("do_not_treat") == "No tratar hoy"


# 4. An informed patient ----------------------------------------------------------------

ABOUT_POINTS = ("What it is", "What it can do", "What it cannot do", "Common effects", "Rare risks")
RISKS = (
    "Infection, scarring, damage to nerves or blood vessels, allergy, irritation and dark marks",
    "itchy red lumps (granulomas)",
    "Dark marks are more likely on darker skin",
)
RF_RISKS = "RF microneedling adds the risk of burns, fat loss (a hollow or dent in the skin)"


@pytest.mark.sweep
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_patient_copy_says_what_microneedling_is_and_what_can_go_wrong(name):
    language = example_document(name).plan.language
    if language != "en":
        pytest.skip("the Spanish copies: test_the_spanish_copy_informs_the_patient_too")
    text = patient_text(name)
    assert "About microneedling" in text
    for point in ABOUT_POINTS:
        assert point in text, point
    for risk in RISKS:
        assert risk in text, risk
    # Early: before the detail of benefits, preparation and aftercare.
    assert text.index("About microneedling") < text.index("Aftercare")


def test_rf_risks_are_told_where_rf_is_in_the_plan():
    unsure = build({"device_interest": "not_sure"})
    assert any(RF_RISKS in line.text for line in unsure.about)
    pen = build({"device_interest": "pen"})
    assert not any(RF_RISKS in line.text for line in pen.about)
    assert any("granulomas" in line.text for line in pen.about)


def test_the_spanish_copy_informs_the_patient_too():
    text = patient_text("spanish-pregnant-aspirin", "es")
    for point in ("Sobre el microneedling", "Qué es", "Qué no puede hacer", "Riesgos poco"):
        assert point in text
    assert "granulomas" in text


def test_each_about_line_names_its_sources():
    about = rules().about
    cites = {source for line in about for source in line.sources}
    assert {"§0", "R1", "R4", "R5", "P3", "P8"} <= cites
    rf_lines = [line for line in about if line.device == "rf"]
    assert any("R5" in line.sources for line in rf_lines)
    risks = [line for line in about if line.when["en"] == "Rare risks"]
    assert all(line.sources for line in risks)


# 5. Words that match what was said and what is sourced ------------------------------------


def test_a_changing_mole_is_echoed_as_a_mole_not_a_skin_cancer():
    text = patient_text("changing-mole")
    assert "You mentioned a mole or mark in the area that is new or changing." in text
    assert "skin cancer" not in text.lower()
    staff = staff_text("changing-mole")
    assert "New or changing mole or mark in the area: Yes" in staff


def test_a_skin_cancer_is_asked_and_echoed_on_its_own():
    plan = build({"skin_cancer": True})
    assert [f.id for f in plan.flags] == ["skin_cancer"]
    assert "mole" not in plan.flags[0].patient_text


def test_two_sessions_of_up_to_six_do_not_fit_the_usual_course():
    plan = build(base=example("pigmentation-event-partial"))
    assert plan.event.status == "partial"
    assert plan.event.sessions_that_fit == 2
    text = patient_text("pigmentation-event-partial")
    assert "Before then there is time for 2 of your usual sessions." in text
    assert "usual course fits" not in text


def test_a_whole_course_that_fits_is_counted():
    plan = build(base=example("pigmentation-event-partial"))
    far = build({"concerns": ["pigmentation"], "event_date": "2027-09-01"})
    assert plan.event.status == "partial"
    assert far.event.status == "fits"
    assert far.event.sessions_that_fit == 6
    assert any("time before then for 6 sessions" in line for line in far.event.lines)


def test_no_copy_promises_what_the_clinic_uses():
    for name in ("fine-lines-no-flags", "gold-allergy-pen"):
        text = patient_text(name)
        assert "your clinic uses only" not in text
        assert "Ask your clinician which products will be used on your skin" in text


def test_a_gold_allergy_shows_for_every_patient_with_its_rf_relevance():
    for device in ("pen", "rf", "not_sure"):
        plan = build({"allergies": ["gold"], "device_interest": device})
        assert [f.id for f in plan.flags] == ["rf_gold_allergy"], device
    text = patient_text("gold-allergy-pen")
    assert "You mentioned a gold allergy. It matters for RF microneedling" in text
    staff = staff_text("gold-allergy-pen")
    assert "No RF" in staff
    assert "RF: gold allergy" in staff
    # Even where the clinic offers no RF, a gold allergy is not lost.
    without_rf = build({"allergies": ["gold"]}, policy=Policy(offers_rf=False))
    assert [f.id for f in without_rf.flags] == ["rf_gold_allergy"]


def test_the_staff_copy_names_a_policy_setting_not_its_key():
    text = staff_text("retinoid-user")
    assert "Clinic policy: retinoid pause (3 days)" in text
    assert "POLICY_" not in text
    assert "policy:retinoid" not in text


# 6. Spanish as clinical text -------------------------------------------------------------


def test_no_spanish_text_says_pus_for_oozing():
    assert [w for w, es in spanish_texts() if "supur" in es.lower()] == []
    assert "supur" not in patient_text("spanish-pregnant-aspirin", "es").lower()


def test_aspirin_and_clopidogrel_are_not_called_anticoagulants_alone():
    problems = [
        (where, es)
        for where, es in spanish_texts()
        if re.search(r"aspirina|clopidogrel", es, re.I)
        and "anticoagulante" in es.lower()
        and "antiagregante" not in es.lower()
    ]
    assert problems == []
    steps = yaml.safe_load((CONTENT / "questionnaire.yaml").read_text(encoding="utf-8"))["steps"]
    item = next(q for st in steps for q in st.get("questions", []) if q["id"] == "blood_thinners")
    assert "antiagregantes" in item["item"]["es"]


ENGLISH_LEFT_IN = re.compile(r"(?<!\w)(pen|resurfacing|our clinic)(?!\w)", re.I)
SPAIN_ONLY = re.compile(r"(?<!\w)(vosotros|vuestr\w*|os|teléfono móvil|ordenador|vale|coger)(?!\w)")


def test_spanish_texts_leave_no_english_and_no_spain_only_words():
    english = [(w, es) for w, es in spanish_texts() if ENGLISH_LEFT_IN.search(es)]
    assert english == []
    spain = [(w, es) for w, es in spanish_texts() if SPAIN_ONLY.search(es)]
    assert spain == []
    text = patient_text("spanish-pregnant-aspirin", "es")
    assert not ENGLISH_LEFT_IN.search(text)


def test_the_spanish_phone_example_is_not_a_uk_number():
    steps = yaml.safe_load((CONTENT / "questionnaire.yaml").read_text(encoding="utf-8"))["steps"]
    phone = next(q for step in steps for q in step.get("questions", []) if q["id"] == "phone")
    assert "+44" not in phone["hint"]["es"]
    assert "07700" not in phone["hint"]["es"]


def test_the_default_clinic_name_is_said_in_each_language(app):
    app.config["CLINIC_NAME"] = "Our clinic"  # as a clinic that has not set its name
    english = PatientClient(app.test_client()).get("/").get_data(as_text=True)
    assert "Welcome to Our clinic" in english
    spanish = spanish_patient(app).get("/").get_data(as_text=True)
    assert "Nuestra clínica" in spanish
    assert "Our clinic" not in spanish
    staff = text_of(
        render_pdf(
            replace(
                example_document("spanish-pregnant-aspirin", "es"), clinic=Clinic(name="Our clinic")
            ),
            "patient",
        )
    )
    assert "Nuestra clínica" in staff
    assert "Our clinic" not in staff
