"""Answers as the patient reads them back: the check-answers page and Done."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..content import Question, Step, Topic
from ..display import display_answer, long_date
from ..flow import Flow
from ..i18n import gettext as _
from ..i18n import local


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


def summary_covers(flow: Flow, answers: dict[str, Any], language: str) -> list[str]:
    """The sections the printed summary will hold, for the Done screen."""
    concerns = flow.question("concerns")
    covers = []
    if concerns is not None and answers.get("concerns"):
        covers.append(
            _(
                "What microneedling may do for: %(concerns)s",
                concerns=display_answer(concerns, answers["concerns"], language).lower(),
            )
        )
    covers += [
        _("How to prepare in the weeks before"),
        _("What happens on the day"),
        _("What your skin will look like, day by day"),
        _("Aftercare, and when to call us"),
    ]
    if answers.get("event_date"):
        day = long_date(dt.date.fromisoformat(answers["event_date"]))
        covers.append(_("A session plan for your event on %(day)s", day=day))
    return covers
