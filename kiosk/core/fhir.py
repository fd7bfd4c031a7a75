"""FHIR R4 export: the questionnaire as a ``Questionnaire`` and a consultation
as a ``QuestionnaireResponse``. Plain Python: no Flask.

Each screen is a ``group`` item whose ``linkId`` is ``step-`` and the step id
(step and question ids may coincide, linkIds may not); each question an item
whose ``linkId`` is the question id. Branching becomes ``enableWhen``.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

from kiosk.core.content import EnableWhen, Question, Questionnaire, Step
from kiosk.core.i18n import local

ANSWER_SYSTEM = "urn:kiosk:answer"
ITEM_TYPES = {
    "text": "string",
    "textarea": "text",
    "email": "string",
    "phone": "string",
    "choice": "choice",
    "multichoice": "choice",
    "yesno": "boolean",
    "integer": "integer",
    "date": "date",
}


def canonical_url(questionnaire: Questionnaire) -> str:
    return f"urn:kiosk:questionnaire:{questionnaire.id}"


def group_link_id(step: Step) -> str:
    return f"step-{step.id}"


def _system(question: Question) -> str:
    return f"{ANSWER_SYSTEM}:{question.id}"


def _coding(question: Question, value: str, language: str) -> dict[str, str]:
    option = next((o for o in question.options or [] if o.value == value), None)
    coding = {"system": _system(question), "code": value}
    if option is not None:
        coding["display"] = local(option.label, language)
    return coding


def _enable_when(
    conditions: list[EnableWhen], questions: dict[str, Question], language: str
) -> list[dict[str, Any]]:
    result = []
    for cond in conditions:
        target = questions[cond.question]
        item: dict[str, Any] = {"question": cond.question, "operator": cond.operator}
        answer = cond.answer
        if cond.operator == "exists" or isinstance(answer, bool):
            item["answerBoolean"] = answer
        elif target.type in ("choice", "multichoice"):
            item["answerCoding"] = _coding(target, str(answer), language)
        elif isinstance(answer, dt.date):
            item["answerDate"] = answer.isoformat()
        elif isinstance(answer, int):
            item["answerInteger"] = answer
        else:
            item["answerString"] = str(answer)
        result.append(item)
    return result


def _branching(
    element: Step | Question, questions: dict[str, Question], language: str
) -> dict[str, Any]:
    if not element.enable_when:
        return {}
    branching: dict[str, Any] = {
        "enableWhen": _enable_when(element.enable_when, questions, language)
    }
    if len(element.enable_when) > 1:  # required by FHIR when there is more than one
        branching["enableBehavior"] = element.enable_behavior
    return branching


def questionnaire_resource(questionnaire: Questionnaire, language: str) -> dict[str, Any]:
    """The questionnaire as a FHIR R4 Questionnaire, texts in ``language``."""
    questions = {q.id: q for s in questionnaire.steps for q in s.questions}
    items = []
    for step in questionnaire.steps:
        children = []
        for question in step.questions:
            item: dict[str, Any] = {
                "linkId": question.id,
                "text": local(question.label, language),
                "type": ITEM_TYPES[question.type],
                "required": question.required,
            }
            if question.type == "multichoice":
                item["repeats"] = True
            if question.options:
                item["answerOption"] = [
                    {"valueCoding": _coding(question, o.value, language)} for o in question.options
                ]
            if question.max_length and item["type"] in ("string", "text"):
                item["maxLength"] = question.max_length
            item.update(_branching(question, questions, language))
            children.append(item)
        group = {
            "linkId": group_link_id(step),
            "text": local(step.title, language),
            "type": "group",
            "item": children,
        }
        group.update(_branching(step, questions, language))
        items.append(group)
    return {
        "resourceType": "Questionnaire",
        "id": questionnaire.id.replace("_", "-"),
        "url": canonical_url(questionnaire),
        "version": questionnaire.version,
        "name": "".join(part.title() for part in questionnaire.id.split("_")),
        "title": local(questionnaire.title, language),
        "status": "active",
        "language": language,
        "item": items,
    }


def _answers(question: Question, value: Any, language: str) -> list[dict[str, Any]]:
    values = value if isinstance(value, list) else [value]
    kind = ITEM_TYPES[question.type]
    if kind == "choice":
        return [{"valueCoding": _coding(question, v, language)} for v in values]
    key = {"boolean": "valueBoolean", "integer": "valueInteger", "date": "valueDate"}.get(
        kind, "valueString"
    )
    return [{key: v} for v in values]


def response_resource(
    questionnaire: Questionnaire,
    flow,
    *,
    response_id: str,
    answers: dict[str, Any],
    language: str,
    authored: dt.datetime,
    amended: bool,
) -> dict[str, Any]:
    """A consultation as a FHIR R4 QuestionnaireResponse.

    ``flow`` is the questionnaire's ``Flow``: only items that apply are included.
    """
    answered = (item for item in flow.walk(answers) if item.value is not None)
    items = [
        {
            "linkId": group_link_id(step),
            "text": local(step.title, language),
            "item": [
                {
                    "linkId": item.question.id,
                    "text": local(item.question.label, language),
                    "answer": _answers(item.question, item.value, language),
                }
                for item in on_step
            ],
        }
        for step, on_step in groupby(answered, key=lambda item: item.step)
    ]
    if authored.tzinfo is None:
        authored = authored.replace(tzinfo=dt.UTC)
    return {
        "resourceType": "QuestionnaireResponse",
        "id": response_id,
        "questionnaire": f"{canonical_url(questionnaire)}|{questionnaire.version}",
        "status": "amended" if amended else "completed",
        "authored": authored.isoformat(timespec="seconds"),
        "language": language,
        "item": items,
    }
