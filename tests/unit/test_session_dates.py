"""One date logic for the whole copy: the first session date and the event's
verdict, from the preparation windows that apply, the holds, the event's
margin, the opening days, the public holidays of the clinic's region and its
own closed dates.

The consultation day is Saturday 21 November 2026 unless a test says
otherwise; the clinic opens Monday to Saturday. Plain Python: no Flask app.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core.plan import Plan, PlanEngine
from kiosk.core.plan.dates import Course, OpenDays, RegionError, normal_region, session_dates
from kiosk.core.policy import WEEKDAYS, Policy

from ..patient_client import with_gates
from .test_plan import BASELINE, TODAY, questionnaire, rules

MONDAY = dt.date(2026, 11, 23)
MON_TO_SAT = frozenset(range(6))


def plan_of(
    changes=None,
    *,
    today: dt.date = TODAY,
    region: str = "",
    closed=(),
    policy: Policy | None = None,
    language: str = "en",
) -> Plan:
    engine = PlanEngine(
        questionnaire(),
        rules(),
        policy or Policy(),
        holidays_region=region,
        closed_dates=closed,
    )
    answers = with_gates({**BASELINE, **(changes or {})})
    return engine.build(answers, language=language, today=today)


def days(n: int, today: dt.date = TODAY) -> dt.date:
    return today + dt.timedelta(days=n)


def the_one_first_date(plan: Plan) -> dt.date:
    """The first session date, checked to be the same wherever the plan gives one."""
    first = plan.schedule.earliest
    if plan.event is not None and plan.event.status == "too_close":
        assert plan.event.first_after == first
        assert plan.event.session_dates == ()
    elif plan.event is not None and plan.event.session_dates:
        assert plan.event.session_dates[0] == first
    return first


# 1. When no session fits before the event ------------------------------------------


def assert_none_fits(plan: Plan, first: dt.date) -> None:
    """The first date is after the event, and one sentence says so, the same
    under "Your sessions" and in the event plan."""
    event = plan.event
    assert event.status == "too_close"
    assert the_one_first_date(plan) == first
    assert first > event.event_date
    assert event.last_session_by is None
    sentence = event.none_fits
    assert sentence.startswith("No session fits before your event on ")
    assert plan.schedule.lines[0] == sentence
    assert event.lines[-1] == sentence
    assert sum(sentence in line for line in (*plan.schedule.lines, *event.lines)) == 2


def test_an_event_in_10_days_moves_the_first_session_after_it():
    plan = plan_of({"event_date": days(10).isoformat()})  # Tuesday 1 December
    assert_none_fits(plan, dt.date(2026, 12, 2))
    assert plan.event.none_fits == (
        "No session fits before your event on 1 December 2026: your first session could be on "
        "Wednesday 2 December 2026 or later."
    )
    assert "waiting until after your event" in plan.event.lines[0]


@pytest.mark.parametrize(
    ("today", "first"),
    [
        (TODAY, MONDAY),  # event Sunday 22nd: the next opening day is after it anyway
        (dt.date(2026, 11, 22), dt.date(2026, 11, 24)),  # event Monday 23rd: never that day
    ],
)
def test_an_event_tomorrow_is_never_offered_as_the_first_session(today, first):
    plan = plan_of({"event_date": days(1, today).isoformat()}, today=today)
    assert_none_fits(plan, first)
    assert plan.schedule.earliest != plan.event.event_date


def test_an_event_in_15_days_with_a_retinoid_pause_gives_one_date_everywhere():
    plan = plan_of({"event_date": days(15).isoformat(), "skin_actives": True})  # 6 December
    assert_none_fits(plan, dt.date(2026, 12, 7))
    assert plan.schedule.waits_for == (
        "pausing retinol, tretinoin and exfoliating acids for 3 days first",
    )


def test_the_retinoid_pause_counts_against_the_event_deadline():
    # Monday 7 December: one session fits on Monday 23 November, the deadline ...
    event_day = (MONDAY + dt.timedelta(weeks=2)).isoformat()
    without = plan_of({"event_date": event_day})
    assert without.event.session_dates == (MONDAY,)
    # ... which a user's 3-day pause rules out: none fits, the first date is after the event.
    plan = plan_of({"event_date": event_day, "skin_actives": True})
    assert_none_fits(plan, dt.date(2026, 12, 8))


def test_the_sentence_is_spanish_in_the_spanish_copy():
    plan = plan_of({"event_date": days(10).isoformat()}, language="es")
    assert plan.event.none_fits == (
        "Ninguna sesión cabe antes de su evento del 1 de diciembre de 2026: su primera sesión "
        "podría ser el miércoles, 2 de diciembre de 2026 o más adelante."
    )
    assert plan.schedule.lines[0] == plan.event.none_fits == plan.event.lines[-1]


def test_when_sessions_fit_the_first_is_the_schedule_s_first_date():
    plan = plan_of({"event_date": "2027-06-12"})
    assert plan.event.status == "fits"
    assert the_one_first_date(plan) == MONDAY
    assert plan.event.none_fits == ""
    assert plan.schedule.lines == (
        "Your first session could be on Monday 23 November 2026 or later.",
    )


# 2. Preparation windows move the first session --------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"blood_thinners": True, "nsaids": True},
        {"blood_thinners": True},
        {"nsaids": True},
    ],
)
def test_blood_thinners_or_ibuprofen_wait_the_week_to_go_through_medicines(changes):
    plan = plan_of(changes)
    week = next(line for line in plan.preparation if line.when == "About 1 week before")
    assert "Go through your medicines" in week.text
    assert plan.schedule.earliest >= days(7)
    assert plan.schedule.earliest == dt.date(2026, 11, 28)  # Saturday, a week on
    assert "going through your medicines with your clinician about 1 week before" in (
        plan.schedule.waits_for
    )


def test_without_those_medicines_there_is_no_week_to_wait():
    plan = plan_of({"blood_thinners": False, "nsaids": False})
    assert not any(line.when == "About 1 week before" for line in plan.preparation)
    assert plan.schedule.earliest == MONDAY


def test_the_medicines_week_counts_against_an_event():
    plan = plan_of({"nsaids": True, "event_date": days(20).isoformat()})  # 11 December
    assert_none_fits(plan, dt.date(2026, 12, 12))


# 3. Same-day treatment is gone: never the consultation day -------------------------


def test_there_is_no_same_day_setting_and_the_consultation_day_is_never_offered():
    assert not hasattr(Policy(), "same_day_treatment")
    no_windows = Policy(sun_before_hours=0)
    for today in (TODAY, MONDAY, dt.date(2026, 11, 24)):
        assert plan_of(policy=no_windows, today=today).schedule.earliest > today


# 4. Closed days: public holidays and the clinic's own dates ------------------------


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("GB-ENG", "GB-ENG"),
        ("gb-eng", "GB-ENG"),
        ("US-CA", "US-CA"),
        ("es-md", "ES-MD"),
        ("MX", "MX"),
        ("", ""),
    ],
)
def test_regions_the_holidays_package_knows(written, kept):
    assert normal_region(written) == kept


@pytest.mark.parametrize("written", ["GB-XYZ", "XX", "England", "US-", "MX-ZZ"])
def test_regions_it_does_not_know_are_refused(written):
    with pytest.raises(RegionError, match="holidays package"):
        normal_region(written)


ENGLAND = OpenDays(MON_TO_SAT, "GB-ENG")


def test_christmas_boxing_day_and_new_year_are_closed_in_england():
    for day in (dt.date(2026, 12, 25), dt.date(2026, 12, 26), dt.date(2027, 1, 1)):
        assert ENGLAND.public_holiday(day)
        assert not ENGLAND.is_open(day)
    assert ENGLAND.is_open(dt.date(2026, 12, 24))
    assert OpenDays(MON_TO_SAT).is_open(dt.date(2026, 12, 25))  # no region: no holidays
    # 26 December 2026 is a Saturday: England's holiday moves to Monday 28th.
    assert ENGLAND.on_or_after(dt.date(2026, 12, 25)) == dt.date(2026, 12, 29)


def test_no_session_falls_on_a_public_holiday():
    # Today Thursday 24 December: the 25th, 26th, 27th (Sunday) and 28th are closed.
    plan = plan_of({"event_date": "2027-12-01"}, today=dt.date(2026, 12, 24), region="GB-ENG")
    assert plan.schedule.earliest == dt.date(2026, 12, 29)
    # Four weeks after Friday 4 December is 1 January: the session moves to Saturday 2nd.
    plan = plan_of({"event_date": "2027-12-01"}, today=dt.date(2026, 12, 3), region="GB-ENG")
    assert plan.event.session_dates[:2] == (dt.date(2026, 12, 4), dt.date(2027, 1, 2))
    without = plan_of({"event_date": "2027-12-01"}, today=dt.date(2026, 12, 3))
    assert without.event.session_dates[1] == dt.date(2027, 1, 1)
    for day in plan.event.session_dates:
        assert not ENGLAND.public_holiday(day), day


def test_no_session_falls_on_a_clinic_closed_date():
    plan = plan_of(closed=[MONDAY, dt.date(2026, 11, 24)])
    assert plan.schedule.earliest == dt.date(2026, 11, 25)


def test_the_last_session_date_moves_back_off_a_closed_day():
    # Event Sunday 20 December: two weeks before is Sunday 6th (closed weekly);
    # Saturday 5th is the clinic's own closed date, so Friday 4th is the last day.
    plan = plan_of({"event_date": "2026-12-20"}, closed=[dt.date(2026, 12, 5)])
    assert plan.event.last_session_by == dt.date(2026, 12, 4)
    assert "book your last session by 4 December 2026" in plan.event.lines[0]


def test_a_clinic_closed_every_day_is_a_settings_slip_not_a_loop():
    with pytest.raises(ValueError, match="closed every day"):
        OpenDays(frozenset()).on_or_after(TODAY)


# 5. The core on its own -------------------------------------------------------------


def test_session_dates_reads_windows_open_days_and_the_event_margin():
    open_days = OpenDays(frozenset(WEEKDAYS.index(d) for d in ("mon", "wed")))
    dates = session_dates(
        TODAY,
        [days(3)],  # a window ending Tuesday 24th
        open_days,
        event_date=dt.date(2027, 3, 1),
        course=Course(2, 3, 4),
        weeks_before_event=2,
    )
    assert dates.ready == dates.first == dt.date(2026, 11, 25)  # Wednesday
    assert dates.event.status == "fits"
    assert dates.event.last_by == dt.date(2027, 2, 15)  # Monday, two weeks before
    assert dates.event.session_dates == (
        dt.date(2026, 11, 25),
        dt.date(2026, 12, 23),
        dt.date(2027, 1, 20),
    )
    assert session_dates(TODAY, [], open_days, dated=False).first is None
