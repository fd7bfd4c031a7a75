"""Staff accounts: made, disabled, enabled, given a new password, another
role or other locations; one implementation for the staff area's accounts page and the
``flask --app kiosk staff`` commands.

Each change adds its audit entry and commits. A generated password is
returned to be shown once; only its hash is kept.
"""

from __future__ import annotations

from collections.abc import Collection

from kiosk.clinic import locations
from kiosk.core.i18n import gettext as _
from kiosk.data import audit
from kiosk.data.database import db
from kiosk.data.models import FIRST_LOCATION, Location, StaffUser
from kiosk.web.auth import (
    account_named,
    check_password,
    end_all_sessions,
    hash_password,
    new_password,
    start_session,
)

ROLES = ("staff", "admin")
USERNAME_LENGTH = 60
NAME_LENGTH = 120
# A password someone chooses: long rather than complicated (NIST SP 800-63B
# asks for at least 8 and no composition rules; 12 gives a margin).
MIN_PASSWORD_LENGTH = 12


class AccountError(Exception):
    """A change the accounts cannot take; the message says why, in the
    language in force."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class WrongPassword(AccountError):
    """The current password given is not the account's."""


def find(username: str) -> StaffUser | None:
    """The account of ``username``, whatever its case: one person, one account."""
    return account_named(username)


def everyone() -> list[StaffUser]:
    return list(db.session.scalars(db.select(StaffUser).order_by(StaffUser.username)))


def create(
    username: str,
    role: str,
    display_name: str | None = None,
    location_ids: Collection[int] | None = None,
) -> tuple[StaffUser, str]:
    """A new account and its generated password. It sees the consultations of
    ``location_ids`` (by default the first location's; an admin sees every
    location's whatever they are)."""
    username = username.strip()
    if not username or len(username) > USERNAME_LENGTH:
        raise AccountError(_("Enter a username of 1 to 60 characters."))
    if any(character.isspace() for character in username):
        raise AccountError(_("A username has no spaces."))
    if find(username) is not None:
        raise AccountError(_("An account named %(username)s already exists.", username=username))
    if role not in ROLES:
        raise AccountError(_("Choose a role."))
    at = _locations([FIRST_LOCATION] if location_ids is None else location_ids)
    password = new_password()
    user = StaffUser(
        username=username,
        display_name=(display_name or "").strip()[:NAME_LENGTH] or username,
        role=role,
        password_hash=hash_password(password),
        locations=at,
    )
    db.session.add(user)
    db.session.flush()
    detail = f"{username}: role {role}"
    if locations.chain():
        detail += f"; locations {_slugs(at)}"
    audit.add_entry("account_created", detail=detail)
    db.session.commit()
    return user, password


def disable(user: StaffUser) -> None:
    """It can no longer sign in, and every session of it ends."""
    if user.is_admin and user.active:
        _keep_an_admin(user)
    user.active = False
    end_all_sessions(user)
    audit.add_entry("account_disabled", detail=user.username)
    db.session.commit()


def enable(user: StaffUser) -> None:
    if user.active:
        return
    user.active = True
    audit.add_entry("account_enabled", detail=user.username)
    db.session.commit()


def reset_password(user: StaffUser) -> str:
    """A new password (returned, to be shown once); every session of the
    account ends, and a disabled account is enabled again."""
    password = new_password()
    user.password_hash = hash_password(password)
    user.active = True
    end_all_sessions(user)
    audit.add_entry("password_reset", detail=user.username)
    db.session.commit()
    return password


def change_own_password(user: StaffUser, current: str, new: str) -> None:
    """``user``, signed in, chooses a new password, giving the current one.
    Every other session of the account ends; this one goes on, with a fresh
    cookie."""
    if not check_password(user, current):
        raise WrongPassword(_("Your current password is not right"))
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("Choose a password of at least %(length)d characters", length=MIN_PASSWORD_LENGTH)
        )
    if new.strip().lower() == user.username.lower() or new == current:
        raise AccountError(_("Choose a password other than your username or your current one"))
    user.password_hash = hash_password(new)
    end_all_sessions(user)
    start_session(user)
    audit.add_entry("password_changed", user=user, detail=user.username)
    db.session.commit()


def change_role(user: StaffUser, role: str) -> None:
    if role not in ROLES:
        raise AccountError(_("Choose a role."))
    if role == user.role:
        return
    if user.is_admin and user.active:
        _keep_an_admin(user)
    old, user.role = user.role, role
    audit.add_entry("role_changed", detail=f"{user.username}: {old} → {role}")
    db.session.commit()


def change_locations(user: StaffUser, location_ids: Collection[int]) -> bool:
    """``user`` sees the consultations of these locations from now on (an
    admin, every location's whatever they are). Returns whether they changed."""
    at = _locations(location_ids)
    if {location.id for location in at} == {location.id for location in user.locations}:
        return False
    old, user.locations = user.locations, at
    audit.add_entry(
        "account_locations_changed", detail=f"{user.username}: {_slugs(old)} → {_slugs(at)}"
    )
    db.session.commit()
    return True


def location_ids_of(slugs: Collection[str]) -> list[int]:
    """The ids of the locations with these slugs (the ``staff create
    --location`` option's); AccountError naming one that is not a location."""
    found = {location.slug: location.id for location in db.session.scalars(db.select(Location))}
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        raise AccountError(
            _(
                "There is no location %(slug)s. The locations are: %(known)s.",
                slug=unknown[0],
                known=", ".join(sorted(found)),
            )
        )
    return [found[slug] for slug in slugs]


def _locations(location_ids: Collection[int]) -> list[Location]:
    """The locations of these ids, the first first; at least one is needed."""
    ids = sorted(set(location_ids))
    found = list(db.session.scalars(db.select(Location).where(Location.id.in_(ids))))
    if not ids:
        raise AccountError(_("Choose at least one location."))
    if len(found) != len(ids):
        raise AccountError(_("Choose locations from the list."))
    return sorted(found, key=lambda location: location.id)


def _slugs(at: Collection[Location]) -> str:
    return ", ".join(location.slug for location in at) or "none"


def _keep_an_admin(leaving: StaffUser) -> None:
    """Refuse a change that would leave no active admin to manage the kiosk."""
    others = db.session.scalar(
        db.select(db.func.count(StaffUser.id)).where(
            StaffUser.role == "admin", StaffUser.active.is_(True), StaffUser.id != leaving.id
        )
    )
    if not others:
        raise AccountError(
            _(
                "%(username)s is the only active administrator: make another account an "
                "administrator first.",
                username=leaving.username,
            )
        )
