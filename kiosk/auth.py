"""Staff accounts: Argon2 password hashes, Flask-Login, roles, idle time-out."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort, session
from flask_login import LoginManager, current_user, logout_user

from .extensions import db
from .models import StaffUser

login_manager = LoginManager()
login_manager.login_view = "staff.login"
login_manager.login_message = "Please sign in to see this page."
login_manager.session_protection = "strong"
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: StaffUser, password: str) -> bool:
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def new_password() -> str:
    """A random password to hand over once (about 96 bits)."""
    return secrets.token_urlsafe(12)


# A real hash to compare against when the username is unknown, so that a
# failed sign-in takes as long whether or not the account exists.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(12))


def authenticate(username: str, password: str) -> StaffUser | None:
    user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    if not user.active or not check_password(user, password):
        return None
    return user


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    number, _, token = user_id.partition(":")
    if not number.isdigit():
        return None
    user = db.session.get(StaffUser, int(number))
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def idle_timed_out(idle_minutes: int, *, touch: bool) -> bool:
    """True (and signed out) when the staff session has been idle too long;
    otherwise ``touch`` marks this request as activity."""
    now = dt.datetime.now(dt.UTC).timestamp()
    seen = session.get("staff_seen")
    if seen is not None and now - seen > idle_minutes * 60:
        logout_user()
        session.pop("staff_seen", None)
        return True
    if touch or seen is None:
        session["staff_seen"] = now
    return False


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
