"""Staff forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

STATUSES = [
    SelectChoice("", "Any status"),
    SelectChoice("new", "New"),
    SelectChoice("in_review", "In review"),
    SelectChoice("reviewed", "Reviewed"),
]


class LoginForm(FlaskForm):
    username = StringField(
        "Username", validators=[DataRequired("Enter your username"), Length(max=60)]
    )
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


class NoteForm(FlaskForm):
    text = TextAreaField(
        "Add a note",
        validators=[
            DataRequired("Write the note before saving it"),
            Length(max=4000, message="Keep a note under 4000 characters"),
        ],
    )


class QueueFilter(FlaskForm):
    """The queue's search and filters (GET, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField("Reference or first name", validators=[Optional(), Length(max=60)])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    status = SelectField("Status", choices=STATUSES, validators=[Optional()])


class AuditFilter(FlaskForm):
    class Meta:
        csrf = False

    username = StringField("Staff member", validators=[Optional(), Length(max=60)])
    action = SelectField("Action", validators=[Optional()])
    reference = StringField("Reference", validators=[Optional(), Length(max=12)])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
