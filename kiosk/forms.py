"""WTForms forms built from the questionnaire content.

One form class per screen, with one field per question that applies. The
checks themselves live in ``answers.py``; this module turns their problems
into the words shown beside the field and in the error summary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from .answers import AnswerProblem, Problem, check_answer, safe_text, to_form_value
from .content import Question
from .display import long_date
from .i18n import gettext as _
from .i18n import local


class EmptyForm(FlaskForm):
    """A form with no fields: button-only POSTs still carry the CSRF token."""


def clean_text(value: Any) -> Any:
    """A field filter for the staff forms: a file sent in a text field counts as
    nothing sent (no form takes files), and control and bidirectional-override
    characters are left out (a NUL cannot even be stored in PostgreSQL).
    Patients' answers are checked in ``answers.check_answer``, which tells the
    patient what was removed."""
    if value is None or not isinstance(value, str):
        return None
    return safe_text(value, multiline=True)


def _option_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def problem_message(question: Question, problem: Problem, language: str) -> str:
    custom = getattr(question.messages, problem.kind, None)
    if custom:
        return local(custom, language)
    label = local(question.summary_label or question.label, language)
    if problem.kind == "required":
        return _("Answer the question: %(label)s", label=label)
    if problem.kind == "too_long":
        return _("%(label)s must be %(max)d characters or fewer", label=label, **problem.params)
    if problem.kind == "unsafe_characters":
        return _(
            "%(label)s: we removed invisible characters that cannot be kept. "
            "Check the answer and press Continue again.",
            label=label,
        )
    if problem.kind == "not_text":
        return _("%(label)s must be typed in, not sent as a file", label=label)
    if problem.kind == "not_an_option":
        return _("Select one of the options")
    if problem.kind == "exclusive":
        option = local(problem.params["option"], language)
        return _("Select ‘%(option)s’ on its own, or untick it", option=option)
    if problem.kind == "range":
        low, high = problem.params["min"], problem.params["max"]
        if low is None:
            return _("Enter a whole number of %(high)d or less", high=high)
        if high is None:
            return _("Enter a whole number of %(low)d or more", low=low)
        return _("Enter a whole number from %(low)d to %(high)d", low=low, high=high)
    if problem.kind == "too_early":
        return _("The date must be on or after %(date)s", date=long_date(problem.params["date"]))
    if problem.kind == "too_late":
        return _("The date must be on or before %(date)s", date=long_date(problem.params["date"]))
    return _("Check your answer: %(label)s", label=label)


class _AnswerCheck:
    """Runs ``check_answer`` and keeps the cleaned value on the field."""

    def __init__(self, question: Question, language: str):
        self.question, self.language = question, language

    def __call__(self, form: FlaskForm, field: Field) -> None:
        try:
            field.clean = check_answer(self.question, field.data, dt.date.today())
        except AnswerProblem as exc:
            field.clean = None
            if "cleaned" in exc.problem.params:
                field.data = exc.problem.params["cleaned"]
            message = problem_message(self.question, exc.problem, self.language)
            raise StopValidation(message) from None


def _choices(question: Question, language: str) -> list[SelectChoice]:
    return [SelectChoice(o.value, local(o.label, language)) for o in question.options or []]


def _field(question: Question, language: str) -> Field:
    label = Markup.escape(local(question.label, language))
    validators = [_AnswerCheck(question, language)]
    if question.type in ("choice", "yesno"):
        if question.type == "yesno":
            choices = [SelectChoice("yes", _("Yes")), SelectChoice("no", _("No"))]
        else:
            choices = _choices(question, language)
        return RadioField(
            label,
            choices=choices,
            validators=validators,
            coerce=_option_or_none,
            validate_choice=False,
        )
    if question.type == "multichoice":
        return SelectMultipleField(
            label,
            choices=_choices(question, language),
            validators=validators,
            validate_choice=False,
        )
    if question.type == "textarea":
        return TextAreaField(label, validators=validators)
    return StringField(label, validators=validators)


# Keyed by the identity of the questions; each entry keeps its questions
# alive so that an identity is never reused for other content.
_form_classes: dict[tuple, tuple[tuple[Question, ...], type[FlaskForm]]] = {}


def step_form_class(step_id: str, questions: Iterable[Question], language: str) -> type[FlaskForm]:
    """The form for one screen showing ``questions``; classes are made once."""
    questions = tuple(questions)
    key = (step_id, language, *(id(q) for q in questions))
    if key not in _form_classes:
        fields = {q.id: _field(q, language) for q in questions}
        _form_classes[key] = (questions, type(f"StepForm_{step_id}", (FlaskForm,), fields))
    return _form_classes[key][1]


def form_data(questions: Iterable[Question], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Stored answers as ``data=`` for a form shown again."""
    return {q.id: to_form_value(q, answers.get(q.id)) for q in questions}


def formdata(questions: Iterable[Question], answers: Mapping[str, Any]) -> MultiDict:
    """Stored answers as if the browser had sent them, to check them again."""
    pairs: list[tuple[str, str]] = []
    for question in questions:
        value = to_form_value(question, answers.get(question.id))
        if isinstance(value, list):
            pairs.extend((question.id, v) for v in value)
        elif value is not None:
            pairs.append((question.id, str(value)))
    return MultiDict(pairs)


def cleaned(form: FlaskForm, questions: Iterable[Question], *, valid_only: bool = False):
    """The cleaned answers of a validated form; with ``valid_only``, only the
    fields without errors (what can be kept from a screen that has some)."""
    return {
        q.id: getattr(form[q.id], "clean", None)
        for q in questions
        if not (valid_only and form[q.id].errors)
    }
