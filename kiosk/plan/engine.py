"""From completed answers to a personalised plan. Plain Python: no Flask."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..content import Questionnaire
from ..display import display_answer, long_date
from ..flow import Flow, condition_holds
from ..i18n import language as language_in_force
from ..i18n import local, ngettext
from .model import (
    SEVERITIES,
    Benefit,
    EventPlan,
    Flag,
    Plan,
    SessionPlan,
    TimedLine,
    Trigger,
)
from .policy import Policy
from .rules import Condition, Line, PlanRules, resolve


class PlanEngine:
    def __init__(self, questionnaire: Questionnaire, rules: PlanRules, policy: Policy):
        self.flow = Flow(questionnaire)
        self.rules = rules
        self.policy = policy

    def build(
        self, answers: Mapping[str, Any], *, language: str, today: dt.date | None = None
    ) -> Plan:
        """The plan for ``answers`` (a submitted consultation's), in ``language``.

        ``today`` is the day the plan is made for (event dates count from it).
        """
        with language_in_force(language):
            return self._build(answers, language=language, today=today or dt.date.today())

    def _build(self, answers: Mapping[str, Any], *, language: str, today: dt.date) -> Plan:
        answers = self._with_derived(self.flow.effective_answers(answers))
        rf = self._rf_matters(answers)
        text = _Texts(language, self.policy)

        chosen = answers.get("concerns", [])
        concern_ids = [
            o.value
            for o in self.flow.question("concerns").options or []
            if o.value in chosen and o.value in self.rules.concerns
        ]
        benefits = tuple(self._benefit(c, text) for c in concern_ids)
        sessions = self._sessions(concern_ids, text)
        event = None
        if answers.get("event_date") and sessions is not None:
            event = plan_event(
                dt.date.fromisoformat(answers["event_date"]),
                today,
                sessions,
                self.policy,
                self.rules,
                text,
            )

        def lines(section: list[Line]) -> tuple[Line, ...]:
            return tuple(line for line in section if self._applies(line, answers, rf))

        def timed(section: list[Line]) -> tuple[TimedLine, ...]:
            return tuple(TimedLine(text(line.when), text(line.text)) for line in lines(section))

        return Plan(
            language=language,
            first_name=str(answers.get("first_name", "")),
            made_on=today,
            concerns=self._words("concerns", answers, language),
            areas=self._words("areas", answers, language),
            device=str(answers.get("device_interest", "not_sure")),
            benefits=benefits,
            sessions=sessions,
            event=event,
            preparation=timed(self.rules.preparation),
            day_of=tuple(text(line.text) for line in lines(self.rules.day_of)),
            downtime=timed(self.rules.downtime),
            aftercare=timed(self.rules.aftercare),
            call_clinic=tuple(text(line.text) for line in lines(self.rules.call_clinic)),
            device_notes=tuple(text(line.text) for line in lines(self.rules.device_notes)),
            flags=self._flags(answers, rf, text),
        )

    # Screening -----------------------------------------------------------

    def _flags(self, answers: dict[str, Any], rf: bool, text: _Texts) -> tuple[Flag, ...]:
        fired = []
        for rule in self.rules.flags:
            if rule.device == "rf" and not rf:
                continue
            held = [c for c in rule.when if self._holds(c, answers)]
            met = len(held) == len(rule.when) if rule.behavior == "all" else bool(held)
            if not met:
                continue
            fired.append(
                Flag(
                    id=rule.id,
                    severity=rule.severity,
                    severity_label=text(self.rules.severity_labels[rule.severity]),
                    staff_text=text(rule.staff),
                    patient_text=text(rule.patient),
                    triggers=self._triggers(held, answers, text.language),
                    sources=tuple(rule.sources),
                )
            )
        fired.sort(key=lambda flag: SEVERITIES.index(flag.severity))
        return tuple(fired)

    def _triggers(self, held: list[Condition], answers, language: str) -> tuple[Trigger, ...]:
        triggers: list[Trigger] = []
        for condition in held:
            question_id = condition.question
            if question_id in self.rules.derived:
                question_id = self.rules.derived[question_id].question
            question = self.flow.question(question_id)
            if question is None or any(t.question_id == question_id for t in triggers):
                continue
            triggers.append(
                Trigger(
                    question_id,
                    local(question.summary_label or question.label, language),
                    display_answer(question, answers.get(question_id), language),
                )
            )
        return tuple(triggers)

    def _holds(self, condition: Condition, answers: Mapping[str, Any]) -> bool:
        return condition_holds(resolve(condition, self.policy), answers)

    def _applies(self, line: Line, answers: Mapping[str, Any], rf: bool) -> bool:
        if (line.device == "rf" and not rf) or (line.device == "pen" and rf):
            return False
        if not line.only_if:
            return True
        results = [self._holds(c, answers) for c in line.only_if]
        return all(results) if line.behavior == "all" else any(results)

    def _rf_matters(self, answers: Mapping[str, Any]) -> bool:
        """RF screening and texts apply when the clinic offers RF and the
        patient is interested in it or unsure."""
        return self.policy.offers_rf and answers.get("device_interest") in ("rf", "not_sure")

    def _with_derived(self, answers: dict[str, Any]) -> dict[str, Any]:
        result = dict(answers)
        for name, derived in self.rules.derived.items():
            value = answers.get(derived.question)
            if value in derived.values:
                result[name] = derived.values[value]
        return result

    # Benefits and sessions ---------------------------------------------------

    def _benefit(self, concern_id: str, text: _Texts) -> Benefit:
        concern = self.rules.concerns[concern_id]
        option = next(o for o in self.flow.question("concerns").options if o.value == concern_id)
        course = text(
            self.rules.sessions,
            min=concern.course.min,
            max=concern.course.max,
            spacing=self.policy.session_spacing_weeks,
        )
        return Benefit(
            concern_id=concern_id,
            concern=text(option.label),
            may_help=text(concern.may_help),
            course=course,
            results=text(concern.results),
        )

    def _sessions(self, concern_ids: list[str], text: _Texts) -> SessionPlan | None:
        if not concern_ids:
            return None
        courses = [self.rules.concerns[c].course for c in concern_ids]
        low, high = max(c.min for c in courses), max(c.max for c in courses)
        spacing = self.policy.session_spacing_weeks
        return SessionPlan(
            low, high, spacing, text(self.rules.sessions, min=low, max=high, spacing=spacing)
        )

    def _words(self, question_id: str, answers: Mapping[str, Any], language: str):
        question = self.flow.question(question_id)
        chosen = answers.get(question_id) or []
        return tuple(local(o.label, language) for o in question.options or [] if o.value in chosen)


def plan_event(
    event_date: dt.date,
    today: dt.date,
    sessions: SessionPlan,
    policy: Policy,
    rules: PlanRules,
    text: _Texts,
) -> EventPlan:
    """What fits before the event: the last session must end its downtime
    ``last_session_weeks_before_event`` weeks before, sessions ``spacing`` apart."""
    spacing = dt.timedelta(weeks=policy.session_spacing_weeks)
    weeks_before = policy.last_session_weeks_before_event
    last_by = event_date - dt.timedelta(weeks=weeks_before)
    values = {
        "event_date": long_date(event_date),
        "last_by": long_date(last_by),
        "min": sessions.min_sessions,
        "max": sessions.max_sessions,
        "spacing": policy.session_spacing_weeks,
        "weeks_before": weeks_before,
        "days_left": ngettext("%(num)d day", "%(num)d days", (event_date - today).days),
        "first_after": long_date(event_date + dt.timedelta(days=1)),
    }
    if event_date < today:
        status, dates = "past", ()
    elif last_by < today:
        status, dates = "too_close", ()
    else:
        count = min(sessions.max_sessions, 1 + (last_by - today).days // spacing.days)
        dates = tuple(today + spacing * n for n in range(count))
        status = "fits" if count >= sessions.min_sessions else "partial"
    values["count"] = len(dates)
    values["dates"] = ", ".join(long_date(d) for d in dates)
    lines = tuple(text(line, **values) for line in getattr(rules.event, status))
    return EventPlan(
        event_date=event_date,
        status=status,
        last_session_by=last_by if dates else None,
        sessions_that_fit=len(dates),
        session_dates=dates,
        lines=lines,
    )


class _Texts:
    """Picks a text in the language and fills in policy values and extras."""

    def __init__(self, language: str, policy: Policy):
        self.language = language
        self.values = policy.as_dict()

    def __call__(self, text: Mapping[str, str] | None, **extra: Any) -> str:
        if text is None:
            return ""
        return local(text, self.language).format_map({**self.values, **extra})
