"""A patient back for a later session: the screens asked again, what is
carried over, and what changed since the earlier visit."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core.content.loader import questionnaire_problems
from kiosk.core.flow import Flow
from kiosk.core.returning import Earlier, changes, earlier_visit, same_name, tidy_code

from .test_flow import plain

ASKED_AGAIN = [
    "skin_today",
    "skin_details",
    "health_history",
    "health_details",
    "medicines",
    "treatments_allergies",
    "medicine_details",
]


def walk(flow: Flow, earlier: dict, today: dict) -> list[str]:
    """The screens a returning patient goes through: their draft starts with
    the answers carried over, and each screen is answered with ``today``'s."""
    answers = flow.carried_over(earlier)
    asked = set(answers)
    visited = []
    while (step := flow.first_incomplete(answers, asked)) is not None:
        visited.append(step.id)
        for question in flow.enabled_questions(step, {**answers, **today}):
            asked.add(question.id)
            if question.id in today:
                answers[question.id] = today[question.id]
    return visited


def test_the_steps_asked_again_are_those_marked_in_the_questionnaire(flow):
    assert [s.id for s in flow.asked_again()] == ASKED_AGAIN
    assert flow.for_returning().for_returning() is flow.for_returning()
    assert flow.for_returning() is flow.for_returning()  # made once


def test_with_nothing_changed_a_returning_patient_sees_three_screens(flow):
    answers = plain(flow)
    assert walk(flow.for_returning(), answers, answers) == [
        "skin_today",
        "health_history",
        "medicines",
    ]
    # A new patient with the same answers: eight.
    assert len(walk(flow, {}, answers)) == 8


def test_an_answer_that_calls_for_a_follow_up_brings_its_screen(flow):
    earlier = plain(flow)
    today = plain(flow, active_acne=True, acne_severity="mild", has_allergies=True)
    today["allergies"] = ["gold"]
    assert walk(flow.for_returning(), earlier, today) == [
        "skin_today",
        "skin_details",
        "health_history",
        "medicines",
        "treatments_allergies",
    ]


def test_a_carried_over_step_that_lacks_a_required_answer_is_asked(flow):
    """The content changed since (a new required question): its screen is
    walked too, so the patient is never sent answers that cannot be sent."""
    earlier = plain(flow, downtime=None)
    assert walk(flow.for_returning(), earlier, plain(flow)) == [
        "skin_today",
        "health_history",
        "medicines",
        "goals",
    ]


def test_the_returning_flow_never_leads_to_a_carried_over_screen(flow):
    returning = flow.for_returning()
    answers = plain(flow)
    asked = set(answers)
    assert returning.previous_step("skin_today", answers) is None  # Back: Welcome
    assert returning.next_step("medicines", answers) is None  # then Check your answers
    assert returning.last_step(answers).id == "medicines"
    assert not returning.may_visit(flow.step("about"), answers, asked)
    assert not returning.may_visit(flow.step("goals"), answers, asked)
    assert returning.may_visit(flow.step("medicines"), answers, asked)


def test_a_returning_patients_progress_names_only_the_topics_asked_again(flow):
    returning = flow.for_returning()
    answers = plain(flow)
    assert [t.id for t in returning.progress_topics] == ["health"]
    assert returning.progress(flow.step("skin_today")).current == 0
    assert returning.progress(None).on_check
    # A carried-over screen that lacks an answer counts as the next topic
    # listed: the marker never goes backwards.
    assert returning.progress(flow.step("about")).current == 0
    assert returning.progress(flow.step("goals")).current == 1
    # Answers and their walk are the same in both flows.
    assert list(returning.walk(answers)) == list(flow.walk(answers))


def test_what_is_carried_over_leaves_out_every_answer_asked_again(flow):
    answers = plain(flow, pregnant=True)
    carried = flow.carried_over(answers)
    assert carried["first_name"] == "Maya"
    assert carried["concerns"] == ["fine_lines"]
    assert "pregnant" not in carried
    assert "isotretinoin" not in carried
    kept = earlier_visit(flow, answers, "K7P-4QX", dt.datetime(2026, 11, 3, 10, 0))
    assert kept.answers["pregnant"] is True
    assert "first_name" not in kept.answers
    assert Earlier.from_json(kept.to_json()) == kept


def test_nothing_changed_lists_no_change(flow):
    answers = plain(flow)
    earlier = earlier_visit(flow, answers, "K7P-4QX", dt.datetime(2026, 11, 3, 10, 0))
    assert changes(flow, earlier, answers, "en") == ()


def test_each_changed_answer_is_listed_before_and_now_in_staff_wording(flow):
    earlier = earlier_visit(
        flow, plain(flow, isotretinoin="never"), "K7P-4QX", dt.datetime(2026, 11, 3, 10, 0)
    )
    now = plain(flow, pregnant=True, isotretinoin="stopped", isotretinoin_months=3)
    found = changes(flow, earlier, now, "en")
    assert [(c.question, c.before, c.now) for c in found] == [
        ("Pregnant or breastfeeding", "No", "Yes"),
        ("Isotretinoin", "No, never", "Yes, but has stopped"),
        ("Months since stopping isotretinoin", "Not asked", "3 months"),
    ]
    assert [c.question_id for c in found] == ["pregnant", "isotretinoin", "isotretinoin_months"]
    # The questions in the language asked for (the words of answers such as
    # Yes and No in the language in force: see the staff page's tests).
    spanish = changes(flow, earlier, now, "es")
    assert [c.question for c in spanish][:2] == ["Embarazo o lactancia", "Isotretinoína"]
    assert spanish[1].now == "Sí, pero ya no la toma"


def test_a_list_in_another_order_is_no_change(flow):
    before = plain(flow, has_allergies=True, allergies=["gold", "skincare"])
    before["allergy_details"] = "Lanolin"
    now = {**before, "allergies": ["skincare", "gold"]}
    earlier = earlier_visit(flow, before, "K7P-4QX", dt.datetime(2026, 11, 3, 10, 0))
    assert changes(flow, earlier, now, "en") == ()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("k7p-4qx", "K7P-4QX"),
        ("K7P 4QX", "K7P-4QX"),
        (" k7p4qx ", "K7P-4QX"),
        ("k-7-p-4-q-x", "K7P-4QX"),
    ],
)
def test_a_code_read_aloud_or_typed_in_lower_case_is_tidied(typed, stored):
    assert tidy_code(typed) == stored


@pytest.mark.parametrize(
    ("typed", "stored", "same"),
    [
        ("jose", "José", True),
        (" JOSÉ ", "José", True),
        ("Zoë", "zoe", True),
        ("Jos", "José", False),
        ("", "", False),
    ],
)
def test_first_names_are_compared_whatever_their_case_and_accents(typed, stored, same):
    assert same_name(typed, stored) is same


def test_a_follow_up_of_a_step_asked_again_must_be_asked_again_too(questionnaire):
    steps = [
        s.model_copy(update={"returning": False}) if s.id == "skin_details" else s
        for s in questionnaire.steps
    ]
    changed = questionnaire.model_copy(update={"steps": steps})
    problems = [message for _loc, message in questionnaire_problems(changed)]
    assert any("needs returning: true too" in message for message in problems), problems
    assert not [m for _l, m in questionnaire_problems(questionnaire) if "returning" in m]
