"""The clinic settings page (admins): every clinic setting of the schema, in
sections, with the ones an environment variable forces shown as locked.

The form is built per request from the schema (``kiosk/clinic/settings.py``); a value
is read by its setting's own ``parse``, as the start-up settings are, and what
changes is kept and applied by ``kiosk/clinic/saved_settings.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace
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
from kiosk.core import i18n
from kiosk.core.i18n import LazyString, current_language, lazy_gettext, ngettext
from kiosk.core.i18n import gettext as _
from kiosk.core.policy import WEEKDAYS
from kiosk.records import settings_preview
from kiosk.web.auth import admin_required
from kiosk.web.forms import EmptyForm
from kiosk.web.staff import bp


@dataclass(frozen=True)
class Group:
    """Settings shown together in a section, under a heading of their own
    (None: the section's one group)."""

    heading: LazyString | None
    names: tuple[str, ...]

    @property
    def settings(self) -> tuple[Setting, ...]:
        return tuple(SETTINGS[name] for name in self.names)

    @property
    def numbers(self) -> bool:
        """Whether each of its settings is a number (short fields, shown side by side)."""
        return all(SETTINGS[name].type in (int, float) for name in self.names)


@dataclass(frozen=True)
class Section:
    """A part of the page shown and saved on its own, at ``/staff/settings/<key>``.
    ``preview``: what it holds shows on Welcome or the sample patient copy."""

    key: str
    heading: LazyString
    summary: LazyString
    groups: tuple[Group, ...]
    preview: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for group in self.groups for name in group.names)

    @property
    def settings(self) -> tuple[Setting, ...]:
        return tuple(SETTINGS[name] for name in self.names)


# Every POLICY_ setting not named below: the screening, preparation and aftercare windows.
WINDOWS_HEADING = lazy_gettext("Screening, preparation and aftercare windows")

# The page's sections, in order. Every clinic setting is in exactly one
# (tests/test_settings_page.py checks it): a POLICY_ setting not named here
# joins the policy section's windows.
SECTIONS: tuple[Section, ...] = (
    Section(
        "clinic",
        lazy_gettext("The clinic"),
        lazy_gettext("Name, address, phone, email and booking page."),
        (
            Group(
                None,
                (
                    "CLINIC_NAME",
                    "CLINIC_ADDRESS",
                    "CLINIC_PHONE",
                    "CLINIC_EMAIL",
                    "CLINIC_BOOKING_URL",
                ),
            ),
        ),
    ),
    Section(
        "branding",
        lazy_gettext("Logo and colour"),
        lazy_gettext("The logo and brand colour of the kiosk's screens and both PDFs."),
        (Group(None, ("CLINIC_LOGO", "BRAND_COLOUR")),),
    ),
    Section(
        "policy",
        lazy_gettext("Treatments and policy"),
        lazy_gettext(
            "Treatments offered, the consent, the days sessions may fall on, and the "
            "screening, preparation and aftercare windows."
        ),
        (
            Group(
                lazy_gettext("Treatments offered"),
                ("POLICY_OFFERS_RF", "POLICY_HOME_ROLLER_INFORMATION", "CONSENT_ON"),
            ),
            Group(
                lazy_gettext("Planning sessions"),
                (
                    "POLICY_OPENING_DAYS",
                    "HOLIDAYS_REGION",
                    "CLOSED_DATES",
                    "POLICY_SESSION_SPACING_WEEKS",
                    "POLICY_LAST_SESSION_WEEKS_BEFORE_EVENT",
                ),
            ),
        ),
    ),
    Section(
        "languages",
        lazy_gettext("Languages and paper"),
        lazy_gettext("The languages patients may choose, the staff's language and the paper size."),
        (Group(None, ("PATIENT_LANGUAGES", "PATIENT_LANGUAGE", "CLINIC_LANGUAGE", "PAPER_SIZE")),),
    ),
    Section(
        "mail",
        lazy_gettext("Summary e-mail"),
        lazy_gettext("The mail server that e-mails patients their summary, and when it does."),
        (
            Group(
                None,
                (
                    "MAIL_SERVER",
                    "MAIL_PORT",
                    "MAIL_USE_TLS",
                    "MAIL_USE_SSL",
                    "MAIL_USERNAME",
                    "MAIL_PASSWORD",
                    "MAIL_DEFAULT_SENDER",
                    "MAIL_SEND",
                ),
            ),
        ),
        preview=False,  # nothing of it shows on Welcome or the patient's copy
    ),
    Section(
        "retention",
        lazy_gettext("Keeping data and timeouts"),
        lazy_gettext(
            "How long answers and consultations are kept, and how long a kiosk screen or a "
            "staff session stays open."
        ),
        (
            Group(lazy_gettext("Keeping data"), ("RETENTION_DAYS", "DRAFT_RETENTION_HOURS")),
            Group(
                lazy_gettext("Kiosk timings"),
                ("IDLE_SECONDS", "IDLE_WARNING_SECONDS", "DONE_SECONDS"),
            ),
            Group(lazy_gettext("Staff sessions"), ("STAFF_IDLE_MINUTES", "STAFF_SESSION_HOURS")),
        ),
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


def sections() -> tuple[Section, ...]:
    """The page's sections, the policy section with every window (the POLICY_
    settings named in no section)."""
    named = {name for section in SECTIONS for name in section.names}
    windows = tuple(
        name for name in saved_settings.names() if name.startswith("POLICY_") and name not in named
    )
    return tuple(
        replace(section, groups=(*section.groups, Group(WINDOWS_HEADING, windows)))
        if section.key == "policy"
        else section
        for section in SECTIONS
    )


def section_of(name: str) -> Section:
    """The section a clinic setting is in (KeyError: none)."""
    for section in sections():
        if name in section.names:
            return section
    raise KeyError(name)


def unplaced() -> tuple[str, ...]:
    """Clinic settings in no section: none, or the page would not show them."""
    placed = {name for section in sections() for name in section.names}
    return tuple(name for name in saved_settings.names() if name not in placed)


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


def settings_form(section: Section, values: dict[str, Any]) -> FlaskForm:
    """The section's form, one field per setting of it, holding the posted
    values on a POST and ``values`` otherwise."""

    class SettingsForm(FlaskForm):
        pass

    for name in section.names:
        setattr(SettingsForm, name, _field(SETTINGS[name]))
    shown = {name: _shown(SETTINGS[name], values[name]) for name in section.names}
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


def read_form(section: Section, form: FlaskForm, locked: frozenset[str]) -> dict[str, Any]:
    """The typed value of every setting of the section not locked; a value
    that does not fit gets its field's error (and is left out). The other
    sections' settings are neither read nor touched."""
    values: dict[str, Any] = {}
    for name in section.names:
        if name not in locked:
            read_field(form[name], values)
    if "MAIL_USE_SSL" in section.names:
        _one_secure_connection(form, locked, values)
    return values


def read_field(field: Field, values: dict[str, Any]) -> None:
    """The typed value of one setting's field, put in ``values`` by its name;
    a value that does not fit gets the field's error instead."""
    name = field.name
    setting, raw = SETTINGS[name], field.data
    if name == "CLINIC_LOGO":
        _read_logo(field, values)
        return
    if name == "BRAND_COLOUR":
        try:
            values[name] = branding.check_colour(raw or "")
        except branding.ColourError as exc:
            field.errors = [exc.message]
        return
    if setting.type is dt.date:
        _read_days(field, values)
        return
    if setting.secret and not raw:
        return  # left empty: the saved one stays
    if setting.raise_to_minimum and not _at_least(raw, setting.minimum):
        # The page refuses what the start-up settings would raise.
        field.errors = [problem(setting)]
        return
    try:
        values[name] = setting.parse(raw)
    except SettingError:
        field.errors = [problem(setting)]


def _one_secure_connection(form: FlaskForm, locked: frozenset[str], values: dict[str, Any]) -> None:
    """TLS and SSL are two ways of securing the connection: not both (both
    are in the mail section)."""
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
        if name in form:
            form[name].data = _shown(SETTINGS[name], current_app.config[name])


def _errors(section: Section, form: FlaskForm) -> Iterator[Field]:
    return (form[name] for name in section.names if form[name].errors)


@bp.route("/settings")
@admin_required
def settings():
    """The contents: each section, and what it holds."""
    return render_template("staff/settings.html", sections=sections(), section=None)


def _section(key: str) -> Section:
    for section in sections():
        if section.key == key:
            return section
    abort(404)


@bp.route("/settings/<key>", methods=["GET", "POST"])
@admin_required
def settings_section(key: str):
    """One section of the settings, saved on its own: a save reads and keeps
    only this section's settings, whatever else the request holds."""
    section = _section(key)
    # A logo may come with the form: more than the other pages' requests.
    request.max_content_length = request.max_form_memory_size = 2 * branding.LOGO_BYTES
    app = current_app._get_current_object()
    locked = saved_settings.locked(app)
    current = {name: app.config[name] for name in saved_settings.names()}
    form = settings_form(section, current)
    status, preview, values = 200, None, {}
    if request.method == "POST":
        if form.validate_on_submit():
            values = read_form(section, form, locked)
            wants_preview = section.preview and request.form.get("action") == "preview"
            if not any(_errors(section, form)) and wants_preview:
                # The saved settings with this section's typed over them. The
                # preview makes a sample PDF: no secret needs to be kept with it.
                shown = {
                    name: value
                    for name, value in (current | values).items()
                    if name not in locked and not SETTINGS[name].secret
                }
                preview = settings_preview.start(app, shown)
            elif not any(_errors(section, form)):
                changed = saved_settings.save(app, values, section=section.heading.message)
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
                return redirect(url_for("staff.settings_section", key=section.key), 303)
        if preview is None:
            status = 422
    _locked_values(form, locked)
    return render_template(
        "staff/settings.html",
        form=form,
        sections=sections(),
        section=section,
        hints=HINTS,
        locked=locked,
        errors=list(_errors(section, form)),
        expired=bool(form.csrf_token.errors),
        # What is on the page is not what is saved: leaving it asks first.
        unsaved=request.method == "POST",
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
    """Welcome as patients would see it with the preview's settings: its
    name, logo and colour included (the pages' own come from the saved ones)."""
    settings = _preview_settings(token)
    from kiosk.web.patient.routes import language_form

    logo = branding.logo_file(settings["CLINIC_LOGO"])
    return render_template(
        "patient/welcome.html",
        config={**current_app.config, **settings},
        clinic_name=lambda: i18n.clinic_name(settings["CLINIC_NAME"]),
        brand_css_url=url_for("staff.preview_css", token=token),
        brand_logo_url=url_for("staff.preview_logo", token=token) if logo else None,
        start_form=EmptyForm(),
        language_form=language_form(),
        preview=True,
    )


# A preview's settings never change: its token names its colour and logo.
@bp.route("/settings/preview/<token>/brand.css")
@admin_required
def preview_css(token: str):
    """The preview's colour, as the kiosk's /brand/….css serves the saved one."""
    response = branding.css_response(_preview_settings(token)["BRAND_COLOUR"])
    response.cache_control.public, response.cache_control.private = False, True
    return response


@bp.route("/settings/preview/<token>/logo")
@admin_required
def preview_logo(token: str):
    """The preview's logo, as the kiosk's /brand/logo/… serves the saved one."""
    logo = branding.logo_file(_preview_settings(token)["CLINIC_LOGO"])
    if logo is None:
        abort(404)
    response = branding.logo_response(logo)
    response.cache_control.public, response.cache_control.private = False, True
    return response


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
