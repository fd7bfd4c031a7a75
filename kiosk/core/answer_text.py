"""Answers and dates in words, as patients and staff read them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from kiosk.core.content import Question
from kiosk.core.flow import Flow
from kiosk.core.i18n import gettext as _
from kiosk.core.i18n import local, long_date

__all__ = [
    "AnswerGroup",
    "AnswerLine",
    "answer_lines",
    "at_a_glance",
    "check_lines",
    "display_answer",
    "long_date",
]


@dataclass(frozen=True)
class AnswerLine:
    question_id: str  # what the staff copy matches a flag's answers by
    question: str  # short wording of the question
    answer: str  # the answer in words ("Not given" when empty)
    step_id: str = ""  # the screen that asks it: where Change goes on Check your answers


@dataclass(frozen=True)
class AnswerGroup:
    title: str  # a topic: "About you", "Your health", ...
    lines: tuple[AnswerLine, ...]


def display_answer(question: Question, value: Any, language: str, *, staff: bool = False) -> str:
    """``value`` in words; for ``staff``, an option's staff wording where it has one."""
    if value is None or value == "" or value == []:
        return _("Not given")
    if question.type == "yesno":
        return _("Yes") if value else _("No")
    if question.type in ("choice", "multichoice"):
        labels = {
            o.value: local((staff and o.staff_label) or o.label, language)
            for o in question.options or []
        }
        chosen = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, v) for v in chosen)
    if question.type == "date":
        return long_date(dt.date.fromisoformat(value))
    if question.type == "integer" and question.suffix:
        suffix = question.suffix_one if value == 1 and question.suffix_one else question.suffix
        return f"{value} {local(suffix, language)}"
    return str(value)


def answer_lines(
    flow: Flow, answers: Mapping[str, Any], language: str, *, staff: bool = False
) -> tuple[AnswerGroup, ...]:
    """Every question that applies and its answer in words, grouped by topic,
    as Check your answers and (``staff``) the staff page and copy list them."""
    return tuple(
        AnswerGroup(
            local(topic.title, language),
            tuple(
                AnswerLine(
                    item.question.id,
                    _short_label(item.question, language),
                    display_answer(item.question, item.value, language, staff=staff),
                    item.step.id,
                )
                for item in items
            ),
        )
        for topic, items in groupby(flow.walk(answers), key=lambda item: item.topic)
    )


def check_lines(flow: Flow, answers: Mapping[str, Any], language: str) -> tuple[AnswerGroup, ...]:
    """Check your answers: ``answer_lines``, with a step's checklist read back
    as one row in the place of its first line, named by its step ("Your skin
    today: None of these", or the lines ticked), whose Change goes to the list."""
    groups = []
    for group in answer_lines(flow, answers, language):
        lines = []
        for step_id, step_lines in groupby(group.lines, key=lambda line: line.step_id):
            step = flow.step(step_id)
            items = {question.id for question in step.checklist_items}
            step_lines = list(step_lines)
            listed = [line for line in step_lines if line.question_id in items]
            said = [
                line.question
                if answers.get(line.question_id)
                else f"{line.question}: {line.answer}"
                for line in listed
                if answers.get(line.question_id) is not False
            ]
            for line in step_lines:
                if line.question_id not in items:
                    lines.append(line)
                elif line is listed[0]:
                    none = local(step.checklist.summary_none, language)
                    answer = "; ".join(said) or none
                    title = local(step.title, language)
                    lines.append(AnswerLine(line.question_id, title, answer, step_id))
        groups.append(AnswerGroup(group.title, tuple(lines)))
    return tuple(groups)


def _short_label(question: Question, language: str) -> str:
    return local(question.summary_label or question.label, language)


def at_a_glance(flow: Flow, answers: Mapping[str, Any], language: str) -> tuple[AnswerLine, ...]:
    """The content's at-a-glance rows for staff: each row's label and the
    answers of its questions that apply ("Blood-thinning medicine: No;
    Isotretinoin: Yes, but has stopped"), one answer alone as it is. A row
    none of whose questions apply (or only free text left empty) is left out."""
    applies = {item.question.id: item for item in flow.walk(answers)}
    rows = []
    for row in flow.questionnaire.at_a_glance:
        # Free text left empty ("Anything else") says nothing at a glance.
        items = [
            applies[q]
            for q in row.questions
            if q in applies
            and not (applies[q].question.type == "textarea" and not applies[q].value)
        ]
        if not items:
            continue
        # A yes that the next answer tells more of ("Allergies: Yes" before
        # the allergies themselves) goes without saying.
        items = [
            item
            for item, following in zip(items, [*items[1:], None], strict=True)
            if not (
                item.question.type == "yesno"
                and item.value is True
                and following is not None
                and following.value not in (None, "", [])
            )
        ]
        words = [display_answer(i.question, i.value, language, staff=True) for i in items]
        if len(items) > 1:
            words = [
                f"{_short_label(i.question, language)}: {answer}"
                for i, answer in zip(items, words, strict=True)
            ]
        rows.append(AnswerLine(items[0].question.id, local(row.label, language), "; ".join(words)))
    return tuple(rows)
