"""From completed answers to a personalised plan. Plain Python: no Flask."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

from kiosk.core.answer_text import display_answer, long_date
from kiosk.core.content import Questionnaire
from kiosk.core.content.contract import AREAS, CONCERNS, DEVICE_INTEREST, EVENT_DATE, FIRST_NAME
from kiosk.core.flow import Flow, condition_holds
from kiosk.core.i18n import day_date, local, ngettext
from kiosk.core.i18n import language as language_in_force
from kiosk.core.plan.dates import Course, EventDates, OpenDays, SessionDates, session_dates
from kiosk.core.plan.model import (
    SEVERITIES,
    STRIP_DAYS,
    Benefit,
    ConsentPart,
    ConsentText,
    DayBar,
    EventPlan,
    Flag,
    HoldWords,
    Plan,
    Recovery,
    Schedule,
    SessionPlan,
    TimedLine,
    Trigger,
)
from kiosk.core.plan.rules import (
    ConcernText,
    Condition,
    DayBound,
    DaySpan,
    FlagRule,
    Line,
    PlanRules,
    Window,
    resolve,
)
from kiosk.core.policy import Policy

_RF = frozenset({"rf"})
HOLD_WORDS = ("lead", "sessions", "rf_not_now", "if_later")


class PlanEngine:
    def __init__(
        self,
        questionnaire: Questionnaire,
        rules: PlanRules,
        policy: Policy,
        *,
        holidays_region: str = "",
        closed_dates: Iterable[dt.date] = (),
    ):
        """``holidays_region``: the clinic's public holidays ("GB-ENG"; empty:
        none); ``closed_dates``: its own closed days. No session falls on either."""
        # Its texts as the clinic's policy fills them in (flags quote question labels).
        self.flow = Flow(questionnaire.with_policy(policy.as_dict()))
        self.rules = rules
        self.policy = policy
        self.open_days = OpenDays(policy.opening_weekdays, holidays_region, frozenset(closed_dates))
        self._flag_texts: dict[str, _Texts] = {}  # per language, for flags()

    def build(
        self, answers: Mapping[str, Any], *, language: str, today: dt.date | None = None
    ) -> Plan:
        """The plan for ``answers`` (a submitted consultation's), in ``language``.

        ``today`` is the consultation day: dates count from it.
        """
        with language_in_force(language):
            return self._build(answers, language=language, today=today or dt.date.today())

    def flags(self, answers: Mapping[str, Any], *, language: str) -> tuple[Flag, ...]:
        """The screening flags alone, as :meth:`build` raises them (they depend on
        the answers, not on the day), without the plan's dates and texts: for a
        list of many consultations (the CSV export)."""
        with language_in_force(language):
            answers = self._with_derived(self.flow.effective_answers(answers))
            text = self._flag_texts.get(language)
            if text is None:
                text = self._flag_texts[language] = _Texts(language, self.policy)
            fired = self._fired(answers, self._devices(answers))
            return tuple(self._flag(rule, held, answers, text) for rule, held in fired)

    def _build(self, answers: Mapping[str, Any], *, language: str, today: dt.date) -> Plan:
        answers = self._with_derived(self.flow.effective_answers(answers))
        devices = self._devices(answers)
        text = _Texts(language, self.policy)

        chosen = answers.get(CONCERNS, [])
        concern_ids = [
            o.value
            for o in self.flow.question(CONCERNS).options or []
            if o.value in chosen and o.value in self.rules.concerns
        ]
        fired = self._fired(answers, devices)
        # RF contraindicated: the plan is of what remains (the pen); where RF
        # was the only treatment chosen, nothing is planned until the
        # clinician has talked it through.
        severities = {rule.severity for rule, _ in fired}
        rf_stopped = "rf" in devices and "no_rf" in severities
        chosen_devices = devices
        if rf_stopped:
            devices = (devices - {"rf"}) or frozenset({"pen"})
        on_hold = "do_not_treat" in severities or (rf_stopped and chosen_devices == {"rf"})
        sessions = self._sessions(concern_ids, text)
        event_date = dt.date.fromisoformat(answers[EVENT_DATE]) if answers.get(EVENT_DATE) else None
        dates, waits_for = self._dates(
            answers, devices, fired, today, sessions, event_date, hold=on_hold
        )
        event = None
        if dates.event is not None:
            event = plan_event(
                dates.event,
                today,
                sessions,
                [self.rules.concerns[c] for c in concern_ids],
                self.policy,
                self.rules,
                text,
                provisional="review" in severities or rf_stopped,
                open_days=self.open_days,
            )
        schedule = self._schedule(dates, waits_for, fired, event, text, rf_stopped=rf_stopped)

        def lines(section: list[Line]) -> tuple[Line, ...]:
            return tuple(line for line in section if self._applies(line, answers, devices))

        def timed(section: list[Line]) -> tuple[TimedLine, ...]:
            return tuple(
                TimedLine(text(line.when), text(line.text), glance=line.glance)
                for line in lines(section)
            )

        def bars(section: list[Line], kind: str | None = None) -> tuple[DayBar, ...]:
            found = (
                day_bar(line.days, self.policy, text)
                for line in lines(section)
                if line.days is not None and line.days.kind == kind
            )
            return tuple(bar for bar in found if bar is not None)

        return Plan(
            language=language,
            first_name=str(answers.get(FIRST_NAME, "")),
            made_on=today,
            concerns=self._words(CONCERNS, answers, language),
            areas=self._words(AREAS, answers, language),
            device=str(answers.get(DEVICE_INTEREST, "not_sure")),
            benefits=tuple(self._benefit(c, text) for c in concern_ids),
            sessions=sessions,
            schedule=schedule,
            event=event,
            preparation=timed(self.rules.preparation),
            day_of=tuple(text(line.text) for line in lines(self.rules.day_of)),
            downtime=timed(self.rules.downtime),
            aftercare=timed(self.rules.aftercare),
            call_clinic=tuple(text(line.text) for line in lines(self.rules.call_clinic)),
            device_notes=tuple(text(line.text) for line in lines(self.rules.device_notes)),
            flags=tuple(self._flag(rule, held, answers, text) for rule, held in fired),
            recovery=Recovery(
                see=bars(self.rules.downtime),
                avoid=bars(self.rules.aftercare, "avoid"),
                do=bars(self.rules.aftercare, "do"),
                redness=tuple(text(line.text) for line in lines(self.rules.redness)),
            ),
            about=timed(self.rules.about),
            on_hold=on_hold,
            hold_words=HoldWords(
                **{name: text(getattr(self.rules.hold, name).text) for name in HOLD_WORDS}
            ),
            rf_not_now=tuple(
                text(line.text)
                for line in self.rules.device_notes
                if rf_stopped and line.device == "rf" and self._applies(line, answers, _RF)
            ),
        )

    def consent(self, answers: Mapping[str, Any], *, language: str) -> ConsentText:
        """The consent for ``answers`` in ``language``: its lines for the
        treatments this patient may have (RF lines where RF is in question)."""
        answers = self._with_derived(self.flow.effective_answers(answers))
        devices = self._devices(answers)
        text = _Texts(language, self.policy)
        rules = self.rules.consent
        parts = (
            ConsentPart(
                heading=text(part.heading),
                lines=tuple(
                    text(line.text) for line in part.lines if self._applies(line, answers, devices)
                ),
            )
            for part in rules.parts
        )
        return ConsentText(
            version=rules.version,
            language=language,
            title=text(rules.title),
            intro=text(rules.intro.text),
            parts=tuple(part for part in parts if part.lines),
            agreement=text(rules.agreement.text),
            photos=text(rules.photos.text),
        )

    # Screening -----------------------------------------------------------

    def _fired(
        self, answers: dict[str, Any], devices: frozenset[str]
    ) -> list[tuple[FlagRule, list[Condition]]]:
        """The flag rules that fire, most severe first, with the conditions that held."""
        fired = []
        for rule in self.rules.flags:
            if rule.device != "any" and rule.device not in devices:
                continue
            held = [c for c in rule.when if self._holds(c, answers)]
            met = len(held) == len(rule.when) if rule.behavior == "all" else bool(held)
            if met:
                fired.append((rule, held))
        fired.sort(key=lambda pair: SEVERITIES.index(pair[0].severity))
        return fired

    def _flag(self, rule: FlagRule, held: list[Condition], answers, text: _Texts) -> Flag:
        return Flag(
            id=rule.id,
            severity=rule.severity,
            staff_text=text(rule.staff),
            patient_text=text(rule.patient),
            triggers=self._triggers(held, answers, text.language),
            sources=tuple(rule.sources),
        )

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
                    display_answer(question, answers.get(question_id), language, staff=True),
                )
            )
        return tuple(triggers)

    def _holds(self, condition: Condition, answers: Mapping[str, Any]) -> bool:
        return condition_holds(resolve(condition, self.policy), answers)

    def _applies(self, line: Line, answers: Mapping[str, Any], devices: frozenset[str]) -> bool:
        if line.device != "any" and line.device not in devices:
            return False
        if not line.only_if:
            return True
        results = [self._holds(c, answers) for c in line.only_if]
        return all(results) if line.behavior == "all" else any(results)

    def _devices(self, answers: Mapping[str, Any]) -> frozenset[str]:
        """The treatments this patient may have: RF only where the clinic offers
        it and the patient chose it or is unsure; the pen unless RF was chosen."""
        interest = answers.get(DEVICE_INTEREST)
        if not self.policy.offers_rf:
            return frozenset({"pen"})
        if interest == "rf":
            return frozenset({"rf"})
        if interest == "pen":
            return frozenset({"pen"})
        return frozenset({"pen", "rf"})

    def _with_derived(self, answers: dict[str, Any]) -> dict[str, Any]:
        result = dict(answers)
        for name, derived in self.rules.derived.items():
            value = answers.get(derived.question)
            if value in derived.values:
                result[name] = derived.values[value]
        return result

    # Dates ----------------------------------------------------------------

    def _dates(
        self,
        answers: dict[str, Any],
        devices: frozenset[str],
        fired: list[tuple[FlagRule, list[Condition]]],
        today: dt.date,
        sessions: SessionPlan | None,
        event_date: dt.date | None,
        *,
        hold: bool = False,
    ) -> tuple[SessionDates, list[Window]]:
        """The dates (see :mod:`kiosk.core.plan.dates`), with the windows that keep
        the first session later than the day after the consultation. ``hold``:
        no dates, the clinician plans them."""
        windows = [
            line.lead
            for line in self.rules.preparation
            if line.lead is not None and self._applies(line, answers, devices)
        ]
        windows += [rule.hold for rule, _ in fired if rule.hold is not None]
        ends = [window_end(window, answers, today, self.policy) for window in windows]
        tomorrow = today + dt.timedelta(days=1)
        waits_for = [w for w, end in zip(windows, ends, strict=True) if end > tomorrow]
        course = None
        if sessions is not None:
            course = Course(sessions.min_sessions, sessions.max_sessions, sessions.spacing_weeks)
        dates = session_dates(
            today,
            ends,
            self.open_days,
            dated=not hold,
            event_date=event_date,
            course=course,
            weeks_before_event=self.policy.last_session_weeks_before_event,
        )
        return dates, waits_for

    def _schedule(
        self,
        dates: SessionDates,
        waits_for: list[Window],
        fired: list[tuple[FlagRule, list[Condition]]],
        event: EventPlan | None,
        text: _Texts,
        *,
        rf_stopped: bool = False,
    ) -> Schedule:
        """The first session in words: the first date offered (after every
        preparation window and hold that applies, on an open day, and after
        the event when no session fits before it). ``rf_stopped``: RF is
        contraindicated, so the dates hold only if the clinician agrees."""
        texts = self.rules.schedule
        if dates.first is None:
            return Schedule("clinician", None, (), (text(texts.clinician_plans.text),))
        review = any(r.severity == "review" for r, _ in fired)
        status = "provisional" if review or rf_stopped else "dated"
        if event is not None and event.status == "too_close":
            first_line = event.none_fits
        else:
            first_line = text(texts.earliest.text, date=day_date(dates.first))
        lines = [first_line]
        if status == "provisional":
            lines.append(text(texts.provisional.text))
        return Schedule(
            status,
            dates.first,
            tuple(dict.fromkeys(text(w.reason) for w in waits_for)),
            tuple(lines),
            waits_heading=text(texts.waits_for.text),
        )

    # Benefits and sessions ---------------------------------------------------

    def _benefit(self, concern_id: str, text: _Texts) -> Benefit:
        concern = self.rules.concerns[concern_id]
        option = next(o for o in self.flow.question(CONCERNS).options if o.value == concern_id)
        course = None
        if concern.course is not None:
            course = self._course_text(concern.course.min, concern.course.max, text)
        return Benefit(
            concern_id=concern_id,
            concern=text(option.label),
            may_help=text(concern.may_help.text),
            course=course,
            results=text(concern.results.text),
        )

    def _course_text(self, low: int | None, high: int, text: _Texts) -> str:
        words = self.rules.sessions
        form = words.up_to if low is None else words.about if low == high else words.range
        return text(form, min=low, max=high, spacing=self.policy.session_spacing_weeks)

    def _sessions(self, concern_ids: list[str], text: _Texts) -> SessionPlan | None:
        courses = [self.rules.concerns[c].course for c in concern_ids]
        courses = [c for c in courses if c is not None]
        if not courses:
            return None
        high = max(c.max for c in courses)
        lows = [c.min for c in courses if c.min is not None]
        low = min(max(lows), high) if lows else None
        spacing = self.policy.session_spacing_weeks
        return SessionPlan(low, high, spacing, self._course_text(low, high, text))

    def _words(self, question_id: str, answers: Mapping[str, Any], language: str):
        """The options chosen in words; none where the questionnaire does not
        ask the question (an optional one of contract.py)."""
        question = self.flow.question(question_id)
        chosen = answers.get(question_id) or []
        options = (question.options or []) if question is not None else []
        return tuple(local(o.label, language) for o in options if o.value in chosen)


# Calendar ----------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day where it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def day_bar(span: DaySpan, policy: Policy, text: _Texts) -> DayBar | None:
    """Where ``span`` sits on the strip (days 0 to 7), or None where its window
    is empty (a clinic that set it to 0). Day 0 is the first 24 hours: "from
    24 hours" starts on day 1, "first 72 hours" ends with day 2."""

    def days(bound: DayBound, *, rounding) -> int:
        amount = max(getattr(policy, bound.setting), 0)
        return rounding(amount / 24) if bound.unit == "hours" else amount

    first = span.first if isinstance(span.first, int) else days(span.first, rounding=math.floor)
    last = span.last if isinstance(span.last, int) else days(span.last, rounding=math.ceil) - 1
    final = STRIP_DAYS - 1
    if last < first or first > final:
        return None
    return DayBar(
        first, min(last, final), text(span.label), level=span.level or 0, continues=last > final
    )


def window_end(window: Window, answers: Mapping[str, Any], today: dt.date, policy: Policy):
    """The first day after ``window``: its length (a policy setting, or a
    fixed ``amount``) counted from today, less the time since the answer to
    ``window.since`` (never before today)."""
    amount = window.amount if window.setting is None else getattr(policy, window.setting)
    if window.since is not None:
        since = answers.get(window.since)
        amount -= since if isinstance(since, int) and not isinstance(since, bool) else 0
    amount = max(amount, 0)
    if window.unit == "months":
        return add_months(today, amount)
    days = {"hours": math.ceil(amount / 24), "days": amount, "weeks": amount * 7}
    return today + dt.timedelta(days=days[window.unit])


def plan_event(
    dates: EventDates,
    today: dt.date,
    sessions: SessionPlan | None,
    concerns: list[ConcernText],
    policy: Policy,
    rules: PlanRules,
    text: _Texts,
    *,
    provisional: bool = False,
    open_days: OpenDays | None = None,
) -> EventPlan:
    """The event plan in words, from its dates (:func:`kiosk.core.plan.dates.session_dates`)."""
    event_date, status = dates.event_date, dates.status
    weeks_before = policy.last_session_weeks_before_event
    last_by = dates.last_by or event_date - dt.timedelta(weeks=weeks_before)
    values = {
        "event_date": long_date(event_date),
        "last_by": long_date(last_by),
        "min": sessions.min_sessions if sessions else None,
        "max": sessions.max_sessions if sessions else None,
        "spacing": policy.session_spacing_weeks,
        "weeks_before": weeks_before,
        "days_left": ngettext("%(num)d day", "%(num)d days", (event_date - today).days),
        "first_after": day_date(dates.first_after) if dates.first_after else "",
        "count": len(dates.session_dates),
    }
    lines = [text(line.text, **values) for line in getattr(rules.event, status)]
    none_fits = ""
    if status == "too_close":
        none_fits = text(rules.event.none_fits.text, **values)
        lines.append(none_fits)
    if dates.session_dates and _results_after(event_date, list(dates.session_dates), concerns):
        lines.append(text(rules.event.results_after_event.text))
    dated = status in ("fits", "partial", "no_course", "too_close")
    return EventPlan(
        event_date=event_date,
        status=status,
        last_session_by=dates.last_by,
        sessions_that_fit=len(dates.session_dates),
        session_dates=dates.session_dates,
        lines=tuple(lines),
        provisional=dated and provisional,
        first_after=dates.first_after,
        none_fits=none_fits,
        open_days=open_days or OpenDays(policy.opening_weekdays),
    )


def _results_after(event_date: dt.date, dates: list[dt.date], concerns) -> bool:
    """Whether the usual timing of a chosen concern puts its results after the event."""
    for concern in concerns:
        timing = concern.results_after
        if timing is None:
            continue
        start = dates[0] if timing.after == "first_session" else dates[-1]
        if start + dt.timedelta(weeks=timing.weeks) > event_date:
            return True
    return False


class _Texts:
    """Picks a text in the language and fills in policy values and extras."""

    def __init__(self, language: str, policy: Policy):
        self.language = language
        self.values = policy.as_dict()

    def __call__(self, text: Mapping[str, str] | None, **extra: Any) -> str:
        if text is None:
            return ""
        return local(text, self.language).format_map({**self.values, **extra})
