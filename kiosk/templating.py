"""Helpers the templates use."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_wtf.csrf import generate_csrf

from .content import Question
from .i18n import DATE_FILTERS, current_language, gettext, local, ngettext, own_name
from .vocabulary import COPIES, FILE_MISSING, PdfStatus


def option_hints(question: Question, language: str) -> dict[str, str]:
    return {o.value: local(o.hint, language) for o in question.options or [] if o.hint}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        _=gettext,
        ngettext=ngettext,
        current_language=current_language,
        # "Español (es)": a language named in itself, with its code.
        language_name=lambda code: f"{own_name(code)} ({code})",
        local=local,
        option_hints=option_hints,
        today=dt.date.today,
        csrf_token=generate_csrf,
        COPIES=COPIES,
        PdfStatus=PdfStatus,
        FILE_MISSING=FILE_MISSING,
    )
    app.jinja_env.filters.update(DATE_FILTERS)
