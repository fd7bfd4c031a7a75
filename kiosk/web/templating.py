"""Helpers the templates use."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_wtf.csrf import generate_csrf

from kiosk.clinic import locations, time_needed
from kiosk.core.content import Question
from kiosk.core.i18n import (
    DATE_FILTERS,
    current_language,
    gettext,
    local,
    ngettext,
    own_name,
)
from kiosk.core.statuses import COPIES, FILE_MISSING, PdfStatus


def option_hints(question: Question, language: str) -> dict[str, str]:
    return {o.value: local(o.hint, language) for o in question.options or [] if o.hint}


# Three or more options, none with a hint, sit side by side when they are
# short: a list of short answers ("30 to 39", "Neck") takes half the height.
NARROW_OPTION, SHORT_OPTION = 12, 34


def compact_options(question: Question, language: str) -> str:
    """How a question's options sit: "narrow" (three to a row: very short
    ones, or three short ones), "wide" (two to a row), or "" (one under
    another)."""
    options = question.options or []
    if len(options) < 3 or any(o.hint for o in options):
        return ""
    longest = max(len(local(o.label, language)) for o in options)
    if longest <= NARROW_OPTION or (len(options) == 3 and longest <= 20):
        return "narrow"
    return "wide" if longest <= SHORT_OPTION else ""


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        _=gettext,
        ngettext=ngettext,
        current_language=current_language,
        # "Español (es)": a language named in itself, with its code.
        language_name=lambda code: f"{own_name(code)} ({code})",
        local=local,
        # The name of the request's location (the clinic's, with one), in the
        # language in force where it is the default.
        clinic_name=lambda: locations.current().name,
        option_hints=option_hints,
        compact_options=compact_options,
        minutes_needed=time_needed.for_welcome,
        today=dt.date.today,
        csrf_token=generate_csrf,
        COPIES=COPIES,
        PdfStatus=PdfStatus,
        FILE_MISSING=FILE_MISSING,
    )
    app.jinja_env.filters.update(DATE_FILTERS)
