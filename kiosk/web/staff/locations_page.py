"""The chain's locations (admins), a part of the settings: each location with
the address its tablets open, a form to add one, and a page per location for
the settings it has of its own (``kiosk/clinic/locations.py``).

The first location's settings are the settings page's own; another's are
those it is given here, and where it is given none, the first location's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice

from kiosk.clinic import branding, locations
from kiosk.clinic.settings import SETTINGS
from kiosk.core.i18n import gettext as _
from kiosk.core.i18n import lazy_gettext
from kiosk.data.models import Location, numbered
from kiosk.web.auth import admin_required
from kiosk.web.staff import bp
from kiosk.web.staff.settings_page import (
    Group,
    _field,
    _shown,
    read_field,
    sections,
)


@dataclass(frozen=True)
class LocationSection:
    """A location's own settings, in the groups the settings' fields template shows."""

    key: str
    groups: tuple[Group, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for group in self.groups for name in group.names)


OWN = LocationSection(
    "location",
    (
        Group(lazy_gettext("Name and contact details"), locations.CONTACT),
        Group(lazy_gettext("Logo and colour"), locations.BRAND),
        Group(lazy_gettext("Planning sessions"), locations.PLANNING),
        Group(lazy_gettext("Languages"), locations.LANGUAGES),
    ),
)
# Added with its address: the name, and what a patient's copy needs.
FIRST_FIELDS = ("CLINIC_NAME", "CLINIC_ADDRESS", "CLINIC_PHONE")
SLUG_HINT = lazy_gettext(
    "The end of the address its tablets open, such as harley-street: lower-case letters, "
    "digits and hyphens."
)


def welcome_address(place: locations.Place) -> str:
    """The address a location's tablets open, as this server is reached."""
    return request.host_url.rstrip("/") + request.script_root + place.path


def _location(location_id: int) -> Location:
    return numbered(Location, location_id) or abort(404)


def _chain_hints(form: FlaskForm) -> dict[str, str]:
    """Under each field: what leaving it empty means (the chain's value, as
    the field would show it)."""
    chain = current_app.config
    hints: dict[str, str] = {}
    for name in OWN.names:
        setting, value = SETTINGS[name], chain[name]
        labels = {str(c.value): str(c.label) for c in getattr(form[name], "choices", None) or ()}
        if name == "CLINIC_LOGO":
            hints[name] = _("Without one of its own, the chain's logo.")
        elif name == "CLOSED_DATES":
            hints[name] = _("Added to the chain's closed dates, which apply here too.")
        elif setting.type is tuple:
            shown = ", ".join(labels.get(v, v) for v in value)
            hints[name] = _("None ticked: the chain's, %(value)s.", value=shown)
        elif value in (None, ""):
            hints[name] = _("Empty: the chain's (none set).")
        else:
            shown = labels.get(str(value)) or _shown(setting, value)
            hints[name] = _("Empty: the chain's, “%(value)s”.", value=shown)
    return hints


def own_form(values: dict[str, Any], names: tuple[str, ...] = OWN.names) -> FlaskForm:
    """A form of a location's own settings: every field may be left empty."""

    class LocationForm(FlaskForm):
        slug = StringField(lazy_gettext("Address"))

    for name in names:
        field = _field(SETTINGS[name])
        if field.field_class.__name__ == "SelectField":
            # Empty: the chain's choice.
            choices = [SelectChoice("", _("The chain's")), *field.kwargs["choices"]]
            field.kwargs["choices"] = choices
        setattr(LocationForm, name, field)
    shown = {
        name: _shown(SETTINGS[name], values[name]) if name in values else None for name in names
    }
    return LocationForm(data=shown)


def read_own(form: FlaskForm, names: tuple[str, ...], kept: dict[str, Any]) -> dict[str, Any]:
    """The location's own settings as typed: an empty field is left out (the
    chain's then holds); a value that does not fit gets its field's error.
    ``kept``: its own values so far (its logo stays unless removed or replaced)."""
    values: dict[str, Any] = {}
    for name in names:
        field = form[name]
        if name == "CLINIC_LOGO":
            read_field(field, values)
            if name not in values and kept.get(name):
                values[name] = kept[name]
            continue
        raw = field.data
        if raw is None or raw == [] or (isinstance(raw, str) and not raw.strip()):
            continue
        read_field(field, values)
    return values


def read_location(
    form: FlaskForm, names: tuple[str, ...], kept: dict[str, Any], location_id: int | None = None
) -> tuple[dict[str, Any], str]:
    """A location's form as typed: its own settings (see :func:`read_own`),
    its name among them, and its slug, free or its own (``location_id``);
    what does not fit gets its field's error."""
    values = read_own(form, names, kept)
    if "CLINIC_NAME" not in values and not form["CLINIC_NAME"].errors:
        form["CLINIC_NAME"].errors = [_("Give the location its name.")]
    slug = ""
    try:
        slug = locations.check_slug(form.slug.data, other_than=location_id)
    except locations.LocationError as exc:
        form.slug.errors = [exc.message]
    return values, slug


def _errors(form: FlaskForm, names: tuple[str, ...]) -> list:
    fields = [form["slug"]] if form["slug"].errors else []
    return fields + [form[name] for name in names if form[name].errors]


def _add_section() -> LocationSection:
    return LocationSection("new", (Group(None, FIRST_FIELDS),))


@bp.route("/settings/locations", methods=["GET", "POST"])
@admin_required
def locations_list():
    """The locations and their tablets' addresses; adding one."""
    app = current_app._get_current_object()
    form = own_form({}, FIRST_FIELDS)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            values, slug = read_location(form, FIRST_FIELDS, {})
            if not _errors(form, FIRST_FIELDS):
                location = locations.add(app, slug, values)
                flash(
                    _(
                        "Added %(name)s. Its tablets open %(address)s.",
                        name=values["CLINIC_NAME"],
                        address=welcome_address(locations.place(location.id)),
                    )
                )
                return redirect(url_for("staff.location_page", location_id=location.id), 303)
        status = 422
    return render_template(
        "staff/locations.html",
        sections=sections(),
        places=list(locations.places().values()),
        welcome_address=welcome_address,
        form=form,
        section=_add_section(),
        hints={"CLINIC_NAME": _("Patients see it on every screen and on their copy.")},
        slug_hint=SLUG_HINT,
        locked=frozenset(),
        errors=_errors(form, FIRST_FIELDS),
        expired=bool(form.csrf_token.errors),
    ), status


@bp.route("/settings/locations/<int:location_id>", methods=["GET", "POST"])
@admin_required
def location_page(location_id: int):
    """A location's own settings (not the first's: its are the settings page's)."""
    location = _location(location_id)
    place = locations.place(location.id)
    page = functools.partial(
        render_template,
        "staff/location.html",
        sections=sections(),
        place=place,
        address=welcome_address(place),
    )
    if place.first:
        return page(form=None)
    # A logo may come with the form: more than the other pages' requests.
    request.max_content_length = request.max_form_memory_size = 2 * branding.LOGO_BYTES
    app = current_app._get_current_object()
    form = own_form(dict(place.own))
    if request.method == "GET":
        form.slug.data = location.slug
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            values, slug = read_location(form, OWN.names, dict(place.own), location.id)
            if not _errors(form, OWN.names):
                changed = locations.change(app, location, values, slug=slug)
                flash(
                    _("Saved. Its tablets use it from now on.")
                    if changed
                    else _("Nothing was changed.")
                )
                return redirect(url_for("staff.location_page", location_id=location.id), 303)
        status = 422
    own_logo = branding.logo_file(place.own.get("CLINIC_LOGO", ""))
    return page(
        form=form,
        section=OWN,
        hints=_chain_hints(form),
        remove_logo_label=_("Remove its own logo (the chain's instead)"),
        slug_hint=SLUG_HINT,
        locked=frozenset(),
        errors=_errors(form, OWN.names),
        expired=bool(form.csrf_token.errors),
        unsaved=request.method == "POST",
        # Its own logo, which it may drop for the chain's.
        brand_logo_url=url_for(
            "staff.location_logo", location_id=location.id, version=branding.logo_version(own_logo)
        )
        if own_logo
        else None,
        pending_logo=None,
        preview=None,
    ), status


@bp.route("/settings/locations/<int:location_id>/logo/<version>")
@admin_required
def location_logo(location_id: int, version: str):
    """A location's own logo, as its tablets' pages show it."""
    logo = branding.logo_file(locations.place(_location(location_id).id).own.get("CLINIC_LOGO", ""))
    if logo is None:
        abort(404)
    response = branding.logo_response(logo)
    response.cache_control.public, response.cache_control.private = False, True
    return response
