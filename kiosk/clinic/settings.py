"""Settings: one typed schema for every setting the kiosk reads, and where
their values come from.

Values come from, in order (later wins): each setting's default,
``instance/config.py``, ``KIOSK_*`` environment variables, ``DATABASE_URL``,
then the ``config`` mapping given to ``create_app``. Environment variables drop
the prefix: ``KIOSK_DONE_SECONDS=30`` sets ``DONE_SECONDS``. Clinic policy
windows are ``POLICY_*`` settings, described by the fields of
``kiosk.core.policy.Policy``, e.g. ``KIOSK_POLICY_ISOTRETINOIN_MONTHS=12``.

Whatever the source, every value goes through its :class:`Setting`: text is
read as the type says ("false", "no", "0" are false; "12" is 12), bounds and
choices are checked, and a value that does not fit stops the app with a
:class:`SettingError` naming the setting, its variable and what it takes.

Settings are in two groups: ``clinic`` (what a clinic owner may change: its
details, timings, retention, policy) and ``deployment`` (the server's
business). Keys the kiosk does not own (Flask's, Flask-SQLAlchemy's, ...) pass
through untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import secrets
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import click
from flask import Config, Flask
from pydantic import AfterValidator, BeforeValidator, Field, TypeAdapter, ValidationError

from kiosk.core.content.loader import DEFAULT_CONTENT_DIR
from kiosk.core.files import create_private_file, private_folder
from kiosk.core.i18n import DEFAULT_CLINIC_NAME, available_catalogues
from kiosk.core.paths import PROJECT_DIR
from kiosk.core.policy import WEEKDAYS, Policy

Group = Literal["clinic", "deployment"]

log = logging.getLogger(__name__)


class SettingError(click.ClickException):
    """A setting with a value the kiosk cannot use: the app does not start.

    A ``ClickException``, so that every ``flask --app kiosk`` command, ``serve``
    included, stops with this message rather than a traceback.
    """


@dataclass(frozen=True)
class Setting:
    """One setting: its type, default, bounds, what it is for and its group.

    ``type`` is ``str``, ``int``, ``float``, ``bool``, ``dict``, ``tuple`` (a
    list of ``choices``, given as text separated by commas or spaces) or
    ``dt.date`` (a list of days, written 25/12/2026 or 2026-12-25, separated
    by commas, spaces or lines; kept sorted, each once). Text
    with ``choices`` is one of them, matched regardless of case. ``minimum``
    and ``maximum`` bound numbers; with ``raise_to_minimum`` a smaller number is
    raised to the minimum instead of refused. ``empty``: the setting may be left
    empty (``''`` for text, else ``None``). ``check`` raises ``ValueError`` on a
    value the type lets through but the kiosk cannot use; ``must_be`` then says
    in words what is allowed. A ``secret`` value (a key, or an address that
    may hold a password) is never repeated in a message. A ``file`` setting
    holds a file's path, shown in the audit log by the file's name.
    """

    name: str
    type: type
    default: Any
    description: str
    group: Group
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | Callable[[], Iterable[str]] = ()
    empty: bool = False
    raise_to_minimum: bool = False
    check: Callable[[Any], Any] | None = None
    must_be: str = ""
    secret: bool = False
    file: bool = False

    @property
    def variable(self) -> str:
        """The environment variable that sets it."""
        return f"KIOSK_{self.name}"

    def options(self) -> tuple[str, ...]:
        choices = self.choices
        return tuple(choices() if callable(choices) else choices)

    @property
    def allowed(self) -> str:
        """What the setting takes, in words: "a whole number from 1 to 36500"."""
        if self.must_be:
            words = self.must_be
        elif self.type is bool:
            words = "true or false"
        elif self.type is dt.date:
            words = "dates written day/month/year (25/12/2026), separated by commas"
        elif self.type is tuple:
            words = f"one or more of {', '.join(self.options())}"
        elif self.choices:
            words = f"one of {', '.join(self.options())}"
        elif self.type in (int, float):
            words = _number_words(self)
        elif self.type is dict:
            words = "a mapping (a JSON object in the environment)"
        else:
            words = "text" if self.empty else "non-empty text"
        if self.empty and self.type is not str:
            words += ", or empty"
        return words

    def parse(self, value: Any) -> Any:
        """``value`` (from any source, text included) as the setting's type.

        Raises :class:`SettingError` when it does not fit.
        """
        try:
            return self._adapter.validate_python(value)
        except ValidationError as exc:
            given = "" if self.secret else f", not {value!r}"
            raise SettingError(
                f"setting {self.name} ({self.variable}) must be {self.allowed}{given}" + _why(exc)
            ) from None

    @cached_property
    def _adapter(self) -> TypeAdapter:
        return TypeAdapter(self._annotation())

    def _annotation(self) -> Any:
        if self.type in (int, float):
            bounds = Field(
                ge=None if self.raise_to_minimum else self.minimum,
                le=self.maximum,
            )
            kind: Any = Annotated[self.type, BeforeValidator(_not_a_bool), bounds]
            if self.raise_to_minimum:
                kind = Annotated[kind, AfterValidator(lambda number: max(number, self.minimum))]
        elif self.type is bool:
            kind = Annotated[bool, BeforeValidator(_stripped)]
        elif self.type is dt.date:
            kind = Annotated[tuple[dt.date, ...], BeforeValidator(_day_list)]
        elif self.type is tuple:
            kind = Annotated[
                tuple[str, ...],
                BeforeValidator(_days if self.options() == WEEKDAYS else _items),
                AfterValidator(self._some_of_choices),
            ]
        elif self.type is dict:
            kind = Annotated[dict[str, Any], BeforeValidator(_json_text)]
        elif self.choices:
            kind = Annotated[str, AfterValidator(self._one_of_choices)]
        else:
            kind = Annotated[str, BeforeValidator(self._text), AfterValidator(self._filled)]
        if self.empty and self.type not in (str, dt.date):
            kind = Annotated[kind | None, BeforeValidator(_blank_is_none)]
        if self.check:
            kind = Annotated[kind, AfterValidator(self.check)]
        return kind

    def _one_of_choices(self, text: str) -> str:
        for option in self.options():
            if text.strip().lower() == option.lower():
                return option
        raise ValueError(self.allowed)

    def _some_of_choices(self, items: tuple[str, ...]) -> tuple[str, ...]:
        if not items or not set(items) <= set(self.options()):
            raise ValueError(self.allowed)
        return items

    def _text(self, value: Any) -> Any:
        if value is None and self.empty:
            return ""
        return os.fspath(value) if isinstance(value, os.PathLike) else value

    def _filled(self, text: str) -> str:
        if not self.empty and not text.strip():
            raise ValueError(self.allowed)
        return text


def _why(exc: ValidationError) -> str:
    """What a setting's own check said, when it said more than the type."""
    for error in exc.errors():
        said = error.get("ctx", {}).get("error")
        if isinstance(said, CheckFailed):
            return f": {said}"
        if isinstance(said, ValueError) and isinstance(said.__cause__, CheckFailed):
            return f": {said.__cause__}"
    return ""


class CheckFailed(ValueError):
    """A setting's check refusing a value, with the reason for the message."""


def _number_words(setting: Setting) -> str:
    noun = "a whole number" if setting.type is int else "a number"
    low, high = setting.minimum, setting.maximum
    if setting.raise_to_minimum:
        return f"{noun} up to {high} (under {low} counts as {low})"
    if low is not None and high is not None:
        return f"{noun} from {low} to {high}"
    if low is not None:
        return f"{noun}, {low} or more"
    return noun


def _not_a_bool(value: Any) -> Any:
    # Python counts True as 1; a setting that wants a number never means it.
    if isinstance(value, bool):
        raise ValueError("a number, not true or false")
    return value


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _items(value: Any) -> Any:
    """ "en, es" or "mon tue" or a list, as lower-case items."""
    parts = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(parts, list | tuple):
        return parts
    return tuple(str(part).strip().lower() for part in parts)


def _days(value: Any) -> Any:
    """Weekdays by their short names: "Monday" is "mon"."""
    items = _items(value)
    return tuple(item[:3] for item in items) if isinstance(items, tuple) else items


def day_list(value: Any) -> tuple[dt.date, ...]:
    """Days from text ("25/12/2026, 2026-12-24" or one a line) or a list of
    dates or such text, sorted, each once. Raises :class:`CheckFailed`
    naming the first entry that is no date."""
    parts = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(parts, list | tuple | set | frozenset):
        raise CheckFailed("not a list of dates")
    days = set()
    for part in parts:
        if isinstance(part, dt.datetime):
            part = part.date()
        if not isinstance(part, dt.date):
            part = parse_day(str(part))
        days.add(part)
    return tuple(sorted(days))


def parse_day(text: str) -> dt.date:
    """A day written 25/12/2026 (day/month/year) or 2026-12-25; raises
    :class:`CheckFailed` naming it otherwise."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise CheckFailed(f"'{text}' is not a date written like 25/12/2026")


def _day_list(value: Any) -> Any:
    if value is None:
        return ()
    try:
        return day_list(value)
    except CheckFailed as exc:
        raise ValueError(str(exc)) from exc


def _holidays_region(region: str) -> str:
    from kiosk.core.plan.dates import EXAMPLE_REGIONS, RegionError, normal_region

    try:
        return normal_region(region)
    except RegionError as exc:
        raise CheckFailed(
            f"{exc}; write a country code or country-region, e.g. {', '.join(EXAMPLE_REGIONS)}"
        ) from None


def _json_text(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValueError("not JSON") from None
    return value


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and value.strip().lower() in ("", "null") else value


def _rate_limit(text: str) -> str:
    from limits import parse_many

    parse_many(text)  # ValueError when it is not Flask-Limiter notation
    return text


def _ip_address(text: str) -> str:
    import ipaddress

    return str(ipaddress.ip_address(text.strip()))  # ValueError when it is not one


def _database_url(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except ArgumentError:
        raise ValueError("not a database URL") from None
    return url


# The queue storages kiosk/records/jobs.py knows (its module docstring says which is which).
QUEUE_SCHEMES = ("sqlite:///", "postgresql:", "postgres:", "redis:", "rediss:", "unix:")


def _queue_url(url: str) -> str:
    if url and not url.startswith(QUEUE_SCHEMES):
        raise ValueError("unknown queue storage")
    return url


def _brand_colour(text: str) -> str:
    from kiosk.clinic.branding import ColourError, check_colour

    try:
        return check_colour(text)
    except ColourError as exc:
        raise CheckFailed(exc.message) from None


def _logo(path: str) -> str:
    from kiosk.clinic.branding import LogoError, check_logo

    if not path:
        return path
    try:
        check_logo(Path(path).read_bytes(), filename=path)
    except OSError as exc:
        raise CheckFailed(f"the file cannot be read ({exc.strerror})") from None
    except LogoError as exc:
        raise CheckFailed(exc.message) from None
    return str(Path(path).resolve())


def _languages() -> list[str]:
    return sorted(available_catalogues())


def _clinic(name: str, kind: type, default: Any, description: str, **more: Any) -> Setting:
    return Setting(name, kind, default, description, "clinic", **more)


def _deployment(name: str, kind: type, default: Any, description: str, **more: Any) -> Setting:
    return Setting(name, kind, default, description, "deployment", **more)


# When the summary e-mail goes: once staff mark the consultation reviewed (the
# patient's copy then names the reviewer), or as soon as the patient's copy is ready.
MAIL_SEND_CHOICES = ("after_review", "at_once")

# Retention settings and their largest values (a hundred years): larger ones
# would put the cut-off before the first day a date can hold.
RETENTION_LIMITS = {"RETENTION_DAYS": 36500, "DRAFT_RETENTION_HOURS": 36500 * 24}

# Kiosk screen timings stay within an hour: a shared tablet never keeps a
# patient's screen longer than that.
HOUR = 3600

_CLINIC = (
    _clinic(
        "CLINIC_NAME",
        str,
        DEFAULT_CLINIC_NAME,
        "The clinic's name, on every screen and both PDFs (unset: in each language's words)",
    ),
    _clinic(
        "CLINIC_ADDRESS", str, "", "Address, in the contact block of the patient's copy", empty=True
    ),
    _clinic("CLINIC_PHONE", str, "", "Phone number, in the same contact block", empty=True),
    _clinic("CLINIC_EMAIL", str, "", "Email address, in the same contact block", empty=True),
    _clinic(
        "CLINIC_BOOKING_URL",
        str,
        "",
        "Booking page, a QR code and link on the patient's copy",
        empty=True,
    ),
    _clinic(
        "CLINIC_LOGO",
        str,
        "",
        "Logo, a PNG or SVG file, on every kiosk screen and both PDFs",
        empty=True,
        file=True,
        check=_logo,
        must_be="empty, or the path of a PNG or SVG file of at most 512 KB",
    ),
    _clinic(
        "BRAND_COLOUR",
        str,
        "#1d4f6e",  # branding.DEFAULT_COLOUR
        "Brand colour of the kiosk's header, buttons and links",
        check=_brand_colour,
        must_be="a colour as #rrggbb that reads at 4.5:1 or more with white and its pale tint",
    ),
    _clinic(
        "CLINIC_LANGUAGE",
        str,
        "en",
        "Language of the staff copy and the staff pages",
        choices=_languages,
    ),
    _clinic(
        "PATIENT_LANGUAGES",
        tuple,
        ("en", "es"),
        "Languages patients may choose on Welcome (those the questionnaire has)",
        choices=_languages,
    ),
    _clinic(
        "PATIENT_LANGUAGE",
        str,
        "en",
        "Language Welcome starts in, and returns to for the next patient",
        choices=_languages,
    ),
    _clinic("PAPER_SIZE", str, "A4", "Paper size of both PDFs", choices=("A4", "Letter")),
    _clinic(
        "RETENTION_DAYS",
        int,
        30,
        "Days after sending that a consultation, its notes and PDFs are deleted",
        minimum=1,
        maximum=RETENTION_LIMITS["RETENTION_DAYS"],
    ),
    _clinic(
        "DRAFT_RETENTION_HOURS",
        int,
        24,
        "Hours after their last change that unfinished answers are deleted",
        minimum=1,
        maximum=RETENTION_LIMITS["DRAFT_RETENTION_HOURS"],
    ),
    _clinic(
        "CONSENT_ON",
        bool,
        True,
        "Patients read and sign the microneedling consent on the tablet after checking "
        "their answers",
    ),
    _clinic(
        "DONE_SECONDS",
        int,
        20,
        "Seconds the Done screen stays before the kiosk returns to Welcome",
        minimum=1,
        maximum=HOUR,
    ),
    _clinic(
        "IDLE_SECONDS",
        int,
        90,
        'Seconds without a touch or key before "Are you still there?"',
        minimum=1,
        maximum=HOUR,
    ),
    # WCAG 2.2 SC 2.2.1: at least 20 seconds to answer the idle warning.
    _clinic(
        "IDLE_WARNING_SECONDS",
        int,
        30,
        "Seconds that question counts down before the kiosk resets (at least 20)",
        minimum=20,
        maximum=HOUR,
        raise_to_minimum=True,
    ),
    _clinic(
        "HOLIDAYS_REGION",
        str,
        "",
        "Public holidays the clinic is closed on: a country, or country-region (GB-ENG, US-CA, "
        "ES-MD, MX); empty: none",
        empty=True,
        check=_holidays_region,
        must_be="empty, or a country or country-region the holidays package knows",
    ),
    _clinic(
        "CLOSED_DATES",
        dt.date,
        (),
        "Other days the clinic is closed (day/month/year, one a line): no session is dated on them",
        empty=True,
    ),
    # The patient's summary e-mailed through the clinic's own mail server
    # (kiosk/records/summary_email.py); no mail server, no e-mail.
    _clinic(
        "MAIL_SERVER",
        str,
        "",
        "Mail server that e-mails patients their summary (empty: no e-mail is sent)",
        empty=True,
    ),
    _clinic(
        "MAIL_PORT",
        int,
        587,
        "Mail server port (usually 587 with TLS, 465 with SSL)",
        minimum=1,
        maximum=65535,
    ),
    _clinic("MAIL_USE_TLS", bool, True, "Secure the connection with STARTTLS (TLS)"),
    _clinic("MAIL_USE_SSL", bool, False, "Connect over SSL from the start (instead of TLS)"),
    _clinic(
        "MAIL_USERNAME", str, "", "User name on the mail server (empty: no sign-in)", empty=True
    ),
    _clinic("MAIL_PASSWORD", str, "", "Password on the mail server", empty=True, secret=True),
    _clinic(
        "MAIL_DEFAULT_SENDER",
        str,
        "",
        "Address the e-mails come from (empty: the clinic's email address)",
        empty=True,
    ),
    _clinic(
        "MAIL_SEND",
        str,
        "after_review",
        "When the summary is e-mailed to a patient who asked for it",
        choices=MAIL_SEND_CHOICES,
    ),
    _clinic(
        "STAFF_IDLE_MINUTES",
        int,
        30,
        "Staff are signed out after this many minutes without activity",
        minimum=1,
        maximum=24 * 60,
    ),
    _clinic(
        "STAFF_SESSION_HOURS",
        int,
        12,
        "Staff are signed out this many hours after signing in, however active",
        minimum=1,
        maximum=7 * 24,
    ),
)


def _policy_settings() -> Iterator[Setting]:
    """A ``POLICY_<NAME>`` setting for each field of :class:`Policy`."""
    types = typing.get_type_hints(Policy)
    for field in fields(Policy):
        kind = types[field.name]
        about = field.metadata["description"]  # marked for translation in plan/policy.py
        yield _clinic(
            policy_setting(field.name),
            kind if kind in (int, bool) else tuple,
            field.default,
            about,
            minimum=field.metadata.get("minimum"),
            maximum=field.metadata.get("maximum"),
            choices=() if kind in (int, bool) else WEEKDAYS,
        )


_DEPLOYMENT = (
    _deployment(
        "HOST", str, "0.0.0.0", "Address `serve` listens on (0.0.0.0: the clinic's network)"
    ),
    _deployment("PORT", int, 8000, "Port `serve` listens on", minimum=1, maximum=65535),
    # Set by read(): the SQLite file in the instance folder unless a source says otherwise.
    _deployment(
        "SQLALCHEMY_DATABASE_URI",
        str,
        None,
        "Database URL (DATABASE_URL in the environment)",
        check=_database_url,
        must_be="a database URL such as postgresql://user:password@host/kiosk (or DATABASE_URL)",
        secret=True,
    ),
    _deployment(
        "SQLALCHEMY_ENGINE_OPTIONS",
        dict,
        {"pool_pre_ping": True},
        "Options for SQLAlchemy's create_engine",
    ),
    _deployment(
        "SECRET_KEY",
        str,
        "",
        "Signs session cookies; empty: kept in instance/",
        empty=True,
        secret=True,
    ),
    _deployment(
        "SESSION_COOKIE_SECURE",
        bool,
        False,
        "Cookie sent over HTTPS only, and Strict-Transport-Security on (true behind HTTPS)",
    ),
    _deployment("SESSION_COOKIE_HTTPONLY", bool, True, "Session cookie out of reach of scripts"),
    _deployment(
        "SESSION_COOKIE_SAMESITE",
        str,
        "Lax",
        "SameSite attribute of the session cookie",
        choices=("Lax", "Strict"),
    ),
    _deployment("SESSION_COOKIE_NAME", str, "kiosk_session", "Name of the session cookie"),
    _deployment(
        "WTF_CSRF_TIME_LIMIT",
        int,
        7200,
        "Seconds a form stays valid (empty: as long as the session)",
        minimum=1,
        empty=True,
    ),
    # Request size limits, refused with 413 before the body is read. The largest
    # honest request is a 4000-character staff note: about 48 KB urlencoded when
    # every character is a four-byte emoji (a patient's largest screen is about
    # 12 KB). MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS bound multipart bodies; the
    # busiest screen sends 22 fields.
    _deployment("MAX_CONTENT_LENGTH", int, 64 * 1024, "Largest request body, bytes", minimum=1),
    _deployment(
        "MAX_FORM_MEMORY_SIZE", int, 64 * 1024, "Largest multipart field, bytes", minimum=1
    ),
    _deployment("MAX_FORM_PARTS", int, 100, "Most fields in a multipart body", minimum=1),
    _deployment(
        "SIGN_IN_FAILURES",
        int,
        5,
        "Failed sign-ins for one username from one address before each next one must wait",
        minimum=1,
    ),
    _deployment(
        "SIGN_IN_LONGEST_WAIT_MINUTES",
        int,
        60,
        "Longest wait after failed sign-ins (1 minute at first, doubling with each failure)",
        minimum=1,
    ),
    _deployment(
        "SIGN_IN_LIMIT_PER_ADDRESS",
        str,
        "20 per 15 minutes",
        "Failed sign-ins allowed per client address (Flask-Limiter notation)",
        check=_rate_limit,
        must_be="a rate limit such as '20 per 15 minutes'",
    ),
    # kioskdb://: the app's own database, shared by every process (kiosk/web/throttle.py).
    _deployment(
        "RATELIMIT_STORAGE_URI",
        str,
        "kioskdb://",
        "Where sign-in counts are kept: kioskdb:// or a Flask-Limiter storage URI",
        secret=True,
    ),
    _deployment(
        "SQLITE_BUSY_TIMEOUT_MS",
        int,
        5000,
        "How long a SQLite write waits for another's lock (ms) before it is tried once "
        "more, then answered with a page saying to try again",
        minimum=1,
        maximum=60000,
    ),
    _deployment(
        "TRUSTED_PROXIES",
        int,
        0,
        "Reverse proxies whose X-Forwarded-For/-Proto are believed (0: none)",
        minimum=0,
    ),
    _deployment(
        "TRUSTED_PROXY_ADDRESS",
        str,
        "127.0.0.1",
        "Address the nearest reverse proxy connects from; nobody else's X-Forwarded-* counts",
        check=_ip_address,
        must_be="an IP address such as 127.0.0.1",
    ),
    _deployment(
        "PDF_DIR",
        str,
        str(PROJECT_DIR / "pdfs"),
        "Where the PDFs are kept (served only to signed-in staff)",
    ),
    _deployment(
        "CONTENT_DIR",
        str,
        str(DEFAULT_CONTENT_DIR),
        "Folder holding questionnaire.yaml, plan.yaml and sources.yaml",
    ),
    _deployment(
        "QUEUE_URL",
        str,
        "",
        "Where the render queue is kept (empty: beside the database)",
        empty=True,
        check=_queue_url,
        must_be="empty, or a sqlite:///, postgresql:// or redis:// address",
        secret=True,
    ),
    _deployment(
        "QUEUE_IMMEDIATE",
        bool,
        None,
        "Run jobs at once where they are queued, with no worker (tests ask for it)",
        empty=True,
    ),
    _deployment("RENDER_RETRIES", int, 3, "Times a failed render is tried again", minimum=0),
    _deployment(
        "RENDER_RETRY_DELAY",
        float,
        5,
        "Seconds before the first retry, doubled for each next one",
        minimum=0,
    ),
    _deployment("RENDER_TIMEOUT", int, 120, "Seconds before a render job is stopped", minimum=1),
    _deployment(
        "MAIL_TIMEOUT",
        int,
        30,
        "Seconds to wait for the mail server to answer before giving up",
        minimum=1,
        maximum=600,
    ),
    _deployment("MAIL_RETRIES", int, 4, "Times a failed summary e-mail is tried again", minimum=0),
    _deployment(
        "MAIL_RETRY_DELAY",
        float,
        60,
        "Seconds before a summary e-mail is first tried again, doubled for each next time",
        minimum=0,
    ),
    _deployment("WORKER_PROCESSES", int, 0, "Render worker processes (0: one per core)", minimum=0),
    _deployment(
        "WORKER_RESTARTS",
        int,
        5,
        "Times serve starts a dead render worker again within 10 minutes before it gives up",
        minimum=0,
    ),
    _deployment(
        "WORKER_NICE",
        int,
        10,
        "Priority the worker processes are lowered by, so web requests come first",
        minimum=0,
        maximum=19,
    ),
    _deployment(
        "STALE_SECONDS",
        int,
        60,
        "A summary pending this long with no job is queued again",
        minimum=1,
    ),
)


# Settings the kiosk no longer has, and why: a value given for one is ignored
# with a warning rather than stopping the app (a clinic upgrading keeps running).
# A value the settings page kept for one is ignored, and dropped at its next save.
RETIRED = {
    "POLICY_SAME_DAY_TREATMENT": (
        "the first session is never the consultation day: it is the first day the clinic "
        "is open after every preparation step and hold that applies"
    ),
    "SIGN_IN_LIMIT_PER_ACCOUNT": (
        "failed sign-ins are counted per username and address together "
        "(SIGN_IN_FAILURES, SIGN_IN_LONGEST_WAIT_MINUTES), so a stranger cannot lock anyone out"
    ),
}


def policy_setting(field_name: str) -> str:
    """The setting of a :class:`Policy` field: ``isotretinoin_months`` is
    ``POLICY_ISOTRETINOIN_MONTHS``."""
    return f"POLICY_{field_name.upper()}"


SETTINGS: dict[str, Setting] = {s.name: s for s in (*_CLINIC, *_policy_settings(), *_DEPLOYMENT)}


def in_group(group: Group) -> tuple[Setting, ...]:
    """The settings of ``group``, in the schema's order."""
    return tuple(s for s in SETTINGS.values() if s.group == group)


def defaults() -> dict[str, Any]:
    return {name: setting.default for name, setting in SETTINGS.items()}


def check(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting of the schema, typed, from ``values``.

    Raises one :class:`SettingError` naming every value that does not fit, and
    every ``POLICY_`` name that is no policy setting (a typo would otherwise
    leave the default in force unnoticed).
    """
    checked: dict[str, Any] = {}
    problems: list[str] = []
    for name, setting in SETTINGS.items():
        try:
            checked[name] = setting.parse(values.get(name, setting.default))
        except SettingError as exc:
            problems.append(exc.message)
    for name in sorted(values):
        if name in RETIRED:
            log.warning("setting %s is no longer used (%s): ignored", name, RETIRED[name])
        elif name.startswith("POLICY_") and name not in SETTINGS:
            problems.append(
                f"unknown setting {name} (KIOSK_{name}): no policy setting has that name"
            )
    if checked.get("MAIL_USE_TLS") and checked.get("MAIL_USE_SSL"):
        problems.append(MAIL_TLS_AND_SSL)
    if problems:
        raise SettingError("\n".join(problems))
    return checked


MAIL_TLS_AND_SSL = (
    "settings MAIL_USE_TLS (KIOSK_MAIL_USE_TLS) and MAIL_USE_SSL (KIOSK_MAIL_USE_SSL) are both "
    "on: choose one. SSL is for a server that expects it from the first byte (usually port "
    "465): set KIOSK_MAIL_USE_TLS=false. TLS (STARTTLS) is for port 587: set "
    "KIOSK_MAIL_USE_SSL=false"
)


def policy(values: Mapping[str, Any]) -> Policy:
    """The clinic policy from checked ``POLICY_*`` settings."""
    return Policy(**{f.name: values[policy_setting(f.name)] for f in fields(Policy)})


def instance_path(config: dict[str, Any] | None) -> str:
    """The instance folder: ``config['INSTANCE_PATH']``, ``KIOSK_INSTANCE_PATH``
    or ``instance/`` in the project folder."""
    chosen = (config or {}).get("INSTANCE_PATH") or os.environ.get("KIOSK_INSTANCE_PATH")
    return str(Path(chosen or PROJECT_DIR / "instance").resolve())


def forced(overrides: Mapping[str, Any] | None) -> set[str]:
    """The settings an environment variable or ``overrides`` (``create_app``'s
    config) sets: the settings page shows them but cannot change them."""
    return {
        name
        for name, setting in SETTINGS.items()
        if setting.variable in os.environ or name in (overrides or {})
    }


def configure(app: Flask, overrides: dict[str, Any] | None) -> None:
    private_folder(app.instance_path)
    read(app.config, overrides)
    app.config.update(check(app.config))
    # Made at start, not with the first PDF: a service that may write only
    # its own folders (deploy/kiosk.service) finds both there.
    private_folder(app.config["PDF_DIR"])
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


def read(config: Config, overrides: dict[str, Any] | None = None) -> Config:
    """``config`` (rooted at the instance folder) filled from every source, in
    order: defaults, ``config.py``, ``KIOSK_*``, ``DATABASE_URL``, ``overrides``.

    Unchecked (see :func:`check`), and without touching the instance folder:
    commands that run without the app (``content check``) read their settings
    with it too.
    """
    config.update(defaults())
    config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(config.root_path) / 'kiosk.sqlite3'}"
    config.from_pyfile("config.py", silent=True)
    # Keys the kiosk does not own are read as Flask reads them (JSON where
    # they parse); the kiosk's own settings as written, for their schema to read.
    config.from_prefixed_env("KIOSK")
    for name, setting in SETTINGS.items():
        if setting.variable in os.environ:
            config[name] = os.environ[setting.variable]
    if os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = _sqlalchemy_url(os.environ["DATABASE_URL"])
    config.update(overrides or {})
    return config


def _sqlalchemy_url(url: str) -> str:
    """A ``DATABASE_URL`` as SQLAlchemy takes it, with the psycopg (3) driver the
    app installs. Hosting platforms often hand out ``postgres://``, which
    SQLAlchemy does not accept."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def _instance_secret(folder: Path) -> str:
    """The secret key kept in the instance folder, made on first run.

    Keeping it across restarts keeps patients' sessions (and so their drafts)
    valid when the server restarts.
    """
    path = folder / "secret_key"
    with contextlib.suppress(FileExistsError):
        create_private_file(path, secrets.token_hex(32).encode())
    return path.read_text().strip()
