"""Checking and cleaning one answer, in plain Python.

``check_answer`` takes what the browser sent for one question and returns the
value to store, or a ``Problem`` naming what is wrong. The forms turn problems
into words (see ``forms.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .content import Question

PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,}$")
# Never part of an answer: control characters (NUL included) and the
# bidirectional overrides and isolates, which would reorder the text around
# them on the staff pages and in the PDFs. A text box may keep tabs and line breaks.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_BIDI = "\u202a-\u202e\u2066-\u2069"
UNSAFE_LINE = re.compile(f"[\t\n\r{_CONTROLS}{_BIDI}]")
UNSAFE_TEXT = re.compile(f"[{_CONTROLS}{_BIDI}]")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Problem:
    # required, invalid, too_long, not_an_option, exclusive, range, too_early,
    # too_late, not_text (a file or other non-text value), unsafe_characters.
    # ``params["cleaned"]``, when given, is what the field shows again instead.
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


class AnswerProblem(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.kind)
        self.problem = problem


def check_answer(question: Question, raw: Any, today: dt.date) -> Any:
    """The cleaned value of ``raw`` (None when left empty), or ``AnswerProblem``."""
    if not _is_text(raw):
        raise AnswerProblem(Problem("not_text", {"cleaned": ""}))
    if isinstance(raw, str):
        raw = raw.strip()
    empty = raw is None or raw == "" or raw == []
    if empty:
        if question.required:
            raise AnswerProblem(Problem("required"))
        return None
    kind = question.type
    if kind in ("text", "textarea", "email", "phone"):
        return _text(question, str(raw))
    if kind == "yesno":
        if raw not in ("yes", "no"):
            raise AnswerProblem(Problem("not_an_option"))
        return raw == "yes"
    if kind == "choice":
        if raw not in _option_values(question):
            raise AnswerProblem(Problem("not_an_option"))
        return raw
    if kind == "multichoice":
        return _multichoice(question, raw)
    if kind == "integer":
        return _integer(question, str(raw))
    if kind == "date":
        return _date(question, str(raw), today)
    raise ValueError(f"unknown question type {kind!r}")


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


def _multichoice(question: Question, raw: Any) -> list[str]:
    chosen = [raw] if isinstance(raw, str) else list(raw)
    values = _option_values(question)
    if any(v not in values for v in chosen):
        raise AnswerProblem(Problem("not_an_option"))
    exclusive = [o for o in question.options or [] if o.exclusive and o.value in chosen]
    if exclusive and len(set(chosen)) > 1:
        raise AnswerProblem(Problem("exclusive", {"option": exclusive[0].label}))
    # Keep the order of the options, whatever order the browser sent.
    return [v for v in values if v in chosen]


def _integer(question: Question, text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,6}", text):
        raise AnswerProblem(Problem("invalid"))
    number = int(text)
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
    if value is None:
        return [] if question.type == "multichoice" else None
    if question.type == "yesno":
        return "yes" if value else "no"
    if question.type == "integer":
        return str(value)
    return value


def stored_answer_problems(flow, answers: dict[str, Any], today: dt.date) -> dict[str, Problem]:
    """Check a whole set of stored answers (e.g. a preview file) as the kiosk
    would: every question that applies, by its id."""
    problems: dict[str, Problem] = {}
    for item in flow.walk(answers):
        try:
            check_answer(item.question, to_form_value(item.question, item.value), today)
        except AnswerProblem as exc:
            problems[item.question.id] = exc.problem
    known = {q.id for s in flow.steps for q in s.questions}
    for question_id in sorted(answers.keys() - known):
        problems[question_id] = Problem("unknown_question")
    return problems
