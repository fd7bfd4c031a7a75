"""FHIR R4 export, checked against the R4 rules that can be checked offline."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from kiosk.core import fhir

from .staff_helpers import StaffClient, add_consultation, create_account, example_answers

ITEM_TYPES = {
    "group",
    "display",
    "boolean",
    "decimal",
    "integer",
    "date",
    "dateTime",
    "time",
    "string",
    "text",
    "url",
    "choice",
    "open-choice",
    "attachment",
    "reference",
    "quantity",
}
OPERATORS = {"exists", "=", "!=", ">", "<", ">=", "<="}
ANSWER_KEYS = {
    "boolean": "Boolean",
    "integer": "Integer",
    "date": "Date",
    "string": "String",
    "text": "String",
    "choice": "Coding",
}
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
EXAMPLES = [
    "fine-lines-no-flags",
    "acne-scars-event-in-3-weeks",
    "pregnant",
    "isotretinoin-2-months-ago",
    "fitzpatrick-6-rf-pacemaker",
]


def walk(items, parent=None):
    for item in items:
        yield item, parent
        yield from walk(item.get("item", []), item)


def questionnaire_problems(resource: dict) -> list[str]:
    problems = []
    if resource.get("resourceType") != "Questionnaire":
        problems.append("resourceType")
    if resource.get("status") not in {"draft", "active", "retired", "unknown"}:
        problems.append("status is required and must be a valid code")
    for key in ("url", "version", "title", "name"):
        if not isinstance(resource.get(key), str) or not resource[key]:
            problems.append(f"{key} must be a non-empty string")
    if not re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", resource.get("id", "")):
        problems.append("id is not a valid FHIR id")
    items = {}
    for item, parent in walk(resource.get("item", [])):
        link = item.get("linkId")
        if not isinstance(link, str) or not link:
            problems.append(f"item without linkId under {parent and parent.get('linkId')}")
            continue
        if link in items:
            problems.append(f"linkId {link} is not unique")
        items[link] = item
        if item.get("type") not in ITEM_TYPES:
            problems.append(f"{link}: bad type {item.get('type')}")
        if item["type"] == "group" and not item.get("item"):
            problems.append(f"{link}: group without items")
        if item["type"] != "group" and "item" in item:
            problems.append(f"{link}: only groups nest items here")
        if "answerOption" in item and item["type"] not in ("choice", "open-choice"):
            problems.append(f"{link}: answerOption on a {item['type']} item")
        if item["type"] == "choice" and not item.get("answerOption"):
            problems.append(f"{link}: choice without answerOption")
        for option in item.get("answerOption", []):
            coding = option.get("valueCoding", {})
            if not coding.get("system") or not coding.get("code"):
                problems.append(f"{link}: answerOption coding needs system and code")
        if "maxLength" in item and item["type"] not in ("string", "text"):
            problems.append(f"{link}: maxLength on a {item['type']} item")
        for flag in ("required", "repeats"):
            if flag in item and not isinstance(item[flag], bool):
                problems.append(f"{link}: {flag} must be a boolean")
    for item in items.values():
        conditions = item.get("enableWhen", [])
        if len(conditions) > 1 and item.get("enableBehavior") not in ("all", "any"):
            problems.append(f"{item['linkId']}: enableBehavior required with several enableWhen")
        if len(conditions) <= 1 and "enableBehavior" in item:
            problems.append(f"{item['linkId']}: enableBehavior without several enableWhen")
        for cond in conditions:
            target = items.get(cond.get("question"))
            if target is None:
                problems.append(f"{item['linkId']}: enableWhen on unknown {cond.get('question')}")
                continue
            if cond.get("operator") not in OPERATORS:
                problems.append(f"{item['linkId']}: bad operator {cond.get('operator')}")
            answers = [k for k in cond if k.startswith("answer")]
            if len(answers) != 1:
                problems.append(f"{item['linkId']}: enableWhen needs exactly one answer[x]")
                continue
            expected = (
                "answerBoolean"
                if cond["operator"] == "exists"
                else ("answer" + ANSWER_KEYS[target["type"]])
            )
            if answers[0] != expected:
                problems.append(f"{item['linkId']}: {answers[0]} for a {target['type']} item")
            if answers[0] == "answerCoding":
                codes = {o["valueCoding"]["code"] for o in target["answerOption"]}
                if cond["answerCoding"]["code"] not in codes:
                    problems.append(f"{item['linkId']}: enableWhen code not an option")
    return problems


def response_problems(response: dict, questionnaire: dict) -> list[str]:
    problems = []
    if response.get("resourceType") != "QuestionnaireResponse":
        problems.append("resourceType")
    if response.get("status") not in {
        "in-progress",
        "completed",
        "amended",
        "entered-in-error",
        "stopped",
    }:
        problems.append("status is required and must be a valid code")
    if response.get("questionnaire") != f"{questionnaire['url']}|{questionnaire['version']}":
        problems.append("questionnaire must be the canonical url|version")
    if not DATETIME.match(response.get("authored", "")):
        problems.append("authored must be a dateTime with a time zone")
    by_link = {item["linkId"]: (item, parent) for item, parent in walk(questionnaire["item"])}
    for item, parent in walk(response.get("item", [])):
        link = item.get("linkId")
        if link not in by_link:
            problems.append(f"{link}: not in the questionnaire")
            continue
        definition, defined_parent = by_link[link]
        expected_parent = defined_parent and defined_parent["linkId"]
        if (parent and parent["linkId"]) != expected_parent:
            problems.append(f"{link}: nested under {parent and parent['linkId']}")
        if definition["type"] == "group":
            if "answer" in item:
                problems.append(f"{link}: a group has no answer")
            continue
        answers = item.get("answer", [])
        if not answers:
            problems.append(f"{link}: item without answers")
        if len(answers) > 1 and not definition.get("repeats"):
            problems.append(f"{link}: several answers to a non-repeating item")
        key = "value" + ANSWER_KEYS[definition["type"]]
        for answer in answers:
            if list(answer) != [key]:
                problems.append(f"{link}: {list(answer)} for a {definition['type']} item")
            elif key == "valueCoding":
                codes = {o["valueCoding"]["code"] for o in definition["answerOption"]}
                if answer[key]["code"] not in codes:
                    problems.append(f"{link}: {answer[key]['code']} is not an option")
            elif key == "valueDate":
                dt.date.fromisoformat(answer[key])
            elif key == "valueInteger" and type(answer[key]) is not int:
                problems.append(f"{link}: valueInteger must be an integer")
            elif key == "valueBoolean" and type(answer[key]) is not bool:
                problems.append(f"{link}: valueBoolean must be a boolean")
    return problems


@pytest.fixture
def questionnaire_resource(flow):
    return fhir.questionnaire_resource(flow.questionnaire, "en")


def test_questionnaire_follows_r4_structure(questionnaire_resource, flow):
    assert questionnaire_problems(questionnaire_resource) == []
    # Every question of the content is there, by its id, with its branching.
    links = {item["linkId"]: item for item, _ in walk(questionnaire_resource["item"])}
    for step in flow.steps:
        assert links[f"step-{step.id}"]["type"] == "group"
        for question in step.questions:
            assert links[question.id]["required"] is question.required
    assert links["isotretinoin_months"]["enableWhen"] == [
        {
            "question": "isotretinoin",
            "operator": "=",
            "answerCoding": {
                "system": "urn:kiosk:answer:isotretinoin",
                "code": "stopped",
                "display": "Yes, I have stopped",
            },
        }
    ]
    assert links["allergy_details"]["enableBehavior"] == "any"
    assert links["step-contact"]["enableWhen"][0]["answerBoolean"] is True
    assert links["concerns"]["repeats"] is True


def test_the_checker_catches_broken_resources(questionnaire_resource):
    broken = json.loads(json.dumps(questionnaire_resource))
    broken["item"][1]["enableWhen"][0]["question"] = "nope"
    broken["item"][0]["item"][0]["type"] = "words"
    broken["item"][2]["item"][0]["linkId"] = broken["item"][0]["item"][0]["linkId"]
    del broken["status"]
    problems = questionnaire_problems(broken)
    for expected in (
        "status is required and must be a valid code",
        "first_name: bad type words",
        "linkId first_name is not unique",
        "step-contact: enableWhen on unknown nope",
    ):
        assert expected in problems


@pytest.mark.parametrize("example", EXAMPLES)
def test_consultations_export_as_valid_responses(flow, questionnaire_resource, example):
    answers = example_answers(example)
    response = fhir.response_resource(
        flow.questionnaire,
        flow,
        response_id="0123abcd" * 4,
        answers=answers,
        language="en",
        authored=dt.datetime(2026, 11, 21, 9, 30),
        amended=False,
    )
    assert response_problems(response, questionnaire_resource) == []
    assert response["status"] == "completed"
    answered = {item["linkId"] for item, _ in walk(response["item"]) if "answer" in item}
    assert answered == set(flow.effective_answers(answers))


def test_response_leaves_out_answers_that_do_not_apply(flow, questionnaire_resource):
    answers = {**example_answers("fine-lines-no-flags"), "isotretinoin_months": 3}
    response = fhir.response_resource(
        flow.questionnaire,
        flow,
        response_id="x" * 32,
        answers=answers,
        language="en",
        authored=dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC),
        amended=True,
    )
    links = {item["linkId"] for item, _ in walk(response["item"])}
    assert "isotretinoin_months" not in links
    assert "step-health_details" not in links
    assert response["status"] == "amended"
    bad = json.loads(json.dumps(response))
    bad["item"][0]["item"][0]["answer"] = [{"valueInteger": 3}]
    assert response_problems(bad, questionnaire_resource)


def test_staff_export_a_consultation_and_the_questionnaire(app, client):
    password = create_account(app, "sam")
    member = StaffClient(client)
    member.login("sam", password)
    sent = add_consultation(app, "isotretinoin-2-months-ago")
    questionnaire = client.get("/staff/questionnaire.json")
    assert questionnaire.mimetype == "application/fhir+json"
    exported = client.get(f"/staff/c/{sent.id}/fhir.json")
    response = exported.get_json(force=True)
    assert response_problems(response, questionnaire.get_json(force=True)) == []
    assert response["id"] == fhir.response_uuid(sent.id)
    assert response["identifier"] == {"system": "urn:kiosk:reference", "value": sent.reference}
    assert response["status"] == "completed"
    member.post(
        f"/staff/c/{sent.id}/notes",
        {"text": "Antiviral cover discussed."},
        token_from=f"/staff/c/{sent.id}",
    )
    member.post(f"/staff/c/{sent.id}/reviewed", token_from=f"/staff/c/{sent.id}")
    # A note and the review are the staff's, not a change of the patient's
    # answers: the response stays completed (the bundle carries them).
    again = client.get(f"/staff/c/{sent.id}/fhir.json").get_json(force=True)
    assert again == response
