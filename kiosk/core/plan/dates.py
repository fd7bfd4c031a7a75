"""When sessions can be: the one date logic that every part of the patient's
copy reads (page 1, "Your sessions", the event plan and its calendar).

:func:`session_dates` takes the consultation day, the ends of the windows
that apply to the patient (preparation steps, holds), the clinic's open days
and, when the patient gave one, the event; it gives the first date the copy
may offer and the event's verdict. No date it gives falls inside a window,
on a day the clinic is closed (a closed weekday, a public holiday of its
region, one of its own closed dates), or where the event's margin rules it
out. Plain Python: no Flask.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

import holidays

# The furthest a search for an open day goes: a clinic closed for a year is a
# typing slip in its settings, not a calendar.
SEARCH_DAYS = 366

# (country, subdivision) codes a region is written with: "GB-ENG", "MX".
EXAMPLE_REGIONS = ("GB-ENG", "US-CA", "ES-MD", "MX")


class RegionError(ValueError):
    """A holidays region the ``holidays`` package does not know."""


def split_region(region: str) -> tuple[str, str | None]:
    """``"gb-eng"`` as ``("GB", "ENG")``, ``"MX"`` as ``("MX", None)``; raises
    :class:`RegionError` for a country or subdivision ``holidays`` lacks."""
    country, dash, subdivision = region.strip().upper().partition("-")
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise RegionError(f"'{region}' is not a country the holidays package knows")
    if not dash:
        return country, None
    known = {code.upper(): code for code in supported[country]}
    if subdivision not in known:
        examples = ", ".join(f"{country}-{code}" for code in list(known)[:6])
        examples += ", ..." if len(known) > 6 else ""
        raise RegionError(
            f"'{region}' is not a region the holidays package knows"
            + (f" (regions of {country}: {examples})" if known else f" ({country} has none)")
        )
    return country, known[subdivision]


def normal_region(region: str) -> str:
    """A region as settings keep it, upper-case ("GB-ENG"); empty stays empty."""
    if not region.strip():
        return ""
    country, subdivision = split_region(region)
    return f"{country}-{subdivision.upper()}" if subdivision else country


@functools.cache
def _holidays(region: str, year: int) -> frozenset[dt.date]:
    country, subdivision = split_region(region)
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


@dataclass(frozen=True)
class OpenDays:
    """The days the clinic treats patients: its opening weekdays (Monday 0),
    less the public holidays of ``region`` and its own ``closed`` dates."""

    weekdays: frozenset[int] = frozenset(range(6))
    region: str = ""  # "GB-ENG"; empty: no public holidays
    closed: frozenset[dt.date] = frozenset()

    def public_holiday(self, day: dt.date) -> bool:
        return bool(self.region) and day in _holidays(self.region, day.year)

    def closed_date(self, day: dt.date) -> bool:
        return day in self.closed

    def is_open(self, day: dt.date) -> bool:
        return (
            day.weekday() in self.weekdays
            and not self.closed_date(day)
            and not self.public_holiday(day)
        )

    def on_or_after(self, day: dt.date) -> dt.date:
        """``day`` if the clinic is open then, else the next day it is."""
        return self._search(day, 1)

    def on_or_before(self, day: dt.date) -> dt.date:
        """``day`` if the clinic is open then, else the last day before it that it is."""
        return self._search(day, -1)

    def _search(self, day: dt.date, step: int) -> dt.date:
        for _ in range(SEARCH_DAYS):
            if self.is_open(day):
                return day
            day += dt.timedelta(days=step)
        raise ValueError("the clinic is closed every day for a year: check its opening days")


# fits: the whole typical course fits before the event; partial: some
# sessions fit; too_close: none fits, the first date is after the event;
# past: the date has gone; clinician_plans: a do-not-treat flag fired, no
# dates; no_course: no chosen concern has a known course, only the deadline.
EVENT_STATUSES = ("fits", "partial", "too_close", "past", "clinician_plans", "no_course")


@dataclass(frozen=True)
class EventDates:
    event_date: dt.date
    status: str  # one of EVENT_STATUSES
    # The last open day a session may be on (None where none fits or no dates).
    last_by: dt.date | None
    session_dates: tuple[dt.date, ...]  # the sessions that fit before the event
    # too_close: the first date offered, on an open day after the event.
    first_after: dt.date | None = None


@dataclass(frozen=True)
class SessionDates:
    # The first date every window and hold allows, on an open day (None: the
    # clinician plans the dates).
    ready: dt.date | None
    # The first date the copy offers: ``ready``, or the first open day after
    # the event when no session fits before it.
    first: dt.date | None
    event: EventDates | None = None


@dataclass(frozen=True)
class Course:
    """What the event plan needs of the course: how many sessions, how far apart."""

    min_sessions: int | None
    max_sessions: int
    spacing_weeks: int


def session_dates(
    today: dt.date,
    window_ends: Iterable[dt.date],
    open_days: OpenDays,
    *,
    dated: bool = True,
    event_date: dt.date | None = None,
    course: Course | None = None,
    weeks_before_event: int = 2,
) -> SessionDates:
    """The first session date and the event's verdict.

    The first session is never the consultation day (the clinician goes
    through the summary with the patient first): it is the first open day
    from the day after ``today`` that every window (``window_ends``: the first
    day after each) allows. ``dated`` false (a do-not-treat flag): no dates.
    With an event, the last session falls on an open day at least
    ``weeks_before_event`` weeks before it; sessions are ``spacing_weeks``
    apart, each on an open day; when none fits before the event the first
    date offered is the first open day after it. The course fits when its
    least number of sessions does (the whole of an "up to" course).
    """
    ready = None
    if dated:
        ready = open_days.on_or_after(max([today + dt.timedelta(days=1), *window_ends]))
    if event_date is None:
        return SessionDates(ready, ready)

    margin = event_date - dt.timedelta(weeks=weeks_before_event)
    dates: list[dt.date] = []
    last_by = first_after = None
    if event_date < today:
        status = "past"
    elif ready is None:
        status = "clinician_plans"
    else:
        last_by = open_days.on_or_before(margin)
        if last_by < ready:
            status, last_by = "too_close", None
            first_after = open_days.on_or_after(max(event_date + dt.timedelta(days=1), ready))
        elif course is None:
            status = "no_course"
        else:
            day = ready
            spacing = dt.timedelta(weeks=course.spacing_weeks)
            while day <= last_by and len(dates) < course.max_sessions:
                dates.append(day)
                day = open_days.on_or_after(day + spacing)
            # An "up to" course (no minimum) fits only whole.
            enough = course.min_sessions or course.max_sessions
            status = "fits" if len(dates) >= enough else "partial"
    event = EventDates(event_date, status, last_by, tuple(dates), first_after)
    return SessionDates(ready, first_after or ready, event)
