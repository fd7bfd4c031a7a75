"""Settings: defaults, then ``instance/config.py``, then ``KIOSK_*`` environment
variables, then the ``config`` mapping given to ``create_app``.

Environment variables drop the prefix: ``KIOSK_DONE_SECONDS=30`` sets
``DONE_SECONDS``. Clinic policy windows are ``POLICY_*`` settings (see
``kiosk/plan/policy.py``), e.g. ``KIOSK_POLICY_ISOTRETINOIN_MONTHS=12``.
Values are read as JSON where they parse (numbers, true, false), otherwise as
text. ``DATABASE_URL`` is read as it is.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Any

import click
from flask import Config, Flask

from .content.loader import DEFAULT_CONTENT_DIR
from .paths import PROJECT_DIR
from .private import create_private_file, private_folder

DEFAULTS: dict[str, Any] = {
    # The clinic's profile: kiosk header, PDF headers and contact block.
    "CLINIC_NAME": "Our clinic",
    "CLINIC_ADDRESS": "",
    "CLINIC_PHONE": "",
    "CLINIC_EMAIL": "",
    # Shown as a QR code on the patient's copy.
    "CLINIC_BOOKING_URL": "",
    # The language of the staff copy.
    "CLINIC_LANGUAGE": "en",
    # A4 or Letter.
    "PAPER_SIZE": "A4",
    # Staff are signed out after this many minutes without activity.
    "STAFF_IDLE_MINUTES": 30,
    # ... and this many hours after signing in, active or not.
    "STAFF_SESSION_HOURS": 12,
    # Failed sign-ins allowed per typed username and per client address before
    # sign-in is refused for the rest of the window (Flask-Limiter notation).
    "SIGN_IN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
    "SIGN_IN_LIMIT_PER_ADDRESS": "20 per 15 minutes",
    # Where the counts are kept: the app's own database, shared by every process
    # (see kiosk/throttle.py); or any Flask-Limiter storage URI, e.g. redis://.
    "RATELIMIT_STORAGE_URI": "kioskdb://",
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are
    # trusted (1 behind one nginx); 0 when browsers connect directly.
    "TRUSTED_PROXIES": 0,
    # Consultations, with their notes and PDFs, are deleted this many days after
    # they were sent; drafts this many hours after their last change
    # (`flask --app kiosk purge`, see kiosk/retention.py).
    "RETENTION_DAYS": 30,
    "DRAFT_RETENTION_HOURS": 24,
    # Where generated PDFs are kept (never served without a staff login).
    "PDF_DIR": str(PROJECT_DIR / "pdfs"),
    # Seconds the Done screen stays before the kiosk returns to Welcome.
    "DONE_SECONDS": 20,
    # Seconds without a touch or key before "Are you still there?", and the
    # seconds that prompt counts down before the kiosk resets (never under 20).
    "IDLE_SECONDS": 90,
    "IDLE_WARNING_SECONDS": 30,
    # Folder holding questionnaire.yaml.
    "CONTENT_DIR": str(DEFAULT_CONTENT_DIR),
    # Address `flask --app kiosk serve` listens on (0.0.0.0: the clinic's network).
    "HOST": "0.0.0.0",
    "PORT": 8000,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Set KIOSK_SESSION_COOKIE_SECURE=true when the kiosk is served over HTTPS.
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_NAME": "kiosk_session",
    # Request size limits, refused with 413 before the body is read. The largest
    # honest request is a 4000-character staff note: about 48 KB urlencoded when
    # every character is a four-byte emoji (a patient's largest screen is about
    # 12 KB). MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS bound multipart bodies; the
    # busiest screen sends 22 fields.
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "MAX_FORM_MEMORY_SIZE": 64 * 1024,
    "MAX_FORM_PARTS": 100,
    # A patient's form stays valid for two hours: slow readers lose nothing.
    "WTF_CSRF_TIME_LIMIT": 7200,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
}


def instance_path(config: dict[str, Any] | None) -> str:
    """The instance folder: ``config['INSTANCE_PATH']``, ``KIOSK_INSTANCE_PATH``
    or ``instance/`` in the project folder."""
    chosen = (config or {}).get("INSTANCE_PATH") or os.environ.get("KIOSK_INSTANCE_PATH")
    return str(Path(chosen or PROJECT_DIR / "instance").resolve())


def configure(app: Flask, overrides: dict[str, Any] | None) -> None:
    private_folder(app.instance_path)
    read(app.config, overrides)
    for name, largest in RETENTION_LIMITS.items():
        app.config[name] = _whole_number(name, app.config[name], largest)
    # WCAG 2.2 SC 2.2.1: at least 20 seconds to answer the idle warning.
    app.config["IDLE_WARNING_SECONDS"] = max(20, int(app.config["IDLE_WARNING_SECONDS"]))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


def read(config: Config, overrides: dict[str, Any] | None = None) -> Config:
    """``config`` (rooted at the instance folder) filled from every source, in
    order: defaults, ``config.py``, ``KIOSK_*``, ``DATABASE_URL``, ``overrides``.

    Unchecked, and without touching the instance folder: commands that run
    without the app (``content check``) read their settings with it too.
    """
    config.update(DEFAULTS)
    config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(config.root_path) / 'kiosk.sqlite3'}"
    config.from_pyfile("config.py", silent=True)
    config.from_prefixed_env("KIOSK")
    if os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = _sqlalchemy_url(os.environ["DATABASE_URL"])
    config.update(overrides or {})
    return config


# Retention settings and their largest values (a hundred years): larger ones
# would put the cut-off before the first day a date can hold.
RETENTION_LIMITS = {"RETENTION_DAYS": 36500, "DRAFT_RETENTION_HOURS": 36500 * 24}


class SettingError(click.ClickException):
    """A setting with a value the kiosk cannot use: the app does not start.

    A ``ClickException``, so that every ``flask --app kiosk`` command, ``serve``
    included, stops with this message rather than a traceback.
    """


def _whole_number(name: str, value: Any, largest: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= largest:
        return value
    raise SettingError(
        f"setting {name} (KIOSK_{name}) must be a whole number from 1 to {largest}, not {value!r}"
    )


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
