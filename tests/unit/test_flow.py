"""Branching with FHIR enableWhen semantics, and the order of the steps."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from kiosk.core.content import EnableWhen, Question, parse_questionnaire
from kiosk.core.flow import Flow, condition_holds, is_enabled
from kiosk.core.i18n import local

from ..patient_client import GATES, PLAIN, with_gates

PLAIN_PATH = [
    "about",
    "concerns",
    "skin_type",
    "skin_today",
    "health_history",
    "medicines",
    "goals",
    "event",
]


def stored(flow: Flow, by_step: dict[str, dict]) -> dict:
    """Form answers per step (as tests.patient_client sends them) as the app
    stores them: yes/no as True/False, numbers as int, empty answers left out;
    a checklist's lines a no unless ticked."""
    answers = {}
    for step_id, step_answers in by_step.items():
        step = flow.step(step_id)
        for question in step.checklist_items if step else ():
            answers[question.id] = False
        for question_id, raw in step_answers.items():
            if raw in ("", []) or question_id == "none_apply":
                continue
            kind = flow.question(question_id).type
            if kind == "yesno":
                raw = {"yes": True, "no": False}[raw]
            elif kind == "integer":
                raw = int(raw)
            answers[question_id] = raw
    return answers


def plain(flow: Flow, **changes) -> dict:
    """The plain answers, with some of them changed (None: left unanswered)."""
    answers = {**stored(flow, PLAIN), **with_gates(changes)}
    return {k: v for k, v in answers.items() if v is not None}


def asked_all(flow: Flow, answers: dict) -> set[str]:
    """Every question the patient was shown when answering ``answers``."""
    return {
        q.id for s in flow.applicable_steps(answers) for q in flow.enabled_questions(s, answers)
    }


def walk(flow: Flow, answers: dict) -> list[str]:
    """The steps a patient goes through, answering each as they reach it."""
    given: dict = {}
    visited = []
    step = flow.steps[0]
    while step is not None:
        visited.append(step.id)
        given.update({q.id: answers[q.id] for q in step.questions if q.id in answers})
        step = flow.next_step(step.id, given)
    return visited


def enabled_ids(flow: Flow, step_id: str, answers: dict) -> set[str]:
    return {q.id for q in flow.enabled_questions(flow.step(step_id), answers)}


# condition_holds: one condition against the answers -------------------------


def cond(operator: str, answer) -> EnableWhen:
    return EnableWhen(question="q", operator=operator, answer=answer)


DAY = dt.date(2027, 1, 10)


@pytest.mark.parametrize(
    ("operator", "expected", "stored_answer", "holds"),
    [
        # exists: whether there is an answer at all; a "no" is an answer.
        ("exists", True, "stopped", True),
        ("exists", True, False, True),
        ("exists", True, 0, True),
        ("exists", True, ["none"], True),
        ("exists", True, None, False),
        ("exists", True, "", False),
        ("exists", True, [], False),
        ("exists", False, None, True),
        ("exists", False, [], True),
        ("exists", False, "stopped", False),
        ("exists", False, False, False),
        # = on a single answer
        ("=", "stopped", "stopped", True),
        ("=", "stopped", "never", False),
        ("=", True, True, True),
        ("=", True, False, False),
        ("=", False, False, True),
        ("=", 3, 3, True),
        ("=", 3, 4, False),
        ("=", DAY, "2027-01-10", True),
        ("=", DAY, "2027-01-11", False),
        # = on a multichoice list: at least one of the answers matches
        ("=", "surgery", ["toxin_filler", "surgery"], True),
        ("=", "surgery", ["surgery"], True),
        ("=", "surgery", ["toxin_filler"], False),
        ("=", "surgery", ["none"], False),
        # != holds when no answer equals the value, including no answer at all
        ("!=", "stopped", "never", True),
        ("!=", "stopped", "stopped", False),
        ("!=", True, False, True),
        ("!=", True, True, False),
        ("!=", "surgery", ["toxin_filler", "laser_light"], True),
        ("!=", "surgery", ["toxin_filler", "surgery"], False),
        ("!=", DAY, "2027-01-11", True),
        ("!=", DAY, "2027-01-10", False),
        ("!=", "stopped", None, True),
        ("!=", "surgery", [], True),
        # ordered operators on whole numbers
        ("<", 6, 5, True),
        ("<", 6, 6, False),
        ("<", 6, 7, False),
        ("<=", 6, 6, True),
        ("<=", 6, 7, False),
        (">", 6, 7, True),
        (">", 6, 6, False),
        (">", 6, 5, False),
        (">=", 6, 6, True),
        (">=", 6, 5, False),
        (">", 0, 1, True),
        ("<", 1, 0, True),
        # ordered operators on dates: answers are ISO strings, conditions dates
        ("<", DAY, "2027-01-09", True),
        ("<", DAY, "2027-01-10", False),
        ("<=", DAY, "2027-01-10", True),
        ("<=", DAY, "2027-01-11", False),
        (">", DAY, "2027-01-11", True),
        (">", DAY, "2027-01-10", False),
        (">=", DAY, "2027-01-10", True),
        (">=", DAY, "2026-12-31", False),
        (">", DAY, "2028-01-01", True),
        (">", DAY, "2026-02-01", False),
        # an answer that is not a date is never earlier or later than one
        ("<", DAY, "soon", False),
        (">", DAY, "soon", False),
        # a yes is not the number 1
        (">", 0, True, False),
        (">=", 1, True, False),
    ],
)
def test_condition_holds(operator, expected, stored_answer, holds):
    answers = {} if stored_answer is None else {"q": stored_answer}
    assert condition_holds(cond(operator, expected), answers) is holds


@pytest.mark.parametrize(
    ("operator", "expected", "holds"),
    [
        ("exists", True, False),
        ("exists", False, True),
        ("=", "stopped", False),
        ("=", True, False),
        ("=", False, False),
        ("!=", "stopped", True),
        ("!=", True, True),
        ("<", 5, False),
        ("<=", 5, False),
        (">", 5, False),
        (">=", 5, False),
        ("<", DAY, False),
        (">=", DAY, False),
    ],
)
def test_unanswered_question_fails_every_condition_but_exists_false_and_not_equal(
    operator, expected, holds
):
    assert condition_holds(cond(operator, expected), {}) is holds
    assert condition_holds(cond(operator, expected), {"q": None}) is holds
    assert condition_holds(cond(operator, expected), {"other": "x"}) is holds


def follow_up(behavior: str) -> Question:
    return Question(
        id="follow_up",
        type="text",
        label={"en": "Tell us more"},
        enable_when=[
            EnableWhen(question="allergies", operator="=", answer="other_allergy"),
            EnableWhen(question="allergies", operator="=", answer="skincare"),
        ],
        enable_behavior=behavior,
    )


@pytest.mark.parametrize(
    ("allergies", "when_all", "when_any"),
    [
        (["other_allergy", "skincare"], True, True),
        (["other_allergy"], False, True),
        (["skincare"], False, True),
        (["nickel_metal"], False, False),
        ([], False, False),
    ],
)
def test_enable_behavior_all_needs_every_condition_any_needs_one(allergies, when_all, when_any):
    answers = {"allergies": allergies}
    assert is_enabled(follow_up("all"), answers) is when_all
    assert is_enabled(follow_up("any"), answers) is when_any


def test_item_without_conditions_is_always_enabled(flow):
    assert is_enabled(flow.question("first_name"), {})
    assert is_enabled(flow.step("about"), {})


# The shipped content: which steps and questions a patient sees ---------------


def test_plain_answers_visit_the_shortest_path(flow):
    answers = plain(flow)
    assert walk(flow, answers) == PLAIN_PATH
    assert [s.id for s in flow.applicable_steps(answers)] == PLAIN_PATH


def test_consent_to_contact_adds_the_contact_step(flow):
    answers = plain(flow, contact_consent=True, phone="07700 900123")
    assert walk(flow, answers) == ["about", "contact", *PLAIN_PATH[1:]]


def test_the_walk_follows_answers_given_so_far(flow):
    # Right after "about", with consent, the next screen is the contact one,
    # before anything else is known.
    about = {"first_name": "Maya", "age_band": "age_30_39", "contact_consent": True}
    assert flow.next_step("about", about).id == "contact"
    assert flow.next_step("about", {**about, "contact_consent": False}).id == "concerns"


@pytest.mark.parametrize(
    ("changes", "follow_ups"),
    [
        pytest.param({}, set(), id="plain: none"),
        pytest.param(
            {"isotretinoin": "stopped"}, {"isotretinoin_months"}, id="isotretinoin stopped"
        ),
        pytest.param({"isotretinoin": "taking_now"}, set(), id="isotretinoin taking now"),
        pytest.param({"isotretinoin": "never"}, set(), id="isotretinoin never"),
        pytest.param({"skin_condition": True}, {"skin_condition_types"}, id="skin condition"),
        pytest.param({"immune_condition": True}, {"immune_details"}, id="immune condition"),
        pytest.param({"diabetes": True}, {"diabetes_control"}, id="diabetes"),
        pytest.param({"blood_thinners": True}, {"blood_thinner_names"}, id="blood thinners"),
        pytest.param(
            {"recent_procedures": ["toxin_filler"]}, {"toxin_filler_weeks"}, id="toxin or filler"
        ),
        pytest.param(
            {"recent_procedures": ["laser_light"]}, {"laser_light_weeks"}, id="laser or light"
        ),
        pytest.param(
            {"recent_procedures": ["resurfacing_laser"]}, {"resurfacing_weeks"}, id="resurfacing"
        ),
        pytest.param({"recent_procedures": ["deep_peel"]}, {"deep_peel_weeks"}, id="deep peel"),
        pytest.param({"recent_procedures": ["surgery"]}, {"surgery_weeks"}, id="surgery"),
        pytest.param(
            {"recent_procedures": ["toxin_filler", "deep_peel", "surgery"]},
            {"toxin_filler_weeks", "deep_peel_weeks", "surgery_weeks"},
            id="several procedures",
        ),
        pytest.param({"allergies": ["other_allergy"]}, {"allergy_details"}, id="other allergy"),
        pytest.param({"allergies": ["skincare"]}, {"allergy_details"}, id="skincare allergy"),
        pytest.param(
            {"allergies": ["nickel_metal", "skincare"]}, {"allergy_details"}, id="nickel+skincare"
        ),
        pytest.param({"allergies": ["nickel_metal"]}, set(), id="nickel alone"),
        pytest.param({"allergies": ["gold", "numbing_cream"]}, set(), id="gold and numbing"),
        pytest.param(
            {"isotretinoin": "stopped", "diabetes": True, "allergies": ["skincare"]},
            {"isotretinoin_months", "diabetes_control", "allergy_details"},
            id="several triggers",
        ),
    ],
)
def test_each_health_follow_up_is_asked_only_when_its_answer_calls_for_it(
    flow, changes, follow_ups
):
    answers = plain(flow, **changes)
    asked = {q for screen in FOLLOW_UP_SCREENS for q in enabled_ids(flow, screen, answers)}
    assert asked == follow_ups
    # A follow-up screen comes only when one of its questions is asked.
    lists = any(k in GATES for k in changes)
    shown = {screen for screen in FOLLOW_UP_SCREENS if enabled_ids(flow, screen, answers)}
    expected = PLAIN_PATH + ["treatments_allergies"] * lists + sorted(shown)
    in_order = [s.id for s in flow.steps if s.id in expected]
    assert walk(flow, answers) == in_order


# The follow-up screens, by topic: their questions ask more about the answers
# of the screen before them.
FOLLOW_UP_SCREENS = {
    "skin_details": {"acne_severity", "skin_condition_types"},
    "health_details": {"immune_details", "diabetes_control"},
    "medicine_details": {
        "blood_thinner_names",
        "isotretinoin_months",
        "toxin_filler_weeks",
        "laser_light_weeks",
        "resurfacing_weeks",
        "deep_peel_weeks",
        "surgery_weeks",
        "allergy_details",
    },
}


def test_the_follow_ups_come_on_screens_by_topic_right_after_what_calls_for_them(flow):
    assert {s: {q.id for q in flow.step(s).questions} for s in FOLLOW_UP_SCREENS} == (
        FOLLOW_UP_SCREENS
    )
    answers = plain(
        flow,
        active_acne=True,
        diabetes=True,
        isotretinoin="stopped",
        recent_procedures=["toxin_filler"],
    )
    assert walk(flow, answers) == [
        *PLAIN_PATH[:4],
        "skin_details",
        "health_history",
        "health_details",
        "medicines",
        "treatments_allergies",
        "medicine_details",
        "goals",
        "event",
    ]
    assert enabled_ids(flow, "skin_details", answers) == {"acne_severity"}
    assert enabled_ids(flow, "health_details", answers) == {"diabetes_control"}
    assert enabled_ids(flow, "medicine_details", answers) == {
        "isotretinoin_months",
        "toxin_filler_weeks",
    }


# Every branch in the content is reached --------------------------------------

# For every step and question with enable_when: answers (changes to the plain
# answers) that enable it, and answers that do not. A new conditional step or
# question in the YAML must be added here.
BRANCHES: dict[str, tuple[list[dict], list[dict]]] = {
    "contact": ([{"contact_consent": True}], [{"contact_consent": False}]),
    "isotretinoin_months": (
        [{"isotretinoin": "stopped"}],
        [{"isotretinoin": "never"}, {"isotretinoin": "taking_now"}],
    ),
    "acne_severity": ([{"active_acne": True}], [{"active_acne": False}]),
    "skin_condition_types": ([{"skin_condition": True}], [{"skin_condition": False}]),
    "immune_details": ([{"immune_condition": True}], [{"immune_condition": False}]),
    "diabetes_control": ([{"diabetes": True}], [{"diabetes": False}]),
    "blood_thinner_names": ([{"blood_thinners": True}], [{"blood_thinners": False}]),
    "treatments_allergies": (
        [{"had_treatments": True}, {"has_allergies": True}, {"has_implants": True}],
        [{"had_treatments": False, "has_allergies": False, "has_implants": False}],
    ),
    "recent_procedures": ([{"had_treatments": True}], [{"had_treatments": False}]),
    "allergies": ([{"has_allergies": True}], [{"has_allergies": False}]),
    "implants": ([{"has_implants": True}], [{"has_implants": False}]),
    "toxin_filler_weeks": (
        [{"had_treatments": True, "recent_procedures": ["toxin_filler"]}],
        [{"had_treatments": False}, {"had_treatments": True, "recent_procedures": ["laser_light"]}],
    ),
    "laser_light_weeks": (
        [{"had_treatments": True, "recent_procedures": ["laser_light"]}],
        [
            {"had_treatments": False},
            {"had_treatments": True, "recent_procedures": ["resurfacing_laser"]},
        ],
    ),
    "resurfacing_weeks": (
        [{"had_treatments": True, "recent_procedures": ["resurfacing_laser"]}],
        [{"had_treatments": False}, {"had_treatments": True, "recent_procedures": ["laser_light"]}],
    ),
    "deep_peel_weeks": (
        [{"had_treatments": True, "recent_procedures": ["deep_peel"]}],
        [{"had_treatments": False}, {"had_treatments": True, "recent_procedures": ["surgery"]}],
    ),
    "surgery_weeks": (
        [{"had_treatments": True, "recent_procedures": ["surgery"]}],
        [{"had_treatments": False}, {"had_treatments": True, "recent_procedures": ["deep_peel"]}],
    ),
    "allergy_details": (
        [
            {"has_allergies": True, "allergies": ["other_allergy"]},
            {"has_allergies": True, "allergies": ["skincare"]},
        ],
        [{"has_allergies": False}, {"has_allergies": True, "allergies": ["nickel_metal"]}],
    ),
}


def conditional_items(flow: Flow):
    for step in flow.steps:
        if step.enable_when:
            yield step
        for question in step.questions:
            if question.enable_when:
                yield question


def shown(flow: Flow, item_id: str, answers: dict) -> bool:
    """Whether the patient is shown the step or question ``item_id``."""
    if flow.step(item_id) is not None:
        return item_id in [s.id for s in flow.applicable_steps(answers)]
    step = flow.step_of(item_id)
    return step in flow.applicable_steps(answers) and item_id in enabled_ids(flow, step.id, answers)


def test_every_conditional_item_in_the_content_has_its_branches_listed(flow):
    conditional = {item.id for item in conditional_items(flow)}
    assert conditional, "the content has no branching at all"
    missing = sorted(conditional - BRANCHES.keys())
    stale = sorted(BRANCHES.keys() - conditional)
    assert missing == [], f"add these conditional items to BRANCHES: {missing}"
    assert stale == [], f"these items in BRANCHES are no longer conditional: {stale}"


@pytest.mark.parametrize("item_id", sorted(BRANCHES))
def test_every_branch_in_the_content_is_reached_and_left_out(flow, item_id):
    item = flow.step(item_id) or flow.question(item_id)
    enabling, disabling = BRANCHES[item_id]
    assert enabling, "no answers that enable it"
    assert disabling, "no answers that leave it out"
    held: set[int] = set()
    failed: set[int] = set()
    for changes in enabling:
        answers = plain(flow, **changes)
        assert shown(flow, item_id, answers), changes
        effective = flow.effective_answers(answers)
        held |= {n for n, c in enumerate(item.enable_when) if condition_holds(c, effective)}
    for changes in disabling:
        answers = plain(flow, **changes)
        assert not shown(flow, item_id, answers), changes
        effective = flow.effective_answers(answers)
        failed |= {n for n, c in enumerate(item.enable_when) if not condition_holds(c, effective)}
    # Every condition is shown to matter: with "any", each one alone enables the
    # item at least once; with "all", each one alone can leave it out.
    every = set(range(len(item.enable_when)))
    if item.enable_behavior == "any":
        assert held == every
    else:
        assert failed == every


# Moving between steps --------------------------------------------------------


def test_after_the_last_step_comes_the_check_page(flow):
    answers = plain(flow)
    assert flow.next_step("event", answers) is None
    assert flow.last_step(answers).id == "event"


def test_before_the_first_step_comes_the_welcome_page(flow):
    assert flow.previous_step("about", plain(flow)) is None
    assert flow.previous_step("about", {}) is None


def test_next_and_previous_skip_steps_that_do_not_apply(flow):
    answers = plain(flow)
    assert flow.next_step("medicines", answers).id == "goals"
    assert flow.previous_step("goals", answers).id == "medicines"
    assert flow.previous_step("concerns", answers).id == "about"
    with_follow_up = plain(flow, diabetes=True, isotretinoin="stopped")
    assert flow.next_step("health_history", with_follow_up).id == "health_details"
    assert flow.previous_step("medicines", with_follow_up).id == "health_details"
    assert flow.next_step("medicines", with_follow_up).id == "medicine_details"
    assert flow.previous_step("goals", with_follow_up).id == "medicine_details"
    with_contact = plain(flow, contact_consent=True)
    assert flow.previous_step("concerns", with_contact).id == "contact"


def test_every_step_comes_back_with_previous_after_next(flow):
    answers = plain(flow, contact_consent=True, diabetes=True)
    path = [s.id for s in flow.applicable_steps(answers)]
    for here, after in itertools.pairwise(path):
        assert flow.next_step(here, answers).id == after
        assert flow.previous_step(after, answers).id == here


def test_first_incomplete_is_the_first_step_when_nothing_is_answered(flow):
    assert flow.first_incomplete({}, set()).id == "about"


def test_first_incomplete_is_none_when_every_step_is_done(flow):
    answers = plain(flow)
    assert flow.first_incomplete(answers, asked_all(flow, answers)) is None


def test_a_step_after_an_incomplete_one_may_not_be_visited(flow):
    answers = stored(flow, {"about": PLAIN["about"], "concerns": {"concerns": ["fine_lines"]}})
    asked = {"first_name", "age_band", "contact_consent", "concerns", "areas"}
    # "areas" was shown but left empty: concerns is not complete.
    assert flow.may_visit(flow.step("about"), answers, asked)
    assert flow.may_visit(flow.step("concerns"), answers, asked)
    assert not flow.may_visit(flow.step("skin_type"), answers, asked)
    assert not flow.may_visit(flow.step("event"), answers, asked)
    assert flow.first_incomplete(answers, asked).id == "concerns"


def test_a_step_that_does_not_apply_may_not_be_visited(flow):
    answers = plain(flow)
    asked = asked_all(flow, answers)
    assert not flow.may_visit(flow.step("contact"), answers, asked)
    assert not flow.may_visit(flow.step("medicine_details"), answers, asked)
    assert flow.may_visit(flow.step("event"), answers, asked)


def test_changing_an_answer_so_that_a_follow_up_is_needed_reopens_its_screen(flow):
    answers = plain(flow)
    asked = asked_all(flow, answers)
    assert flow.first_incomplete(answers, asked) is None

    answers["isotretinoin"] = "stopped"
    assert flow.first_incomplete(answers, asked).id == "medicine_details"
    assert not flow.may_visit(flow.step("goals"), answers, asked)
    assert flow.may_visit(flow.step("medicine_details"), answers, asked)

    answers["isotretinoin_months"] = 8
    asked.add("isotretinoin_months")
    assert flow.first_incomplete(answers, asked) is None


def test_a_change_lands_on_its_question_or_on_the_follow_up_it_called_for(flow):
    answers = plain(flow, diabetes=True, isotretinoin="stopped", isotretinoin_months=8)
    asked = asked_all(flow, answers) - {"diabetes_control"}
    health_history, health_details = flow.step("health_history"), flow.step("health_details")
    assert flow.change_focus(health_history, "diabetes", answers, asked) == "diabetes"
    # The change to diabetes led to a screen that does not ask it: its new question.
    assert flow.change_focus(health_details, "diabetes", answers, asked) == "diabetes_control"
    # A screen of questions all asked before: nothing in particular.
    asked.add("diabetes_control")
    assert flow.change_focus(health_details, "diabetes", answers, asked) is None
    # A question that does not apply to these answers is not landed on.
    answers["diabetes"] = False
    assert flow.change_focus(health_details, "diabetes_control", answers, asked) is None


def test_complete_means_every_question_shown_and_every_required_one_answered(flow):
    event = flow.step("event")
    # Both questions are optional: shown and left empty is complete...
    assert flow.is_complete(event, {}, {"event_date", "notes"})
    # ...but never shown is not.
    assert not flow.is_complete(event, {}, {"event_date"})
    about = flow.step("about")
    answers = {"first_name": "Maya", "age_band": "age_30_39"}
    asked = {"first_name", "age_band", "contact_consent"}
    assert not flow.is_complete(about, answers, asked)
    assert flow.is_complete(about, {**answers, "contact_consent": False}, asked)


def test_a_follow_up_that_no_longer_applies_does_not_hold_up_its_step(flow):
    answers = plain(flow, diabetes=True, isotretinoin="stopped", isotretinoin_months=8)
    asked = asked_all(flow, answers) - {"diabetes_control"}
    assert flow.first_incomplete(answers, asked).id == "health_details"
    answers["diabetes"] = False
    assert flow.first_incomplete(answers, asked) is None


# Answers that no longer apply ------------------------------------------------


def test_effective_answers_keep_the_answers_that_apply_in_questionnaire_order(flow):
    answers = plain(flow)
    effective = flow.effective_answers(dict(reversed(answers.items())))
    # Every question on the plain path but the two optional ones left empty.
    on_the_path = [q.id for step_id in PLAIN_PATH for q in flow.step(step_id).questions]
    assert list(effective) == [q for q in on_the_path if q not in ("event_date", "notes")]
    assert effective == {q: answers[q] for q in effective}


def test_effective_answers_drop_a_follow_up_when_its_trigger_changes(flow):
    answers = plain(flow, isotretinoin="stopped", isotretinoin_months=8)
    assert flow.effective_answers(answers)["isotretinoin_months"] == 8
    answers["isotretinoin"] = "never"
    effective = flow.effective_answers(answers)
    assert "isotretinoin_months" not in effective
    assert effective["isotretinoin"] == "never"


def test_effective_answers_drop_a_step_that_no_longer_applies(flow):
    answers = plain(flow, contact_consent=True, phone="07700 900123", email="maya@example.com")
    assert {"phone", "email"} <= flow.effective_answers(answers).keys()
    answers["contact_consent"] = False
    assert {"phone", "email"}.isdisjoint(flow.effective_answers(answers))


def test_effective_answers_drop_empty_answers(flow):
    answers = plain(flow, notes="", event_date=None)
    answers["areas"] = []
    effective = flow.effective_answers(answers)
    assert {"notes", "event_date", "areas"}.isdisjoint(effective)


CHAIN = """\
id: chain
version: "1"
languages: [en]
title: {en: Chain}
topics:
  - id: all
    title: {en: All}
steps:
  - id: one
    topic: all
    title: {en: One}
    questions:
      - {id: smoker, type: yesno, label: {en: "Do you smoke?"}}
  - id: two
    topic: all
    title: {en: Two}
    questions:
      - id: daily
        type: yesno
        label: {en: "Every day?"}
        enable_when: [{question: smoker, operator: "=", answer: true}]
  - id: three
    topic: all
    title: {en: Three}
    questions:
      - id: how_many
        type: integer
        label: {en: "How many a day?"}
        enable_when: [{question: daily, operator: "=", answer: true}]
      - id: why_not_daily
        type: text
        label: {en: "Why not every day?"}
        enable_when: [{question: daily, operator: "!=", answer: true}]
"""


@pytest.fixture(scope="module")
def chain():
    return Flow(parse_questionnaire(CHAIN, Path("chain.yaml")))


def test_effective_answers_cascade_through_disabled_triggers(chain):
    answers = {"smoker": True, "daily": True, "how_many": 10}
    assert chain.effective_answers(answers) == answers
    # No longer a smoker: "daily" is dropped, and so is "how_many", whose
    # trigger "daily" still says True in the stored answers.
    answers["smoker"] = False
    assert chain.effective_answers(answers) == {"smoker": False}
    assert [s.id for s in chain.applicable_steps(answers)] == ["one", "three"]
    assert {q.id for q in chain.enabled_questions(chain.step("three"), answers)} == {
        "why_not_daily"
    }


def test_disabled_question_counts_as_unanswered_for_later_conditions(chain):
    # "daily" was answered True but no longer applies, so "daily != true" holds.
    answers = {"smoker": False, "daily": True, "why_not_daily": "cost"}
    assert chain.effective_answers(answers) == {"smoker": False, "why_not_daily": "cost"}


# The walk: every question that applies, with its answer --------------------


def test_the_walk_yields_what_applies_in_order_with_topic_step_and_answer(chain):
    answers = {"smoker": True, "daily": False, "why_not_daily": "", "how_many": 10}
    walked = [(i.topic.id, i.step.id, i.question.id, i.value) for i in chain.walk(answers)]
    # how_many no longer applies; why_not_daily applies but was left empty.
    assert walked == [
        ("all", "one", "smoker", True),
        ("all", "two", "daily", False),
        ("all", "three", "why_not_daily", None),
    ]


def test_the_walk_agrees_with_the_branching(flow):
    answers = plain(flow, diabetes=True, diabetes_control="well", event_date=None)
    walked = list(flow.walk(answers))
    assert [i.question.id for i in walked] == [
        q.id for s in flow.applicable_steps(answers) for q in flow.enabled_questions(s, answers)
    ]
    assert {i.question.id: i.value for i in walked if i.value is not None} == (
        flow.effective_answers(answers)
    )
    assert all(i.step.topic == i.topic.id for i in walked)


# Progress: the patient's topics, then Check your answers --------------------


def names(flow: Flow, language: str = "en") -> list[str]:
    return [local(t.short_title or t.title, language) for t in flow.progress_topics]


def test_the_progress_names_the_topics_of_the_content(flow):
    assert names(flow) == ["About you", "Your skin", "Health", "Goals"]
    assert names(flow, "es") == ["Sobre usted", "Su piel", "Salud", "Objetivos"]
    assert flow.progress(flow.step("about")) == (flow.progress_topics, 0)
    assert flow.progress(flow.step("skin_type")).current == 1
    assert flow.progress(flow.step("medicine_details")).current == 2
    assert flow.progress(flow.step("event")).current == 3
    check = flow.progress(None)
    assert check.current == 4
    assert check.on_check
    assert not flow.progress(flow.step("event")).on_check


def every_branch_taken(flow: Flow) -> list[dict]:
    """The plain answers, and each set of answers that calls for a screen or
    question that plain answers do not."""
    return [plain(flow)] + [
        plain(flow, **changes) for enabling, _ in BRANCHES.values() for changes in enabling
    ]


def test_the_progress_moves_only_forward_and_never_grows(flow):
    for answers in every_branch_taken(flow):
        path = walk(flow, answers)
        shown = [flow.progress(flow.step(s)) for s in path] + [flow.progress(None)]
        # The same list on every screen, whatever the answers call for...
        assert all(p.topics == flow.progress_topics for p in shown)
        # ...its marker never going back, on each topic in turn, Check last.
        current = [p.current for p in shown]
        assert current == sorted(current), path
        assert sorted(set(current)) == list(range(len(flow.progress_topics) + 1)), path


OFFERED = """\
id: offered
version: "1"
languages: [en]
title: {en: Offered}
topics:
  - {id: you, title: {en: You}}
  - {id: devices, title: {en: Devices}}
steps:
  - id: one
    topic: you
    title: {en: One}
    questions:
      - {id: smoker, type: yesno, label: {en: "Do you smoke?"}}
  - id: two
    topic: devices
    title: {en: Two}
    questions:
      - {id: rf_before, type: yesno, offered_with: rf, label: {en: "Had RF before?"}}
"""


def test_the_progress_leaves_out_a_topic_the_clinic_asks_nothing_of():
    questionnaire = parse_questionnaire(OFFERED, Path("offered.yaml"))
    assert [t.id for t in Flow(questionnaire).progress_topics] == ["you", "devices"]
    without_rf = Flow(questionnaire.as_offered(frozenset()))
    assert [t.id for t in without_rf.progress_topics] == ["you"]
    assert without_rf.progress(None) == (without_rf.progress_topics, 1)
