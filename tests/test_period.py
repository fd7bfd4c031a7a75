"""The period of days staff choose for the statistics and the exports."""

import datetime as dt

import pytest

from kiosk.data.database import db
from kiosk.data.models import Consultation
from kiosk.records.consultations import day_bounds
from kiosk.records.period import DEFAULT_DAYS, Period
from kiosk.web.staff.forms import PeriodForm
from tests.staff_helpers import add_consultation

TODAY = dt.date(2026, 12, 7)


def test_a_period_not_chosen_is_the_last_thirty_days():
    period = Period.chosen(None, None, today=TODAY)
    assert (period.first, period.last) == (TODAY - dt.timedelta(days=DEFAULT_DAYS - 1), TODAY)
    assert len(period.days) == DEFAULT_DAYS


def test_a_period_with_one_end_given():
    assert Period.chosen(dt.date(2026, 11, 1), None, today=TODAY).last == TODAY
    # A start after today: the period is that one day, not backwards.
    later = dt.date(2026, 12, 20)
    assert Period.chosen(later, None, today=TODAY) == Period(later, later)
    assert Period.chosen(None, dt.date(2026, 6, 30), today=TODAY).first == dt.date(2026, 6, 1)


def test_a_period_never_runs_backwards():
    with pytest.raises(ValueError, match="ends on or after"):
        Period(TODAY, TODAY - dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("query", "expected", "error"),
    [
        ("from=2026-11-01&to=2026-11-30", (dt.date(2026, 11, 1), dt.date(2026, 11, 30)), None),
        ("from=01/11/2026&to=30/11/2026", (dt.date(2026, 11, 1), dt.date(2026, 11, 30)), None),
        ("from=2026-11-30&to=2026-11-01", None, "Choose a day on or after the first day"),
        ("from=31/02/2026", None, "Enter a date like 21/11/2026"),
    ],
)
def test_the_period_form_reads_the_url(app, query, expected, error):
    with app.test_request_context(f"/staff/statistics?{query}"):
        from flask import request

        form = PeriodForm(request.args)
        period = form.period()
        if expected:
            assert not form.errors
            assert (period.first, period.last) == expected
        else:
            assert error in [message for messages in form.errors.values() for message in messages]
            # A refused day counts as not given: the page still shows a period.
            assert period.last >= period.first


def test_the_consultations_of_a_period_are_those_sent_within_its_days(app):
    inside = add_consultation(app)
    before = add_consultation(app)
    after = add_consultation(app)
    first, last = dt.date(2026, 11, 2), dt.date(2026, 11, 3)
    with app.app_context():
        for stored, when in [
            (inside, day_bounds(last)[1] - dt.timedelta(seconds=1)),
            (before, day_bounds(first)[0] - dt.timedelta(seconds=1)),
            (after, day_bounds(last)[1]),
        ]:
            db.session.get(Consultation, stored.id).submitted_at = when
        db.session.commit()
        found = Period(first, last).consultations()
        assert [consultation.id for consultation in found] == [inside.id]


def test_in_a_chain_the_period_form_reads_a_location_too(app):
    from flask import request

    from tests.test_locations import add_locations

    with app.test_request_context("/staff/statistics?from=2026-11-01"):
        assert "location" not in PeriodForm(request.args)  # one location: no field
    ids = add_locations(app)
    for query, location_id, error in [
        (f"from=2026-11-01&location={ids['madrid']}", ids["madrid"], None),
        ("from=2026-11-01&location=", None, None),
        ("from=2026-11-01", None, None),
        ("from=2026-11-01&location=99", None, "Choose a location from the list"),
        ("from=2026-11-01&location=madrid", None, "Choose a location from the list"),
    ]:
        with app.test_request_context(f"/staff/statistics?{query}"):
            form = PeriodForm(request.args)
            period = form.period()
            assert period.location_id == location_id, query
            assert period.first == dt.date(2026, 11, 1), "the period is kept"
            assert form.errors == ({"location": [error]} if error else {}), query


def test_a_period_at_a_location_is_its_consultations_only(app):
    from tests.test_locations import add_locations

    ids = add_locations(app)
    here = add_consultation(app, location_id=ids["madrid"])
    there = add_consultation(app, location_id=ids["harley-street"])
    today = dt.date.today()
    with app.app_context():
        at_madrid = Period.chosen(None, today, location_id=ids["madrid"])
        assert [c.id for c in at_madrid.consultations()] == [here.id]
        assert at_madrid.count() == 1
        assert Period.chosen(None, today).count() == 2
        assert Period.chosen(None, today, location_id=1).count() == 0
        assert {c.id for c in Period.chosen(None, today).consultations()} == {here.id, there.id}
