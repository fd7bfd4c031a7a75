"""The printed patient copy offers one first session date: page 1, "Your
sessions", the event plan and its calendar agree, and when no session fits
before the event they say so in the same sentence. The calendar marks the
clinic's public holidays and closed dates, with a key in words.

Plans come from the plan engine (fixed consultation day: Saturday 21
November 2026); the checks read the rendered PDF's text.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kiosk.core.pdf import render_pdf
from kiosk.core.pdf.document import Clinic, PdfDocument
from kiosk.core.pdf.render import render_html
from kiosk.core.plan import Plan

from .test_pdf import read
from .unit.test_session_dates import TODAY, days, plan_of


def document(plan: Plan) -> PdfDocument:
    return PdfDocument(
        plan=plan,
        reference="D8T-2QX",
        submitted_at=dt.datetime.combine(plan.made_on, dt.time(10, 30)),
        clinic=Clinic(name="Harbour Skin Clinic", phone="0117 496 0321"),
    )


def pages_of(plan: Plan) -> list[str]:
    """Each page's text, whitespace collapsed."""
    pages = read(render_pdf(document(plan), "patient")).pages
    return [" ".join(page.extract_text().split()) for page in pages]


def between(text: str, start: str, end: str | None) -> str:
    """The part of ``text`` from the heading ``start`` to the heading ``end``."""
    after = text[text.index(start) :]
    return after[: after.index(end)] if end else after


def offered_dates(text: str) -> set[str]:
    """Every date the text offers for the first session."""
    found = re.findall(r"could be on (\w+ \d+ \w+ \d{4}) or later", text)
    found += re.findall(r"First session: (\w+ \d+ \w+ \d{4}) or later", text)
    return set(found)


@pytest.mark.parametrize(
    ("changes", "today", "first", "event_words"),
    [
        ({"event_date": days(10).isoformat()}, TODAY, "Wednesday 2 December 2026", "1 December"),
        ({"event_date": days(1).isoformat()}, TODAY, "Monday 23 November 2026", "22 November"),
        (
            {"event_date": "2026-11-23"},
            dt.date(2026, 11, 22),
            "Tuesday 24 November 2026",
            "23 November",
        ),
        (
            {"event_date": days(15).isoformat(), "skin_actives": True},
            TODAY,
            "Monday 7 December 2026",
            "6 December",
        ),
    ],
    ids=["event-in-10-days", "event-tomorrow", "event-tomorrow-a-monday", "15-days-retinoids"],
)
def test_page_1_sessions_event_plan_and_calendar_give_one_date_and_one_sentence(
    changes, today, first, event_words
):
    plan = plan_of(changes, today=today)
    sentence = (
        f"No session fits before your event on {event_words} 2026: your first session could "
        f"be on {first} or later."
    )
    assert plan.event.none_fits == sentence
    pages = pages_of(plan)
    text = " ".join(pages)
    overview = between(pages[0], "Your plan at a glance", "About microneedling")
    sessions = between(text, "Your sessions", "Planning around your event")
    event = between(text, "Planning around your event", "Your dates on the calendar")
    calendar = between(text, "Your dates on the calendar", "Getting ready")
    # Page 1: the first date in the sessions box, the sentence in the event box.
    assert f"First session: {first} or later" in overview
    assert f"YOUR EVENT: {event_words.upper()} 2026" in overview
    assert sentence in overview
    # The same sentence under "Your sessions" and in the event plan, once each.
    assert sessions.count(sentence) == 1
    assert event.count(sentence) == 1
    assert text.count(sentence) == 3
    # No other date is offered, anywhere; the event day never is.
    assert offered_dates(text) == {first}
    # The calendar marks the first date after the event, and the event.
    assert "Possible session date" in calendar
    assert "Your event" in calendar
    assert "Book your last session by" not in calendar


def test_when_sessions_fit_page_1_and_the_event_plan_start_on_the_same_day():
    plan = plan_of({"event_date": "2027-06-12", "blood_thinners": True, "nsaids": True})
    text = " ".join(pages_of(plan))
    assert offered_dates(text) == {"Saturday 28 November 2026"}  # a week to go through medicines
    event = between(text, "Planning around your event", "Your dates on the calendar")
    assert "Possible session dates, if your clinician agrees" in event
    assert "Saturday 28 November 2026" in event
    assert "About 1 week before Go through your medicines" in text
    assert "No session fits" not in text


def test_the_spanish_copy_gives_the_sentence_in_spanish_everywhere():
    plan = plan_of({"event_date": days(10).isoformat()}, language="es")
    text = " ".join(pages_of(plan))
    assert text.count(plan.event.none_fits) == 3
    assert "Ninguna sesión cabe antes de su evento del 1 de diciembre de 2026" in text


def test_the_calendar_marks_public_holidays_and_closed_dates_with_a_key():
    plan = plan_of(
        {"event_date": "2027-03-20"},
        today=dt.date(2026, 12, 20),
        region="GB-ENG",
        closed=[dt.date(2027, 1, 4)],
    )
    assert dt.date(2027, 1, 18) in plan.event.session_dates
    assert not {dt.date(2026, 12, 25), dt.date(2026, 12, 28), dt.date(2027, 1, 1)} & set(
        plan.event.session_dates
    )
    text = " ".join(pages_of(plan))
    calendar = between(text, "Your dates on the calendar", "Getting ready")
    assert "Public holiday: the clinic is closed" in calendar
    assert "The clinic is closed" in calendar
    # The marks themselves, on the right days of the printed calendar's HTML.
    html = render_html(document(plan), "patient")
    marked = dict(re.findall(r'<td class="([^"]+)"><(?:s|span)>(\d+)</', html))
    cells = re.findall(r'<td class="([^"]*)"><s>(\d+)</s></td>', html)
    struck = {(day, classes.split()[0]) for classes, day in cells}
    assert {("25", "mark-holiday"), ("26", "mark-holiday"), ("28", "mark-holiday")} <= struck
    assert ("1", "mark-holiday") in struck
    assert ("4", "mark-closed") in struck
    assert marked  # the session, last-by and event marks are there too


def test_no_key_for_closed_days_where_none_is_shown():
    plan = plan_of({"event_date": "2027-06-12"})
    text = " ".join(pages_of(plan))
    assert "Public holiday" not in text
    assert "The clinic is closed" not in text
