"""The plan engine: completed answers in, a personalised plan out.

Screening flags fire on their trigger and nowhere else, RF screening applies
only when RF matters, patient wording stays neutral, clinic policy windows
change the outcome, event planning prints the right dates, and a broken
plan.yaml is refused with a message that names file, line and item.
Plain Python: no Flask app.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from kiosk.core.content import ContentError
from kiosk.core.content.loader import DEFAULT_CONTENT_DIR
from kiosk.core.content_folder import load_questionnaire
from kiosk.core.plan import Plan, PlanEngine, TimedLine, Trigger, load_rules
from kiosk.core.policy import Policy
from kiosk.core.statuses import severity_label

from ..patient_client import with_gates

TODAY = dt.date(2026, 11, 21)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "answers"
PLAN_YAML = DEFAULT_CONTENT_DIR / "plan.yaml"


@cache
def questionnaire():
    return load_questionnaire()


@cache
def rules():
    return load_rules(questionnaire())


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))["answers"]


# No flags at all: fine lines, pen, nothing in the health history.
BASELINE = example("fine-lines-no-flags")


def build(
    changes: dict[str, Any] | None = None,
    *,
    policy: Policy | None = None,
    base: dict[str, Any] | None = None,
    today: dt.date = TODAY,
    language: str = "en",
) -> Plan:
    answers = with_gates({**(BASELINE if base is None else base), **(changes or {})})
    engine = PlanEngine(questionnaire(), rules(), policy or Policy())
    return engine.build(answers, language=language, today=today)


def flag_ids(plan: Plan) -> set[str]:
    return {f.id for f in plan.flags}


def the_flag(plan: Plan, flag_id: str):
    found = [f for f in plan.flags if f.id == flag_id]
    assert len(found) == 1, f"{flag_id} fired {len(found)} times: {flag_ids(plan)}"
    return found[0]


# 1. Every flag fires on its trigger, and not otherwise ------------------------

RF = {"device_interest": "rf"}


@dataclass(frozen=True)
class Case:
    changes: dict[str, Any]
    severity: str
    # (the question's short wording, the answer in words)
    triggers: frozenset[tuple[str, str]]


def case(changes, severity, *triggers):
    return Case(changes, severity, frozenset(triggers))


# Severities as the facts sheet (§1) sets them.
FLAGS = {
    # Do not treat today
    "infection_in_area": case(
        {"infection_now": True}, "do_not_treat", ("Infection in the area now", "Yes")
    ),
    "changing_lesion": case(
        {"changing_lesion": True},
        "do_not_treat",
        ("New or changing mole or mark in the area", "Yes"),
    ),
    "skin_cancer": case({"skin_cancer": True}, "do_not_treat", ("Skin cancer in the area", "Yes")),
    "broken_skin": case(
        {"broken_skin_now": True},
        "do_not_treat",
        ("Broken, irritated or sunburnt skin now", "Yes"),
    ),
    "bleeding_disorder": case(
        {"bleeding_disorder": True}, "do_not_treat", ("Bleeding or clotting disorder", "Yes")
    ),
    "pregnant": case({"pregnant": True}, "do_not_treat", ("Pregnant or breastfeeding", "Yes")),
    "isotretinoin_current": case(
        {"isotretinoin": "taking_now"}, "do_not_treat", ("Isotretinoin", "Yes, I take it now")
    ),
    "anaesthetic_allergy": case(
        {"allergies": ["numbing_cream"]},
        "do_not_treat",
        ("Allergies", "Numbing cream or local anaesthetic"),
    ),
    # No RF: RF is contraindicated; a treatment without RF may still be possible.
    "rf_electronic_implant": case(
        {**RF, "implants": ["electronic_device"]},
        "no_rf",
        ("Implants and tattoos", "A pacemaker, defibrillator or other implanted electronic device"),
    ),
    "rf_metal_implant": case(
        {**RF, "implants": ["metal_in_area"]},
        "no_rf",
        ("Implants and tattoos", "Metal implants, plates or screws in the area to be treated"),
    ),
    "rf_gold_allergy": case({**RF, "allergies": ["gold"]}, "no_rf", ("Allergies", "Gold")),
    "steel_allergy": case(
        {"allergies": ["stainless_steel"]}, "do_not_treat", ("Allergies", "Stainless steel")
    ),
    "severe_acne": case(
        {"active_acne": True, "acne_severity": "severe"},
        "do_not_treat",
        ("Active acne: how it is now", "Deep, painful lumps or cysts"),
    ),
    # Clinician review
    "isotretinoin_recent": case(
        {"isotretinoin": "stopped", "isotretinoin_months": 2},
        "review",
        ("Isotretinoin", "Yes, but has stopped"),
        ("Months since stopping isotretinoin", "2 months"),
    ),
    "cold_sores": case({"cold_sores": True}, "review", ("Gets cold sores", "Yes")),
    "keloid_scars": case({"keloid_scars": True}, "review", ("Raised or keloid scars", "Yes")),
    "blood_thinners": case(
        {"blood_thinners": True, "blood_thinner_names": "warfarin"},
        "review",
        ("Blood-thinning medicine", "Yes"),
    ),
    "skin_condition": case(
        {"skin_condition": True, "skin_condition_types": ["eczema"]},
        "review",
        ("Skin condition in the area", "Yes"),
    ),
    "immune": case(
        {"immune_condition": True, "immune_details": ["steroids"]},
        "review",
        ("Weakened immune system", "Yes"),
    ),
    "diabetes_not_controlled": case(
        {"diabetes": True, "diabetes_control": "not_well"},
        "review",
        ("Diabetes", "Yes"),
        ("Diabetes control", "Not well controlled"),
    ),
    "active_acne": case(
        {"active_acne": True, "acne_severity": "mild"},
        "review",
        ("Active acne now", "Yes"),
        ("Active acne: how it is now", "A few spots"),
    ),
    "recent_toxin_filler": case(
        {"recent_procedures": ["toxin_filler"], "toxin_filler_weeks": 0},
        "review",
        ("Weeks since injections or fillers", "0 weeks"),
    ),
    "recent_laser_light": case(
        {"recent_procedures": ["laser_light"], "laser_light_weeks": 2},
        "review",
        ("Weeks since laser, light or RF treatment", "2 weeks"),
    ),
    "recent_resurfacing": case(
        {"recent_procedures": ["resurfacing_laser"], "resurfacing_weeks": 8},
        "review",
        ("Weeks since resurfacing laser", "8 weeks"),
    ),
    "recent_deep_peel": case(
        {"recent_procedures": ["deep_peel"], "deep_peel_weeks": 10},
        "review",
        ("Weeks since deep peel or dermabrasion", "10 weeks"),
    ),
    "recent_surgery": case(
        {"recent_procedures": ["surgery"], "surgery_weeks": 30},
        "review",
        ("Weeks since surgery", "30 weeks"),
    ),
    "recent_tan": case(
        {"recent_tan": True}, "review", ("Tan, sunbed or fake tan in the last 2 weeks", "Yes")
    ),
    "rf_tattoo": case(
        {**RF, "implants": ["tattoo_in_area"]},
        "review",
        ("Implants and tattoos", "Tattoos or permanent make-up in the area to be treated"),
    ),
    "metal_allergy": case(
        {"allergies": ["nickel_metal"]}, "review", ("Allergies", "Nickel or other metals")
    ),
    "under_minimum_age": case({"age_band": "under_18"}, "review", ("Age", "Under 18")),
    "nsaids": case({"nsaids": True}, "review", ("Anti-inflammatory painkillers regularly", "Yes")),
    "hormonal_condition": case(
        {"hormonal_condition": True}, "review", ("Hormonal condition", "Yes")
    ),
    # Notes
    "darker_skin": case(
        {"fitzpatrick": "type_6"}, "note", ("Skin and the sun", "Fitzpatrick VI: never burns")
    ),
    "diabetes_controlled": case(
        {"diabetes": True, "diabetes_control": "well"},
        "note",
        ("Diabetes control", "Well controlled"),
    ),
    "skin_actives": case(
        {"skin_actives": True}, "note", ("Uses retinoids or exfoliating acids", "Yes")
    ),
    "home_roller": case({"home_roller": True}, "note", ("Uses an at-home roller", "Yes")),
    "other_allergy": case(
        {"allergies": ["other_allergy"]}, "note", ("Allergies", "Something else")
    ),
}

SEVERITY_LABELS = {
    "do_not_treat": "Do not treat today",
    "no_rf": "No RF",
    "review": "Clinician review",
    "note": "Note",
}


def test_every_flag_rule_in_plan_yaml_has_a_row_in_the_table():
    # A new rule in plan.yaml must come with a trigger here, or this fails.
    assert set(FLAGS) == {rule.id for rule in rules().flags}


def test_baseline_answers_raise_no_flags():
    plan = build()
    assert plan.flags == ()
    assert plan.can_treat_today


@pytest.mark.parametrize(
    "answers",
    [
        *(
            pytest.param(with_gates({**BASELINE, **FLAGS[flag_id].changes}), id=flag_id)
            for flag_id in FLAGS
        ),
        *(pytest.param(example(p.stem), id=p.stem) for p in sorted(EXAMPLES.glob("*.json"))),
    ],
)
def test_the_flags_alone_are_the_plans_flags(answers):
    """PlanEngine.flags (the CSV export's) raises what build does."""
    engine = PlanEngine(questionnaire(), rules(), Policy())
    for language in ("en", "es"):
        built = engine.build(answers, language=language, today=TODAY).flags
        assert engine.flags(answers, language=language) == built


@pytest.mark.parametrize("flag_id", list(FLAGS))
def test_flag_fires_alone_on_its_trigger(flag_id):
    row = FLAGS[flag_id]
    plan = build(row.changes)

    assert flag_ids(plan) == {flag_id}
    flag = the_flag(plan, flag_id)
    assert flag.severity == row.severity
    assert severity_label(flag.severity) == SEVERITY_LABELS[row.severity]
    assert flag.staff_text.strip()
    assert flag.patient_text.strip()
    assert "{" not in flag.staff_text + flag.patient_text, "a placeholder was left unfilled"
    assert len(flag.triggers) == len({t.question_id for t in flag.triggers}), "trigger twice"
    assert {(t.question, t.answer) for t in flag.triggers} == row.triggers
    assert plan.can_treat_today == (row.severity != "do_not_treat")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # Isotretinoin: taking now and stopped recently are different flags;
        # stopped long enough ago is no flag. "About 6 months" is inside a
        # 6-month window: answers are approximate, so every window includes its end.
        ({"isotretinoin": "taking_now"}, {"isotretinoin_current"}),
        ({"isotretinoin": "stopped", "isotretinoin_months": 0}, {"isotretinoin_recent"}),
        ({"isotretinoin": "stopped", "isotretinoin_months": 5}, {"isotretinoin_recent"}),
        ({"isotretinoin": "stopped", "isotretinoin_months": 6}, {"isotretinoin_recent"}),
        ({"isotretinoin": "stopped", "isotretinoin_months": 7}, set()),
        ({"isotretinoin": "stopped", "isotretinoin_months": 30}, set()),
        # Diabetes: well controlled is a note; not well or not sure is a review.
        ({"diabetes": True, "diabetes_control": "well"}, {"diabetes_controlled"}),
        ({"diabetes": True, "diabetes_control": "not_well"}, {"diabetes_not_controlled"}),
        ({"diabetes": True, "diabetes_control": "not_sure"}, {"diabetes_not_controlled"}),
        # Skin type: only V and VI.
        ({"fitzpatrick": "type_5"}, {"darker_skin"}),
        ({"fitzpatrick": "type_4"}, set()),
        ({"fitzpatrick": "not_sure"}, set()),
        # Allergies: one flag per kind, whatever else is chosen.
        ({"allergies": ["skincare"]}, {"other_allergy"}),
        ({"allergies": ["skincare", "other_allergy"]}, {"other_allergy"}),
        (
            {"allergies": ["nickel_metal", "numbing_cream"]},
            {"metal_allergy", "anaesthetic_allergy"},
        ),
        # Windows for earlier procedures (RF labelling): inside or at the window → flag.
        ({"recent_procedures": ["toxin_filler"], "toxin_filler_weeks": 1}, {"recent_toxin_filler"}),
        ({"recent_procedures": ["toxin_filler"], "toxin_filler_weeks": 2}, {"recent_toxin_filler"}),
        ({"recent_procedures": ["toxin_filler"], "toxin_filler_weeks": 3}, set()),
        ({"recent_procedures": ["laser_light"], "laser_light_weeks": 3}, {"recent_laser_light"}),
        ({"recent_procedures": ["laser_light"], "laser_light_weeks": 4}, set()),
        (
            {"recent_procedures": ["resurfacing_laser"], "resurfacing_weeks": 11},
            {"recent_resurfacing"},
        ),
        ({"recent_procedures": ["resurfacing_laser"], "resurfacing_weeks": 13}, set()),
        ({"recent_procedures": ["deep_peel"], "deep_peel_weeks": 13}, {"recent_deep_peel"}),
        ({"recent_procedures": ["deep_peel"], "deep_peel_weeks": 14}, set()),
        # Surgery in the last 12 months (the question's reach) is inside 52 weeks.
        ({"recent_procedures": ["surgery"], "surgery_weeks": 52}, {"recent_surgery"}),
        (
            {
                "recent_procedures": ["toxin_filler", "surgery"],
                "toxin_filler_weeks": 20,
                "surgery_weeks": 4,
            },
            {"recent_surgery"},
        ),
        # Age: adults are not flagged.
        ({"age_band": "age_18_21"}, set()),
        ({"age_band": "age_60_plus"}, set()),
    ],
)
def test_linked_answers_raise_the_right_flags(changes, expected):
    assert flag_ids(build(changes)) == expected


def test_flags_come_most_severe_first():
    plan = build({"skin_actives": True, "cold_sores": True, "pregnant": True})
    assert [f.severity for f in plan.flags] == ["do_not_treat", "review", "note"]
    assert [f.id for f in plan.flags_of("review")] == ["cold_sores"]
    assert not plan.can_treat_today


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fine-lines-no-flags", set()),
        ("pregnant", {"pregnant"}),
        ("isotretinoin-2-months-ago", {"isotretinoin_recent", "cold_sores", "active_acne"}),
        (
            "fitzpatrick-6-rf-pacemaker",
            {"rf_electronic_implant", "rf_gold_allergy", "darker_skin", "home_roller"},
        ),
        ("acne-scars-event-in-3-weeks", {"skin_actives"}),
    ],
)
def test_example_answer_sets_raise_the_flags_their_description_promises(name, expected):
    assert flag_ids(build(base=example(name))) == expected


# 2. Device awareness -------------------------------------------------------

# (A gold allergy is not among them: it shows for every patient, with its RF
# relevance; see test_a_gold_allergy_shows_for_every_patient.)
RF_ONLY_FLAGS = {
    "rf_electronic_implant": {"implants": ["electronic_device"]},
    "rf_metal_implant": {"implants": ["metal_in_area"]},
    "rf_tattoo": {"implants": ["tattoo_in_area"]},
}


def test_the_rf_only_flags_are_the_ones_marked_rf_in_plan_yaml():
    assert {rule.id for rule in rules().flags if rule.device == "rf"} == set(RF_ONLY_FLAGS)


@pytest.mark.parametrize("flag_id", list(RF_ONLY_FLAGS))
@pytest.mark.parametrize(
    ("device", "policy", "fires"),
    [
        ("rf", Policy(), True),
        ("not_sure", Policy(), True),
        ("pen", Policy(), False),
        ("rf", Policy(offers_rf=False), False),
        ("not_sure", Policy(offers_rf=False), False),
    ],
)
def test_rf_only_flags_fire_only_when_rf_matters(flag_id, device, policy, fires):
    plan = build({**RF_ONLY_FLAGS[flag_id], "device_interest": device}, policy=policy)
    assert flag_ids(plan) == ({flag_id} if fires else set())


# Texts that belong to RF (section, words in the line) and the pen's needle line.
RF_TEXTS = [
    ("downtime", "grid pattern"),
    ("downtime", "grid marks after RF microneedling usually fade"),
    ("call_clinic", "After RF microneedling: burns"),
    ("device_notes", "RF microneedling carries heat into the skin"),
]
# Said only to a patient who chose RF: what happens on their day.
RF_CHOSEN_TEXT = ("day_of", "carry heat into the skin")
PEN_TEXT = ("day_of", "Pen needles are usually between 0.5 and 1.5 mm")


def texts_of(plan: Plan, section: str) -> list[str]:
    return [line.text if isinstance(line, TimedLine) else line for line in getattr(plan, section)]


def has_line(plan: Plan, section: str, words: str) -> bool:
    return sum(words in text for text in texts_of(plan, section)) == 1


@pytest.mark.parametrize(
    ("device", "policy", "rf_matters", "pen_possible"),
    [
        ("rf", Policy(), True, False),
        ("not_sure", Policy(), True, True),
        ("pen", Policy(), False, True),
        ("rf", Policy(offers_rf=False), False, True),
        ("not_sure", Policy(offers_rf=False), False, True),
    ],
)
def test_rf_texts_appear_only_when_rf_matters_and_the_pen_texts_when_the_pen_may_be_used(
    device, policy, rf_matters, pen_possible
):
    plan = build({"device_interest": device}, policy=policy)
    for section, words in RF_TEXTS:
        assert has_line(plan, section, words) == rf_matters, (section, words)
    assert has_line(plan, *PEN_TEXT) == pen_possible
    assert has_line(plan, *RF_CHOSEN_TEXT) == (rf_matters and not pen_possible)
    assert plan.device == device


def test_rf_downtime_lines_sit_under_their_days():
    plan = build(RF)
    whens = {line.text: line.when for line in plan.downtime}
    grid = [
        when for text, when in whens.items() if "grid" in text.lower() and when != "Your recovery"
    ]
    assert grid == ["Days 1 to 3", "Days 4 to 7"]


@pytest.mark.parametrize("device", ["pen", "rf"])
def test_home_roller_note_appears_only_for_home_roller_users(device):
    roller = "At-home rollers"
    with_roller = build({"home_roller": True, "device_interest": device})
    without = build({"home_roller": False, "device_interest": device})
    assert has_line(with_roller, "device_notes", roller)
    assert not any(roller in text for text in without.device_notes)
    # The serum warning is for everyone.
    assert has_line(without, "device_notes", "Serums pushed into freshly treated skin")


# 3. Patient wording is neutral ------------------------------------------------

FORBIDDEN = (
    "cannot",
    "can't",
    "must not",
    "not allowed",
    "contraindicat",
    "do not treat",
    "refuse",
)
ASKS_CLINICIAN = re.compile(r"\b(discuss|tell|mention|remind)\b[^.]*\byour clinician\b", re.I)
ABOUT_THE_VISIT = re.compile(r"\b(your clinician|your appointment|your session)\b", re.I)
# Telling someone to stop a medicine is never the app's place ("Do not stop ..." is fine).
STOP = re.compile(r"(?<!not )\bstop\b", re.I)


def wording_problems(text: str, severity: str) -> list[str]:
    problems = [f"says {word!r}" for word in FORBIDDEN if word in text.lower()]
    if STOP.search(text):
        problems.append("tells the patient to stop something")
    if severity == "note":
        # A note may be plain advice, but still about the visit, to the patient.
        if not (ASKS_CLINICIAN.search(text) or ABOUT_THE_VISIT.search(text)):
            problems.append("neither asks to talk to the clinician nor refers to the visit")
    elif not ASKS_CLINICIAN.search(text):
        problems.append("does not ask the patient to discuss it with the clinician")
    return problems


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("You cannot be treated while pregnant.", "do_not_treat"),
        ("You can't have microneedling today. Please discuss it with your clinician.", "review"),
        ("Microneedling is contraindicated. Please discuss it with your clinician.", "review"),
        ("Do not treat today. Please discuss it with your clinician.", "do_not_treat"),
        ("You must not have treatment. Please tell your clinician.", "do_not_treat"),
        ("Treatment is not allowed. Please tell your clinician.", "review"),
        ("We refuse to treat you. Please tell your clinician.", "review"),
        ("Stop taking isotretinoin. Please discuss it with your clinician.", "review"),
        ("You mentioned a bleeding condition.", "do_not_treat"),
        ("Talk to your doctor.", "review"),
        ("Diabetes slows healing.", "note"),
    ],
)
def test_the_wording_check_catches_bad_wording(text, severity):
    assert wording_problems(text, severity)


@pytest.mark.parametrize("flag_id", list(FLAGS))
def test_patient_text_of_every_flag_is_neutral(flag_id):
    flag = the_flag(build(FLAGS[flag_id].changes), flag_id)
    assert wording_problems(flag.patient_text, flag.severity) == []
    # The staff text is for staff: it must not leak into the patient copy.
    assert flag.patient_text != flag.staff_text


# 4. Policy windows change the outcome ---------------------------------------

ISOTRETINOIN_8_MONTHS = {"isotretinoin": "stopped", "isotretinoin_months": 8}


def test_isotretinoin_8_months_ago_is_flagged_only_with_a_longer_window():
    assert flag_ids(build(ISOTRETINOIN_8_MONTHS)) == set()
    plan = build(ISOTRETINOIN_8_MONTHS, policy=Policy(isotretinoin_months=12))
    assert flag_ids(plan) == {"isotretinoin_recent"}
    flag = the_flag(plan, "isotretinoin_recent")
    assert flag.severity == "review"
    assert "12 months ago or less" in flag.staff_text
    assert Trigger("isotretinoin_months", "Months since stopping isotretinoin", "8 months") in (
        flag.triggers
    )


def test_isotretinoin_staff_text_shows_the_default_window():
    flag = the_flag(build(FLAGS["isotretinoin_recent"].changes), "isotretinoin_recent")
    assert "6 months ago or less" in flag.staff_text


@pytest.mark.parametrize(
    ("policy", "months", "flagged"),
    [
        (Policy(), 7, False),
        (Policy(), 6, True),
        (Policy(), 5, True),
        (Policy(isotretinoin_months=12), 13, False),
        (Policy(isotretinoin_months=12), 12, True),
        (Policy(isotretinoin_months=0), 1, False),
        (Policy(isotretinoin_months=0), 0, True),
    ],
)
def test_isotretinoin_window_includes_its_end(policy, months, flagged):
    plan = build({"isotretinoin": "stopped", "isotretinoin_months": months}, policy=policy)
    assert ("isotretinoin_recent" in flag_ids(plan)) == flagged


def test_toxin_filler_window_is_a_policy():
    changes = {"recent_procedures": ["toxin_filler"], "toxin_filler_weeks": 3}
    assert flag_ids(build(changes)) == set()
    plan = build(changes, policy=Policy(toxin_filler_weeks=4))
    assert flag_ids(plan) == {"recent_toxin_filler"}
    assert "4 weeks ago or less" in the_flag(plan, "recent_toxin_filler").staff_text


@pytest.mark.parametrize(
    ("age_band", "policy", "flagged"),
    [
        ("under_18", Policy(), True),
        ("age_18_21", Policy(), False),
        ("age_18_21", Policy(minimum_age=22), True),
        ("age_22_29", Policy(minimum_age=22), False),
    ],
)
def test_minimum_age_is_a_policy(age_band, policy, flagged):
    plan = build({"age_band": age_band}, policy=policy)
    assert flag_ids(plan) == ({"under_minimum_age"} if flagged else set())
    if flagged:
        flag = the_flag(plan, "under_minimum_age")
        assert f"minimum age of {policy.minimum_age}" in flag.staff_text
        assert flag.triggers[0].question == "Age"


@pytest.mark.parametrize(
    ("setting", "flag_id", "changes"),
    [
        ("laser_light_weeks", "recent_laser_light", {"recent_procedures": ["laser_light"]}),
        ("resurfacing_weeks", "recent_resurfacing", {"recent_procedures": ["resurfacing_laser"]}),
        ("deep_peel_weeks", "recent_deep_peel", {"recent_procedures": ["deep_peel"]}),
        ("surgery_weeks", "recent_surgery", {"recent_procedures": ["surgery"]}),
    ],
)
def test_procedure_windows_are_policies(setting, flag_id, changes):
    answers = {**changes, setting: 5}
    assert flag_id not in flag_ids(build(answers, policy=Policy(**{setting: 4})))
    plan = build(answers, policy=Policy(**{setting: 6}))
    assert flag_ids(plan) == {flag_id}
    assert "6 weeks" in the_flag(plan, flag_id).staff_text


def aftercare_when(plan: Plan, text: str) -> list[str]:
    return [line.when for line in plan.aftercare if line.text == text]


def test_aftercare_shows_the_default_windows():
    plan = build()
    assert aftercare_when(plan, "No make-up.") == ["First 24 hours"]
    assert aftercare_when(
        plan, "No hard exercise, sauna, or anything that makes you sweat heavily."
    ) == ["First 72 hours"]
    assert aftercare_when(plan, "Keep out of the sun as much as you can.") == ["First 72 hours"]
    assert [line.when for line in plan.aftercare if "sunscreen" in line.text] == ["From 24 hours"]
    # Going back to retinol is said only to someone who uses it (below).
    assert not any("go back to retinol" in line.text for line in plan.aftercare)
    actives = build({"skin_actives": True})
    assert [line.when for line in actives.aftercare if "go back to retinol" in line.text] == [
        "After about 5 days"
    ]


def test_aftercare_windows_follow_the_policy():
    policy = Policy(
        makeup_hours=48,
        exercise_hours=24,
        sun_avoid_hours=96,
        sunscreen_from_hours=48,
        actives_resume_days=7,
    )
    plan = build({"skin_actives": True}, policy=policy)
    assert TimedLine("First 48 hours", "No make-up.", glance=True) in plan.aftercare
    assert aftercare_when(
        plan, "No hard exercise, sauna, or anything that makes you sweat heavily."
    ) == ["First 24 hours"]
    assert aftercare_when(plan, "Keep out of the sun as much as you can.") == ["First 96 hours"]
    assert [line.when for line in plan.aftercare if "sunscreen" in line.text] == ["From 48 hours"]
    assert [line.when for line in plan.aftercare if "go back to retinol" in line.text] == [
        "After about 7 days"
    ]
    assert not any("72" in line.when for line in plan.aftercare)


def bar_days(bars, label_start: str) -> list[tuple[int, int, bool]]:
    return [(b.first, b.last, b.continues) for b in bars if b.label.startswith(label_start)]


def test_recovery_strip_places_the_aftercare_windows_by_day():
    # Day 0 is the first 24 hours: "first 72 hours" is days 0 to 2, "from 24 hours" day 1 on.
    recovery = build({"skin_actives": True}).recovery
    assert bar_days(recovery.avoid, "No make-up") == [(0, 0, False)]
    assert bar_days(recovery.avoid, "Keep out of the sun") == [(0, 2, False)]
    assert bar_days(recovery.avoid, "No hard exercise") == [(0, 2, False)]
    assert bar_days(recovery.avoid, "No retinol") == [(0, 4, False)]
    assert bar_days(recovery.do, "Sunscreen every day") == [(1, 7, False)]
    assert bar_days(recovery.do, "Only your clinic's products") == [(0, 0, False)]
    assert [(b.first, b.last, b.level) for b in recovery.see] == [(0, 0, 3), (1, 3, 2), (4, 7, 1)]
    assert recovery.redness == ("Usually 1 to 3 days after the pen, sometimes up to a week.",)


def test_recovery_strip_follows_the_policy_and_runs_past_day_7():
    policy = Policy(
        makeup_hours=48, sun_avoid_hours=240, sunscreen_from_hours=36, actives_resume_days=0
    )
    recovery = build({"skin_actives": True}, policy=policy).recovery
    assert bar_days(recovery.avoid, "No make-up") == [(0, 1, False)]
    assert bar_days(recovery.avoid, "Keep out of the sun") == [(0, 7, True)]
    assert bar_days(recovery.do, "Sunscreen every day") == [(1, 7, False)]
    assert bar_days(recovery.avoid, "No retinol") == []  # a window of 0 days: no bar


def test_recovery_strip_shows_what_applies_to_the_treatment_and_the_patient():
    assert bar_days(build().recovery.avoid, "No retinol") == []
    rf = build(RF, policy=Policy(offers_rf=True)).recovery
    assert [b.label for b in rf.see if b.label.startswith("After RF")] == [
        "After RF: red, swollen; tiny crusts or grid marks",
        "After RF: crusts and grid marks fade",
    ]
    assert not any(b.label.startswith("Pinkness") for b in rf.see)
    assert rf.redness == (
        "Usually 2 to 3 days after RF microneedling; marks can last up to a week.",
    )
    spanish = build(language="es").recovery
    assert spanish.see[0].label == "Roja, tirante y sensible"


def test_glance_points_are_marked_in_the_plan():
    plan = build({"skin_actives": True})
    assert [line.when for line in plan.preparation if line.glance][:3] == [
        "2 weeks before",
        "3 days before",
        "24 hours before",
    ]
    assert [line.text for line in plan.aftercare if line.glance] == [
        "No make-up.",
        "Use sunscreen every day (SPF 30 to 50 or higher) for 1 to 2 weeks.",
        "Keep out of the sun as much as you can.",
    ]


@pytest.mark.parametrize("skin_actives", [True, False])
def test_preparation_shows_the_retinoid_pause_only_to_users_as_configured(skin_actives):
    plan = build({"skin_actives": skin_actives}, policy=Policy(retinoid_pause_days=5))
    pauses = [line for line in plan.preparation if "retinol" in line.text]
    # Only a user of actives is told to pause them; nobody else reads about it.
    assert [line.when for line in pauses] == (["5 days before"] if skin_actives else [])
    assert not any("3 days" in line.when + line.text for line in plan.preparation)


def test_skin_actives_note_shows_the_configured_pause():
    plan = build({"skin_actives": True}, policy=Policy(retinoid_pause_days=5))
    flag = the_flag(plan, "skin_actives")
    assert "5 days" in flag.patient_text
    assert "5 days" in flag.staff_text


def test_preparation_tanning_window_follows_the_policy():
    plan = build(policy=Policy(tanning_weeks=4))
    tanning = TimedLine("4 weeks before", "No suntan, sunbeds or fake tan.", glance=True)
    assert tanning in plan.preparation


@pytest.mark.parametrize(
    "changes",
    [
        {"blood_thinners": True},
        {"immune_condition": True, "immune_details": ["chemotherapy"]},
        {"diabetes": True, "diabetes_control": "well"},
    ],
)
def test_medication_list_reminder_for_medicines_and_conditions(changes):
    assert has_line(build(changes), "preparation", "Bring your medication list")


def test_no_medication_list_reminder_without_a_reason():
    assert not any("medication list" in text for text in texts_of(build(), "preparation"))


def test_no_text_of_any_plan_is_left_with_a_placeholder():
    policy = Policy(makeup_hours=48, retinoid_pause_days=5, session_spacing_weeks=6)
    for name in (
        "fine-lines-no-flags",
        "fitzpatrick-6-rf-pacemaker",
        "acne-scars-event-in-3-weeks",
    ):
        plan = build(base=example(name), policy=policy)
        texts = [
            *(
                t
                for section in ("day_of", "call_clinic", "device_notes")
                for t in getattr(plan, section)
            ),
            *(
                part
                for section in ("preparation", "downtime", "aftercare")
                for line in getattr(plan, section)
                for part in (line.when, line.text)
            ),
            *(part for b in plan.benefits for part in (b.may_help, b.course, b.results)),
            *(plan.event.lines if plan.event else ()),
            *(part for f in plan.flags for part in (f.staff_text, f.patient_text)),
        ]
        assert [t for t in texts if "{" in t or "}" in t] == [], name


# 5. Event planning ------------------------------------------------------------


def event_plan(event_date: dt.date | None, *, concerns=("fine_lines",), policy=None):
    changes: dict[str, Any] = {"concerns": list(concerns)}
    if event_date is not None:
        changes["event_date"] = event_date.isoformat()
    return build(changes, policy=policy).event


def test_no_event_date_means_no_event_plan():
    assert event_plan(None) is None


@pytest.mark.parametrize("days", [-1, -200])
def test_event_in_the_past_is_past(days):
    day = TODAY + dt.timedelta(days=days)
    event = event_plan(day)
    assert event.status == "past"
    assert event.event_date == day
    assert event.session_dates == ()
    assert event.sessions_that_fit == 0
    assert event.last_session_by is None
    assert len(event.lines) == 1
    assert f"{day.day} {day:%B %Y}" in event.lines[0]
    assert "has passed" in event.lines[0]


# (Dated plans, holds, opening days and event deadlines: test_schedule.py.)


# 6. Benefits and sessions -----------------------------------------------------


def test_one_benefit_per_concern_in_questionnaire_order():
    plan = build({"concerns": ["acne_scars", "pigmentation", "stretch_marks"]})
    assert [b.concern_id for b in plan.benefits] == ["acne_scars", "pigmentation", "stretch_marks"]
    assert [b.concern for b in plan.benefits] == [
        "Acne scars",
        "Uneven tone or dark spots",
        "Stretch marks",
    ]
    assert plan.concerns == tuple(b.concern for b in plan.benefits)
    acne = plan.benefits[0]
    assert "acne scars" in acne.may_help
    assert "3 months after your last session" in acne.results
    assert acne.course.startswith("Usually 3 to 6 sessions, about 4 weeks apart.")
    assert plan.benefits[1].course.startswith("Up to 6 sessions, about 4 weeks apart.")
    # The facts give no course for stretch marks: none is made up.
    stretch = plan.benefits[2]
    assert stretch.course is None
    assert "do not cover stretch marks" in stretch.may_help
    for benefit in plan.benefits:
        assert benefit.may_help
        assert benefit.results


def test_each_benefit_tells_its_own_course():
    plan = build({"concerns": ["acne_scars", "fine_lines"]})
    courses = {b.concern_id: b.course for b in plan.benefits}
    assert courses["acne_scars"].startswith("Usually 3 to 6 sessions")
    assert courses["fine_lines"].startswith("Usually about 4 sessions")


def test_benefit_course_uses_the_policy_spacing():
    plan = build(policy=Policy(session_spacing_weeks=6))
    assert "about 6 weeks apart" in plan.benefits[0].course
    assert plan.sessions.spacing_weeks == 6
    assert "about 6 weeks apart" in plan.sessions.text


@pytest.mark.parametrize(
    ("concerns", "low", "high", "words"),
    [
        (["fine_lines"], 4, 4, "Usually about 4 sessions"),
        (["fine_lines", "texture"], 4, 4, "Usually about 4 sessions"),
        (["acne_scars", "fine_lines"], 4, 6, "Usually 4 to 6 sessions"),
        (["acne_scars"], 3, 6, "Usually 3 to 6 sessions"),
        (["pigmentation"], None, 6, "Up to 6 sessions"),
        (["pigmentation", "laxity"], 4, 6, "Usually 4 to 6 sessions"),
        (["laxity", "stretch_marks"], 4, 4, "Usually about 4 sessions"),
    ],
)
def test_sessions_are_the_longest_course_of_the_chosen_concerns(concerns, low, high, words):
    sessions = build({"concerns": concerns}).sessions
    assert (sessions.min_sessions, sessions.max_sessions) == (low, high)
    assert sessions.spacing_weeks == 4
    assert sessions.text.startswith(f"{words}, about 4 weeks apart.")


@pytest.mark.parametrize("concerns", [["stretch_marks"], ["other_scars", "stretch_marks"]])
def test_concerns_without_a_known_course_give_no_session_numbers(concerns):
    plan = build({"concerns": concerns, "event_date": "2027-06-12"})
    assert plan.sessions is None
    # Dates still respect the deadline; the clinician decides how many sessions.
    assert plan.event.status == "no_course"
    assert plan.event.session_dates == ()
    assert plan.event.last_session_by == dt.date(2027, 5, 29)
    assert "Your clinician will tell you how many sessions to plan." in plan.event.lines


def test_no_concerns_means_no_benefits_no_sessions_and_only_the_event_deadline():
    plan = build({"concerns": [], "event_date": "2027-06-12"})
    assert plan.benefits == ()
    assert plan.sessions is None
    assert plan.event.status == "no_course"
    assert plan.concerns == ()


# 7. Only answers to questions that apply count ------------------------------


@pytest.mark.parametrize(
    ("changes", "left_over"),
    [
        ({"isotretinoin": "never", "isotretinoin_months": 1}, "isotretinoin_recent"),
        ({"isotretinoin": "taking_now", "isotretinoin_months": 1}, "isotretinoin_recent"),
        ({"diabetes": False, "diabetes_control": "not_well"}, "diabetes_not_controlled"),
        ({"diabetes": False, "diabetes_control": "well"}, "diabetes_controlled"),
        ({"recent_procedures": ["none"], "toxin_filler_weeks": 0}, "recent_toxin_filler"),
        (
            {"recent_procedures": ["toxin_filler"], "toxin_filler_weeks": 20, "surgery_weeks": 1},
            "recent_surgery",
        ),
    ],
)
def test_answers_to_follow_ups_that_do_not_apply_are_ignored(changes, left_over):
    plan = build(changes)
    assert left_over not in flag_ids(plan)
    if changes.get("isotretinoin") == "taking_now":
        assert flag_ids(plan) == {"isotretinoin_current"}
        assert [t.question_id for t in plan.flags[0].triggers] == ["isotretinoin"]
    else:
        assert flag_ids(plan) == set()


def test_event_date_in_the_answers_is_read_only_when_given():
    assert build({"event_date": ""}).event is None


# 8. A broken plan.yaml is refused with a precise message ----------------------

SHIPPED = PLAN_YAML.read_text(encoding="utf-8")


def broken(old: str, new: str) -> str:
    assert SHIPPED.count(old) == 1, f"{old!r} must occur exactly once in plan.yaml"
    return SHIPPED.replace(old, new)


def line_of(text: str, needle: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(lines) == 1, f"{needle!r} is on lines {lines}"
    return lines[0]


def content_copy(tmp_path: Path) -> None:
    for name in ("questionnaire.yaml", "sources.yaml"):
        shutil.copy(DEFAULT_CONTENT_DIR / name, tmp_path / name)


def problems_of(text: str, tmp_path: Path):
    content_copy(tmp_path)
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_rules(load_questionnaire(tmp_path), tmp_path)
    problems = caught.value.problems
    assert {p.path for p in problems} == {tmp_path / "plan.yaml"}
    # The message as printed names file and line too.
    assert str(tmp_path / "plan.yaml") in str(caught.value)
    return problems


def test_the_shipped_plan_yaml_loads():
    loaded = load_rules(questionnaire())
    assert loaded.flags
    concerns = next(q for s in questionnaire().steps for q in s.questions if q.id == "concerns")
    assert set(loaded.concerns) == {o.value for o in concerns.options}


def test_a_copy_of_the_shipped_files_loads(tmp_path):
    content_copy(tmp_path)
    (tmp_path / "plan.yaml").write_text(SHIPPED, encoding="utf-8")
    assert load_rules(load_questionnaire(tmp_path), tmp_path) == rules()


def test_unknown_placeholder_in_an_aftercare_when(tmp_path):
    text = broken(
        'when: {en: "First {makeup_hours} hours"', 'when: {en: "First {makup_hours} hours"'
    )
    [problem] = problems_of(text, tmp_path)
    assert problem.line == line_of(text, "{makup_hours}")
    assert problem.message == "text (en) uses an unknown placeholder {makup_hours}"
    # The section is named: preparation has a line 2 with a `when` too.
    assert problem.item == "aftercare > line 2 > when"


def test_an_aftercare_strip_entry_without_a_kind_is_refused(tmp_path):
    text = broken(
        """      last: {setting: makeup_hours, unit: hours}
      kind: avoid
""",
        """      last: {setting: makeup_hours, unit: hours}
""",
    )
    [problem] = problems_of(text, tmp_path)
    assert problem.message == "an aftercare line's days need a kind (avoid or do) and no level"
    assert problem.item.startswith("aftercare > line 2 > days")


def test_a_strip_entry_on_an_unknown_setting_is_refused(tmp_path):
    text = broken(
        "last: {setting: sun_avoid_hours, unit: hours}", "last: {setting: sun_hours, unit: hours}"
    )
    problems = problems_of(text, tmp_path)
    # Refused where it stands, with the settings it may name.
    assert {problem.line for problem in problems} == {line_of(text, "sun_hours")}
    assert any("'sun_avoid_hours'" in problem.message for problem in problems)


def test_flag_condition_on_an_unknown_question(tmp_path):
    text = broken(
        'when: [{question: pregnant, operator: "=", answer: true}]',
        'when: [{question: pregnancy, operator: "=", answer: true}]',
    )
    [problem] = problems_of(text, tmp_path)
    assert (problem.line, problem.item, problem.message) == (
        line_of(text, "question: pregnancy"),
        "flag 'pregnant' > condition 1 > question",
        "unknown question 'pregnancy'",
    )


def test_flag_condition_with_a_value_that_is_not_an_option(tmp_path):
    text = broken(
        'when: [{question: allergies, operator: "=", answer: numbing_cream}]',
        'when: [{question: allergies, operator: "=", answer: peanut}]',
    )
    [problem] = problems_of(text, tmp_path)
    assert (problem.line, problem.item, problem.message) == (
        line_of(text, "answer: peanut"),
        "flag 'anaesthetic_allergy' > condition 1 > answer",
        "'peanut' is not an option of 'allergies' (options: stainless_steel, nickel_metal, "
        "gold, numbing_cream, skincare, other_allergy); use = or !=",
    )


def test_line_condition_with_a_value_that_is_not_an_option(tmp_path):
    text = broken(
        'device: pen\n    only_if:\n      - {question: downtime, operator: "=", answer: week}',
        'device: pen\n    only_if:\n      - {question: downtime, operator: "=", answer: two_weeks}',
    )
    [problem] = problems_of(text, tmp_path)
    assert problem.line == line_of(text, "answer: two_weeks")
    # Named by its place in the downtime list, whatever comes before it.
    lines = yaml.safe_load(text)["downtime"]
    number = next(n for n, line in enumerate(lines, 1) if "two_weeks" in str(line.get("only_if")))
    assert problem.item == f"downtime > line {number} > condition 1 > answer"
    assert problem.message.startswith("'two_weeks' is not an option of 'downtime'")


def test_setting_reference_to_an_unknown_setting(tmp_path):
    text = broken("answer: {setting: toxin_filler_weeks}", "answer: {setting: toxin_weeks}")
    problems = problems_of(text, tmp_path)
    at = line_of(text, "toxin_weeks}")
    assert {p.line for p in problems} == {at}
    assert all(
        p.item.startswith("flag 'recent_toxin_filler' > condition 1 > answer") for p in problems
    )
    # One mistake, one problem, naming the setting and the ones there are.
    assert len(problems) == 1, [f"{p.item}: {p.message}" for p in problems]
    assert "toxin_weeks" in problems[0].message
    assert "toxin_filler_weeks" in problems[0].message


def test_duplicate_flag_id(tmp_path):
    text = broken("  - id: home_roller\n", "  - id: cold_sores\n")
    [problem] = problems_of(text, tmp_path)
    # The second one is named, at its own line.
    second = [n for n, line in enumerate(text.splitlines(), 1) if "- id: cold_sores" in line][1]
    assert (problem.line, problem.item, problem.message) == (
        second,
        "flag 'cold_sores' > id",
        "flag id 'cold_sores' is used twice",
    )


def test_a_concern_of_the_questionnaire_without_text(tmp_path):
    start = SHIPPED.index("  stretch_marks:\n")
    end = SHIPPED.index("\nsessions:")
    text = SHIPPED[:start] + SHIPPED[end + 1 :]
    assert "stretch_marks" not in text.split("sessions:")[0]
    [problem] = problems_of(text, tmp_path)
    # A whole-list problem points at the start of the list.
    assert (problem.line, problem.item, problem.message) == (
        line_of(text, "concerns:") + 1,
        "concerns",
        "no text for the concern 'stretch_marks'",
    )


def test_a_concern_that_is_not_an_option(tmp_path):
    text = broken("  stretch_marks:\n", "  cellulite:\n")
    problems = problems_of(text, tmp_path)
    assert sorted((p.line, p.item, p.message) for p in problems) == sorted(
        [
            (line_of(text, "concerns:") + 1, "concerns", "no text for the concern 'stretch_marks'"),
            (
                line_of(text, "cellulite:") + 1,
                "concerns > cellulite",
                "'cellulite' is not an option of the question 'concerns'",
            ),
        ]
    )


# Known wording defects --------------------------------------------------------


def test_one_month_reads_in_the_singular():
    plan = build({"isotretinoin": "stopped", "isotretinoin_months": 1})
    flag = the_flag(plan, "isotretinoin_recent")
    answers = {t.question_id: t.answer for t in flag.triggers}
    assert answers["isotretinoin_months"] == "1 month"


def test_policy_is_a_frozen_dataclass_so_replace_works():
    policy = dataclasses.replace(Policy(), isotretinoin_months=12)
    assert flag_ids(build(ISOTRETINOIN_8_MONTHS, policy=policy)) == {"isotretinoin_recent"}


def without_glance(text: str) -> str:
    """The questionnaire without its staff at-a-glance rows (which name questions too)."""
    start = text.index("# On top of the staff page and the staff copy")
    return text[:start] + text[text.index("# A typical patient") :]


def not_the_typical_patients(problems: list) -> list[str]:
    """The problems but those of the typical patient's answers (which name questions too)."""
    return [p.message for p in problems if not p.item.startswith("typical_patient")]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "      - id: concerns\n        type: multichoice\n",
            "      - id: worries\n        type: multichoice\n",
            "the questionnaire has no question 'concerns' (multichoice), which the app needs",
        ),
        (
            "      - id: areas\n        type: multichoice\n",
            "      - id: areas\n        type: choice\n",
            "the question 'areas' must be a multichoice question (the app reads it as one), "
            "not choice",
        ),
        (
            "          - value: rf\n",
            "          - value: rf_needling\n",
            "the question 'device_interest' needs the option(s) rf",
        ),
    ],
    ids=["removed", "retyped", "option renamed"],
)
def test_a_questionnaire_without_what_the_app_reads_is_a_problem_not_a_crash(
    tmp_path, old, new, message
):
    content_copy(tmp_path)
    shutil.copy(DEFAULT_CONTENT_DIR / "plan.yaml", tmp_path / "plan.yaml")
    questionnaire_file = tmp_path / "questionnaire.yaml"
    text = without_glance(questionnaire_file.read_text(encoding="utf-8"))
    assert text.count(old) == 1
    questionnaire_file.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_rules(load_questionnaire(tmp_path), tmp_path)
    assert not_the_typical_patients(caught.value.problems) == [message]


def test_a_questionnaire_without_an_optional_question_the_app_reads_still_plans(tmp_path):
    # 'areas' is read only where it is asked: without it the plan names no areas.
    content_copy(tmp_path)
    shutil.copy(DEFAULT_CONTENT_DIR / "plan.yaml", tmp_path / "plan.yaml")
    questionnaire_file = tmp_path / "questionnaire.yaml"
    text = without_glance(questionnaire_file.read_text(encoding="utf-8"))
    lines = text.splitlines(keepends=True)
    start = lines.index("      - id: areas\n")
    # The question runs to the next question or step.
    end = next(
        n for n in range(start + 1, len(lines)) if lines[n].startswith(("      - id:", "  - id:"))
    )
    text = "".join(lines[:start] + lines[end:])
    questionnaire_file.write_text(text.replace("  areas: [face]\n", ""), encoding="utf-8")
    without_areas = load_questionnaire(tmp_path)
    engine = PlanEngine(without_areas, load_rules(without_areas, tmp_path), Policy())
    plan = engine.build(example("fine-lines-no-flags"), language="en", today=TODAY)
    assert plan.areas == ()
    assert plan.concerns
