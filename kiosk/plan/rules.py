"""Schema and loader of ``plan.yaml``: screening flags and the summary's texts.

Conditions use the questionnaire's format (FHIR enableWhen: question,
operator, answer); an answer may also name a clinic policy setting,
``answer: {setting: isotretinoin_months}``, so that windows where sources
disagree stay settings. Texts may use ``{placeholders}`` for policy values
and for the values each section offers (checked when the file is loaded).
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from ..content.loader import (
    DEFAULT_CONTENT_DIR,
    condition_answer_problem,
    parse_model,
    read_content,
)
from ..content.schema import (
    EnableWhen,
    Identifier,
    LanguageCode,
    LocalText,
    Operator,
    Question,
    Questionnaire,
    Strict,
)
from .policy import Policy

PLAN_FILE = "plan.yaml"
POLICY_NAMES = tuple(f.name for f in fields(Policy))
PolicyName = Literal[POLICY_NAMES]  # type: ignore[valid-type]


class SettingRef(Strict):
    setting: PolicyName


class Condition(Strict):
    question: Identifier
    operator: Operator
    answer: bool | int | dt.date | str | SettingRef

    @field_validator("answer", mode="before")
    @classmethod
    def _setting(cls, value: Any) -> Any:
        """``{setting: name}`` names a policy setting: one clear message if unknown."""
        if not isinstance(value, dict):
            return value
        if set(value) != {"setting"}:
            raise ValueError("write a setting as {setting: name}")
        if value["setting"] not in POLICY_NAMES:
            raise ValueError(
                f"unknown setting '{value['setting']}' (settings: {', '.join(POLICY_NAMES)})"
            )
        return SettingRef(setting=value["setting"])


class Derived(Strict):
    """A number read off an answer, e.g. the top age of an age band."""

    question: Identifier
    values: dict[str, int]


class Course(Strict):
    min: Annotated[int, Field(ge=1, le=20)]
    max: Annotated[int, Field(ge=1, le=20)]


class ConcernText(Strict):
    may_help: LocalText
    results: LocalText
    course: Course


Device = Literal["any", "pen", "rf"]


class Line(Strict):
    when: LocalText | None = None
    text: LocalText
    only_if: list[Condition] = []
    behavior: Literal["all", "any"] = "all"
    # rf: only when RF matters to this patient (the clinic offers it and the
    # patient is interested or unsure); pen: only when it does not.
    device: Device = "any"


class FlagRule(Strict):
    id: Identifier
    severity: Literal["do_not_treat", "review", "note"]
    when: Annotated[list[Condition], Field(min_length=1)]
    behavior: Literal["all", "any"] = "all"
    device: Device = "any"
    staff: LocalText
    patient: LocalText
    sources: list[str] = []


class EventTexts(Strict):
    fits: list[LocalText]
    partial: list[LocalText]
    too_close: list[LocalText]
    past: list[LocalText]


class PlanRules(Strict):
    languages: Annotated[list[LanguageCode], Field(min_length=1)]
    severity_labels: dict[Literal["do_not_treat", "review", "note"], LocalText]
    derived: dict[Identifier, Derived] = {}
    concerns: dict[str, ConcernText]
    sessions: LocalText
    event: EventTexts
    preparation: list[Line]
    day_of: list[Line]
    downtime: list[Line]
    aftercare: list[Line]
    call_clinic: list[Line]
    device_notes: list[Line]
    flags: list[FlagRule]


# What each kind of text may fill in, beyond the policy values.
_PLACEHOLDERS = {
    "sessions": {"min", "max", "spacing"},
    "event": {
        "event_date",
        "last_by",
        "count",
        "dates",
        "first_after",
        "min",
        "max",
        "spacing",
        "weeks_before",
        "days_left",
    },
}


def load_rules(questionnaire: Questionnaire, content_dir: Path | str | None = None) -> PlanRules:
    path = Path(content_dir or DEFAULT_CONTENT_DIR) / PLAN_FILE
    return parse_model(
        read_content(path), path, PlanRules, lambda rules: _cross_check(rules, questionnaire)
    )


def resolve(condition: Condition, policy: Policy) -> EnableWhen:
    """The condition with any policy setting replaced by its value."""
    answer = condition.answer
    if isinstance(answer, SettingRef):
        answer = getattr(policy, answer.setting)
    return EnableWhen(question=condition.question, operator=condition.operator, answer=answer)


def _cross_check(rules: PlanRules, q: Questionnaire) -> Iterator[tuple[tuple, str]]:
    questions = {question.id: question for step in q.steps for question in step.questions}
    languages = set(rules.languages)
    if not set(q.languages) <= languages:
        missing = ", ".join(sorted(set(q.languages) - languages))
        yield ("languages",), f"the questionnaire offers {missing}, which plan.yaml does not"

    for name, derived in rules.derived.items():
        source = questions.get(derived.question)
        if source is None:
            yield ("derived", name, "question"), f"unknown question '{derived.question}'"
        elif source.options:
            values = {o.value for o in source.options}
            missing = sorted(values - derived.values.keys())
            if missing:
                yield ("derived", name, "values"), f"no value for {', '.join(missing)}"
    known = {**questions, **{name: _derived_question(name) for name in rules.derived}}

    concern_options = {o.value for o in (questions["concerns"].options or [])}
    for value in sorted(concern_options - rules.concerns.keys()):
        yield ("concerns",), f"no text for the concern '{value}'"
    for value in sorted(rules.concerns.keys() - concern_options):
        yield ("concerns", value), f"'{value}' is not an option of the question 'concerns'"
    for value, concern in rules.concerns.items():
        if concern.course.min > concern.course.max:
            yield ("concerns", value, "course"), "min is greater than max"
        for field in ("may_help", "results"):
            yield from _text_ok(("concerns", value, field), getattr(concern, field), languages)

    for key, text in rules.severity_labels.items():
        yield from _text_ok(("severity_labels", key), text, languages)
    yield from _text_ok(("sessions",), rules.sessions, languages, _PLACEHOLDERS["sessions"])
    for kind in ("fits", "partial", "too_close", "past"):
        for n, text in enumerate(getattr(rules.event, kind)):
            yield from _text_ok(("event", kind, n), text, languages, _PLACEHOLDERS["event"])

    for section in (
        "preparation",
        "day_of",
        "downtime",
        "aftercare",
        "call_clinic",
        "device_notes",
    ):
        for n, line in enumerate(getattr(rules, section)):
            loc = (section, n)
            yield from _text_ok((*loc, "text"), line.text, languages)
            yield from _text_ok((*loc, "when"), line.when, languages)
            yield from _conditions_ok((*loc, "only_if"), line.only_if, known)

    ids: set[str] = set()
    for n, flag in enumerate(rules.flags):
        loc = ("flags", n)
        if flag.id in ids:
            yield (*loc, "id"), f"flag id '{flag.id}' is used twice"
        ids.add(flag.id)
        yield from _text_ok((*loc, "staff"), flag.staff, languages)
        yield from _text_ok((*loc, "patient"), flag.patient, languages)
        yield from _conditions_ok((*loc, "when"), flag.when, known)


def _derived_question(name: str) -> Question:
    return Question(id=name, type="integer", label={"en": name})


def _conditions_ok(loc: tuple, conditions: list[Condition], known: dict[str, Question]):
    for c, condition in enumerate(conditions):
        target = known.get(condition.question)
        if target is None:
            yield (*loc, c, "question"), f"unknown question '{condition.question}'"
            continue
        if isinstance(condition.answer, SettingRef):
            if target.type != "integer" or condition.operator == "exists":
                yield (*loc, c, "answer"), "a setting can only be compared with a number answer"
            continue
        cond = EnableWhen(
            question=condition.question, operator=condition.operator, answer=condition.answer
        )
        problem = condition_answer_problem(cond, target)
        if problem:
            yield (*loc, c, "answer"), problem


def _text_ok(loc: tuple, text: dict[str, str] | None, languages: set[str], extra=frozenset()):
    if text is None:
        return
    missing = sorted(languages - text.keys())
    if missing:
        yield loc, f"missing text for language {', '.join(missing)}"
    allowed = set(POLICY_NAMES) | set(extra)
    for language, words in text.items():
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(words) if name}
        except ValueError as exc:
            yield loc, f"text ({language}) has a broken placeholder: {exc}"
            continue
        for name in sorted(names - allowed):
            yield loc, f"text ({language}) uses an unknown placeholder {{{name}}}"
