"""The dated plan as a careful clinic would write it, and lines that appear only
when they apply.

The consultation day in these tests is Saturday 21 November 2026; the clinic
opens Monday to Saturday by default, so "the next day" is Monday 23 November.
Every hold and preparation window is tried on both sides of its boundary.
Plain Python: no Flask app.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from kiosk.core.plan import Plan
from kiosk.core.plan.engine import add_months
from kiosk.core.policy import Policy

from .test_plan import TODAY, build, example

MONDAY = dt.date(2026, 11, 23)  # the first opening day after the consultation


def earliest(changes=None, **kwargs) -> dt.date | None:
    return build(changes, **kwargs).schedule.earliest


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


# 1. The earliest first session ---------------------------------------------------------


def test_no_flags_means_dated_from_the_next_opening_day():
    plan = build()
    assert TODAY.weekday() == 5  # Saturday: the next day, a Sunday, is closed
    assert plan.schedule.status == "dated"
    assert plan.schedule.earliest == MONDAY
    assert plan.schedule.lines == (
        "Your first session could be on Monday 23 November 2026 or later.",
    )
    assert plan.schedule.waits_for == ()


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (Policy(), MONDAY),
        # Never the consultation day, even with no window at all: the
        # clinician goes through the summary with the patient first.
        (Policy(sun_before_hours=0), MONDAY),
        # 48 hours of no sun: Monday 23rd is still the first opening day after it.
        (Policy(sun_before_hours=48), MONDAY),
        (Policy(sun_before_hours=72), dt.date(2026, 11, 24)),
    ],
)
def test_the_first_session_follows_the_sun_window_and_is_never_the_consultation_day(
    policy, expected
):
    assert earliest(policy=policy) == expected
    assert earliest(policy=policy, today=MONDAY) > MONDAY


@pytest.mark.parametrize(
    ("opening_days", "expected"),
    [
        (("mon", "tue", "wed", "thu", "fri", "sat"), MONDAY),
        (("tue", "thu"), dt.date(2026, 11, 24)),
        (("sun",), dt.date(2026, 11, 22)),
        (("fri",), dt.date(2026, 11, 27)),
    ],
)
def test_sessions_fall_on_opening_days(opening_days, expected):
    plan = build({"event_date": "2027-11-20"}, policy=Policy(opening_days=opening_days))
    assert plan.schedule.earliest == expected
    open_days = Policy(opening_days=opening_days).opening_weekdays
    assert plan.event.session_dates
    assert all(day.weekday() in open_days for day in plan.event.session_dates)


def test_a_window_ending_on_a_closed_day_moves_to_the_next_opening_day():
    tanned = {"recent_tan": True}
    # Two weeks from Saturday is a Saturday: open by default, closed Monday-Friday clinics.
    assert earliest(tanned) == days(14)
    weekdays_only = Policy(opening_days=("mon", "tue", "wed", "thu", "fri"))
    assert earliest(tanned, policy=weekdays_only) == days(16)


# 2. Preparation windows ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("skin_actives", "pause_days", "expected"),
    [
        (False, 3, MONDAY),
        (True, 3, days(3)),  # Tuesday 24th: pause from today, 3 days
        (True, 1, MONDAY),  # a 1-day pause ends before the next opening day
        (True, 2, MONDAY),
        (True, 5, days(5)),
    ],
)
def test_retinoid_pause_delays_the_first_session_for_users_only(skin_actives, pause_days, expected):
    plan = build({"skin_actives": skin_actives}, policy=Policy(retinoid_pause_days=pause_days))
    assert plan.schedule.earliest == expected
    # Listed as a reason when the pause ends after the day after the consultation.
    waits = [r for r in plan.schedule.waits_for if "retinol" in r]
    assert bool(waits) == (skin_actives and pause_days > 1)
    if waits:
        assert f"for {pause_days} days first" in waits[0]
        assert plan.schedule.waits_heading == "This date leaves time for:"


def test_the_retinoid_user_is_never_told_to_pause_before_a_session_the_page_dates_sooner():
    plan = build(base=example("retinoid-user"))
    pause = next(line for line in plan.preparation if line.text.startswith("Pause retinol"))
    assert pause.when == "3 days before"
    assert plan.schedule.earliest >= TODAY + dt.timedelta(days=3)


@pytest.mark.parametrize(
    ("recent_tan", "tanning_weeks", "expected", "flagged"),
    [
        (False, 2, MONDAY, False),
        (True, 2, days(14), True),
        (True, 3, days(21), True),
        (True, 0, MONDAY, True),
    ],
)
def test_a_recent_tan_holds_the_first_session_for_the_tanning_window(
    recent_tan, tanning_weeks, expected, flagged
):
    plan = build({"recent_tan": recent_tan}, policy=Policy(tanning_weeks=tanning_weeks))
    assert plan.schedule.earliest == expected
    assert ("recent_tan" in {f.id for f in plan.flags}) == flagged
    # The preparation line and the date agree.
    assert any(line.when == f"{tanning_weeks} weeks before" for line in plan.preparation)


# 3. Holds after earlier procedures and isotretinoin -----------------------------------


# (question, procedure option, policy setting, default window in weeks)
PROCEDURES = [
    ("toxin_filler_weeks", "toxin_filler", 2),
    ("laser_light_weeks", "laser_light", 3),
    ("resurfacing_weeks", "resurfacing_laser", 12),
    ("deep_peel_weeks", "deep_peel", 13),
    ("surgery_weeks", "surgery", 52),
]


def procedure(question: str, option: str, weeks_ago: int) -> dict[str, Any]:
    return {"recent_procedures": [option], question: weeks_ago}


@pytest.mark.parametrize(("question", "option", "window"), PROCEDURES)
def test_each_procedure_hold_on_both_sides_of_its_boundary(question, option, window):
    # Inside the window: held until the window ends, dates provisional.
    inside = build(procedure(question, option, window - 1))
    assert inside.schedule.earliest == days(7)  # one week left: Saturday 28th
    assert inside.schedule.status == "provisional"
    assert len(inside.schedule.waits_for) == 1
    # At the window: still flagged (answers are approximate), nothing left to wait for.
    at = build(procedure(question, option, window))
    assert at.schedule.earliest == MONDAY
    assert at.schedule.status == "provisional"
    assert at.schedule.waits_for == ()
    # Past the window (where the question allows it): no flag, no hold.
    if window < 52:
        past = build(procedure(question, option, window + 1))
        assert past.schedule.earliest == MONDAY
        assert past.schedule.status == "dated"


def test_fillers_last_week_wait_one_more_week_provisionally():
    plan = build(base=example("fillers-last-week"))
    assert plan.schedule.earliest == dt.date(2026, 11, 28)
    assert plan.schedule.waits_for == ("the clinic's gap of 2 weeks after injections or fillers",)
    assert plan.schedule.provisional
    assert plan.event.provisional
    assert plan.event.session_dates == (dt.date(2026, 11, 28), dt.date(2026, 12, 26))


@pytest.mark.parametrize(
    ("weeks_ago", "window", "expected"),
    [(0, 2, days(14)), (1, 2, days(7)), (0, 4, days(28)), (3, 4, days(7))],
)
def test_toxin_filler_hold_follows_the_policy_window(weeks_ago, window, expected):
    plan = build(
        procedure("toxin_filler_weeks", "toxin_filler", weeks_ago),
        policy=Policy(toxin_filler_weeks=window),
    )
    assert plan.schedule.earliest == expected


@pytest.mark.parametrize(
    ("months_ago", "window", "expected", "flagged"),
    [
        (2, 6, dt.date(2027, 3, 22), True),  # 21 March 2027 is a Sunday
        (5, 6, dt.date(2026, 12, 21), True),
        (6, 6, MONDAY, True),
        (7, 6, MONDAY, False),
        (11, 12, dt.date(2026, 12, 21), True),
    ],
)
def test_isotretinoin_hold_counts_calendar_months(months_ago, window, expected, flagged):
    plan = build(
        {"isotretinoin": "stopped", "isotretinoin_months": months_ago},
        policy=Policy(isotretinoin_months=window),
    )
    assert plan.schedule.earliest == expected
    assert ("isotretinoin_recent" in {f.id for f in plan.flags}) == flagged


def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert add_months(dt.date(2026, 11, 21), 4) == dt.date(2027, 3, 21)
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 11, 30), 0) == dt.date(2026, 11, 30)


def test_the_latest_window_wins_and_every_reason_is_listed():
    plan = build(
        {
            "skin_actives": True,
            "recent_tan": True,
            **procedure("toxin_filler_weeks", "toxin_filler", 1),
        }
    )
    assert plan.schedule.earliest == days(14)
    assert len(plan.schedule.waits_for) == 3


# 4. Do-not-treat gives no dates; review makes them provisional --------------------------


def test_pregnant_with_an_event_in_four_months_gets_no_dates_at_all():
    plan = build(base=example("pregnant-with-event"))
    assert plan.schedule.status == "clinician"
    assert plan.schedule.earliest is None
    assert plan.schedule.lines == (
        "Your clinician will plan the dates of your sessions with you, once they have talked "
        "your answers through with you.",
    )
    event = plan.event
    assert event.status == "clinician_plans"
    assert event.session_dates == ()
    assert event.last_session_by is None
    assert event.lines == (
        "Your clinician will plan your sessions with you, with your event on 20 March 2027 in "
        "mind.",
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"infection_now": True},
        {"allergies": ["numbing_cream"]},
        {"allergies": ["stainless_steel"]},
        {"isotretinoin": "taking_now"},
        {"active_acne": True, "acne_severity": "severe"},
        # No RF where RF is the only treatment chosen: on hold as well.
        {"device_interest": "rf", "implants": ["electronic_device"]},
    ],
)
def test_any_do_not_treat_flag_means_no_dates(changes):
    plan = build({**changes, "event_date": "2027-06-12"})
    assert plan.on_hold
    assert plan.schedule.earliest is None
    assert plan.event.session_dates == ()
    assert plan.event.last_session_by is None


def test_a_review_flag_keeps_the_dates_but_marks_them_provisional():
    plan = build({"cold_sores": True, "event_date": "2027-06-12"})
    assert plan.schedule.status == "provisional"
    assert plan.schedule.earliest == MONDAY
    assert "only if your clinician agrees" in plan.schedule.lines[1]
    assert plan.event.provisional
    assert plan.event.session_dates


def test_a_note_alone_keeps_the_dates_firm():
    plan = build({"home_roller": True, "event_date": "2027-06-12"})
    assert {f.severity for f in plan.flags} == {"note"}
    assert plan.schedule.status == "dated"
    assert not plan.event.provisional


# 5. Event deadlines --------------------------------------------------------------------


def event_of(event_date: dt.date, changes=None, **kwargs):
    return build({**(changes or {}), "event_date": event_date.isoformat()}, **kwargs).event


def test_event_exactly_at_the_deadline_fits_one_session_on_the_first_day():
    event = event_of(MONDAY + dt.timedelta(weeks=2))  # Monday 7 December
    assert event.status == "partial"
    assert event.session_dates == (MONDAY,)
    assert event.last_session_by == MONDAY
    assert event.lines[0].startswith(
        "For your event on 7 December 2026, book your last session by 23 November 2026."
    )
    assert "the clinic leaves 2 weeks before an event to be safe" in event.lines[0]


def test_event_one_day_inside_the_deadline_is_too_close():
    event = event_of(MONDAY + dt.timedelta(weeks=2, days=-1))
    assert event.status == "too_close"
    assert event.session_dates == ()
    assert event.last_session_by is None
    assert event.lines[-1] == (
        "No session fits before your event on 6 December 2026: your first session could be on "
        "Monday 7 December 2026 or later."
    )


@pytest.mark.parametrize("event_date", [TODAY, days(1)])
def test_event_today_or_tomorrow_is_too_close_and_starts_after_it(event_date):
    event = event_of(event_date)
    assert event.status == "too_close"
    assert "waiting until after your event" in event.lines[0]
    assert event.lines[-1] == (
        f"No session fits before your event on {event_date.day} November 2026: your first "
        "session could be on Monday 23 November 2026 or later."
    )


def test_a_hold_counts_against_the_event_deadline():
    fillers = procedure("toxin_filler_weeks", "toxin_filler", 0)
    deadline_day = days(14) + dt.timedelta(weeks=2)  # the hold ends on the deadline
    event = event_of(deadline_day, fillers)
    assert event.session_dates == (days(14),)
    assert event.provisional
    assert event_of(deadline_day - dt.timedelta(days=1), fillers).status == "too_close"


def test_far_event_fits_the_whole_course_four_weeks_apart_on_opening_days():
    event = event_of(dt.date(2027, 11, 20))
    assert event.status == "fits"
    assert event.session_dates == (
        dt.date(2026, 11, 23),
        dt.date(2026, 12, 21),
        dt.date(2027, 1, 18),
        dt.date(2027, 2, 15),
    )  # the 4 of fine lines
    gaps = {(b - a).days for a, b in itertools.pairwise(event.session_dates)}
    assert gaps == {28}


def test_spacing_follows_the_policy():
    event = event_of(dt.date(2027, 11, 20), policy=Policy(session_spacing_weeks=6))
    gaps = {(b - a).days for a, b in itertools.pairwise(event.session_dates)}
    assert gaps == {42}


def test_margin_before_the_event_follows_the_policy():
    day = MONDAY + dt.timedelta(weeks=2)
    assert event_of(day).status == "partial"
    event = event_of(day, policy=Policy(last_session_weeks_before_event=3))
    assert event.status == "too_close"
    assert "the clinic leaves 3 weeks between a session and an event" in event.lines[0]


def test_the_event_plan_never_promises_results_the_timing_table_puts_later():
    # Acne scars are judged 3+ months after the last session: an event 3 weeks
    # after a single session cannot show the result.
    plan = build(base=example("acne-scars-event-in-3-weeks"))
    text = " ".join(plan.event.lines)
    assert "may see some change" not in text
    assert "the full result is likely to show after your event" in text
    # Pigmentation shows 1 to 3 months from the start: no such line a year on.
    far = build({"concerns": ["pigmentation"], "event_date": "2027-11-20"})
    assert not any("after your event" in line for line in far.event.lines)


# 6. Lines that appear only when they apply, in both languages ----------------------------


def lines(plan: Plan, section: str) -> list[str]:
    return [getattr(line, "text", line) for line in getattr(plan, section)]


# (answers that call for the line, answers that do not, section, English words, Spanish words)
CONDITIONAL = [
    (
        {"cold_sores": True},
        {"cold_sores": False},
        "preparation",
        "antiviral medicine to prevent cold sores",
        "medicamento antiviral",
    ),
    (
        {"skin_actives": True},
        {"skin_actives": False},
        "preparation",
        "Pause retinol",
        "Deje de usar temporalmente retinol",
    ),
    (
        {"skin_actives": True},
        {"skin_actives": False},
        "aftercare",
        "go back to retinol",
        "volver a usar retinol",
    ),
    (
        {"allergies": ["none"], "pregnant": False},
        {"allergies": ["numbing_cream"]},
        "day_of",
        "a numbing cream is put on",
        "se aplica una crema anestésica",
    ),
    (
        {"allergies": ["numbing_cream"]},
        {"allergies": ["none"]},
        "day_of",
        "Numbing cream may not be suitable for you",
        "la crema anestésica no sea adecuada",
    ),
    (
        {"pregnant": True},
        {"pregnant": False},
        "day_of",
        "Numbing cream may not be suitable for you",
        "la crema anestésica no sea adecuada",
    ),
    (
        {"device_interest": "rf"},
        {"device_interest": "not_sure"},
        "day_of",
        "carry heat into the skin",
        "llevan calor al interior de la piel",
    ),
    (
        {"device_interest": "pen"},
        {"device_interest": "rf"},
        "day_of",
        "Pen needles are usually",
        "Las agujas del dispositivo",
    ),
    (
        {"nsaids": True},
        {"nsaids": False},
        "preparation",
        "Bring your medication list",
        "Traiga su lista de medicamentos",
    ),
    (
        {"hormonal_condition": True},
        {"hormonal_condition": False},
        "preparation",
        "Bring your medication list",
        "Traiga su lista de medicamentos",
    ),
    (
        {"fitzpatrick": "type_5"},
        {"fitzpatrick": "type_4"},
        "aftercare",
        "Darker skin has a higher chance of temporary dark marks",
        "En la piel más oscura",
    ),
    (
        {"home_roller": True},
        {"home_roller": False},
        "device_notes",
        "No microneedling device is authorised for over-the-counter",
        "venta libre",
    ),
]


@pytest.mark.parametrize(
    ("present", "absent", "section", "english", "spanish"),
    CONDITIONAL,
    ids=[f"{row[2]}-{row[3][:24]}" for row in CONDITIONAL],
)
def test_conditional_line_appears_only_when_its_condition_holds(
    present, absent, section, english, spanish
):
    for language, words in (("en", english), ("es", spanish)):
        with_it = lines(build(present, language=language), section)
        without = lines(build(absent, language=language), section)
        assert sum(words in line for line in with_it) == 1, (language, with_it)
        assert not any(words in line for line in without), (language, without)


# (device, downtime accepted) -> the recovery lines' key words
RECOVERY = [
    (
        "pen",
        "one_day",
        ["After the pen, pinkness usually lasts 1 to 3 days and can last up to a week"],
    ),
    ("pen", "few_days", ["which fits, though it can last up to a week"]),
    ("pen", "week", ["That covers the usual recovery after the pen"]),
    ("rf", "one_day", ["After RF microneedling, redness and swelling usually last 2 to 3 days"]),
    ("rf", "few_days", ["crusts or grid marks can last up to a week, which is longer than that"]),
    ("rf", "week", ["That covers the usual recovery after RF microneedling"]),
    (
        "not_sure",
        "one_day",
        ["After the pen, pinkness usually lasts", "After RF microneedling, redness and swelling"],
    ),
]


@pytest.mark.parametrize(("device", "accepted", "expected"), RECOVERY)
def test_recovery_compares_the_expected_downtime_with_what_the_patient_accepts(
    device, accepted, expected
):
    plan = build({"device_interest": device, "downtime": accepted})
    recovery = [line.text for line in plan.downtime if line.when == "Your recovery"]
    assert len(recovery) == len(expected)
    for words, line in zip(expected, recovery, strict=True):
        assert words in line


def test_rf_downtime_is_two_to_three_days_never_the_pens_one_to_three():
    plan = build({"device_interest": "rf"})
    text = " ".join(line.text for line in plan.downtime)
    assert "pink for 1 to 3 days" not in text
    assert "pinkness usually fades within 1 to 3 days" not in text
    assert "redness and swelling usually last 2 to 3 days" in text
