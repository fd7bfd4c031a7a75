"""WTForms forms of the patient's screens, built from the questionnaire content.

A screen's form is made for each request (``step_form``), with one field per
question that applies. The checks themselves live in ``answers.py``; this
module turns their problems into the words shown beside the field and in the
error summary. The fields are drawn by hand in ``templates/_macros.html``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    Field,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from kiosk.core.answer_text import long_date
from kiosk.core.answers import (
    AnswerProblem,
    DateParts,
    Problem,
    check_answer,
    to_form_value,
)
from kiosk.core.content import Question
from kiosk.core.content.schema import Checklist
from kiosk.core.i18n import date_order, lazy_gettext, local, month_names
from kiosk.core.i18n import gettext as _


class TextSizeForm(FlaskForm):
    """Larger text (or back to normal) on the page it was pressed on: ``back``
    is that page's own address, set when the page is drawn and, as htmx moves
    between screens, by kiosk.js. Never the browser's ``Referer``, which the
    kiosk's own policy withholds."""

    back = HiddenField()


class LanguageForm(FlaskForm):
    """The language buttons on Welcome: the one pressed sends its code."""

    language = SelectField()

    @classmethod
    def offering(cls, languages: Iterable[tuple[str, str]]) -> LanguageForm:
        """The form for the ``(code, name)`` languages the questionnaire offers."""
        form = cls()
        form.language.choices = list(languages)
        return form


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
    if problem.kind == "incomplete":
        return str(INCOMPLETE_DATE[problem.params["parts"]])
    if problem.kind == "year_digits":
        return _("The year must have 4 digits")
    if problem.kind == "too_early" and question.min_days == 1:
        return _("The date must be in the future")
    if problem.kind == "too_early":
        return _("The date must be on or after %(date)s", date=long_date(problem.params["date"]))
    if problem.kind == "too_late":
        return _("The date must be on or before %(date)s", date=long_date(problem.params["date"]))
    return _("Check your answer: %(label)s", label=label)


# The boxes of a date left empty, in the patient's words.
INCOMPLETE_DATE = {
    ("day",): lazy_gettext("The date must include a day"),
    ("month",): lazy_gettext("The date must include a month"),
    ("year",): lazy_gettext("The date must include a year"),
    ("day", "month"): lazy_gettext("The date must include a day and a month"),
    ("day", "year"): lazy_gettext("The date must include a day and a year"),
    ("month", "year"): lazy_gettext("The date must include a month and a year"),
}


class DateField(Field):
    """A date in three boxes: ``<id>-day``, ``<id>-month`` (the month by name,
    a list) and ``<id>-year``, in the order of the patient's language. Its
    data is a ``DateParts``: the boxes as sent, or a stored date split into
    them; ``answers.check_answer`` makes the ISO date that is stored."""

    def __init__(self, label=None, validators=None, *, language: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.order = date_order(language)
        self.months = month_names(language)
        self.wrong_parts: tuple[str, ...] = ()  # the boxes shown as wrong

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        self.process_errors = []
        if formdata is not None:
            self.data = DateParts(*(formdata.get(self.part_name(p), "") for p in DateParts._fields))
            self.raw_data = list(self.data)
        else:
            self.data = data if isinstance(data, DateParts) else DateParts("", "", "")

    def part_name(self, part: str) -> str:
        return f"{self.name}-{part}"

    def part(self, part: str) -> str:
        """What box ``part`` shows: as sent, or empty (a box sent as a file)."""
        value = getattr(self.data, part, "") if isinstance(self.data, DateParts) else ""
        return value if isinstance(value, str) else ""


class _AnswerCheck:
    """A field's validator: ``check_answer``, its problem in the patient's words."""

    def __init__(self, question: Question, language: str, today: dt.date):
        self.question, self.language, self.today = question, language, today

    def __call__(self, form: FlaskForm, field: Field) -> None:
        try:
            check_answer(self.question, field.data, self.today)
        except AnswerProblem as exc:
            message = _shown_with(field, self.question, exc.problem, self.language)
            raise StopValidation(message) from None


def _shown_with(field: Field, question: Question, problem: Problem, language: str) -> str:
    """The message of ``problem`` for ``field``, whose answer is shown again
    cleaned where the problem says how (without what could not be kept)."""
    if "cleaned" in problem.params:
        field.data = problem.params["cleaned"]
    if isinstance(field, DateField):
        field.wrong_parts = problem.params.get("parts", DateParts._fields)
    return problem_message(question, problem, language)


def _choices(question: Question, language: str) -> list[SelectChoice]:
    return [SelectChoice(o.value, local(o.label, language)) for o in question.options or []]


def _field(question: Question, language: str, today: dt.date) -> Field:
    label = Markup.escape(local(question.label, language))
    validators = [_AnswerCheck(question, language, today)]
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
    if question.type == "date":
        return DateField(label, validators=validators, language=language)
    return StringField(label, validators=validators)


# The field of a checklist's "None of these apply to me" box.
NONE_APPLY = "none_apply"


class TickField(Field):
    """A yes/no question as a line of its step's checklist: ticked sends
    ``yes``; once the screen is sent, a line left unticked is a no."""

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        self.process_errors = []
        if formdata is not None:
            self.data = "yes" if formdata.get(self.name) == "yes" else "no"
        else:
            self.data = None if data is unset_value else data


class NoneApplyField(Field):
    """A checklist's "None of these apply to me": answered when ticked on its
    own, or when a line is ticked without it."""

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        self.process_errors = []
        if formdata is not None:
            self.data = formdata.get(self.name) == "yes"
        else:
            self.data = bool(data) if data is not unset_value else False


class _ChecklistCheck:
    """The checklist's validator: something ticked, and "None" only on its own."""

    def __init__(self, items: tuple[Question, ...], checklist: Checklist, language: str):
        self.items, self.checklist, self.language = items, checklist, language

    def __call__(self, form: FlaskForm, field: Field) -> None:
        ticked = [q for q in self.items if form[q.id].data == "yes"]
        if field.data and ticked:
            none = local(self.checklist.none, self.language)
            raise StopValidation(_("Select ‘%(option)s’ on its own, or untick it", option=none))
        if not field.data and not ticked:
            custom = self.checklist.messages.required
            none = local(self.checklist.none, self.language)
            raise StopValidation(
                local(custom, self.language)
                if custom
                else _("Select what applies to you, or ‘%(option)s’", option=none)
            )


class StepForm(FlaskForm):
    """The form of one screen: a field per question, named by its id. Made by
    :func:`step_form`, which adds the fields."""

    _questions: tuple[Question, ...] = ()
    _items: tuple[Question, ...] = ()
    _language: str = ""
    _today: dt.date

    @property
    def checklist_items(self) -> tuple[Question, ...]:
        """The questions asked as lines of the screen's checklist, if it has one."""
        return self._items

    def answers(self) -> dict[str, Any]:
        """The answers as they are stored, of every question whose field has no
        problem: after ``validate()``, all of them when it passed; when it did
        not, what can be kept from the screen (not a checklist with a problem:
        its unticked lines are not yet an answer)."""
        found = {}
        unanswered_list = self._items and bool(self[NONE_APPLY].errors)
        for question in self._questions:
            if self[question.id].errors or (unanswered_list and question in self._items):
                continue
            try:
                found[question.id] = check_answer(question, self[question.id].data, self._today)
            except AnswerProblem:  # not validated yet
                continue
        return found

    def show_problems(self, problems: Mapping[str, Problem]) -> None:
        """Problems found in the stored answers, beside their fields."""
        for question in self._questions:
            if question.id in problems and question in self._items:
                # A line of the checklist left without an answer (a question
                # added since): the list is asked again as a whole.
                self[NONE_APPLY].errors = [
                    *self[NONE_APPLY].errors,
                    problem_message(question, problems[question.id], self._language),
                ]
            elif question.id in problems:
                field = self[question.id]
                message = _shown_with(field, question, problems[question.id], self._language)
                field.errors = [*field.errors, message]


def step_form(
    questions: Iterable[Question],
    language: str,
    *,
    today: dt.date | None = None,
    stored: Mapping[str, Any] | None = None,
    checklist: Checklist | None = None,
) -> StepForm:
    """The form of a screen showing ``questions``, made for this request.

    WTForms declares fields on a class, so each form gets a class of its own,
    made from the content it shows: nothing outlives the request. With
    ``stored``, the form shows those answers (a screen shown again, or the
    stored answers re-checked on sending) whatever the request carries;
    otherwise it reads what a POST sent. With ``checklist``, the screen's
    yes/no questions are the lines of that list.
    """
    questions = tuple(questions)
    today = today or dt.date.today()
    items = tuple(q for q in questions if q.type == "yesno") if checklist else ()
    fields = {
        q.id: TickField(validators=[_AnswerCheck(q, language, today)])
        if q in items
        else _field(q, language, today)
        for q in questions
    }
    if items:
        fields[NONE_APPLY] = NoneApplyField(
            validators=[_ChecklistCheck(items, checklist, language)]
        )
    form_class = type(
        "StepForm",
        (StepForm,),
        {
            **fields,
            "_questions": questions,
            "_items": items,
            "_language": language,
            "_today": today,
        },
    )
    if stored is None:
        return form_class()
    data = form_data(questions, stored)
    if items:
        # "None of these apply" was the answer when every line is a no.
        data[NONE_APPLY] = all(stored.get(q.id) is False for q in items)
    return form_class(formdata=None, data=data)


def form_data(questions: Iterable[Question], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Stored answers as ``data=`` for a form shown again."""
    return {q.id: to_form_value(q, answers.get(q.id)) for q in questions}
