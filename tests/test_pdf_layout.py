"""The patient copy reads like a plan: an overview on page 1, the first week
as a strip of days 0 to 7, the event's dates on month calendars, and pages
without large blank areas or a near-empty last page.

The PDFs are real ones: the hand-built samples of pdf_samples.py, and the
example patients of examples/answers through the plan engine, as the kiosk
prints them. Text is read back with pypdf; where on the page it sits, with
poppler's ``pdftotext -bbox``.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import itertools
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from kiosk import create_app
from kiosk.core.pdf import render_pdf
from kiosk.core.pdf.render import (
    SHORT_LAST_PAGE,
    event_calendar,
    last_page_filled,
    layout,
    strip_rows,
)
from kiosk.core.plan.model import DayBar
from kiosk.records.stored_pdfs import build_document

from . import pdf_samples as samples
from .conftest import rendered_once
from .test_pdf import assert_has, pdf_of, read, squeezed, text_of

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "answers"
EXAMPLE_NAMES = sorted(path.stem for path in EXAMPLES.glob("*.json"))
MM = 72 / 25.4
# The page margins of print.css (@page): the body lies between them.
TOP_MARGIN, BOTTOM_MARGIN = 19 * MM, 17 * MM


# Rendering -------------------------------------------------------------------------


@functools.cache
def app():
    folder = Path(tempfile.mkdtemp(prefix="pdf-layout-"))
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(folder / "instance"),
            "PDF_DIR": str(folder / "pdfs"),
            "CLINIC_NAME": "Harbour Skin Clinic",
            "CLINIC_PHONE": "0117 496 0321",
            "CLINIC_ADDRESS": "14 Quay Street\nBristol BS1 4DJ",
            "CLINIC_BOOKING_URL": "https://harbourskin.example/book",
        }
    )


@functools.cache
def example_document(name: str, language: str = "en", paper: str = "A4"):
    data = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    today = dt.date.fromisoformat(data["today"])
    with app().app_context():
        document = build_document(
            app(),
            data["answers"],
            language=language,
            reference="K7P-4QX",
            submitted_at=dt.datetime.combine(today, dt.time(9, 0)),
            today=today,
        )
    return replace(document, paper=paper)


@functools.cache
def example_pdf(name: str, language: str = "en", paper: str = "A4") -> bytes:
    """Rendered once per test run, whichever xdist worker asks first (the
    print-area checks read the same ones)."""
    return rendered_once(
        f"example-patient {name} {language} {paper}",
        lambda: render_pdf(example_document(name, language, paper), "patient"),
    )


def sample_pdf(sample: str, paper: str = "A4") -> bytes:
    return pdf_of(sample, "patient", paper)


def page_texts(data: bytes) -> list[str]:
    """Each page's text as text_of reads the whole (a "make-up" broken after
    its hyphen joined again)."""
    return [
        re.sub(r"(?<=\w)- (?=\w)", "-", " ".join(page.extract_text().split()))
        for page in read(data).pages
    ]


def page_with(data: bytes, marker: str) -> str:
    found = [text for text in page_texts(data) if marker in text]
    assert found, f"no page has {marker!r}"
    return found[0]


@dataclass(frozen=True)
class Word:
    text: str
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Page:
    height: float
    words: tuple[Word, ...]

    @property
    def body(self) -> tuple[Word, ...]:
        """The words between the margins: no running header, no page number."""
        return tuple(
            w
            for w in self.words
            if w.top > TOP_MARGIN - 1 and w.bottom < self.height - BOTTOM_MARGIN + 1
        )

    @property
    def filled(self) -> float:
        """How far down the body area the text reaches, 0 to 1."""
        bottom = max((w.bottom for w in self.body), default=TOP_MARGIN)
        return (bottom - TOP_MARGIN) / (self.height - BOTTOM_MARGIN - TOP_MARGIN)

    @property
    def lines(self) -> int:
        return len({round(w.top) for w in self.body})


WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def pages_of(data: bytes) -> list[Page]:
    """Every word of every page with its box, from ``pdftotext -bbox``."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(data)
        pdf.flush()
        out = subprocess.run(
            ["pdftotext", "-bbox", pdf.name, "-"], capture_output=True, text=True, check=True
        ).stdout
    pages = []
    for match in re.finditer(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', out, re.S):
        words = tuple(
            Word(html.unescape(text), float(x0), float(y0), float(x1), float(y1))
            for x0, y0, x1, y1, text in WORD.findall(match[2])
        )
        pages.append(Page(float(match[1]), words))
    return pages


# The overview on page 1 --------------------------------------------------------------


def test_page_1_opens_with_the_plan_at_a_glance():
    plan = samples.event_with_flags().plan
    first = page_texts(sample_pdf("event_with_flags"))[0]
    assert_has(
        first,
        "Your plan at a glance",
        "WHAT YOU WOULD LIKE TO IMPROVE Acne scars, Fine lines and wrinkles",
        "Areas: Cheeks, Forehead",
        "SESSIONS 3 to 6 About 4 weeks apart",
        "First session: Tuesday 2 March 2027 or later",
        "BEFORE YOUR SESSION",
        "2 weeks before: No suntan, sunbeds or fake tan.",
        "3 days before: Pause retinol, tretinoin and exfoliating acids (AHA or BHA) on the area.",
        "24 hours before: Keep out of the sun.",
        "AFTER YOUR SESSION",
        "First 24 hours: No make-up.",
        "From 24 hours: Use sunscreen every day (SPF 30 to 50 or higher) for at least 1 to 2 "
        "weeks.",
        "First 72 hours: Keep out of the sun as much as you can.",
        "HOW LONG YOU MAY LOOK RED",
        *plan.recovery.redness,
        "YOUR EVENT: 12 JUNE 2027 Book your last session by 29 May 2027",
    )
    # The overview comes before the detail, and shows only the marked points.
    assert first.index("Your plan at a glance") < first.index("What microneedling may do")
    assert "Arrive with clean skin" not in first


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_overview_carries_the_patients_own_figures(paper):
    # Jordan: acne scars and texture, retinol user, the pen, a wedding in 3 weeks.
    plan = example_document("acne-scars-event-in-3-weeks").plan
    first = page_texts(example_pdf("acne-scars-event-in-3-weeks", "en", paper))[0]
    assert (plan.sessions.min_sessions, plan.sessions.max_sessions) == (4, 6)
    assert_has(
        first,
        "Jordan",
        "Acne scars, Rough texture or large pores",
        "SESSIONS 4 to 6 About 4 weeks apart",
        "First session: Tuesday 24 November 2026 or later",
        "Usually 1 to 3 days after the pen, sometimes up to a week.",
        "3 days before: Pause retinol",
        "YOUR EVENT: 12 DECEMBER 2026 Book your last session by 28 November 2026",
    )
    for line in [line for line in plan.aftercare if line.glance][:3]:
        assert_has(first, f"{line.when}: {line.text}")


def test_the_overview_speaks_the_patients_language():
    plan = example_document("acne-scars-event-in-3-weeks", "es").plan
    first = page_texts(example_pdf("acne-scars-event-in-3-weeks", "es"))[0]
    assert_has(
        first,
        "Su plan de un vistazo",
        "SESIONES De 4 a 6 Separadas por unas 4 semanas",
        "CUÁNTO PUEDE DURAR EL ENROJECIMIENTO",
        "Normalmente de 1 a 3 días después del microneedling sin radiofrecuencia, a veces hasta"
        " una semana.",
        "ANTES DE SU SESIÓN",
        "DESPUÉS DE SU SESIÓN",
        "Primeras 24 horas: No use maquillaje.",
        "Fecha límite para su última sesión 28 de noviembre de 2026",
    )
    assert plan.recovery.redness[0] in first
    assert "Your plan at a glance" not in first


def test_without_an_event_the_overview_has_no_event_box():
    first = page_texts(example_pdf("fine-lines-no-flags"))[0]
    assert_has(first, "Your plan at a glance", "SESSIONS About 4", "HOW LONG YOU MAY LOOK RED")
    assert "YOUR EVENT" not in first


# The first week, day by day ------------------------------------------------------------


def strip_words(data: bytes, heading: str) -> tuple[Page, dict[int, Word]]:
    """The page of the strip, and the "Day 0" ... "Day 7" of its row of days
    (each as one word box)."""
    page = next(p for p in pages_of(data) if heading in " ".join(w.text for w in p.words))
    days: dict[int, Word] = {}
    words = page.words
    for before, word in itertools.pairwise(words):
        if before.text in ("Day", "Día") and word.text.isdigit() and int(word.text) not in days:
            days[int(word.text)] = Word(
                f"{before.text} {word.text}", before.left, before.top, word.right, word.bottom
            )
    return page, days


def column_edge(days: dict[int, Word], day: int) -> float:
    """Where the column of ``day`` starts: halfway between the centres of the
    labels of the day before and of ``day`` (each label centred in its column)."""
    centre = {n: (word.left + word.right) / 2 for n, word in days.items()}
    return (centre[day - 1] + centre[day]) / 2


@pytest.mark.parametrize(("sample", "paper"), [("event_with_flags", "A4"), ("no_flags", "Letter")])
def test_the_strip_shows_days_0_to_7_with_what_to_expect_avoid_and_do(sample, paper):
    data = sample_pdf(sample, paper)
    page = page_with(data, "Your first week after a session")
    assert_has(page, "WHAT YOU MAY SEE", *(f"Day {day}" for day in range(8)))
    # The strip may go on over the page, under its repeated row of days.
    strip = " ".join(page_texts(data)).split("Your first week after a session")[1]
    strip = strip.split("The darker the shading, the more the changes usually show.")[0]
    assert_has(strip, "WHAT TO AVOID", "WHAT TO DO")
    # Every label whole: nothing clipped by its cell.
    for bar in samples.RECOVERY.see + samples.RECOVERY.avoid + samples.RECOVERY.do:
        assert squeezed(bar.label) in squeezed(strip), bar.label

    # A strip: the eight days side by side on one row, left to right.
    _, days = strip_words(data, "Your first week after a session")
    assert sorted(days) == list(range(8))
    tops = {round(word.top) for word in days.values()}
    assert len(tops) == 1, tops  # one row
    lefts = [days[day].left for day in range(8)]
    assert lefts == sorted(lefts)


def test_each_thing_sits_under_its_own_days():
    data = sample_pdf("event_with_flags")
    page, days = strip_words(data, "Your first week after a session")

    def first_word(start: str) -> Word:
        return next(w for w in page.words if w.text == start and w.top > days[0].bottom)

    # Day 0 only: make-up; from day 1: sunscreen; days 4 to 7: what may remain.
    assert first_word("make-up").right < column_edge(days, 1)
    assert first_word("Sunscreen").left > column_edge(days, 1)
    assert column_edge(days, 4) < first_word("Some").left < column_edge(days, 5)


def test_the_strip_in_spanish():
    plan = example_document("retinoid-user", "es").plan
    data = example_pdf("retinoid-user", "es")
    page = page_with(data, "Su primera semana después de una sesión")
    assert_has(page, *(f"Día {day}" for day in range(8)), "QUÉ PUEDE VER")
    strip = " ".join(page_texts(data)).split("Su primera semana después de una sesión")[1]
    strip = strip.split("Cuanto más oscuro es el sombreado")[0]
    assert_has(strip, "QUÉ EVITAR", "QUÉ HACER")
    bars = plan.recovery.see + plan.recovery.avoid + plan.recovery.do
    assert {"Sin maquillaje", "Sin retinol, tretinoína ni ácidos"} <= {b.label for b in bars}
    for bar in bars:
        assert squeezed(bar.label) in squeezed(strip), bar.label
    assert "Day 0" not in page


def test_strip_rows_share_a_row_only_where_days_do_not_overlap():
    make_up, sun, exercise = DayBar(0, 0, "a"), DayBar(0, 2, "b"), DayBar(0, 2, "c")
    sunscreen, later = DayBar(1, 7, "d"), DayBar(3, 7, "e")
    assert strip_rows([make_up, sunscreen, sun, exercise]) == [
        [(1, make_up), (7, sunscreen)],
        [(3, sun), (5, None)],
        [(3, exercise), (5, None)],
    ]
    assert strip_rows([later]) == [[(3, None), (5, later)]]


# The event on a calendar -------------------------------------------------------------------


def test_the_event_dates_are_shown_on_month_calendars():
    page = page_with(sample_pdf("event_with_flags"), "Your dates on the calendar")
    assert_has(
        page,
        "March 2027",
        "April 2027",
        "May 2027",
        "June 2027",
        "Possible session date",
        "Book your last session by",
        "Your event",
    )
    # The dated plan in words stays beside it.
    assert_has(page, "Your event 12 June 2027", "Book your last session by 29 May 2027")
    calendar = page[page.index("Your dates on the calendar") :]
    assert calendar.index("March 2027") < calendar.index("June 2027")


def test_the_calendar_in_spanish_has_spanish_months_and_weekdays():
    page = page_with(
        example_pdf("acne-scars-event-in-3-weeks", "es"), "Sus fechas en el calendario"
    )
    assert_has(
        page,
        "Noviembre de 2026",
        "Diciembre de 2026",
        "L M X J V S D",
        "Posible fecha de sesión",
        "Fecha límite para su última sesión",
        "Su evento",
    )


@pytest.mark.parametrize(
    ("pdf", "why"),
    [
        (lambda: sample_pdf("no_flags", "Letter"), "no event date"),
        (lambda: example_pdf("pregnant-with-event"), "the clinician plans every date"),
    ],
)
def test_no_calendar_without_dates_to_plan_by(pdf, why):
    text = text_of(pdf())
    assert "Your dates on the calendar" not in text, why
    assert "Possible session date" not in text, why


def test_calendar_marks_the_sessions_the_last_date_and_the_event():
    months = event_calendar(samples.EVENT, "en")
    assert [m.first for m in months] == [dt.date(2027, month, 1) for month in (3, 4, 5, 6)]

    def marked(mark: str) -> list[dt.date]:
        return [
            cell.day
            for month in months
            for week in month.weeks
            for cell in week
            if mark in cell.marks
        ]

    assert marked("session") == list(samples.EVENT.session_dates)
    assert marked("last_by") == [dt.date(2027, 5, 29)]
    assert marked("event") == [dt.date(2027, 6, 12)]
    # Weeks of seven, Monday first in British English: 1 March 2027 is a Monday.
    march = months[0]
    assert all(len(week) == 7 for week in march.weeks)
    assert march.weeks[0][0].day == dt.date(2027, 3, 1)
    assert not any(m.after_gap for m in months)


def test_a_far_event_leaves_out_the_empty_months_between():
    # The sample's sessions in March and April 2027, its event a year later.
    event = replace(
        samples.EVENT, event_date=dt.date(2028, 2, 20), last_session_by=dt.date(2028, 2, 6)
    )
    months = event_calendar(event, "en")
    assert [(m.first.year, m.first.month, m.after_gap) for m in months] == [
        (2027, 3, False),
        (2027, 4, False),
        (2028, 2, True),
    ]


# No large blank areas, no near-empty last page ------------------------------------------------

# A page break may leave the end of a page free (a table row or a group of the
# strip kept whole), but never more than a quarter of it; the last page
# carries more than a line or two, and a quarter of its height at least.
LEAST_FILLED = 0.7
LEAST_LINES_ON_THE_LAST_PAGE = 8
LEAST_FILLED_LAST_PAGE = 0.25


@pytest.mark.sweep
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_no_page_is_left_largely_blank(name, paper, language):
    pages = pages_of(example_pdf(name, language, paper))
    assert len(pages) >= 2
    for number, page in enumerate(pages[:-1], start=1):
        assert page.filled >= LEAST_FILLED, f"page {number} of {len(pages)}: {page.filled:.2f}"
    last = pages[-1]
    assert last.lines >= LEAST_LINES_ON_THE_LAST_PAGE, f"last page: {last.lines} lines"
    assert last.filled >= LEAST_FILLED_LAST_PAGE, f"last page: {last.filled:.2f}"


def test_a_copy_whose_last_page_would_hold_a_few_lines_is_set_a_little_denser():
    """Every example patient's A4 copy that, laid out as usual, would end on a
    page with only its last lines is printed a little denser, one page fewer
    (which examples end short changes as the content grows: at least one does)."""
    short = []
    for name in EXAMPLE_NAMES:
        document = example_document(name)
        usual = layout(document, "patient")
        if last_page_filled(usual) >= SHORT_LAST_PAGE:
            continue
        short.append(name)
        printed = pages_of(example_pdf(name))
        assert len(printed) == len(usual.pages) - 1, name
        assert printed[-1].filled > 0.5, name
    assert short, "no example patient's copy ends short: the denser layout is untested"


def test_the_staff_copy_is_laid_out_once_even_when_its_last_page_is_short(monkeypatch):
    """The staff copy ends with ruled lines for notes: it is printed as laid
    out, never laid out a second time to save its last page."""
    import kiosk.core.pdf.render as render_module

    document = example_document("fine-lines-no-flags")
    usual = layout(document, "staff")
    assert len(usual.pages) > 1
    assert last_page_filled(usual) < SHORT_LAST_PAGE  # a patient's copy would be set again
    calls = []
    monkeypatch.setattr(
        render_module,
        "layout",
        lambda *args, **kwargs: calls.append(kwargs.get("tight", False)) or layout(*args, **kwargs),
    )
    printed = pages_of(render_pdf(document, "staff"))
    assert calls == [False]
    assert len(printed) == len(usual.pages)


def test_a_copy_that_ends_well_is_printed_as_laid_out():
    document = example_document("pregnant-with-event", paper="Letter")
    usual = layout(document, "patient")
    assert last_page_filled(usual) >= SHORT_LAST_PAGE
    printed = pages_of(example_pdf("pregnant-with-event", paper="Letter"))
    assert [p.filled for p in printed] == [p.filled for p in pages_of(usual.write_pdf())]
