"""Languages: interface strings from message catalogues, content texts from
the data files.

Interface strings go through ``gettext`` (``_`` in templates), translated
from ``kiosk/translations/<lang>/LC_MESSAGES/messages.mo`` (compiled from the
``.po`` files when the app is installed). Content texts carry every language
in the data files and are picked with ``local``. The language in force is
set with ``language(code)`` around a block of work: a request (chosen in
``kiosk.web.language``), a PDF render in the worker, a CLI command. The
clinic's own wording of interface texts is put in force the same way, with
``wording(texts)`` (the app does it for every app context:
``kiosk.web.language``). It is plain Python, so the plan engine and the PDFs
use it without Flask.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator, Mapping
from functools import cache
from types import MappingProxyType

from babel import Locale, UnknownLocaleError
from babel.dates import (
    format_date,
    format_skeleton,
    format_time,
    get_date_format,
    get_day_names,
    get_month_names,
)
from babel.support import NullTranslations, Translations

from kiosk.core.paths import PACKAGE_DIR

TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
DEFAULT_LANGUAGE = "en"
# Dates and times in English read the British way, for the clinic's staff and
# patients alike: the day before the month, a 24-hour clock.
FORMAT_LOCALES = {"en": "en_GB"}
# Babel's "full" pattern in British English puts a comma after the weekday.
DAY_DATE_PATTERNS = {"en": "EEEE d MMMM y"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "kiosk_language", default=DEFAULT_LANGUAGE
)


def current_language() -> str:
    return _current.get()


@contextlib.contextmanager
def language(code: str) -> Iterator[None]:
    """``code`` in force inside the block, and the language before it after.
    Requests use it too (``kiosk.web.language``): nothing sets the
    language without taking it back."""
    token = _current.set(code)
    try:
        yield
    finally:
        _current.reset(token)


@cache
def _catalogue(code: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [code], domain="messages")


def own_name(code: str) -> str:
    """A language's name in itself, for the choice on Welcome: "Español"."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:] if name else code


def available_catalogues() -> set[str]:
    """Languages with a compiled catalogue, plus English (the source)."""
    found = {p.parent.parent.name for p in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.mo")}
    return found | {DEFAULT_LANGUAGE}


def local(text: Mapping[str, str] | None, language: str, fallback: str = "en") -> str:
    if not text:
        return ""
    return text.get(language) or text.get(fallback) or next(iter(text.values()))


# The clinic's wording of interface texts in force: (language, English) -> text
# (kiosk/core/wording.py reads it from the clinic's wording file).
InterfaceWording = Mapping[tuple[str, str], str]
_wording: contextvars.ContextVar[InterfaceWording] = contextvars.ContextVar(
    "kiosk_wording", default=MappingProxyType({})
)


@contextlib.contextmanager
def wording(texts: InterfaceWording) -> Iterator[None]:
    """``texts`` reword the interface inside the block."""
    token = _wording.set(texts)
    try:
        yield
    finally:
        _wording.reset(token)


def gettext(message: str, **params: object) -> str:
    code = _current.get()
    translated = _catalogue(code).gettext(message)
    translated = _wording.get().get((code, message), translated)
    return translated % params if params else translated


def ngettext(singular: str, plural: str, number: int, **params: object) -> str:
    translated = _catalogue(_current.get()).ngettext(singular, plural, number)
    return translated % {"num": number, **params}


# Dates and times: the filter family of every page and PDF ------------------------------
#
# Each takes the language in force unless given ``code``. Times are shown as
# they are given: callers pass the clinic's local time (models.local_time).


@cache
def _formats(code: str) -> Locale:
    return Locale.parse(FORMAT_LOCALES.get(code, code).replace("-", "_"))


def long_date(day: dt.date, code: str | None = None) -> str:
    """``14 June 2027`` / ``14 de junio de 2027``."""
    return format_date(day, "long", locale=_formats(code or _current.get()))


def day_date(day: dt.date, code: str | None = None) -> str:
    """A date with its weekday, for appointments: ``Monday 7 December 2026`` /
    ``lunes, 7 de diciembre de 2026``."""
    code = code or _current.get()
    return format_date(day, DAY_DATE_PATTERNS.get(code, "full"), locale=_formats(code))


def short_date(
    day: dt.date, code: str | None = None, *, year: bool = True, weekday: bool = False
) -> str:
    """``22 Nov 2026`` / ``22 nov 2026``; without the year ``22 Nov`` / ``22 nov``,
    and with its weekday ``Sun 22 Nov`` / ``dom, 22 nov``."""
    locale = _formats(code or _current.get())
    if not year:
        return format_skeleton("EdMMM" if weekday else "dMMM", day, locale=locale)
    return format_date(day, "medium", locale=locale)


def short_time(
    moment: dt.datetime | dt.time, code: str | None = None, *, seconds: bool = False
) -> str:
    """``14:05`` (``14:05:09`` with seconds); ``9:05`` in Spanish."""
    return format_time(
        moment, "medium" if seconds else "short", locale=_formats(code or _current.get())
    )


def long_datetime(moment: dt.datetime, code: str | None = None) -> str:
    """``14 June 2027, 09:30`` / ``14 de junio de 2027, 9:30``."""
    code = code or _current.get()
    return _date_and_time("long", long_date(moment, code), short_time(moment, code), code)


def short_datetime(moment: dt.datetime, code: str | None = None, *, seconds: bool = False) -> str:
    """``22 Nov 2026, 14:05`` / ``22 nov 2026, 14:05``, seconds on request."""
    code = code or _current.get()
    time = short_time(moment, code, seconds=seconds)
    return _date_and_time("medium", short_date(moment, code), time, code)


def _date_and_time(style: str, date: str, time: str, code: str) -> str:
    # The locale's own joint: "{1}, {0}" in English and Spanish.
    joint = str(_formats(code).datetime_formats[style]).replace("'", "")
    return joint.replace("{1}", date).replace("{0}", time)


# Dates the patient enters: in the order and with the month names of their language.

DATE_PARTS = ("day", "month", "year")


def date_order(code: str | None = None) -> tuple[str, ...]:
    """``day``, ``month`` and ``year`` in the order the language writes a date:
    day first in British English and Spanish (``14/06/2027``), month first in
    American English, year first in Japanese."""
    pattern = get_date_format("short", locale=_formats(code or _current.get())).pattern
    found = {part: pattern.find(letter) for part, letter in zip(DATE_PARTS, "dMy", strict=True)}
    if -1 in found.values():
        return DATE_PARTS
    return tuple(sorted(DATE_PARTS, key=found.__getitem__))


def month_names(code: str | None = None) -> list[tuple[int, str]]:
    """``(1, "January")`` to ``(12, "December")``; ``(1, "enero")`` in Spanish."""
    names = get_month_names("wide", locale=_formats(code or _current.get()))
    return [(number, names[number]) for number in range(1, 13)]


def month_year(day: dt.date, code: str | None = None) -> str:
    """The month of ``day`` with its year, for a calendar: ``June 2027`` /
    ``junio de 2027``."""
    return format_skeleton("yMMMM", day, locale=_formats(code or _current.get()))


def short_month_year(day: dt.date, code: str | None = None) -> str:
    """``Sept 2026`` / ``sept 2026``: under a chart's bar."""
    return format_skeleton("yMMM", day, locale=_formats(code or _current.get()))


def week_days(code: str | None = None) -> list[tuple[int, str]]:
    """The days of a calendar week in the order the language's calendars show
    them, as ``(weekday, narrow name)``: Monday first in British English and
    Spanish (``M``, ``T``, ... / ``L``, ``M``, ``X``, ...), Sunday first in American
    English. ``weekday`` counts from Monday, 0, as Python's dates do."""
    locale = _formats(code or _current.get())
    names = get_day_names("narrow", locale=locale)
    first = locale.first_week_day
    return [((first + n) % 7, names[(first + n) % 7]) for n in range(7)]


DATE_FILTERS = {
    f.__name__: f
    for f in (
        long_date,
        day_date,
        short_date,
        short_time,
        long_datetime,
        short_datetime,
        month_year,
    )
}


class LazyString:
    """A message translated when it is shown, in the language then in force
    (for texts fixed at import time, such as form labels and messages)."""

    def __init__(self, message: str, **params: object):
        self.message, self.params = message, params

    def __str__(self) -> str:
        return gettext(self.message, **self.params)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.message)

    def __len__(self) -> int:
        return len(str(self))

    def __mod__(self, values):
        return str(self) % values


def lazy_gettext(message: str, **params: object) -> LazyString:
    return LazyString(message, **params)


# The clinic's name where the clinic has not set one: said in the language in
# force, so that a Spanish page does not read "Our clinic".
DEFAULT_CLINIC_NAME = "Our clinic"


def clinic_name(name: str) -> str:
    """``name``, or the default name in the language in force where ``name`` is it."""
    return gettext("Our clinic") if name.strip() == DEFAULT_CLINIC_NAME else name
