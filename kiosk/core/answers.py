"""Checking and cleaning one answer, in plain Python.

``check_answer`` takes what the browser sent for one question and returns the
value to store, or a ``Problem`` naming what is wrong; ``check_stored`` checks
a value as it is stored (a draft's answer, a preview file's), with the same
rules. The forms turn problems into words (``kiosk/web/patient/forms.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from kiosk.core.content import Question

PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,}$")
# Never part of an answer: control characters (NUL included) and the
# bidirectional overrides and isolates, which would reorder the text around
# them on the staff pages and in the PDFs. A text box may keep tabs and line breaks.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_BIDI = "\u202a-\u202e\u2066-\u2069"
UNSAFE_LINE = re.compile(f"[\t\n\r{_CONTROLS}{_BIDI}]")
UNSAFE_TEXT = re.compile(f"[{_CONTROLS}{_BIDI}]")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TEXT_TYPES = ("text", "textarea", "email", "phone")


@dataclass(frozen=True)
class Problem:
    # required, invalid, too_long, not_an_option, exclusive, range, too_early,
    # too_late, not_text (a file or other non-text value), unsafe_characters;
    # for a date's boxes also incomplete (some left empty) and year_digits.
    # ``params["cleaned"]``, when given, is what the field shows again instead;
    # ``params["parts"]``, the boxes of a date at fault (by default all three).
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


class DateParts(NamedTuple):
    """A date as the patient enters it: the day, month (1 to 12) and year
    boxes, each as sent."""

    day: str
    month: str
    year: str

    @classmethod
    def of(cls, value: Any) -> DateParts:
        """A stored answer (an ISO date) in its three boxes: empty when there is none."""
        try:
            day = dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return cls("", "", "")
        return cls(str(day.day), str(day.month), str(day.year))


class AnswerProblem(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.kind)
        self.problem = problem


def check_answer(question: Question, raw: Any, today: dt.date) -> Any:
    """The cleaned value of ``raw``, what the browser sent (None when left
    empty; a date's three boxes as ``DateParts``), or ``AnswerProblem``."""
    return check_stored(question, _from_browser(question, raw), today)


def check_stored(question: Question, value: Any, today: dt.date) -> Any:
    """``value``, an answer as it is stored (yes/no a bool, a number an int, a
    date an ISO string, several choices a list), checked as ``check_answer``
    checks what the browser sends: the value, or ``AnswerProblem``."""
    if isinstance(value, str) and not value.strip():
        value = None
    if value is None or value == []:
        if question.required:
            raise AnswerProblem(Problem("required"))
        return None
    kind = question.type
    if kind in TEXT_TYPES:
        if not isinstance(value, str):
            raise AnswerProblem(Problem("invalid"))
        return _text(question, value)
    if kind == "yesno":
        if not isinstance(value, bool):
            raise AnswerProblem(Problem("not_an_option"))
        return value
    if kind == "choice":
        if not isinstance(value, str) or value not in _option_values(question):
            raise AnswerProblem(Problem("not_an_option"))
        return value
    if kind == "multichoice":
        if not isinstance(value, list):
            raise AnswerProblem(Problem("not_an_option"))
        return _multichoice(question, value)
    if kind == "integer":
        # What a browser can send: up to six digits.
        if type(value) is not int or not 0 <= value <= 999_999:
            raise AnswerProblem(Problem("invalid"))
        return _in_range(question, value)
    if kind == "date":
        if not isinstance(value, str):
            raise AnswerProblem(Problem("invalid"))
        return _date(question, value, today)
    raise ValueError(f"unknown question type {kind!r}")


def _from_browser(question: Question, raw: Any) -> Any:
    """What the browser sent, as the kind of value the question stores (None
    when left empty); a problem with its form (not a number, not a date)."""
    if not _is_text(raw):
        raise AnswerProblem(Problem("not_text", {"cleaned": ""}))
    if isinstance(raw, str):
        raw = raw.strip()
    if raw is None or raw == "" or raw == []:
        return None
    kind = question.type
    if kind in TEXT_TYPES:
        return str(raw)
    if kind == "yesno":
        if raw not in ("yes", "no"):
            raise AnswerProblem(Problem("not_an_option"))
        return raw == "yes"
    if kind == "multichoice":
        return [raw] if isinstance(raw, str) else list(raw)
    if kind == "integer":
        if not re.fullmatch(r"[0-9]{1,6}", str(raw)):
            raise AnswerProblem(Problem("invalid"))
        return int(raw)
    if kind == "date":
        return _date_from_parts(raw) if isinstance(raw, DateParts) else str(raw)
    return raw


def _date_from_parts(parts: DateParts) -> str | None:
    """The ISO date the three boxes make (None when all are empty), or the
    first problem with them: boxes left empty, anything but digits, a year
    not in four digits, a day the month does not have."""
    boxes = DateParts(*(part.strip() for part in parts))
    missing = tuple(name for name, part in boxes._asdict().items() if not part)
    if len(missing) == 3:
        return None
    if missing:
        raise AnswerProblem(Problem("incomplete", {"parts": missing}))
    if not all(re.fullmatch(r"[0-9]+", part) for part in boxes):
        raise AnswerProblem(Problem("invalid"))
    if len(boxes.year) != 4:
        raise AnswerProblem(Problem("year_digits", {"parts": ("year",)}))
    try:
        # A day or month of many digits is too large for a date (OverflowError),
        # or for int() itself past 4300 digits (ValueError): not a date either way.
        return dt.date(int(boxes.year), int(boxes.month), int(boxes.day)).isoformat()
    except (ValueError, OverflowError):
        raise AnswerProblem(Problem("invalid")) from None


def _is_text(raw: Any) -> bool:
    """What a browser sends for a question: nothing, a string or a list of strings."""
    if isinstance(raw, list | tuple):
        return all(isinstance(item, str) for item in raw)
    return raw is None or isinstance(raw, str)


def safe_text(text: str, *, multiline: bool) -> str:
    """``text`` without control and bidirectional-override characters."""
    return (UNSAFE_TEXT if multiline else UNSAFE_LINE).sub("", text)


def _option_values(question: Question) -> list[str]:
    return [o.value for o in question.options or []]


def _text(question: Question, text: str) -> str:
    safe = safe_text(text, multiline=question.type == "textarea")
    if safe != text:
        # Shown again without them, for the patient to check and send again.
        raise AnswerProblem(Problem("unsafe_characters", {"cleaned": safe.strip()}))
    if question.max_length and len(text) > question.max_length:
        raise AnswerProblem(Problem("too_long", {"max": question.max_length}))
    if question.type == "phone" and not PHONE.match(text):
        raise AnswerProblem(Problem("invalid"))
    if question.type == "email" and not EMAIL.match(text):
        raise AnswerProblem(Problem("invalid"))
    return text


def _multichoice(question: Question, chosen: list[Any]) -> list[str]:
    values = _option_values(question)
    if any(v not in values for v in chosen):
        raise AnswerProblem(Problem("not_an_option"))
    exclusive = [o for o in question.options or [] if o.exclusive and o.value in chosen]
    if exclusive and len(set(chosen)) > 1:
        raise AnswerProblem(Problem("exclusive", {"option": exclusive[0].label}))
    # Keep the order of the options, whatever order the browser sent.
    return [v for v in values if v in chosen]


def _in_range(question: Question, number: int) -> int:
    low, high = question.minimum, question.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        raise AnswerProblem(Problem("range", {"min": low, "max": high}))
    return number


def _date(question: Question, text: str, today: dt.date) -> str:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise AnswerProblem(Problem("invalid")) from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise AnswerProblem(Problem("invalid"))
    if question.min_days is not None:
        earliest = today + dt.timedelta(days=question.min_days)
        if day < earliest:
            raise AnswerProblem(Problem("too_early", {"date": earliest}))
    if question.max_days is not None:
        latest = today + dt.timedelta(days=question.max_days)
        if day > latest:
            raise AnswerProblem(Problem("too_late", {"date": latest}))
    return day.isoformat()


def to_form_value(question: Question, value: Any) -> Any:
    """A stored answer as the form shows it again."""
    if question.type == "date":
        return DateParts.of(value)
    if value is None:
        return [] if question.type == "multichoice" else None
    if question.type == "yesno":
        return "yes" if value else "no"
    if question.type == "integer":
        return str(value)
    return value


def answer_problems(flow, answers: Mapping[str, Any], today: dt.date) -> dict[str, Problem]:
    """The problems of the stored answers to the questions that apply, by
    question id, in questionnaire order (a date may have passed since it was
    given; the content may have changed)."""
    problems: dict[str, Problem] = {}
    for item in flow.walk(answers):
        try:
            check_stored(item.question, item.value, today)
        except AnswerProblem as exc:
            problems[item.question.id] = exc.problem
    return problems


def stored_answer_problems(flow, answers: Mapping[str, Any], today: dt.date) -> dict[str, Problem]:
    """Check a whole set of stored answers (e.g. a preview file) as the kiosk
    would: every question that applies, and no answer to a question the
    questionnaire does not have."""
    problems = answer_problems(flow, answers, today)
    known = {q.id for s in flow.steps for q in s.questions}
    for question_id in sorted(answers.keys() - known):
        problems[question_id] = Problem("unknown_question")
    return problems
