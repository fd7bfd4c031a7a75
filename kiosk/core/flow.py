"""Which step comes next: the questionnaire's branching, in plain Python.

Answers are a mapping of question id to value: a string, a list of option
values, a bool (yes/no), an int, or an ISO date string. ``asked`` is the set
of question ids the patient has already been shown and has submitted.

Conditions follow FHIR ``enableWhen``: ``exists`` compares whether there is
an answer with a boolean; ``=`` and the ordered operators hold when at least
one answer matches; ``!=`` holds when no answer equals the value. A question
that is not enabled counts as unanswered for the conditions after it.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterator, Mapping, Set
from typing import Any, NamedTuple

from kiosk.core.content import EnableWhen, Question, Questionnaire, Step, Topic

_ORDERED = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def has_answer(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _values(value: Any) -> list[Any]:
    if not has_answer(value):
        return []
    return list(value) if isinstance(value, list) else [value]


def _comparable(value: Any, like: Any) -> Any:
    if isinstance(like, dt.date) and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return value


def condition_holds(cond: EnableWhen, answers: Mapping[str, Any]) -> bool:
    values = _values(answers.get(cond.question))
    if cond.operator == "exists":
        return bool(values) == cond.answer
    if cond.operator == "=":
        return any(_comparable(v, cond.answer) == cond.answer for v in values)
    if cond.operator == "!=":
        return all(_comparable(v, cond.answer) != cond.answer for v in values)
    compare = _ORDERED[cond.operator]
    wanted = type(cond.answer)
    return any(
        type(v) is wanted and compare(v, cond.answer)
        for v in (_comparable(v, cond.answer) for v in values)
    )


def is_enabled(item: Step | Question, answers: Mapping[str, Any]) -> bool:
    if not item.enable_when:
        return True
    results = (condition_holds(c, answers) for c in item.enable_when)
    return all(results) if item.enable_behavior == "all" else any(results)


class Applicable(NamedTuple):
    """A question that applies to a set of answers, with its answer (None when
    the patient left it empty)."""

    topic: Topic
    step: Step
    question: Question
    value: Any


class Progress(NamedTuple):
    """The patient's topics and where they are: ``topics[current]``, or Check
    your answers after them all when ``current`` is ``len(topics)``. Those
    before ``current`` are done."""

    topics: tuple[Topic, ...]
    current: int

    @property
    def on_check(self) -> bool:
        return self.current == len(self.topics)


class Flow:
    """The order of the steps for one set of answers.

    A returning patient's flow (:meth:`for_returning`) walks only the steps
    marked ``returning`` (what may change between sessions of a course); the
    answers to the others are carried over from their earlier consultation.
    Should one of those lack a required answer (the content changed since),
    its step is walked too, until it has one. Answers and the walk over them
    are the same in both: only the screens shown differ."""

    def __init__(self, questionnaire: Questionnaire, *, returning: bool = False):
        self.questionnaire = questionnaire
        self.returning = returning
        self._returning_flow: Flow | None = None
        self.steps = list(questionnaire.steps)
        self.topics = list(questionnaire.topics)
        self._steps = {s.id: s for s in self.steps}
        self._position = {s.id: n for n, s in enumerate(self.steps)}
        self._questions = {q.id: q for s in self.steps for q in s.questions}
        self._topics = {t.id: t for t in self.topics}
        # The topics the patient may meet: those with a screen of this clinic's.
        self.progress_topics = tuple(
            t
            for t in self.topics
            if any(s.topic == t.id and (s.returning or not returning) for s in self.steps)
        )

    def for_returning(self) -> Flow:
        """The flow of a patient coming back for a later session of their course."""
        if self.returning:
            return self
        if self._returning_flow is None:
            self._returning_flow = Flow(self.questionnaire, returning=True)
        return self._returning_flow

    def asked_again(self) -> list[Step]:
        """The steps asked again of a returning patient."""
        return [s for s in self.steps if s.returning]

    def carried_over(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The answers that apply, less those to the questions asked again: what
        a returning patient's new draft starts with."""
        again = {q.id for s in self.asked_again() for q in s.questions}
        return {k: v for k, v in self.effective_answers(answers).items() if k not in again}

    # Look-ups -----------------------------------------------------------

    def step(self, step_id: str) -> Step | None:
        return self._steps.get(step_id)

    def question(self, question_id: str) -> Question | None:
        return self._questions.get(question_id)

    def step_of(self, question_id: str) -> Step | None:
        return next((s for s in self.steps if any(q.id == question_id for q in s.questions)), None)

    # Branching ----------------------------------------------------------

    def effective_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The answers to the questions that apply, in questionnaire order."""
        result: dict[str, Any] = {}
        for step in self.steps:
            if not is_enabled(step, result):
                continue
            for question in step.questions:
                value = answers.get(question.id)
                if has_answer(value) and is_enabled(question, result):
                    result[question.id] = value
        return result

    def walk(self, answers: Mapping[str, Any]) -> Iterator[Applicable]:
        """Every question that applies, with its answer, in questionnaire order
        (topic by topic: the content keeps a topic's steps together, in the
        order of the topics).

        The one walk over the answers that apply: the check-answers page, the
        staff page and copy, the FHIR export and every re-check read it.
        """
        effective = self.effective_answers(answers)
        for step in self.steps:
            if not is_enabled(step, effective):
                continue
            topic = self._topics[step.topic]
            for question in step.questions:
                if is_enabled(question, effective):
                    yield Applicable(topic, step, question, effective.get(question.id))

    def enabled_questions(self, step: Step, answers: Mapping[str, Any]) -> list[Question]:
        return self._enabled(step, self.effective_answers(answers))

    def applicable_steps(self, answers: Mapping[str, Any]) -> list[Step]:
        return self._applicable(self.effective_answers(answers))

    def next_step(self, step_id: str, answers: Mapping[str, Any]) -> Step | None:
        """The applicable step after ``step_id``; None means check your answers."""
        position = self._position[step_id]
        return next(
            (s for s in self.applicable_steps(answers) if self._position[s.id] > position), None
        )

    def previous_step(self, step_id: str, answers: Mapping[str, Any]) -> Step | None:
        """The applicable step before ``step_id``; None means the welcome screen."""
        position = self._position[step_id]
        before = [s for s in self.applicable_steps(answers) if self._position[s.id] < position]
        return before[-1] if before else None

    def last_step(self, answers: Mapping[str, Any]) -> Step:
        return self.applicable_steps(answers)[-1]

    # Progress -----------------------------------------------------------

    def is_complete(self, step: Step, answers: Mapping[str, Any], asked: Set[str]) -> bool:
        """Every question that applies was shown, and every required one answered."""
        return self._complete(step, answers, self.effective_answers(answers), asked)

    def first_incomplete(self, answers: Mapping[str, Any], asked: Set[str]) -> Step | None:
        effective = self.effective_answers(answers)
        return next(
            (
                s
                for s in self._applicable(effective)
                if not self._complete(s, answers, effective, asked)
            ),
            None,
        )

    def change_focus(
        self, step: Step, changing: str, answers: Mapping[str, Any], asked: Set[str]
    ) -> str | None:
        """The question a change from Check your answers lands on in ``step``:
        ``changing``, the question whose Change the patient pressed, when the
        step asks it; else the first question the step asks that was never
        asked (a follow-up the change called for)."""
        questions = self.enabled_questions(step, answers)
        if any(q.id == changing for q in questions):
            return changing
        return next((q.id for q in questions if q.id not in asked), None)

    def may_visit(self, step: Step, answers: Mapping[str, Any], asked: Set[str]) -> bool:
        """A step can be shown once it applies and every step before it is done."""
        effective = self.effective_answers(answers)
        applicable = [s.id for s in self._applicable(effective)]
        if step.id not in applicable:
            return False
        return all(
            self._complete(self._steps[earlier], answers, effective, asked)
            for earlier in applicable[: applicable.index(step.id)]
        )

    # The same, from answers already reduced to those that apply (one pass
    # over the questionnaire per call above, however many steps it looks at).

    def _enabled(self, step: Step, effective: Mapping[str, Any]) -> list[Question]:
        if not is_enabled(step, effective):
            return []
        return [q for q in step.questions if is_enabled(q, effective)]

    def _applicable(self, effective: Mapping[str, Any]) -> list[Step]:
        return [
            s
            for s in self.steps
            if is_enabled(s, effective)
            and any(is_enabled(q, effective) for q in s.questions)
            and (not self.returning or s.returning or self._lacks_answer(s, effective))
        ]

    def _lacks_answer(self, step: Step, effective: Mapping[str, Any]) -> bool:
        return any(
            q.required and not has_answer(effective.get(q.id))
            for q in self._enabled(step, effective)
        )

    def _complete(
        self, step: Step, answers: Mapping[str, Any], effective: Mapping[str, Any], asked: Set[str]
    ) -> bool:
        return all(
            q.id in asked and (not q.required or has_answer(answers.get(q.id)))
            for q in self._enabled(step, effective)
        )

    def progress(self, step: Step | None) -> Progress:
        """Where ``step`` is in the patient's topics, for the progress list at
        the top of each screen; Check your answers (``step`` None) after the
        last topic. The list is the questionnaire's, whatever the answers: a
        follow-up screen an answer calls for belongs to a topic already in it,
        so the list never grows, and (topics being listed in the order of
        their screens, which the content check makes sure of) the marker
        moves only forward as the patient does."""
        current = len(self.progress_topics)
        if step is not None:
            # A returning patient's screen of a topic not listed (one that lacks
            # an answer) counts as the first listed topic after it.
            order = [t.id for t in self.topics]
            current = next(
                (
                    n
                    for n, t in enumerate(self.progress_topics)
                    if order.index(t.id) >= order.index(step.topic)
                ),
                current,
            )
        return Progress(self.progress_topics, current)
