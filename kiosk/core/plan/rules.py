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
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from kiosk.core.content.contract import CONCERNS
from kiosk.core.content.loader import (
    DEFAULT_CONTENT_DIR,
    condition_answer_problem,
    parse_model,
    read_content,
)
from kiosk.core.content.schema import (
    EnableWhen,
    Identifier,
    LanguageCode,
    LocalText,
    Operator,
    Question,
    Questionnaire,
    Strict,
)
from kiosk.core.policy import LONGEST, Policy, setting_title

PLAN_FILE = "plan.yaml"
SOURCES_FILE = "sources.yaml"
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


# Where a text comes from: a key of sources.yaml ("R7", "P11", "C"), a section
# of the facts sheet ("§2"), or a clinic policy setting ("policy:tanning_weeks").
Sources = Annotated[list[str], Field(min_length=1)]


class Sourced(Strict):
    text: LocalText
    sources: Sources


class Course(Strict):
    """A concern's typical course; no ``min`` means "up to ``max``"."""

    min: Annotated[int, Field(ge=1, le=20)] | None = None
    max: Annotated[int, Field(ge=1, le=20)]
    sources: Sources


class ResultsAfter(Strict):
    """When results usually show, counted from the first or the last session."""

    weeks: Annotated[int, Field(ge=0, le=104)]
    after: Literal["first_session", "last_session"]
    sources: Sources


class ConcernText(Strict):
    may_help: Sourced
    results: Sourced
    # Without a course (the facts give none), the clinician plans the sessions.
    course: Course | None = None
    results_after: ResultsAfter | None = None


class Window(Strict):
    """A stretch of time counted from the consultation day: a policy setting
    in ``unit``s, less the answer to ``since`` (how long ago it happened)."""

    # Its length: a policy setting (where sources disagree), or a fixed
    # ``amount`` (a step the sources agree on, e.g. about 1 week).
    setting: PolicyName | None = None
    amount: Annotated[int, Field(ge=0, le=LONGEST["days"])] | None = None
    unit: Literal["hours", "days", "weeks", "months"]
    since: Identifier | None = None
    # Why the first session waits, for the patient ("the 3-day pause ...").
    reason: LocalText

    @model_validator(mode="after")
    def _one_length(self) -> Window:
        if (self.setting is None) == (self.amount is None):
            raise ValueError("give a window either a setting or an amount")
        return self


class DayBound(Strict):
    """A policy window's edge on the recovery strip, counted in whole days from
    the treatment day (day 0 is its first 24 hours)."""

    setting: PolicyName
    unit: Literal["hours", "days"]


Day = Annotated[int, Field(ge=0, le=7)]


class DaySpan(Strict):
    """Where a downtime or aftercare line sits on the day-by-day strip of the
    first week: from day ``first`` to day ``last`` (day 0: the treatment day).
    ``first`` as a window: the first day after it (sunscreen "from 24 hours":
    day 1); ``last`` as a window: the last day inside it ("first 72 hours":
    days 0 to 2)."""

    label: LocalText  # a few words for the strip's cell
    first: Day | DayBound = 0
    last: Day | DayBound = 7
    # Downtime: how visible the skin's changes are, 3 most; aftercare: none.
    level: Annotated[int, Field(ge=1, le=3)] | None = None
    # Aftercare: something to avoid, or to do; downtime: none.
    kind: Literal["avoid", "do"] | None = None


# rf: when RF matters to this patient (the clinic offers it and the patient
# chose it or is unsure); pen: when the patient may have the pen (RF not
# chosen, or not offered). A patient who is unsure gets both.
Device = Literal["any", "pen", "rf"]


class Line(Strict):
    when: LocalText | None = None
    text: LocalText
    sources: Sources
    only_if: list[Condition] = []
    behavior: Literal["all", "any"] = "all"
    device: Device = "any"
    # Preparation only: how long before the first session this must start.
    lead: Window | None = None
    # Preparation and aftercare: one of the few points in the overview on page 1.
    glance: bool = False
    # Downtime and aftercare: where the line sits on the day-by-day strip.
    days: DaySpan | None = None


class FlagRule(Strict):
    id: Identifier
    severity: Literal["do_not_treat", "no_rf", "review", "note"]
    when: Annotated[list[Condition], Field(min_length=1)]
    behavior: Literal["all", "any"] = "all"
    device: Device = "any"
    staff: LocalText
    patient: LocalText
    sources: Sources
    # A window the first session waits for when this flag fires.
    hold: Window | None = None


class SessionTexts(Strict):
    """The course in words: a range, "about" one number, or "up to" one."""

    range: LocalText
    about: LocalText
    up_to: LocalText
    sources: Sources


class ScheduleTexts(Strict):
    earliest: Sourced  # "{date}": the earliest first session
    waits_for: Sourced  # heading of the reasons the first session waits
    provisional: Sourced  # a review flag fired: dates hold if the clinician agrees
    clinician_plans: Sourced  # a do-not-treat flag fired: no dates at all


class HoldTexts(Strict):
    """A copy on hold (a do-not-treat flag, or RF the only choice and not
    suitable): what page 1 says first, and what frames the rest."""

    lead: Sourced  # the clinician talks it through before any treatment
    sessions: Sourced  # in place of a session count
    rf_not_now: Sourced  # introduces what RF would have meant
    if_later: Sourced  # introduces what a treatment involves


class EventTexts(Strict):
    fits: list[Sourced]
    partial: list[Sourced]
    too_close: list[Sourced]
    past: list[Sourced]
    clinician_plans: list[Sourced]  # a do-not-treat flag fired: no dates
    no_course: list[Sourced]  # no concern with a known course: only the deadline
    # No session fits before the event: the one sentence with the first date
    # after it ({first_after}), the same on page 1, in "Your sessions" and here.
    none_fits: Sourced
    # The usual timing puts the results after the event.
    results_after_event: Sourced


class ConsentLine(Line):
    """A line of the consent, with an id a clinic's wording file rewords it by."""

    id: Identifier


class ConsentPart(Strict):
    """One part of the consent: what the treatment is, results, risks, ..."""

    id: Identifier
    heading: LocalText
    lines: Annotated[list[ConsentLine], Field(min_length=1)]


class ConsentRules(Strict):
    """The consent the patient reads and signs after checking their answers.

    ``version`` names this wording: it changes with every change to the text,
    and is kept, with the words themselves, beside each signature."""

    version: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    title: LocalText
    intro: Sourced
    parts: Annotated[list[ConsentPart], Field(min_length=1)]
    # What signing says ("I have read this consent ... I agree ..."), and the
    # separate photo choice's words.
    agreement: Sourced
    photos: Sourced


class PlanRules(Strict):
    languages: Annotated[list[LanguageCode], Field(min_length=1)]
    derived: dict[Identifier, Derived] = {}
    concerns: dict[str, ConcernText]
    sessions: SessionTexts
    schedule: ScheduleTexts
    hold: HoldTexts
    event: EventTexts
    preparation: list[Line]
    day_of: list[Line]
    downtime: list[Line]
    aftercare: list[Line]
    call_clinic: list[Line]
    device_notes: list[Line]
    # How long the redness usually lasts, in the overview on page 1.
    redness: list[Line] = []
    # What microneedling is, can and cannot do, and its effects and risks:
    # `when` names the point ("What it is").
    about: list[Line] = []
    flags: list[FlagRule]
    consent: ConsentRules


SECTIONS = (
    "preparation",
    "day_of",
    "downtime",
    "aftercare",
    "call_clinic",
    "device_notes",
    "redness",
    "about",
)
EVENT_CASES = ("fits", "partial", "too_close", "past", "clinician_plans", "no_course")

# What each kind of text may fill in, beyond the policy values.
_PLACEHOLDERS = {
    "sessions": {"min", "max", "spacing"},
    "schedule": {"date"},
    "event": {
        "event_date",
        "last_by",
        "count",
        "first_after",
        "min",
        "max",
        "spacing",
        "weeks_before",
        "days_left",
    },
}


@dataclass(frozen=True)
class Citations:
    """What a text may cite: the keys and sections of ``sources.yaml``."""

    keys: dict[str, str]
    sections: dict[str, str]

    def title(self, key: str, policy: Policy | None = None) -> str:
        """What a cited key stands for, for the staff copy's legend: a policy
        setting by its human name and value (the clinic's, or the default)."""
        if key.startswith("policy:"):
            return setting_title(key.removeprefix("policy:"), policy or Policy())
        if key in self.sections:
            return f"facts sheet {key}, {self.sections[key]}"
        return self.keys.get(key, key)

    def problem(self, key: str) -> str | None:
        if key.startswith("policy:"):
            name = key.removeprefix("policy:")
            return None if name in POLICY_NAMES else f"unknown policy setting '{name}'"
        if key in self.keys or key in self.sections:
            return None
        return f"unknown source '{key}' (not in {SOURCES_FILE})"


def load_citations(content_dir: Path | str | None = None) -> Citations:
    path = Path(content_dir or DEFAULT_CONTENT_DIR) / SOURCES_FILE
    parsed = parse_model(read_content(path), path, _SourcesFile, lambda _: ())
    return Citations(dict(parsed.sources), dict(parsed.sections))


class _SourcesFile(Strict):
    sources: dict[Annotated[str, StringConstraints(pattern=r"^(R|P)[0-9]+$|^C$")], str]
    sections: dict[Annotated[str, StringConstraints(pattern=r"^§[0-9]+$")], str]


def load_rules(questionnaire: Questionnaire, content_dir: Path | str | None = None) -> PlanRules:
    citations = load_citations(content_dir)
    path = Path(content_dir or DEFAULT_CONTENT_DIR) / PLAN_FILE
    return parse_model(
        read_content(path),
        path,
        PlanRules,
        lambda rules: _cross_check(rules, questionnaire, citations),
    )


def resolve(condition: Condition, policy: Policy) -> EnableWhen:
    """The condition with any policy setting replaced by its value."""
    answer = condition.answer
    if isinstance(answer, SettingRef):
        answer = getattr(policy, answer.setting)
    return EnableWhen(question=condition.question, operator=condition.operator, answer=answer)


def cited(rules: PlanRules) -> Iterator[tuple[tuple, list[str]]]:
    """Every source list of the plan, with where it sits in the file."""
    for value, concern in rules.concerns.items():
        for name in ("may_help", "results", "course", "results_after"):
            part = getattr(concern, name)
            if part is not None:
                yield ("concerns", value, name, "sources"), part.sources
    yield ("sessions", "sources"), rules.sessions.sources
    for name in ScheduleTexts.model_fields:
        yield ("schedule", name, "sources"), getattr(rules.schedule, name).sources
    for name in HoldTexts.model_fields:
        yield ("hold", name, "sources"), getattr(rules.hold, name).sources
    for kind in EVENT_CASES:
        for n, text in enumerate(getattr(rules.event, kind)):
            yield ("event", kind, n, "sources"), text.sources
    yield ("event", "none_fits", "sources"), rules.event.none_fits.sources
    yield ("event", "results_after_event", "sources"), rules.event.results_after_event.sources
    for section in SECTIONS:
        for n, line in enumerate(getattr(rules, section)):
            yield (section, n, "sources"), line.sources
    for n, flag in enumerate(rules.flags):
        yield ("flags", n, "sources"), flag.sources
    consent = rules.consent
    for name in ("intro", "agreement", "photos"):
        yield ("consent", name, "sources"), getattr(consent, name).sources
    for p, part in enumerate(consent.parts):
        for n, line in enumerate(part.lines):
            yield ("consent", "parts", p, "lines", n, "sources"), line.sources


def _cross_check(
    rules: PlanRules, q: Questionnaire, citations: Citations
) -> Iterator[tuple[tuple, str]]:
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

    # The questionnaire loader makes sure there is such a question (contract.py).
    concern_options = {o.value for o in getattr(questions.get(CONCERNS), "options", None) or []}
    for value in sorted(concern_options - rules.concerns.keys()):
        yield ("concerns",), f"no text for the concern '{value}'"
    for value in sorted(rules.concerns.keys() - concern_options):
        yield ("concerns", value), f"'{value}' is not an option of the question 'concerns'"
    for value, concern in rules.concerns.items():
        course = concern.course
        if course is not None and course.min is not None and course.min > course.max:
            yield ("concerns", value, "course"), "min is greater than max"
        for field in ("may_help", "results"):
            text = getattr(concern, field).text
            yield from _text_ok(("concerns", value, field, "text"), text, languages)

    for name in ("range", "about", "up_to"):
        text = getattr(rules.sessions, name)
        yield from _text_ok(("sessions", name), text, languages, _PLACEHOLDERS["sessions"])
    for name in ScheduleTexts.model_fields:
        text = getattr(rules.schedule, name).text
        yield from _text_ok(("schedule", name, "text"), text, languages, _PLACEHOLDERS["schedule"])
    for name in HoldTexts.model_fields:
        yield from _text_ok(("hold", name, "text"), getattr(rules.hold, name).text, languages)
    for kind in EVENT_CASES:
        for n, text in enumerate(getattr(rules.event, kind)):
            loc = ("event", kind, n, "text")
            yield from _text_ok(loc, text.text, languages, _PLACEHOLDERS["event"])
    loc = ("event", "none_fits", "text")
    yield from _text_ok(loc, rules.event.none_fits.text, languages, _PLACEHOLDERS["event"])
    loc = ("event", "results_after_event", "text")
    yield from _text_ok(loc, rules.event.results_after_event.text, languages)

    for section in SECTIONS:
        for n, line in enumerate(getattr(rules, section)):
            loc = (section, n)
            yield from _text_ok((*loc, "text"), line.text, languages)
            yield from _text_ok((*loc, "when"), line.when, languages)
            yield from _conditions_ok((*loc, "only_if"), line.only_if, known)
            if line.lead is not None:
                if section != "preparation":
                    yield (*loc, "lead"), "only preparation lines have a lead time"
                yield from _window_ok((*loc, "lead"), line.lead, known, languages)
            if line.glance and section not in ("preparation", "aftercare"):
                yield (*loc, "glance"), "only preparation and aftercare lines are at a glance"
            if line.days is not None:
                yield from _days_ok((*loc, "days"), section, line.days, languages)

    ids: set[str] = set()
    for n, flag in enumerate(rules.flags):
        loc = ("flags", n)
        if flag.id in ids:
            yield (*loc, "id"), f"flag id '{flag.id}' is used twice"
        ids.add(flag.id)
        yield from _text_ok((*loc, "staff"), flag.staff, languages)
        yield from _text_ok((*loc, "patient"), flag.patient, languages)
        yield from _conditions_ok((*loc, "when"), flag.when, known)
        if flag.hold is not None:
            if flag.severity in ("do_not_treat", "no_rf"):
                yield (*loc, "hold"), "a do-not-treat or no-RF flag gives no dates, so no hold"
            yield from _window_ok((*loc, "hold"), flag.hold, known, languages)

    yield from _consent_ok(rules.consent, known, languages)

    for loc, keys in cited(rules):
        for n, key in enumerate(keys):
            problem = citations.problem(key)
            if problem:
                yield (*loc, n), problem


def _consent_ok(consent: ConsentRules, known: dict[str, Question], languages: set[str]):
    yield from _text_ok(("consent", "title"), consent.title, languages)
    for name in ("intro", "agreement", "photos"):
        yield from _text_ok(("consent", name, "text"), getattr(consent, name).text, languages)
    parts: set[str] = set()
    for p, part in enumerate(consent.parts):
        loc = ("consent", "parts", p)
        if part.id in parts:
            yield (*loc, "id"), f"consent part id '{part.id}' is used twice"
        parts.add(part.id)
        yield from _text_ok((*loc, "heading"), part.heading, languages)
        lines: set[str] = set()
        for n, line in enumerate(part.lines):
            line_loc = (*loc, "lines", n)
            if line.id in lines:
                yield (*line_loc, "id"), f"line id '{line.id}' is used twice in '{part.id}'"
            lines.add(line.id)
            yield from _text_ok((*line_loc, "text"), line.text, languages)
            yield from _conditions_ok((*line_loc, "only_if"), line.only_if, known)
            if line.when or line.lead or line.glance or line.days:
                yield line_loc, "a consent line has only an id, text, sources, device and only_if"


def _window_ok(loc: tuple, window: Window, known: dict[str, Question], languages: set[str]):
    if window.since is not None:
        target = known.get(window.since)
        if target is None:
            yield (*loc, "since"), f"unknown question '{window.since}'"
        elif target.type != "integer":
            yield (*loc, "since"), f"'{window.since}' is not a number question"
    yield from _text_ok((*loc, "reason"), window.reason, languages)


def _days_ok(loc: tuple, section: str, days: DaySpan, languages: set[str]):
    if section == "downtime":
        if days.level is None or days.kind is not None:
            yield loc, "a downtime line's days need a level (1 to 3) and no kind"
    elif section == "aftercare":
        if days.kind is None or days.level is not None:
            yield loc, "an aftercare line's days need a kind (avoid or do) and no level"
    else:
        yield loc, "only downtime and aftercare lines sit on the day-by-day strip"
    if isinstance(days.first, int) and isinstance(days.last, int) and days.first > days.last:
        yield loc, "first is after last"
    yield from _text_ok((*loc, "label"), days.label, languages)


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
