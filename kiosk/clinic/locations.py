"""The chain's locations, as the app runs them.

Every installation has a first location (``FIRST_LOCATION``): its settings
are the settings page's, and its tablets open the kiosk's own address, ``/``.
A chain adds more; each has a slug, its tablets open ``/at/<slug>/``, and it
may have its own value of each of ``OWN_SETTINGS``. A setting it leaves empty
is the chain's (the settings page's), but for ``CLOSED_DATES``: a location's
own closed dates are added to the chain's.

A :class:`Place` is a location with its settings in force, its plan engine and
its flow. Each process makes them again whenever the clinic's settings change
(``saved_settings``; saving a location counts as a change of them), and loads
them from the database the first time it needs them after that.
"""

from __future__ import annotations

import re
import threading
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context
from sqlalchemy.exc import SQLAlchemyError

from kiosk.clinic.settings import SETTINGS, SettingError
from kiosk.core.flow import Flow
from kiosk.core.i18n import clinic_name
from kiosk.core.i18n import gettext as _
from kiosk.core.plan import PlanEngine
from kiosk.data import audit
from kiosk.data.database import db
from kiosk.data.models import FIRST_LOCATION, Location

# The settings a location may have of its own, in the location form's order.
CONTACT = ("CLINIC_NAME", "CLINIC_ADDRESS", "CLINIC_PHONE", "CLINIC_EMAIL", "CLINIC_BOOKING_URL")
BRAND = ("CLINIC_LOGO", "BRAND_COLOUR")
PLANNING = ("POLICY_OPENING_DAYS", "HOLIDAYS_REGION", "CLOSED_DATES")
LANGUAGES = ("PATIENT_LANGUAGES", "PATIENT_LANGUAGE")
OWN_SETTINGS = (*CONTACT, *BRAND, *PLANNING, *LANGUAGES)

# A location's part of its tablets' address: /at/<slug>/.
PREFIX = "/at/"
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")

EXTENSION = "kiosk.clinic.locations"


@dataclass(frozen=True)
class Place:
    """A location with its settings in force (``config``: its own over the
    chain's), and the flow and plan engine they make."""

    id: int
    slug: str
    own: Mapping[str, Any]
    config: Mapping[str, Any]
    flow: Flow
    engine: PlanEngine

    @property
    def first(self) -> bool:
        return self.id == FIRST_LOCATION

    @property
    def name(self) -> str:
        """Its name, in the language in force where it is the default one."""
        return clinic_name(self.config["CLINIC_NAME"])

    @property
    def path(self) -> str:
        """The address its tablets open, from the kiosk's root."""
        return "/" if self.first else f"{PREFIX}{self.slug}/"


class Places:
    """The places this process made for the settings in force (None: not made
    since they last changed); ``changes`` counts the changes, so that places
    made while one came are not kept."""

    def __init__(self) -> None:
        self.made: dict[int, Place] | None = None
        self.changes = 0
        self.lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Places()


def forget(app: Flask) -> None:
    """The settings changed: the places are made again when next needed."""
    if EXTENSION in app.extensions:
        state: Places = app.extensions[EXTENSION]
        state.changes += 1
        state.made = None


def own_values(location: Location, instance_path: str) -> dict[str, Any]:
    """The settings a location has of its own, typed; one the schema no
    longer takes is left out (the chain's then holds)."""
    from kiosk.clinic.saved_settings import logo_on_disk

    own: dict[str, Any] = {}
    for name, value in (location.values or {}).items():
        if name not in OWN_SETTINGS or value in (None, "", []):
            continue
        if name == "CLINIC_LOGO":
            value = logo_on_disk(instance_path, value)
        try:
            own[name] = SETTINGS[name].parse(value)
        except SettingError:
            continue
    return own


def in_force(own: Mapping[str, Any], chain: Mapping[str, Any]) -> ChainMap:
    """The settings of a location with ``own`` in a chain with ``chain``'s."""
    own = dict(own)
    if own.get("CLOSED_DATES"):
        own["CLOSED_DATES"] = tuple(sorted({*chain["CLOSED_DATES"], *own["CLOSED_DATES"]}))
    return ChainMap(own, chain)  # type: ignore[arg-type]


def _make(app: Flask) -> dict[int, Place]:
    from kiosk.clinic.saved_settings import engines

    content = app.extensions["kiosk.core.content"]
    flow, engine = app.extensions["kiosk.core.flow"], app.extensions["kiosk.core.plan"]
    if has_app_context():
        rows = _rows()
    else:  # a document built outside a request or command (a benchmark's)
        with app.app_context():
            rows = _rows()
    places: dict[int, Place] = {}
    for row in rows:
        own = own_values(row, app.instance_path)
        config = in_force(own, app.config)
        plans = engines(content, config)[1] if any(name in own for name in PLANNING) else engine
        places[row.id] = Place(row.id, row.slug, own, config, flow, plans)
    if FIRST_LOCATION not in places:
        places[FIRST_LOCATION] = Place(FIRST_LOCATION, "main", {}, app.config, flow, engine)
    return places


def _rows() -> list[Location]:
    try:
        return list(db.session.scalars(db.select(Location).order_by(Location.id)))
    except SQLAlchemyError:  # before the migration that makes the table
        db.session.rollback()
        return []


def places(app: Flask | None = None) -> dict[int, Place]:
    """Every location, by id, the first first."""
    app = app or current_app._get_current_object()
    state: Places = app.extensions[EXTENSION]
    made = state.made
    if made is None:
        with state.lock:
            if state.made is not None:  # made while this thread waited
                return state.made
            changes = state.changes
            made = _make(app)
            if state.changes == changes:
                state.made = made
    return made


def place(location_id: int | None, app: Flask | None = None) -> Place:
    """The location with this id (the first, for None or one that is gone)."""
    found = places(app)
    return found.get(location_id or FIRST_LOCATION) or found[FIRST_LOCATION]


def by_slug(slug: str) -> Place | None:
    return next((p for p in places().values() if p.slug == slug), None)


def chain() -> bool:
    """Whether the installation has more than one location."""
    return len(places()) > 1


def current() -> Place:
    """The location of this request (``g.place``: the one whose address a tablet
    opened, or the one a staff page shows), else the first."""
    if has_request_context() and "place" in g:
        return g.place
    return place(FIRST_LOCATION)


# Adding and changing ---------------------------------------------------------------


class LocationError(ValueError):
    """A location that cannot be added or changed so: ``message`` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_slug(slug: str, *, other_than: int | None = None) -> str:
    """``slug`` as a location's part of the address: lower-case letters,
    digits and hyphens, not another location's."""
    slug = (slug or "").strip().lower()
    if not SLUG.fullmatch(slug):
        raise LocationError(
            _(
                "Use 1 to 40 lower-case letters, digits and hyphens, starting and ending "
                "with a letter or digit, such as harley-street."
            )
        )
    taken = db.session.scalar(db.select(Location.id).where(Location.slug == slug))
    if taken is not None and taken != other_than:
        raise LocationError(_("Another location has this address already."))
    return slug


def add(app: Flask, slug: str, values: Mapping[str, Any]) -> Location:
    """A new location with its own ``values`` (typed, by setting name; its
    name is needed). Audited; every process then runs it. Commits."""
    if not str(values.get("CLINIC_NAME", "")).strip():
        raise LocationError(_("A location needs a name."))
    location = Location(slug=check_slug(slug), values=_stored(app, values))
    db.session.add(location)
    db.session.flush()
    _in_force(app, location, "location_added", f"{values['CLINIC_NAME']} ({location.slug})")
    return location


def change(
    app: Flask, location: Location, values: Mapping[str, Any], slug: str | None = None
) -> list[str]:
    """Give ``location`` these own ``values`` (those left out or empty become
    the chain's) and, for any but the first, this ``slug``. Returns the names
    of what changed (``"address"`` for the slug); audited. Commits."""
    if location.id != FIRST_LOCATION and not str(values.get("CLINIC_NAME", "")).strip():
        raise LocationError(_("A location needs a name."))
    new = _stored(app, values)
    old = dict(location.values or {})
    changed = sorted(name for name in {*old, *new} if old.get(name) != new.get(name))
    if slug is not None and location.id != FIRST_LOCATION:
        slug = check_slug(slug, other_than=location.id)
        if slug != location.slug:
            changed.append("address")
            location.slug = slug
    if not changed:
        return changed
    location.values = new
    _in_force(app, location, "location_changed", f"{location.slug}: {', '.join(changed)}")
    return changed


def _in_force(app: Flask, location: Location, action: str, detail: str) -> None:
    """Audit what was done to ``location``, commit it, and have every process
    use it."""
    from kiosk.clinic import saved_settings

    audit.add_entry(action, detail=detail, location_id=location.id)
    saved_settings.touch(app)


def _stored(app: Flask, values: Mapping[str, Any]) -> dict[str, Any]:
    from kiosk.clinic.saved_settings import logo_as_stored, stored_form

    kept: dict[str, Any] = {}
    for name, value in values.items():
        if name not in OWN_SETTINGS:
            raise KeyError(f"{name} is not a setting a location may have of its own")
        if value in (None, "", (), []):
            continue
        kept[name] = stored_form(value)
        if name == "CLINIC_LOGO":
            kept[name] = logo_as_stored(app.instance_path, value)
    return kept
