"""Answers and dates in words, as patients and staff read them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from .content import Question
from .i18n import day_date, local, long_date
from .i18n import gettext as _

if TYPE_CHECKING:  # the plan engine uses this module
    from .plan.model import Schedule

__all__ = ["answer_lines", "display_answer", "first_session", "long_date"]


def display_answer(question: Question, value: Any, language: str) -> str:
    if value is None or value == "" or value == []:
        return _("Not given")
    if question.type == "yesno":
        return _("Yes") if value else _("No")
    if question.type in ("choice", "multichoice"):
        labels = {o.value: local(o.label, language) for o in question.options or []}
        chosen = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, v) for v in chosen)
    if question.type == "date":
        return long_date(dt.date.fromisoformat(value))
    if question.type == "integer" and question.suffix:
        suffix = question.suffix_one if value == 1 and question.suffix_one else question.suffix
        return f"{value} {local(suffix, language)}"
    return str(value)


def answer_lines(flow, answers: dict[str, Any], language: str) -> list[tuple[str, list]]:
    """Every answer that applies, grouped by topic: ``[(topic, [(question, answer)])]``."""
    groups = []
    applicable = flow.applicable_steps(answers)
    for topic in flow.topics:
        lines = [
            (
                local(q.summary_label or q.label, language),
                display_answer(q, answers.get(q.id), language),
            )
            for step in applicable
            if step.topic == topic.id
            for q in flow.enabled_questions(step, answers)
        ]
        if lines:
            groups.append((local(topic.title, language), lines))
    return groups


def first_session(schedule: Schedule) -> str:
    """The earliest first session, as staff read it on the page and the staff copy."""
    if schedule.status == "clinician" or schedule.earliest is None:
        return _("Not dated: a do-not-treat flag fired, so the clinician plans the dates")
    day = day_date(schedule.earliest)
    if schedule.provisional:
        return _("%(day)s or later, if the clinician agrees after the review", day=day)
    return _("%(day)s or later", day=day)
