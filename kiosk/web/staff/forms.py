"""Staff forms."""

from __future__ import annotations

import datetime as dt

from flask import g, request
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, Optional, ValidationError

from kiosk.clinic import locations
from kiosk.core.i18n import gettext as _
from kiosk.core.i18n import lazy_gettext
from kiosk.core.statuses import STATUS_LABELS
from kiosk.records.period import Period
from kiosk.web.accounts import MIN_PASSWORD_LENGTH
from kiosk.web.forms import clean_text

STATUSES = [
    SelectChoice("", lazy_gettext("Any status")),
    *(SelectChoice(status.value, label) for status, label in STATUS_LABELS.items()),
]


class LoginForm(FlaskForm):
    username = StringField(
        lazy_gettext("Username"),
        filters=[clean_text],
        validators=[
            DataRequired(lazy_gettext("Enter your username")),
            Length(max=60, message=lazy_gettext("Enter a username of 60 characters or fewer")),
        ],
    )
    password = PasswordField(
        lazy_gettext("Password"),
        filters=[clean_text],
        validators=[DataRequired(lazy_gettext("Enter your password"))],
    )


class NoteForm(FlaskForm):
    text = TextAreaField(
        lazy_gettext("Add a note"),
        filters=[clean_text],
        validators=[
            DataRequired(lazy_gettext("Write the note before saving it")),
            Length(max=4000, message=lazy_gettext("Keep a note under 4000 characters")),
        ],
    )


class WithdrawConsentForm(FlaskForm):
    reason = TextAreaField(
        lazy_gettext("Reason, if the patient gave one (optional)"),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=1000, message=lazy_gettext("Keep the reason under 1000 characters")),
        ],
    )


# The days a filter or a period may name: the server's day arithmetic (local
# midnight in UTC) fails at the ends of the calendar (year 1, year 9999).
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


class DayField(DateField):
    """A day typed as 21/11/2026, whatever the browser's own locale (a date
    input shows the browser's, mm/dd/yyyy on a US-English one); the ISO form
    is accepted too. A day before 2000 or after 2099 is refused."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%d/%m/%Y", "%Y-%m-%d"], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a date like 21/11/2026")) from None
        if self.data is not None and not FIRST_DAY <= self.data <= LAST_DAY:
            self.data = None
            raise ValueError(_("Choose a day from the year 2000 to 2099"))


class QueueFilter(FlaskForm):
    """The queue's search and filters: posted to keep names out of URLs, but
    reading only, and polled all day by an open page, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(
        lazy_gettext("Reference or first name"),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=60, message=lazy_gettext("Search for 60 characters or fewer")),
        ],
    )
    date_from = DayField(lazy_gettext("From"), validators=[Optional()])
    date_to = DayField(lazy_gettext("To"), validators=[Optional()])
    status = SelectField(lazy_gettext("Status"), choices=STATUSES, validators=[Optional()])


MAX_DAYS = 3653  # a period's longest: 10 years


class LocationFilter(FlaskForm):
    """In a chain, a choice of one location or all of them (``location``: its
    id; empty for all), read from the URL beside the other filters; when the
    URL has none, the location chosen in the staff header (``g.place``, see
    location_choice.py), else all of them. An installation with one location
    has no such field: its pages and what they read are as they were before
    there were locations."""

    class Meta:
        csrf = False

    location = SelectField(
        lazy_gettext("Location"),
        name="location",
        # WTForms' own "Not a valid choice" is in English only.
        validate_choice=False,
        validators=[Optional()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.chain = locations.chain()
        self.places: dict[int, locations.Place] = {}
        if not self.chain:
            del self.location
            return
        found = self.places = locations.places()
        self.location_ids = [str(place_id) for place_id in found]
        self.location.choices = [
            SelectChoice("", _("All locations")),
            *(SelectChoice(str(place.id), place.name) for place in found.values()),
        ]
        self.location.validators = [
            Optional(),
            AnyOf(self.location_ids, _("Choose a location from the list")),
        ]
        if "location" not in request.args and "place" in g:
            self.location.data = str(g.place.id)

    def location_id(self) -> int | None:
        """The location chosen, if the form took it; None for all of them."""
        if not self.chain or self.location.data not in self.location_ids:
            return None
        return int(self.location.data)

    def place(self):
        """The location chosen (a ``locations.Place``), or None for all of them."""
        chosen = self.location_id()
        return None if chosen is None else locations.place(chosen)


class PeriodForm(LocationFilter):
    """A period of days for the statistics and the exports, read from the URL's
    ``from`` and ``to`` (dates are not private; the page can be bookmarked); in a
    chain, at one location or all of them."""

    date_from = DayField(lazy_gettext("From"), validators=[Optional()], name="from")
    date_to = DayField(lazy_gettext("To"), validators=[Optional()], name="to")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        first, last = self.date_from.data, self.date_to.data
        if valid and first and last and last < first:
            self.date_to.errors.append(_("Choose a day on or after the first day"))
            return False
        if valid and first and (Period.chosen(first, last).last - first).days >= MAX_DAYS:
            self.date_from.errors.append(_("Choose a period of 10 years or less"))
            return False
        return valid

    def period(self) -> Period:
        """The period asked for; a day the form refused counts as not given."""
        self.validate()
        first = None if self.date_from.errors else self.date_from.data
        last = None if self.date_to.errors else self.date_to.data
        if first and last and last < first:
            last = None
        return Period.chosen(first, last, location_id=self.location_id())


FORMATS = ("bundle", "ndjson")


class ExportForm(PeriodForm):
    """The consultations of a period as FHIR: the period and the file's kind,
    in the URL like the period (nothing private in it)."""

    kind = RadioField(
        lazy_gettext("Format"),
        name="format",
        choices=[
            SelectChoice("bundle", lazy_gettext("One FHIR Bundle (JSON)")),
            SelectChoice("ndjson", lazy_gettext("NDJSON, one resource a line, for bulk loading")),
        ],
        default="bundle",
        # WTForms' own "Not a valid choice" is in English only.
        validate_choice=False,
        validators=[AnyOf(FORMATS, message=lazy_gettext("Choose a format"))],
    )


class CsvExportForm(PeriodForm):
    """The CSV export of a period: the patients' own words only when asked for."""

    free_text = BooleanField(lazy_gettext("Include free text"), name="free_text")


class AuditFilter(LocationFilter):
    """The audit log's filters; in a chain, the entries of one location too."""

    username = StringField(
        lazy_gettext("Staff member"), filters=[clean_text], validators=[Optional(), Length(max=60)]
    )
    action = SelectField(lazy_gettext("Action"), validators=[Optional()])
    reference = StringField(
        lazy_gettext("Reference"), filters=[clean_text], validators=[Optional(), Length(max=12)]
    )
    date_from = DayField(lazy_gettext("From"), validators=[Optional()])
    date_to = DayField(lazy_gettext("To"), validators=[Optional()])


ROLE_CHOICES = [
    SelectChoice("staff", lazy_gettext("Staff")),
    SelectChoice("admin", lazy_gettext("Administrator")),
]


class LocationsField(SelectMultipleField):
    """The locations an account sees, as checkboxes (the accounts page renders
    them); the view sets the choices: (id as text, name). Ids of no location
    are left out, and at least one is needed."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label, validate_choice=False, **kwargs)

    def pre_validate(self, form) -> None:
        known = {value for value, _label in self.choices}
        self.data = [value for value in self.data or [] if value in known]
        if not self.data:
            raise ValidationError(_("Choose at least one location"))

    @property
    def ids(self) -> list[int]:
        return [int(value) for value in self.data or []]


class NewAccountForm(FlaskForm):
    username = StringField(
        lazy_gettext("Username"),
        filters=[clean_text],
        validators=[
            DataRequired(lazy_gettext("Enter a username")),
            Length(max=60, message=lazy_gettext("Enter a username of 60 characters or fewer")),
        ],
    )
    display_name = StringField(
        lazy_gettext("Full name, shown on reviews and notes"),
        filters=[clean_text],
        validators=[
            Optional(),
            Length(max=120, message=lazy_gettext("Enter a name of 120 characters or fewer")),
        ],
    )
    role = SelectField(lazy_gettext("Role"), choices=ROLE_CHOICES, default="staff")
    # Only in a chain (the view removes it from an installation with one location).
    locations = LocationsField(lazy_gettext("Locations"))


class AccountLocationsForm(FlaskForm):
    locations = LocationsField(lazy_gettext("Locations"))


class LocationChoiceForm(FlaskForm):
    """The staff header's switcher: the location whose queue to show ("" for
    all the signed-in account may see), and the page to go back to."""

    location = SelectField(lazy_gettext("Location"), validate_choice=True)
    back = HiddenField()


class RoleForm(FlaskForm):
    role = SelectField(lazy_gettext("Role"), choices=ROLE_CHOICES)


class OwnPasswordForm(FlaskForm):
    """A member of staff changing their own password: the current one first."""

    # Cleaned as at sign-in (control and bidirectional characters dropped):
    # a password is kept as it will be typed there.
    current = PasswordField(
        lazy_gettext("Your current password"),
        filters=[clean_text],
        validators=[DataRequired(lazy_gettext("Enter your current password"))],
    )
    new = PasswordField(
        lazy_gettext("New password"),
        description=lazy_gettext(
            "At least %(length)d characters. A few unrelated words make a good one.",
            length=MIN_PASSWORD_LENGTH,
        ),
        filters=[clean_text],
        validators=[DataRequired(lazy_gettext("Enter a new password"))],
    )
    confirm = PasswordField(
        lazy_gettext("New password again"),
        filters=[clean_text],
        validators=[
            DataRequired(lazy_gettext("Enter the new password again")),
            EqualTo("new", lazy_gettext("The two new passwords are not the same")),
        ],
    )
