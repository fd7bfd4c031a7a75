"""The clinic's own settings, changed by an admin on the settings page.

Where a clinic setting's value comes from (later wins):

1. the schema's default (``kiosk/clinic/settings.py``);
2. ``instance/config.py``;
3. the settings page, kept in the database (one ``ClinicSettings`` row);
4. a ``KIOSK_<NAME>`` environment variable, or the ``config`` given to
   ``create_app``: the setting is then *locked*, shown on the page but not
   changeable there.

Deployment settings (address, database, secrets, queue) are never on the page.

Every process applies the stored values again when their revision changes: the
web server looks, before a request, at most every ``POLL_SECONDS`` (at every
request under ``TESTING``); the render worker and the commands that read the
clinic's settings look each time they start their work (:func:`refresh`).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from kiosk.clinic.settings import RETIRED, SETTINGS, Setting, SettingError, in_group, policy
from kiosk.core.content_folder import Content
from kiosk.core.flow import Flow
from kiosk.core.plan import PlanEngine
from kiosk.data import audit
from kiosk.data.database import db
from kiosk.data.models import ClinicSettings

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
ROW_ID = 1


def names() -> tuple[str, ...]:
    """Every clinic setting, in the schema's order."""
    return tuple(setting.name for setting in in_group("clinic"))


@dataclass
class Applied:
    """What this process applied: the values before the page's, the locked
    names, and the revision of the stored values last applied."""

    base: dict[str, Any]
    locked: frozenset[str]
    revision: int | None = None
    checked_at: float = -math.inf
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask, locked: set[str]) -> None:
    app.extensions["kiosk.clinic.saved_settings"] = Applied(
        base={name: app.config[name] for name in names()},
        locked=frozenset(locked) & set(names()),
    )

    @app.before_request
    def apply_changed_settings() -> None:
        refresh(current_app, poll=0 if current_app.testing else POLL_SECONDS)


def locked(app: Flask) -> frozenset[str]:
    return app.extensions["kiosk.clinic.saved_settings"].locked


def stored() -> ClinicSettings | None:
    return db.session.get(ClinicSettings, ROW_ID)


def refresh(app: Flask, poll: float = 0) -> None:
    """Apply the stored values if they changed since this process last did
    (looking at most once every ``poll`` seconds). A database without the
    table yet (before its migration) has no stored values."""
    state: Applied = app.extensions["kiosk.clinic.saved_settings"]
    now = time.monotonic()
    if now - state.checked_at < poll:
        return
    state.checked_at = now
    try:
        revision = db.session.scalar(
            db.select(ClinicSettings.revision).where(ClinicSettings.id == ROW_ID)
        )
    except SQLAlchemyError:
        db.session.rollback()
        return
    if revision is None or revision == state.revision:
        return
    with state.lock:
        row = stored()
        if row is not None and row.revision != state.revision:
            _apply(app, row.values, row.revision)


def engines(content: Content, config: Mapping[str, Any]) -> tuple[Flow, PlanEngine]:
    """The flow and plan engine of a clinic with these settings: patients are
    asked only about what the clinic offers; the plan engine keeps the whole
    questionnaire, for stored answers of every kind."""
    clinic_policy = policy(config)
    questionnaire = content.questionnaire.with_policy(clinic_policy.as_dict())
    return (
        Flow(questionnaire.as_offered(clinic_policy.treatments)),
        PlanEngine(  # fills the questionnaire in itself
            content.questionnaire,
            content.rules,
            clinic_policy,
            holidays_region=config["HOLIDAYS_REGION"],
            closed_dates=config["CLOSED_DATES"],
        ),
    )


def with_changes(app: Flask, values: Mapping[str, Any]) -> dict[str, Any]:
    """The clinic settings in force with ``values`` (as stored) over the
    start-up ones; locked settings keep their value."""
    state: Applied = app.extensions["kiosk.clinic.saved_settings"]
    config = dict(state.base)
    for name, value in values.items():
        if name in state.base and name not in state.locked:
            if name == "CLINIC_LOGO":
                value = logo_on_disk(app.instance_path, value)
            try:
                config[name] = SETTINGS[name].parse(value)
            except SettingError as exc:  # the schema changed since it was stored
                log.warning("stored clinic setting ignored: %s", exc.message)
    return config


def use_engines(app: Flask) -> None:
    """The flow and plan engine of the clinic's settings in force, and the
    minutes Welcome says the questionnaire takes with them."""
    # Imported here: the patient blueprint's modules import this one.
    from kiosk.clinic import locations, time_needed

    flow, engine = engines(app.extensions["kiosk.core.content"], app.config)
    app.extensions["kiosk.core.flow"], app.extensions["kiosk.core.plan"] = flow, engine
    app.extensions[time_needed.EXTENSION] = time_needed.minutes_needed(flow, engine, app.config)
    locations.forget(app)  # each location's settings are over these


def _apply(app: Flask, values: Mapping[str, Any], revision: int) -> None:
    app.config.update(with_changes(app, values))
    use_engines(app)
    app.extensions["kiosk.clinic.saved_settings"].revision = revision


def save(
    app: Flask, changes: Mapping[str, Any], section: str | None = None
) -> dict[str, tuple[Any, Any]]:
    """Keep ``changes`` (typed values by name; locked ones refused by the
    caller) and apply them in this process; every other setting kept keeps its
    value. Every change gets an audit entry with its old and new value, after
    the name of the settings page's ``section`` it was saved from, if given.
    Returns what changed, as (old, new) by name. Commits."""
    state: Applied = app.extensions["kiosk.clinic.saved_settings"]
    row = stored() or ClinicSettings(id=ROW_ID, values={}, revision=0)
    # A setting the kiosk no longer has is ignored when applied, and dropped here.
    values = {k: v for k, v in (row.values or {}).items() if k not in RETIRED}
    changed: dict[str, tuple[Any, Any]] = {}
    for name, new in changes.items():
        if name in state.locked:
            raise ValueError(f"{name} is locked by the environment")
        old = app.config[name]
        if new == old:
            continue
        changed[name] = (old, new)
        values[name] = stored_form(new)
        if name == "CLINIC_LOGO":
            values[name] = logo_as_stored(app.instance_path, new)
        setting = SETTINGS[name]
        detail = f"{name}: {_shown(old, setting)} → {_shown(new, setting)}"
        audit.add_entry("setting_changed", detail=f"{section} – {detail}" if section else detail)
    if not changed:
        return changed
    row.values = values
    row.revision += 1
    db.session.add(row)
    db.session.commit()
    with state.lock:
        _apply(app, row.values, row.revision)
    return changed


def touch(app: Flask) -> None:
    """Something the settings in force are made from changed besides the
    page's values (a location was added or changed): every process applies
    them again, as after a save. Commits."""
    state: Applied = app.extensions["kiosk.clinic.saved_settings"]
    row = stored() or ClinicSettings(id=ROW_ID, values={}, revision=0)
    row.revision += 1
    db.session.add(row)
    db.session.commit()
    with state.lock:
        _apply(app, row.values, row.revision)


def logo_as_stored(instance_path: str | Path, path: str) -> str:
    """The logo's path as it is kept: relative to the instance folder when it
    is inside it (an uploaded logo, ``branding/logo-….png``), so that a backup
    restored into another instance folder finds its logo; else as it is."""
    if not path:
        return path
    try:
        return Path(path).resolve().relative_to(Path(instance_path).resolve()).as_posix()
    except ValueError:
        return path


def logo_on_disk(instance_path: str | Path, value: Any) -> Any:
    """A kept logo path as a file's path: a relative one is in the instance
    folder. An absolute one kept by an older version names an uploaded logo
    (``…/branding/logo-<hash>.png``) in whatever folder the instance had then:
    when that file is gone, this instance's own copy of it is used."""
    if not isinstance(value, str) or not value:
        return value
    path = Path(value)
    if not path.is_absolute():
        return str(Path(instance_path) / path)
    if not path.is_file() and path.parent.name == "branding":
        own = Path(instance_path) / "branding" / path.name
        if own.is_file():
            return str(own)
    return value


def stored_form(value: Any) -> Any:
    """A typed value as JSON keeps it (a tuple becomes a list, a date its ISO form)."""
    if isinstance(value, tuple):
        return [v.isoformat() if isinstance(v, dt.date) else v for v in value]
    return value


def _shown(value: Any, setting: Setting) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(v.isoformat() if isinstance(v, dt.date) else v for v in value) or "(none)"
    if value is None or value == "":
        return "(empty)"
    if setting.secret:
        return "(hidden)"  # a password is never written out, not even here
    if setting.file:
        return PurePath(value).name  # where the server keeps an upload is not news
    return str(value)
