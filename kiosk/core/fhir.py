"""FHIR R4 export: the questionnaire as a ``Questionnaire``, a consultation
as a ``QuestionnaireResponse``, and its consent as a ``Consent``; and a
consultation with everything the staff side knows of it (flags, review, notes,
consent, and where it was sent: a ``Location`` and an ``Encounter``) as the
resources of a ``Bundle`` or of NDJSON lines. Plain Python: no Flask.

Each screen is a ``group`` item whose ``linkId`` is ``step-`` and the step id
(step and question ids may coincide, linkIds may not); each question an item
whose ``linkId`` is the question id. Branching becomes ``enableWhen``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from kiosk.core.content import EnableWhen, Question, Questionnaire, Step
from kiosk.core.i18n import local
from kiosk.core.plan.model import Flag
from kiosk.core.signature import Signature
from kiosk.core.statuses import severity_label

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
    reference: str | None = None,
    subject: dict[str, str] | None = None,
    encounter: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A consultation as a FHIR R4 QuestionnaireResponse.

    ``flow`` is the questionnaire's ``Flow``: only items that apply are included.
    ``amended``: the patient's answers themselves were changed after they were
    sent (notes and the review are resources of their own, not amendments).
    ``reference``: the consultation's reference code, as the identifier;
    ``subject``: a reference to the patient; ``encounter``: to the Encounter
    that says where it was sent.
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
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": response_id,
        "language": language,
    }
    if reference:
        resource["identifier"] = {"system": REFERENCE_SYSTEM, "value": reference}
    resource.update(
        {
            "questionnaire": f"{canonical_url(questionnaire)}|{questionnaire.version}",
            "status": "amended" if amended else "completed",
        }
    )
    if subject:
        resource["subject"] = subject
    if encounter:
        resource["encounter"] = encounter
    resource["authored"] = authored.isoformat(timespec="seconds")
    resource["item"] = items
    return resource


REFERENCE_SYSTEM = "urn:kiosk:reference"  # the reference code a patient is given
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_ACTION = "http://terminology.hl7.org/CodeSystem/consentaction"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SIGNATURE_EXTENSION = "urn:kiosk:fhir:signature"
TYPED_NAME_EXTENSION = "urn:kiosk:fhir:typed-name"


def consent_resource(
    *,
    consent_id: str,
    response_id: str | None = None,
    response: dict[str, str] | None = None,
    patient: dict[str, str] | None = None,
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
    SVG attachment (or the typed full name) in an extension.

    The QuestionnaireResponse it goes with: ``response`` (a reference), or
    ``response_id`` for ``QuestionnaireResponse/<id>``; ``patient``: a
    reference to the patient."""
    signed = _instant(signed_at)
    response = response or {"reference": f"QuestionnaireResponse/{response_id}"}
    data = text.encode()
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": consent_id,
        "status": "inactive" if withdrawn_at else "active",
        "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "treatment"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        **({"patient": patient} if patient else {}),
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
                    "reference": response,
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


# A consultation with the staff side's records of it ----------------------------------
#
# The resources, each with an id derived from the consultation's (so that a
# second export of the same consultation gives the same ids, and a receiver
# updates rather than duplicates):
#
# - Patient: the person who sent it, by first name only. The kiosk identifies
#   no one: a receiver matches the person to its own records. It is there
#   because R4's Flag must have a subject (Flag.subject is 1..1 and cannot
#   point to a QuestionnaireResponse) and ClinicalImpression too.
# - QuestionnaireResponse: the answers. Its status is ``completed``: notes and
#   the review are the staff's, not a change of the patient's answers, so they
#   are resources of their own and never make it ``amended``.
# - Flag, one per screening flag: status active, category ``clinical``, code
#   the rule's id and its words; the QuestionnaireResponse as the flag's detail
#   (the core extension flag-detail), the severity as its priority (the core
#   extension flag-priority: FHIR's PH/PM/PL codes and the kiosk's own), and
#   each answer that made it fire in an extension of the kiosk's
#   (TRIGGER_EXTENSION: linkId, question, answer).
# - Provenance, once reviewed: the QuestionnaireResponse as its target, the
#   review's time as ``recorded``, the reviewer (by name) as the verifier.
# - ClinicalImpression, where staff wrote notes. R4's QuestionnaireResponse
#   has no ``note``; an Annotation is FHIR's signed, timed note, and of the
#   resources that carry Annotations ClinicalImpression is the one that means
#   "the staff's assessment of this record": it points to the answers and the
#   flags (supportingInfo), holds each note as an Annotation (author's name,
#   time, words), and is completed once the consultation is reviewed, with the
#   reviewer as assessor. (A Communication per note would say the notes were
#   sent to someone, which they were not; an extension on the
#   QuestionnaireResponse would be read by no receiver.)
# - Consent, when one was signed: as consent_resource, inactive once withdrawn.
# - Location: the clinic (in a chain, the one of the chain's locations) where
#   the consultation was sent, with its name, address and phone and e-mail.
#   Its id is derived from the location's, not the consultation's: one
#   Location for all of a location's consultations, given once in a period's
#   export (period_resources).
# - Encounter: the visit in which the patient answered, at that Location.
#   R4's QuestionnaireResponse has no element for a place; its ``encounter``
#   is the standard way to say where and when it was filled in, and
#   Encounter.location the standard link to a Location (R4 and R4B alike).
#   Status ``finished`` (the answers were sent), class AMB (ambulatory: the
#   patient walked in and out), the Patient as subject, and the moment the
#   answers were sent as the end of its period (when the visit began, the
#   kiosk does not keep). The alternatives say less or are read by fewer
#   receivers: an extension of the kiosk's on the QuestionnaireResponse,
#   or Provenance.location, which would be there only once reviewed and would
#   say where the review was done.

FLAG_DETAIL_EXTENSION = "http://hl7.org/fhir/StructureDefinition/flag-detail"
FLAG_PRIORITY_EXTENSION = "http://hl7.org/fhir/StructureDefinition/flag-priority"
FLAG_PRIORITY = "http://hl7.org/fhir/flag-priority-code"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
FLAG_SYSTEM = "urn:kiosk:flag"  # the screening rule's id
SEVERITY_SYSTEM = "urn:kiosk:flag-severity"
TRIGGER_EXTENSION = "urn:kiosk:fhir:flag-trigger"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
# The kiosk's severities on FHIR's scale of alert priorities.
PRIORITIES = {
    "do_not_treat": ("PH", "High priority"),
    "no_rf": ("PM", "Medium priority"),
    "review": ("PM", "Medium priority"),
    "note": ("PL", "Low priority"),
}


@dataclass(frozen=True)
class StaffNote:
    author: str  # the staff member's name
    at: dt.datetime  # stored time (naive UTC) or aware
    text: str


@dataclass(frozen=True)
class Review:
    reviewer: str  # the staff member's name
    at: dt.datetime


@dataclass(frozen=True)
class SignedConsent:
    """The consent last signed, as consent_resource takes it."""

    record_id: int
    text: str
    title: str
    version: str
    language: str
    signed_at: dt.datetime
    signature: Signature | None
    typed_name: str | None
    photos: bool
    withdrawn_at: dt.datetime | None = None


@dataclass(frozen=True)
class Site:
    """The clinic where a consultation was sent (a location of a chain, or
    the installation's only one): ``key``, the location's own id, makes the
    Location's; ``address`` is lines, one a line."""

    key: int | str
    slug: str
    name: str
    address: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class ConsultationRecord:
    """One consultation and what the staff side knows of it, gathered by the
    records layer; the flags in the clinic's language."""

    id: str
    reference: str
    first_name: str
    language: str
    answers: Mapping[str, Any]
    submitted_at: dt.datetime
    flags: tuple[Flag, ...] = ()
    notes: tuple[StaffNote, ...] = ()
    review: Review | None = None
    consent: SignedConsent | None = None
    amended: bool = False  # the answers were changed after they were sent
    location: Site | None = None  # where it was sent


def response_uuid(consultation_id: str) -> str:
    """The QuestionnaireResponse's id: the consultation's own uuid."""
    try:
        return str(uuid.UUID(hex=consultation_id))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:kiosk:consultation:{consultation_id}"))


def part_uuid(consultation_id: str, part: str) -> str:
    """The id of one of the consultation's other resources ("patient",
    "flag:<id>", "review", "notes", "consent:<n>"): the same at every export."""
    return str(uuid.uuid5(uuid.UUID(response_uuid(consultation_id)), part))


LOCATION_SYSTEM = "urn:kiosk:location"  # a location's slug


def location_uuid(site: Site) -> str:
    """The Location's id: the same for each of the location's consultations,
    at every export."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{LOCATION_SYSTEM}:{site.key}"))


def _reference(kind: str, resource_id: str, in_bundle: bool) -> dict[str, str]:
    """Inside a Bundle, a reference to its entry's ``urn:uuid:`` fullUrl; in
    NDJSON, where each line stands alone, ``Type/id``."""
    return {"reference": f"urn:uuid:{resource_id}" if in_bundle else f"{kind}/{resource_id}"}


def consultation_resources(
    questionnaire: Questionnaire,
    flow,
    record: ConsultationRecord,
    *,
    in_bundle: bool,
    with_location: bool = True,
) -> list[dict[str, Any]]:
    """The consultation's resources (see above), each referring to the others
    as a Bundle (``in_bundle``) or NDJSON lines do. ``with_location``: its
    Location among them (a period's export gives each Location once)."""
    qr_id = response_uuid(record.id)
    patient_id = part_uuid(record.id, "patient")
    qr = _reference("QuestionnaireResponse", qr_id, in_bundle)
    patient = _reference("Patient", patient_id, in_bundle)
    # Where it was sent (none given: neither a Location nor an Encounter).
    visit: list[dict[str, Any]] = []
    if (site := record.location) is not None:
        place = _reference("Location", location_uuid(site), in_bundle)
        visit = [_encounter(part_uuid(record.id, "encounter"), record, patient, place)]
    encounter = _reference("Encounter", visit[0]["id"], in_bundle) if visit else None
    resources: list[dict[str, Any]] = []
    if site is not None and with_location:
        resources.append(location_resource(site))
    resources += [
        _patient(patient_id, record),
        *visit,
        response_resource(
            questionnaire,
            flow,
            response_id=qr_id,
            answers=record.answers,
            language=record.language,
            authored=record.submitted_at,
            amended=record.amended,
            reference=record.reference,
            subject=patient,
            encounter=encounter,
        ),
    ]
    flags = [
        _flag(part_uuid(record.id, f"flag:{flag.id}"), flag, qr, patient, record.submitted_at)
        for flag in record.flags
    ]
    resources += flags
    if record.review is not None:
        resources.append(_provenance(part_uuid(record.id, "review"), record.review, qr))
    if record.notes:
        flag_refs = [_reference("Flag", flag["id"], in_bundle) for flag in flags]
        resources.append(
            _staff_notes(part_uuid(record.id, "notes"), record, patient, [qr, *flag_refs])
        )
    if (consent := record.consent) is not None:
        resources.append(
            consent_resource(
                consent_id=part_uuid(record.id, f"consent:{consent.record_id}"),
                response=qr,
                patient=patient,
                text=consent.text,
                title=consent.title,
                version=consent.version,
                language=consent.language,
                signed_at=consent.signed_at,
                signature=consent.signature,
                typed_name=consent.typed_name,
                photos=consent.photos,
                withdrawn_at=consent.withdrawn_at,
            )
        )
    return resources


def _patient(patient_id: str, record: ConsultationRecord) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Patient", "id": patient_id}
    if record.first_name.strip():
        resource["name"] = [{"given": [record.first_name.strip()]}]
    resource["communication"] = [
        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": record.language}]}}
    ]
    return resource


def location_resource(site: Site) -> dict[str, Any]:
    """The clinic as a FHIR R4 Location: its name, its address as lines, and
    its phone and e-mail where it has them."""
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": location_uuid(site),
        "identifier": [{"system": LOCATION_SYSTEM, "value": site.slug}],
        "status": "active",
        "name": site.name.strip() or site.slug,
        "mode": "instance",
    }
    telecom = [
        {"system": kind, "value": value.strip()}
        for kind, value in (("phone", site.phone), ("email", site.email))
        if value and value.strip()
    ]
    if telecom:
        resource["telecom"] = telecom
    lines = [line.strip() for line in site.address.splitlines() if line.strip()]
    if lines:
        resource["address"] = {"line": lines}
    return resource


def _encounter(
    encounter_id: str, record: ConsultationRecord, patient: dict[str, str], place: dict[str, str]
) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "id": encounter_id,
        "status": "finished",
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "subject": patient,
        "period": {"end": _instant(record.submitted_at)},
        "location": [{"location": place, "status": "completed"}],
    }


def _flag(
    flag_id: str, flag: Flag, qr: dict[str, str], patient: dict[str, str], raised: dt.datetime
) -> dict[str, Any]:
    words = severity_label(flag.severity)
    priority = [{"system": SEVERITY_SYSTEM, "code": flag.severity, "display": words}]
    if flag.severity in PRIORITIES:
        code, display = PRIORITIES[flag.severity]
        priority.insert(0, {"system": FLAG_PRIORITY, "code": code, "display": display})
    triggers = [
        {
            "url": TRIGGER_EXTENSION,
            "extension": [
                {"url": "linkId", "valueString": trigger.question_id},
                {"url": "question", "valueString": trigger.question},
                {"url": "answer", "valueString": trigger.answer},
            ],
        }
        for trigger in flag.triggers
    ]
    return {
        "resourceType": "Flag",
        "id": flag_id,
        "extension": [
            {"url": FLAG_DETAIL_EXTENSION, "valueReference": qr},
            {
                "url": FLAG_PRIORITY_EXTENSION,
                "valueCodeableConcept": {"coding": priority, "text": words},
            },
            *triggers,
        ],
        "status": "active",
        "category": [
            {"coding": [{"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"}]}
        ],
        "code": {"coding": [{"system": FLAG_SYSTEM, "code": flag.id}], "text": flag.staff_text},
        "subject": patient,
        "period": {"start": _instant(raised)},
    }


def _provenance(provenance_id: str, review: Review, qr: dict[str, str]) -> dict[str, Any]:
    return {
        "resourceType": "Provenance",
        "id": provenance_id,
        "target": [qr],
        "recorded": _instant(review.at),
        "agent": [
            {
                "type": {
                    "coding": [
                        {"system": PARTICIPANT_TYPE, "code": "verifier", "display": "Verifier"}
                    ]
                },
                "who": {"display": review.reviewer},
            }
        ],
    }


def _staff_notes(
    impression_id: str,
    record: ConsultationRecord,
    patient: dict[str, str],
    supporting: list[dict[str, str]],
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "ClinicalImpression",
        "id": impression_id,
        "status": "completed" if record.review else "in-progress",
        "subject": patient,
    }
    if record.review is not None:
        resource["date"] = _instant(record.review.at)
        resource["assessor"] = {"display": record.review.reviewer}
    resource["supportingInfo"] = supporting
    resource["note"] = [
        {"authorString": note.author, "time": _instant(note.at), "text": note.text}
        for note in record.notes
    ]
    return resource


# Bundles and NDJSON ---------------------------------------------------------------------
#
# A ``collection``, not a ``document``: a document Bundle starts with a
# Composition, is attested as a whole and is never changed once issued, where
# a consultation goes on changing (notes, a review, a consent withdrawn) and a
# receiver takes in its resources one by one. A collection says only "these
# resources, together", which is what an export is.


def collection(resources: Iterable[dict[str, Any]], *, timestamp: dt.datetime) -> dict[str, Any]:
    """The resources as a FHIR R4 ``collection`` Bundle, each entry's fullUrl
    the ``urn:uuid:`` of its id."""
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(timestamp),
    }
    entries = [
        {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource} for resource in resources
    ]
    if entries:  # FHIR's JSON has no empty arrays: a period with nothing sent has no entry
        bundle["entry"] = entries
    return bundle


def consultation_bundle(
    questionnaire: Questionnaire, flow, record: ConsultationRecord, *, timestamp: dt.datetime
) -> dict[str, Any]:
    return collection(
        consultation_resources(questionnaire, flow, record, in_bundle=True), timestamp=timestamp
    )


def period_resources(
    questionnaire: Questionnaire,
    flow,
    records: Iterable[ConsultationRecord],
    *,
    in_bundle: bool,
    given: set[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Each consultation's resources, each Location once: with the first
    consultation sent there. ``given``: the ids of the Locations given
    already (by an earlier call of the same export), added to."""
    given = set() if given is None else given
    for record in records:
        site = record.location
        new = site is not None and location_uuid(site) not in given
        if new:
            given.add(location_uuid(site))  # type: ignore[arg-type]
        yield from consultation_resources(
            questionnaire, flow, record, in_bundle=in_bundle, with_location=new
        )


def ndjson_lines(
    questionnaire: Questionnaire,
    flow,
    records: Iterable[ConsultationRecord],
    *,
    given: set[str] | None = None,
) -> Iterator[str]:
    """Each consultation's resources, one a line (``application/fhir+ndjson``),
    referring to one another as ``Type/id``; each Location once (see
    period_resources)."""
    for resource in period_resources(questionnaire, flow, records, in_bundle=False, given=given):
        yield json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n"
