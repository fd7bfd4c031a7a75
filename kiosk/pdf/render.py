"""A PdfDocument in, PDF bytes out: the one entry point, :func:`render_pdf`.

The HTML comes from ``templates/pdf/`` through a plain Jinja environment (no
Flask: the CLI renders without a request), the look from
``static/pdf/print.css``; WeasyPrint turns them into a tagged PDF (PDF/UA-1)
with the vendored Andika fonts embedded. It can read nothing
but files under ``static/`` (see :mod:`kiosk.pdf.fetcher`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from babel import Locale, UnknownLocaleError
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from ..display import first_session
from ..i18n import DATE_FILTERS, current_language, gettext, language
from ..paths import TEMPLATES_DIR
from ..plan.model import Plan, TimedLine
from ..vocabulary import COPIES, flag_groups
from .document import PdfDocument
from .fetcher import StaticFetcher, static_base_url
from .qr import qr_svg

TEMPLATES = {"patient": "pdf/patient.html", "staff": "pdf/staff.html"}
PAPER_SIZES = {"a4": "A4", "letter": "letter"}  # document.paper -> CSS page size
TRIGGER_LIMIT = 300  # characters of a trigger answer shown in a flag box
PDF_VARIANT = "pdf/ua-1"  # tagged, with title and language: what screen readers need


# Pango and Fontconfig are not thread-safe, and the font configuration is
# shared: one render at a time per process (a clinic prints a few a day).
_render_lock = threading.Lock()


def render_pdf(document: PdfDocument, copy: str, *, url_fetcher: URLFetcher | None = None) -> bytes:
    """The ``copy`` ("patient" or "staff") of ``document`` as PDF bytes.

    ``url_fetcher`` replaces the static-only fetcher (tests pass a recording
    subclass of :class:`StaticFetcher`).
    """
    html = render_html(document, copy)
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
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
            stylesheets=[page_css], font_config=font_config, pdf_variant=PDF_VARIANT
        )


def render_html(document: PdfDocument, copy: str) -> str:
    """The HTML that :func:`render_pdf` prints (useful to debug the templates)."""
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
            clinic=clinic.name,
        ),
        "created": _iso(document.submitted_at),
        "discuss": _discussion_points(plan),
        "qr": qr,
        "booking_link": _web_link(clinic.booking_url),
    }


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
        "first_session": first_session(flags_plan.schedule),
        "flag_groups": flag_groups(flags_plan.flags),
        "flagged_questions": _flagged_questions(flags_plan),
        "patient_language": language_name(document.plan.language),
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
