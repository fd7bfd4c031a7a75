"""A PdfDocument in, PDF bytes out: the one entry point, :func:`render_pdf`.

The HTML comes from ``templates/pdf/`` through a plain Jinja environment (no
Flask: the CLI renders without a request), the look from
``static/pdf/print.css``; WeasyPrint turns them into a tagged PDF (PDF/UA-1)
with the vendored Andika fonts embedded. It can read nothing
but files under ``static/`` (see :mod:`kiosk.core.pdf.fetcher`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import CSS, HTML
from weasyprint.formatting_structure.boxes import LineBox
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from kiosk.core.i18n import DATE_FILTERS, current_language, gettext, language, week_days
from kiosk.core.paths import TEMPLATES_DIR
from kiosk.core.pdf.document import PdfDocument
from kiosk.core.pdf.fetcher import StaticFetcher, static_base_url
from kiosk.core.pdf.qr import qr_svg
from kiosk.core.plan.model import STRIP_DAYS, DayBar, EventPlan, Plan, TimedLine, first_session
from kiosk.core.statuses import COPIES, flag_groups

TEMPLATES = {"patient": "pdf/patient.html", "staff": "pdf/staff.html"}
PAPER_SIZES = {"a4": "A4", "letter": "letter"}  # document.paper -> CSS page size
TRIGGER_LIMIT = 300  # characters of a trigger answer shown in a flag box
GLANCE_POINTS = 3  # preparation and aftercare points in the overview on page 1
PDF_VARIANT = "pdf/ua-1"  # tagged, with title and language: what screen readers need
# A last page whose text fills less than this share of it is worth saving: the
# patient's copy is laid out again a little denser (html.tight in print.css),
# and that layout is printed when it has fewer pages. Not the staff copy: it
# ends with ruled lines for handwritten notes and the flags' sources, and the
# denser layout saved it no page on any example patient, at the cost of laying
# out four or five pages a second time.
SHORT_LAST_PAGE = 0.3
DENSER_COPIES = ("patient",)


# Pango and Fontconfig are not thread-safe, and the font configuration is
# shared: one render at a time per process (a clinic prints a few a day).
_render_lock = threading.Lock()


def render_pdf(document: PdfDocument, copy: str, *, url_fetcher: URLFetcher | None = None) -> bytes:
    """The ``copy`` ("patient" or "staff") of ``document`` as PDF bytes.

    ``url_fetcher`` replaces the static-only fetcher (tests pass a recording
    subclass of :class:`StaticFetcher`).
    """
    pages = layout(document, copy, url_fetcher=url_fetcher)
    if copy in DENSER_COPIES and len(pages.pages) > 1 and last_page_filled(pages) < SHORT_LAST_PAGE:
        denser = layout(document, copy, url_fetcher=url_fetcher, tight=True)
        if len(denser.pages) < len(pages.pages):
            pages = denser
    with _render_lock:
        return pages.write_pdf(pdf_variant=PDF_VARIANT)


def layout(
    document: PdfDocument,
    copy: str,
    *,
    url_fetcher: URLFetcher | None = None,
    tight: bool = False,
):
    """The ``copy`` of ``document`` laid out in pages (a WeasyPrint Document);
    ``tight``: the denser layout."""
    html = render_html(document, copy, tight=tight)
    logo = _logo(document)
    fetcher = url_fetcher or StaticFetcher(also=(logo,) if logo else ())
    base_url = static_base_url()
    with _render_lock, language(copy_language(document, copy)):
        font_config = font_configuration()
        page_css = CSS(
            string=page_stylesheet(document.paper),
            base_url=base_url,
            url_fetcher=fetcher,
            font_config=font_config,
        )
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
            stylesheets=[page_css], font_config=font_config, pdf_variant=PDF_VARIANT
        )


def last_page_filled(pages) -> float:
    """How far down its content area the text of the last page reaches, 0 to 1
    (from the page's box tree: WeasyPrint's Page keeps it as ``_page_box``)."""
    page = pages.pages[-1]._page_box
    top, height = page.content_box_y(), page.height
    bottoms = [
        box.position_y + box.margin_height()
        for box in _descendants(page)
        if isinstance(box, LineBox) and top <= box.position_y < top + height
    ]
    return (max(bottoms, default=top) - top) / height


def _descendants(box):
    for child in getattr(box, "children", ()):
        yield child
        yield from _descendants(child)


def render_html(document: PdfDocument, copy: str, *, tight: bool = False) -> str:
    """The HTML that :func:`render_pdf` prints (useful to debug the templates);
    ``tight``: the denser layout."""
    if copy not in COPIES:
        raise ValueError(f"copy must be one of {', '.join(COPIES)}, not {copy!r}")
    _paper(document.paper)  # fail before any work on an unknown paper size
    with language(copy_language(document, copy)):
        context = _patient_context(document) if copy == "patient" else _staff_context(document)
        return (
            environment()
            .get_template(TEMPLATES[copy])
            .render(
                document=document,
                clinic=document.clinic,
                copy=copy,
                tight=tight,
                logo_url=logo.as_uri() if (logo := _logo(document)) else None,
                **context,
            )
        )


def _logo(document: PdfDocument) -> Path | None:
    """The clinic's logo file, when it has one."""
    path = Path(document.clinic.logo) if document.clinic.logo else None
    return path.resolve() if path and path.is_file() else None


def copy_language(document: PdfDocument, copy: str) -> str:
    """The patient's copy is in the patient's language, the staff copy in the clinic's."""
    return document.plan.language if copy == "patient" else document.clinic_language


@functools.cache
def environment() -> Environment:
    """The Jinja environment of the PDF templates (built once, on first use)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Interface strings (headings, labels) go through gettext so that other
    # languages can come from message catalogues; content texts arrive
    # already in the reader's language.
    env.globals["_"] = gettext
    env.filters.update(DATE_FILTERS)
    env.filters["by_time"] = by_time
    env.filters["excerpt"] = excerpt
    env.filters["strip_rows"] = strip_rows
    return env


@functools.cache
def font_configuration() -> FontConfiguration:
    """One FontConfiguration for every render: the @font-face fonts are
    decoded and registered once per process, not once per PDF."""
    return FontConfiguration()


def page_stylesheet(paper: str, _: Callable[..., str] = gettext) -> str:
    """The paper size and the translatable "Page N of M" footer, as CSS.

    WeasyPrint gives stylesheets passed to write_pdf the *user* origin, below
    print.css: print.css therefore sets neither ``size`` nor the bottom-center
    ``content``.
    """
    footer = page_counter_content(_("Page %(page)s of %(pages)s"))
    return f"@page {{ size: {_paper(paper)}; @bottom-center {{ content: {footer} }} }}"


def page_counter_content(message: str) -> str:
    """A CSS ``content`` value for ``message``: ``%(page)s`` and ``%(pages)s``
    become counters, the rest quoted CSS strings (``"Page " counter(page) ...``)."""
    parts = []
    for piece in re.split(r"(%\(pages?\)s)", message):
        if piece == "%(page)s":
            parts.append("counter(page)")
        elif piece == "%(pages)s":
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts) or '""'


def css_string(text: str) -> str:
    """``text`` as a double-quoted CSS string, every special character escaped."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,:;!?()-'%/" else f"\\{ord(ch):x} " for ch in text
    )
    return f'"{escaped}"'


def by_time(lines: Iterable[TimedLine]) -> list[tuple[str, list[str]]]:
    """Consecutive lines with the same ``when`` merged: ``[(when, [text, ...])]``."""
    rows: list[tuple[str, list[str]]] = []
    for line in lines:
        if rows and rows[-1][0] == line.when:
            rows[-1][1].append(line.text)
        else:
            rows.append((line.when, [line.text]))
    return rows


def strip_rows(bars: Iterable[DayBar]) -> list[list[tuple[int, DayBar | None]]]:
    """The bars of the day-by-day strip laid out in table rows: each row a
    list of ``(columns, bar)`` cells over days 0 to 7, ``bar`` None for an
    empty stretch. A bar goes in the first row where its days are free, so
    bars that do not overlap share a row."""
    rows: list[list[DayBar]] = []
    for bar in bars:
        for row in rows:
            if all(bar.last < other.first or bar.first > other.last for other in row):
                row.append(bar)
                break
        else:
            rows.append([bar])
    laid_out = []
    for row in rows:
        cells: list[tuple[int, DayBar | None]] = []
        day = 0
        for bar in sorted(row, key=lambda bar: bar.first):
            if bar.first > day:
                cells.append((bar.first - day, None))
            cells.append((bar.last - bar.first + 1, bar))
            day = bar.last + 1
        if day < STRIP_DAYS:
            cells.append((STRIP_DAYS - day, None))
        laid_out.append(cells)
    return laid_out


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date | None  # None: a blank square before the 1st or after the month's end
    marks: tuple[str, ...] = ()  # of MARKS


@dataclass(frozen=True)
class CalendarMonth:
    first: dt.date  # the 1st of the month
    weeks: tuple[tuple[CalendarDay, ...], ...]
    after_gap: bool = False  # months without a date were left out before this one


# A possible session, the day to book the last one by, the event; and the
# days the clinic is closed beyond its weekly closed days.
MARKS = ("session", "last_by", "event", "holiday", "closed")
CALENDAR_MONTHS = 8  # at most: months without a date are left out beyond this


def event_calendar(event: EventPlan, code: str | None = None) -> list[CalendarMonth]:
    """The months of an event plan as calendar grids with its dates marked:
    the possible session dates (or, when none fits before the event, the
    first date after it), the day to book the last session by and the event;
    in the months shown, the clinic's public holidays and closed dates. The
    weeks start on the language's first weekday. Months between two marked
    ones are shown while the whole stays within CALENDAR_MONTHS; beyond that
    only the months with a date are."""
    marked: dict[dt.date, list[str]] = {}
    for day in (*event.session_dates, *filter(None, [event.first_after])):
        marked.setdefault(day, []).append("session")
    if event.last_session_by is not None:
        marked.setdefault(event.last_session_by, []).append("last_by")
    marked.setdefault(event.event_date, []).append("event")

    def index(day: dt.date) -> int:
        return day.year * 12 + day.month - 1

    wanted = sorted({index(day) for day in marked})
    if wanted[-1] - wanted[0] < CALENDAR_MONTHS:
        wanted = list(range(wanted[0], wanted[-1] + 1))
    order = [weekday for weekday, _ in week_days(code)]
    months = []
    for n, month_index in enumerate(wanted):
        year, month = divmod(month_index, 12)
        first = dt.date(year, month + 1, 1)
        days = calendar.monthrange(year, month + 1)[1]
        cells = [CalendarDay(None)] * order.index(first.weekday())
        for number in range(days):
            day = first + dt.timedelta(days=number)
            marks = [*marked.get(day, ())]
            if event.open_days.public_holiday(day):
                marks.append("holiday")
            elif event.open_days.closed_date(day):
                marks.append("closed")
            cells.append(CalendarDay(day, tuple(m for m in MARKS if m in marks)))
        cells += [CalendarDay(None)] * (-len(cells) % 7)
        weeks = tuple(tuple(cells[start : start + 7]) for start in range(0, len(cells), 7))
        gap = n > 0 and month_index - wanted[n - 1] > 1
        months.append(CalendarMonth(first, weeks, after_gap=gap))
    return months


def excerpt(text: str, limit: int = TRIGGER_LIMIT) -> str:
    """``text`` cut at a word boundary near ``limit`` characters, marked with "…".

    A flag box keeps to one page; the full answer is always in the answers table.
    """
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return f"{cut.rstrip()} … " + gettext("(full answer under Answers)")


def language_name(code: str) -> str:
    """``English (en)``, named in the language in force."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(current_language())
    except (ValueError, UnknownLocaleError):
        return code
    return f"{name[:1].upper()}{name[1:]} ({code})" if name else code


# What each template gets ---------------------------------------------------------


def _patient_context(document: PdfDocument) -> dict:
    plan = document.plan
    clinic = document.clinic
    qr = None
    if clinic.booking_url.strip():
        qr = qr_svg(clinic.booking_url.strip(), gettext("QR code: our booking page"))
    return {
        "plan": plan,
        "lang": plan.language,
        "title": gettext(
            "Your microneedling summary – %(reference)s", reference=document.reference
        ),
        "description": gettext(
            "Your personal microneedling summary from %(clinic)s: your goals, sessions, "
            "preparation, downtime, aftercare and when to call the clinic.",
            clinic=clinic.shown_name,
        ),
        "created": _iso(document.submitted_at),
        "discuss": _discussion_points(plan),
        "before": [line for line in plan.preparation if line.glance][:GLANCE_POINTS],
        "after": [line for line in plan.aftercare if line.glance][:GLANCE_POINTS],
        "calendar": (months := _calendar(plan.event)),
        "calendar_marks": {
            mark for month in months for week in month.weeks for day in week for mark in day.marks
        },
        "week_days": week_days(),
        "qr": qr,
        "booking_link": _web_link(clinic.booking_url),
    }


def _calendar(event: EventPlan | None) -> list[CalendarMonth]:
    """The event plan's calendar, when it has dates to plan by: a last
    session date (and the sessions that fit), or the first date after an
    event too close for any. Empty for an event that has passed, or whose
    dates the clinician plans."""
    if event is None or (event.last_session_by is None and event.first_after is None):
        return []
    return event_calendar(event)


def _staff_context(document: PdfDocument) -> dict:
    flags_plan = document.staff_flags_plan or document.plan
    return {
        "plan": document.plan,
        "lang": document.clinic_language,
        "title": gettext("Staff copy – %(reference)s", reference=document.reference),
        "description": gettext(
            "Staff copy of consultation %(reference)s: screening flags, every answer, "
            "review and notes.",
            reference=document.reference,
        ),
        "created": _iso(document.submitted_at),
        "first_session": first_session(
            flags_plan.schedule, rf_only_stop=flags_plan.on_hold and flags_plan.can_treat_today
        ),
        "flag_groups": flag_groups(flags_plan.flags),
        "flagged_questions": _flagged_questions(flags_plan),
        "patient_language": language_name(document.plan.language),
        "source_titles": dict(document.sources),
    }


def _flagged_questions(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Question id -> severity labels of the flags its answer triggered, so the
    answers table can point at the flags (by id: two questions may share a
    wording)."""
    found: dict[str, dict[str, None]] = {}
    for group in flag_groups(plan.flags):
        for flag in group.flags:
            for trigger in flag.triggers:
                found.setdefault(trigger.question_id, {}).setdefault(group.label, None)
    return {question_id: tuple(labels) for question_id, labels in found.items()}


def _discussion_points(plan: Plan) -> tuple[str, ...]:
    """The patient wording of every flag, once each, in the plan's order."""
    seen: dict[str, None] = {}
    for flag in plan.flags:
        if flag.patient_text.strip():
            seen.setdefault(flag.patient_text.strip(), None)
    return tuple(seen)


def _web_link(url: str) -> str | None:
    """``url`` if it is an http(s) address (only those become clickable links)."""
    url = url.strip()
    return url if re.match(r"https?://[^\s]+$", url, re.IGNORECASE) else None


def _iso(moment: dt.datetime) -> str:
    """W3C date-time, as PDF metadata wants it (a naive time is taken as local)."""
    return moment.astimezone().isoformat(timespec="seconds")


def _paper(paper: str) -> str:
    try:
        return PAPER_SIZES[paper.strip().lower()]
    except KeyError:
        raise ValueError(f"paper must be A4 or Letter, not {paper!r}") from None


__all__ = [
    "environment",
    "font_configuration",
    "page_stylesheet",
    "render_html",
    "render_pdf",
]
