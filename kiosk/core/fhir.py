"""FHIR R4 export: the questionnaire as a ``Questionnaire``, a consultation
as a ``QuestionnaireResponse``, and its consent as a ``Consent``. Plain
Python: no Flask.

Each screen is a ``group`` item whose ``linkId`` is ``step-`` and the step id
(step and question ids may coincide, linkIds may not); each question an item
whose ``linkId`` is the question id. Branching becomes ``enableWhen``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from itertools import groupby
from typing import Any

from kiosk.core.content import EnableWhen, Question, Questionnaire, Step
from kiosk.core.i18n import local
from kiosk.core.signature import Signature

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


CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_ACTION = "http://terminology.hl7.org/CodeSystem/consentaction"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SIGNATURE_EXTENSION = "urn:kiosk:fhir:signature"
TYPED_NAME_EXTENSION = "urn:kiosk:fhir:typed-name"


def consent_resource(
    *,
    consent_id: str,
    response_id: str,
    text: str,
    title: str,
    version: str,
    language: str,
    signed_at: dt.datetime,
    signature: Signature | None,
    typed_name: str | None,
    photos: bool,
    withdrawn_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """A consultation's consent as a FHIR R4 ``Consent`` to treatment: the exact
    words signed as its source (plain text, with their SHA-1 as FHIR's
    ``Attachment.hash`` wants), active until withdrawn; the photo choice as a
    nested provision on collecting photographs; the signature's strokes as an
    SVG attachment (or the typed full name) in an extension."""
    signed = _instant(signed_at)
    data = text.encode()
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": consent_id,
        "status": "inactive" if withdrawn_at else "active",
        "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "treatment"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "dateTime": signed,
        "sourceAttachment": {
            "contentType": "text/plain; charset=utf-8",
            "language": language,
            "data": base64.b64encode(data).decode(),
            "hash": base64.b64encode(hashlib.sha1(data).digest()).decode(),
            "title": f"{title} ({version})",
            "creation": signed,
        },
        "policyRule": {"coding": [{"system": ACT_CODE, "code": "OPTIN"}]},
        "provision": {
            "type": "permit",
            "period": {
                "start": signed,
                **({"end": _instant(withdrawn_at)} if withdrawn_at else {}),
            },
            "data": [
                {
                    "meaning": "related",
                    "reference": {"reference": f"QuestionnaireResponse/{response_id}"},
                }
            ],
            "provision": [
                {
                    "type": "permit" if photos else "deny",
                    "action": [{"coding": [{"system": CONSENT_ACTION, "code": "collect"}]}],
                    "code": [{"text": "Photographs of the treated area"}],
                }
            ],
        },
    }
    if signature is not None:
        svg = _signature_svg(signature).encode()
        attachment = {"contentType": "image/svg+xml", "data": base64.b64encode(svg).decode()}
        resource["extension"] = [{"url": SIGNATURE_EXTENSION, "valueAttachment": attachment}]
    elif typed_name:
        resource["extension"] = [{"url": TYPED_NAME_EXTENSION, "valueString": typed_name}]
    return resource


def _instant(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat(timespec="seconds")


def _signature_svg(signature: Signature) -> str:
    paths = "".join(f'<path d="{d}"/>' for d in signature.paths())
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {signature.width} '
        f'{signature.height}" fill="none" stroke="#000" stroke-width="2.5" '
        f'stroke-linecap="round" stroke-linejoin="round">{paths}</svg>'
    )
