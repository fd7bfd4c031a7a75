"""Answers as the patient reads them back: the check-answers page and Done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..content import Question, Step, Topic
from ..display import display_answer, long_date
from ..flow import Flow
from ..i18n import gettext as _
from ..i18n import local
from ..plan import Plan


@dataclass
class AnswerRow:
    question: Question
    label: str
    value: str


@dataclass
class Group:
    topic: Topic
    title: str
    rows: list[tuple[Step, list[AnswerRow]]]


def check_groups(flow: Flow, answers: dict[str, Any], language: str) -> list[Group]:
    groups: list[Group] = []
    for topic in flow.topics:
        rows = []
        for step in flow.applicable_steps(answers):
            if step.topic != topic.id:
                continue
            rows.append(
                (
                    step,
                    [
                        AnswerRow(
                            q,
                            local(q.summary_label or q.label, language),
                            display_answer(q, answers.get(q.id), language),
                        )
                        for q in flow.enabled_questions(step, answers)
                    ],
                )
            )
        if rows:
            groups.append(Group(topic, local(topic.title, language), rows))
    return groups


def summary_covers(plan: Plan) -> list[str]:
    """The sections of the patient's printed summary, for the Done screen: the
    same plan, so the screen never promises dates the summary does not give."""
    covers = []
    if plan.concerns:
        concerns = ", ".join(plan.concerns).lower()
        covers.append(_("What microneedling may do for: %(concerns)s", concerns=concerns))
    covers += [
        _("How to prepare in the weeks before"),
        _("What happens on the day"),
        _("What your skin will look like, day by day"),
        _("Aftercare, and when to call us"),
    ]
    if plan.flags:
        covers.append(_("Things to discuss with your clinician"))
    schedule = plan.schedule
    if schedule.status == "clinician":
        covers.append(_("Your clinician will plan the dates of your sessions with you"))
        return covers
    if schedule.provisional:
        covers.append(_("The earliest date for your first session, if your clinician agrees"))
    else:
        covers.append(_("The earliest date for your first session"))
    if plan.event is not None and plan.event.status != "past":
        day = long_date(plan.event.event_date)
        if plan.event.provisional:
            covers.append(
                _("A session plan for your event on %(day)s, if your clinician agrees", day=day)
            )
        else:
            covers.append(_("A session plan for your event on %(day)s", day=day))
    return covers
