"""Staff accounts: Argon2 password hashes, Flask-Login, roles, sessions.

A staff session is a row of ``staff_sessions`` named by the cookie: signing
out deletes it, a password reset or disabling deletes all of the account's,
and it ends after ``STAFF_IDLE_MINUTES`` without activity or
``STAFF_SESSION_HOURS`` after sign-in, whichever comes first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from functools import wraps

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort, current_app, session
from flask_login import LoginManager, current_user, login_user, logout_user

from kiosk.core.i18n import lazy_gettext
from kiosk.data.database import db
from kiosk.data.models import StaffSession, StaffUser, utcnow


class KioskLoginManager(LoginManager):
    """Flask-Login, its remember cookie deleted with the session cookie's
    attributes.

    The kiosk never sets that cookie ("remember me" does not exist), but
    Flask-Login's "strong" protection deletes it whenever a session's address
    or browser changes, and its own deletion is never ``Secure``.
    """

    def _clear_cookie(self, response):
        config = current_app.config
        response.delete_cookie(
            config.get("REMEMBER_COOKIE_NAME", "remember_token"),
            path=config.get("REMEMBER_COOKIE_PATH", "/"),
            domain=config.get("REMEMBER_COOKIE_DOMAIN"),
            secure=config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite=config["SESSION_COOKIE_SAMESITE"],
        )


login_manager = KioskLoginManager()
login_manager.login_view = "staff.login"
login_manager.login_message = lazy_gettext("Please sign in to see this page.")
# Flask-Login flashes the message into the session cookie: as a plain string,
# in the request's language.
login_manager.localize_callback = str
login_manager.session_protection = "strong"


class Passwords:
    """The app's Argon2 hasher, and a real hash to compare against when the
    username is unknown, so that a failed sign-in takes as long whether or not
    the account exists.

    Argon2's recommended parameters (RFC 9106, low memory: 64 MiB, 3 passes)
    everywhere but under ``TESTING``, where the cheapest ones let a test sign
    in without spending a tenth of a second per hash.
    """

    def __init__(self, testing: bool = False):
        self.hasher = (
            PasswordHasher.from_parameters(profiles.CHEAPEST) if testing else PasswordHasher()
        )
        self.dummy_hash = self.hasher.hash(secrets.token_urlsafe(12))


def _passwords() -> Passwords:
    return current_app.extensions["kiosk.passwords"]


def hash_password(password: str) -> str:
    return _passwords().hasher.hash(password)


def check_password(user: StaffUser, password: str) -> bool:
    hasher = _passwords().hasher
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def new_password() -> str:
    """A random password to hand over once (about 96 bits)."""
    return secrets.token_urlsafe(12)


def account_named(username: str) -> StaffUser | None:
    """The account of ``username`` whatever its case ("Rose" and "rose", "Óscar"
    and "óscar" are one person): the one of exactly that name if there is one
    (two accounts differing only in case, made before names were compared so,
    each keep their own), else the one whose name matches when case-folded.
    Compared in Python: SQLite's lower() folds only A to Z; a clinic has tens
    of accounts, not thousands."""
    exact = db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))
    if exact is not None:
        return exact
    folded = username.casefold()
    everyone = db.session.scalars(db.select(StaffUser).order_by(StaffUser.id))
    return next((user for user in everyone if user.username.casefold() == folded), None)


def authenticate(username: str, password: str) -> StaffUser | None:
    """The account, when the password is right and the account active.

    Every attempt costs one Argon2 verification, whether the account is
    unknown, disabled or real: the time taken tells nothing.
    """
    user = account_named(username)
    if user is None:
        passwords = _passwords()
        with contextlib.suppress(VerificationError):
            passwords.hasher.verify(passwords.dummy_hash, password)
        return None
    if not check_password(user, password) or not user.active:
        return None
    return user


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    staff_session = db.session.get(StaffSession, str(session.get("staff_session", "")))
    if (
        staff_session is None
        or str(staff_session.user_id) != user_id
        or not staff_session.user.active
    ):
        return None
    return staff_session.user


def start_session(user: StaffUser) -> None:
    """Sign ``user`` in on this browser: a fresh cookie and a new session row.

    The account's sessions older than any lifetime allowed are deleted here,
    so the table holds only sessions that may still be in use.
    """
    lifetime = dt.timedelta(hours=current_app.config["STAFF_SESSION_HOURS"])
    db.session.execute(
        db.delete(StaffSession).where(
            StaffSession.user_id == user.id, StaffSession.started_at < utcnow() - lifetime
        )
    )
    staff_session = StaffSession(user=user)
    db.session.add(staff_session)
    db.session.flush()
    session.clear()  # nothing carried over from before
    login_user(user)
    session["staff_session"] = staff_session.id
    session["staff_seen"] = dt.datetime.now(dt.UTC).timestamp()


def end_session() -> None:
    """Sign this browser out: its session row goes, so no copy of the cookie
    opens anything again. The caller commits."""
    db.session.execute(
        db.delete(StaffSession).where(StaffSession.id == str(session.get("staff_session", "")))
    )
    logout_user()
    session.clear()


def end_all_sessions(user: StaffUser) -> None:
    """End every session of ``user`` (password reset, disabled account). The caller commits."""
    db.session.execute(db.delete(StaffSession).where(StaffSession.user_id == user.id))


def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def session_expired(idle_minutes: int, lifetime_hours: float, *, touch: bool) -> str | None:
    """Why this staff session must end now, ``"idle"`` or ``"lifetime"`` (it is
    then ended; the caller commits), or None; ``touch`` marks this request as
    activity."""
    now = dt.datetime.now(dt.UTC)
    staff_session = db.session.get(StaffSession, str(session.get("staff_session", "")))
    seen = session.get("staff_seen")
    reason = None
    age = now.replace(tzinfo=None) - staff_session.started_at if staff_session else None
    if age is not None and age > dt.timedelta(hours=lifetime_hours):
        reason = "lifetime"
    elif seen is not None and now.timestamp() - seen > idle_minutes * 60:
        reason = "idle"
    if reason:
        end_session()
        return reason
    if touch or seen is None:
        session["staff_seen"] = now.timestamp()
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.extensions["kiosk.passwords"] = Passwords(testing=app.config["TESTING"])
