"""The clinic settings page (admins): every clinic setting of the schema, in
sections, with the ones an environment variable forces shown as locked.

The form is built per request from the schema (``kiosk/clinic/settings.py``); a value
is read by its setting's own ``parse``, as the start-up settings are, and what
changes is kept and applied by ``kiosk/clinic/saved_settings.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FileField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from kiosk.clinic import branding, saved_settings
from kiosk.clinic.settings import SETTINGS, CheckFailed, Setting, SettingError, parse_day
from kiosk.core.i18n import LazyString, current_language, lazy_gettext, ngettext
from kiosk.core.i18n import gettext as _
from kiosk.core.policy import WEEKDAYS
from kiosk.records import settings_preview
from kiosk.web.auth import admin_required
from kiosk.web.forms import EmptyForm
from kiosk.web.staff import bp

# The page's sections, in order: (heading, settings). A clinic setting left
# out of every section is shown under "Other settings" (tests/test_settings_page.py
# checks that each one is on the page).
SECTIONS: tuple[tuple[LazyString, tuple[str, ...]], ...] = (
    (
        lazy_gettext("The clinic"),
        ("CLINIC_NAME", "CLINIC_ADDRESS", "CLINIC_PHONE", "CLINIC_EMAIL", "CLINIC_BOOKING_URL"),
    ),
    (
        lazy_gettext("Treatments offered"),
        ("POLICY_OFFERS_RF", "POLICY_HOME_ROLLER_INFORMATION"),
    ),
    (lazy_gettext("Logo and colour"), ("CLINIC_LOGO", "BRAND_COLOUR")),
    (
        lazy_gettext("Languages and paper"),
        ("PATIENT_LANGUAGES", "PATIENT_LANGUAGE", "CLINIC_LANGUAGE", "PAPER_SIZE"),
    ),
    (
        lazy_gettext("Planning sessions"),
        (
            "POLICY_OPENING_DAYS",
            "HOLIDAYS_REGION",
            "CLOSED_DATES",
            "POLICY_SESSION_SPACING_WEEKS",
            "POLICY_LAST_SESSION_WEEKS_BEFORE_EVENT",
        ),
    ),
    (
        lazy_gettext("Kiosk timings"),
        ("IDLE_SECONDS", "IDLE_WARNING_SECONDS", "DONE_SECONDS"),
    ),
    (
        lazy_gettext("Summary e-mail"),
        (
            "MAIL_SEND",
            "MAIL_SERVER",
            "MAIL_PORT",
            "MAIL_USE_TLS",
            "MAIL_USE_SSL",
            "MAIL_USERNAME",
            "MAIL_PASSWORD",
            "MAIL_DEFAULT_SENDER",
        ),
    ),
    (
        lazy_gettext("Keeping data"),
        ("RETENTION_DAYS", "DRAFT_RETENTION_HOURS", "STAFF_IDLE_MINUTES", "STAFF_SESSION_HOURS"),
    ),
)
# What to type, under a field's label.
HINTS = {
    "HOLIDAYS_REGION": lazy_gettext(
        "For example GB-ENG, US-CA, ES-MD or MX. Leave it empty for no public holidays."
    ),
    "CLOSED_DATES": lazy_gettext("One date a line, day/month/year, such as 24/12/2026."),
    "MAIL_SERVER": lazy_gettext(
        "The clinic's own mail server, such as mail.example.com. Leave it empty to send no "
        "e-mail. Check the settings with: flask --app kiosk mail test ADDRESS"
    ),
    "MAIL_PASSWORD": lazy_gettext("Never shown again. Leave it empty to keep the password saved."),
}
# The choices of MAIL_SEND, in words.
MAIL_SEND_LABELS = {
    "after_review": lazy_gettext("Once staff mark the consultation reviewed"),
    "at_once": lazy_gettext("At once, as soon as the patient's copy is ready"),
}
# Every other POLICY_ setting: the screening, preparation and aftercare windows.
WINDOWS_HEADING = lazy_gettext("Screening, preparation and aftercare windows")
OTHER_HEADING = lazy_gettext("Other settings")


@dataclass(frozen=True)
class Section:
    heading: LazyString
    settings: tuple[Setting, ...]


def sections() -> list[Section]:
    """The page's sections, with every clinic setting in one of them."""
    placed = {name for _heading, names in SECTIONS for name in names}
    clinic = saved_settings.names()
    result = [Section(heading, tuple(SETTINGS[n] for n in names)) for heading, names in SECTIONS]
    windows = tuple(SETTINGS[n] for n in clinic if n.startswith("POLICY_") and n not in placed)
    others = tuple(SETTINGS[n] for n in clinic if not n.startswith("POLICY_") and n not in placed)
    result.append(Section(WINDOWS_HEADING, windows))
    if others:
        result.append(Section(OTHER_HEADING, others))
    return result


class MultiCheckboxField(SelectMultipleField):
    """Choices shown as checkboxes (the template renders them)."""


def _choices(setting: Setting) -> list[SelectChoice]:
    if setting.name in ("CLINIC_LANGUAGE", "PATIENT_LANGUAGE", "PATIENT_LANGUAGES"):
        language = current_language()
        return [
            SelectChoice(code, Locale.parse(code).get_display_name(language).capitalize())
            for code in setting.options()
        ]
    if tuple(setting.options()) == WEEKDAYS:
        names = Locale.parse(current_language()).days["format"]["wide"]
        return [SelectChoice(day, names[n].capitalize()) for n, day in enumerate(WEEKDAYS)]
    if setting.name == "MAIL_SEND":
        return [SelectChoice(option, str(MAIL_SEND_LABELS[option])) for option in setting.options()]
    return [SelectChoice(option) for option in setting.options()]


def _field(setting: Setting) -> Field:
    label = _(setting.description)
    if setting.name == "CLINIC_LOGO":  # uploaded: see read_form
        return FileField(label)
    if setting.secret:  # never sent back to the browser (PasswordField shows no value)
        return PasswordField(label, render_kw={"autocomplete": "new-password"})
    if setting.type is bool:
        return BooleanField(label)
    if setting.type is dt.date:
        return TextAreaField(label)
    if setting.type is tuple:
        # The schema checks the choice, with the page's own message.
        return MultiCheckboxField(label, choices=_choices(setting), validate_choice=False)
    if setting.choices:
        return SelectField(label, choices=_choices(setting), validate_choice=False)
    return StringField(label)


def settings_form(values: dict[str, Any]) -> FlaskForm:
    """The form, one field per clinic setting, holding the posted values on a
    POST and ``values`` otherwise."""

    class SettingsForm(FlaskForm):
        pass

    for name in saved_settings.names():
        setattr(SettingsForm, name, _field(SETTINGS[name]))
    shown = {name: _shown(SETTINGS[name], value) for name, value in values.items()}
    return SettingsForm(data=shown)


def _shown(setting: Setting, value: Any) -> Any:
    if setting.type is dt.date:
        return "\n".join(day.strftime("%d/%m/%Y") for day in value)
    if setting.type is tuple:
        return list(value)
    if setting.type in (int, float):
        return "" if value is None else str(value)
    return value


def problem(setting: Setting) -> str:
    """What to enter instead, in the page's language."""
    if setting.type in (int, float):
        low, high = setting.minimum, setting.maximum
        if low is not None and high is not None:
            return _("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)
        if low is not None:
            return _("Enter a whole number, %(low)d or more.", low=low)
        return _("Enter a whole number.")
    if setting.name == "HOLIDAYS_REGION":
        return _(
            "Enter a country or country-region code that the holidays list has, such as "
            "GB-ENG, US-CA, ES-MD or MX, or leave it empty."
        )
    if setting.type is tuple:
        return _("Choose at least one of the options.")
    if setting.choices:
        return _("Choose one of the options.")
    return _("This cannot be left empty.")


def read_form(form: FlaskForm, locked: frozenset[str]) -> dict[str, Any]:
    """The typed value of every setting not locked; a value that does not fit
    gets its field's error (and is left out)."""
    values: dict[str, Any] = {}
    for name in saved_settings.names():
        if name in locked:
            continue
        setting, field = SETTINGS[name], form[name]
        raw = field.data
        if name == "CLINIC_LOGO":
            _read_logo(field, values)
            continue
        if name == "BRAND_COLOUR":
            try:
                values[name] = branding.check_colour(raw or "")
            except branding.ColourError as exc:
                field.errors = [exc.message]
            continue
        if setting.type is dt.date:
            _read_days(field, values)
            continue
        if setting.secret and not raw:
            continue  # left empty: the saved one stays
        if setting.raise_to_minimum and not _at_least(raw, setting.minimum):
            # The page refuses what the start-up settings would raise.
            field.errors = [problem(setting)]
            continue
        try:
            values[name] = setting.parse(raw)
        except SettingError:
            field.errors = [problem(setting)]
    _one_secure_connection(form, locked, values)
    return values


def _one_secure_connection(form: FlaskForm, locked: frozenset[str], values: dict[str, Any]) -> None:
    """TLS and SSL are two ways of securing the connection: not both."""
    chosen = {
        name: values.get(name, current_app.config[name])
        for name in ("MAIL_USE_TLS", "MAIL_USE_SSL")
    }
    if all(chosen.values()):
        field = form["MAIL_USE_SSL" if "MAIL_USE_SSL" not in locked else "MAIL_USE_TLS"]
        field.errors = [
            _(
                "Choose TLS or SSL, not both: SSL for a server that expects it from the start "
                "(usually port 465), TLS for port 587."
            )
        ]
        values.pop("MAIL_USE_TLS", None)
        values.pop("MAIL_USE_SSL", None)


def _read_days(field: Field, values: dict[str, Any]) -> None:
    """Dates typed one a line (or separated by commas); the first that is no
    date is named in the field's error."""
    entries = (field.data or "").replace(",", "\n").split()
    for entry in entries:
        try:
            parse_day(entry)
        except CheckFailed:
            field.errors = [
                _(
                    "“%(entry)s” is not a date. Type each date as day/month/year, such as "
                    "24/12/2026.",
                    entry=entry,
                )
            ]
            return
    values[field.name] = SETTINGS[field.name].parse(entries)


def _at_least(raw: Any, minimum: float) -> bool:
    try:
        return float(raw) >= minimum
    except (TypeError, ValueError):
        return False


def _read_logo(field: Field, values: dict[str, Any]) -> None:
    """A logo uploaded is checked and kept (its path is the setting); "remove"
    empties the setting; otherwise it stays as it is."""
    upload = request.files.get(field.name)
    if upload and upload.filename:
        try:
            path = branding.store_logo(
                current_app.instance_path, upload.read(), filename=upload.filename
            )
        except branding.LogoError as exc:
            field.errors = [exc.message]
            return
        values[field.name] = str(path)
    elif request.form.get("remove_logo"):
        values[field.name] = ""
    elif kept := branding.kept_logo(current_app.instance_path, request.form.get("pending_logo")):
        values[field.name] = str(kept)  # uploaded with a preview, saved now


def _locked_values(form: FlaskForm, locked: frozenset[str]) -> None:
    # A disabled field is not sent: show what the environment forces.
    for name in locked:
        form[name].data = _shown(SETTINGS[name], current_app.config[name])


def _errors(form: FlaskForm) -> Iterator[Field]:
    return (form[name] for name in saved_settings.names() if form[name].errors)


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    # A logo may come with the form: more than the other pages' requests.
    request.max_content_length = request.max_form_memory_size = 2 * branding.LOGO_BYTES
    app = current_app._get_current_object()
    locked = saved_settings.locked(app)
    current = {name: app.config[name] for name in saved_settings.names()}
    form = settings_form(current)
    status, preview, values = 200, None, {}
    if request.method == "POST":
        if form.validate_on_submit():
            values = read_form(form, locked)
            if not any(_errors(form)) and request.form.get("action") == "preview":
                # The preview makes a sample PDF: no secret needs to be kept with it.
                shown = {k: v for k, v in values.items() if not SETTINGS[k].secret}
                preview = settings_preview.start(app, shown)
            elif not any(_errors(form)):
                changed = saved_settings.save(app, values)
                if changed:
                    flash(
                        ngettext(
                            "Saved: %(num)d setting changed. The kiosk uses it from now on.",
                            "Saved: %(num)d settings changed. The kiosk uses them from now on.",
                            len(changed),
                        )
                    )
                else:
                    flash(_("Nothing was changed."))
                return redirect(url_for("staff.settings"), 303)
        if preview is None:
            status = 422
    _locked_values(form, locked)
    return render_template(
        "staff/settings.html",
        form=form,
        sections=sections(),
        hints=HINTS,
        locked=locked,
        errors=list(_errors(form)),
        expired=bool(form.csrf_token.errors),
        preview=preview,
        preview_ready=False,
        pending_logo=Path(values["CLINIC_LOGO"]).name
        if preview and values.get("CLINIC_LOGO")
        else None,
    ), status


def _preview_settings(token: str) -> dict[str, Any]:
    settings = settings_preview.settings_of(current_app._get_current_object(), token)
    if settings is None:
        abort(404)
    return settings


@bp.route("/settings/preview/<token>/welcome")
@admin_required
def preview_welcome(token: str):
    """Welcome as patients would see it with the preview's settings."""
    settings = _preview_settings(token)
    from kiosk.web.patient.routes import language_form

    return render_template(
        "patient/welcome.html",
        config={**current_app.config, **settings},
        start_form=EmptyForm(),
        language_form=language_form(),
        preview=True,
    )


@bp.route("/settings/preview/<token>/pdf")
@admin_required
def preview_pdf_status(token: str):
    """The preview's sample PDF: a link once ready (htmx asks again until then)."""
    _preview_settings(token)
    ready = settings_preview.pdf_path(current_app._get_current_object(), token) is not None
    return render_template("staff/_settings_preview.html", preview=token, preview_ready=ready)


@bp.route("/settings/preview/<token>/sample.pdf")
@admin_required
def preview_pdf(token: str):
    path = settings_preview.pdf_path(current_app._get_current_object(), token)
    if path is None:
        abort(404)
    return send_file(path, mimetype="application/pdf", download_name="sample-patient-copy.pdf")
