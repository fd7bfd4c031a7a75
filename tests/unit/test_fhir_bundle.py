"""A consultation's FHIR resources, made by the core from plain data: each
valid against fhir.resources' R4B models (no R4 ships with it; see
tests/test_fhir_export.py), referring to one another inside a Bundle by
urn:uuid and in NDJSON by Type/id, with the same ids either way."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

from fhir.resources.R4B import get_fhir_model_class

from kiosk.core import fhir
from kiosk.core.content_folder import load_questionnaire
from kiosk.core.flow import Flow
from kiosk.core.plan.model import Flag, Trigger

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "examples" / "answers" / "fitzpatrick-6-rf-pacemaker.json"
)
CONSULTATION = "0123abcd" * 4
SENT = dt.datetime(2026, 11, 21, 9, 30)
FLAGS = (
    Flag(
        id="pacemaker",
        severity="no_rf",
        staff_text="Pacemaker: no RF.",
        patient_text="",
        triggers=(Trigger("implants", "Implants", "Pacemaker"),),
    ),
    Flag(
        id="dark_skin",
        severity="note",
        staff_text="Fitzpatrick VI: gentle settings.",
        patient_text="",
        triggers=(
            Trigger("fitzpatrick", "Skin type", "VI"),
            Trigger("sun_exposure", "Recent sun", "No"),
        ),
    ),
)


def record(**changes) -> fhir.ConsultationRecord:
    fields = {
        "id": CONSULTATION,
        "reference": "ABC-123",
        "first_name": "Amara",
        "language": "en",
        "answers": json.loads(EXAMPLE.read_text())["answers"],
        "submitted_at": SENT,
        "flags": FLAGS,
        "notes": (
            fhir.StaffNote("Sam Carter", SENT + dt.timedelta(minutes=5), "Pen only."),
            fhir.StaffNote("Ada Lovelace", SENT + dt.timedelta(minutes=9), "Agreed."),
        ),
        "review": fhir.Review("Ada Lovelace", SENT + dt.timedelta(minutes=10)),
        "consent": fhir.SignedConsent(
            record_id=7,
            text="I agree.",
            title="Your consent",
            version="2026-12 (abcdef12)",
            language="en",
            signed_at=SENT,
            signature=None,
            typed_name="Amara Okafor",
            photos=True,
            withdrawn_at=SENT + dt.timedelta(days=1),
        ),
    }
    return fhir.ConsultationRecord(**{**fields, **changes})


def resources(in_bundle: bool, **changes) -> list[dict]:
    questionnaire = load_questionnaire()
    made = fhir.consultation_resources(
        questionnaire, Flow(questionnaire), record(**changes), in_bundle=in_bundle
    )
    for resource in made:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return made


def test_the_resources_and_their_references():
    made = resources(in_bundle=True)
    assert [r["resourceType"] for r in made] == [
        "Patient",
        "QuestionnaireResponse",
        "Flag",
        "Flag",
        "Provenance",
        "ClinicalImpression",
        "Consent",
    ]
    patient, response, pacemaker, dark_skin, provenance, notes, consent = made
    assert response["id"] == str(uuid.UUID(CONSULTATION))
    assert response["status"] == "completed"
    assert pacemaker["subject"] == {"reference": f"urn:uuid:{patient['id']}"}
    assert pacemaker["extension"][0]["valueReference"] == {
        "reference": f"urn:uuid:{response['id']}"
    }
    assert pacemaker["extension"][1]["valueCodeableConcept"]["coding"][0]["code"] == "PM"
    assert dark_skin["extension"][1]["valueCodeableConcept"]["coding"][0]["code"] == "PL"
    assert len([e for e in dark_skin["extension"] if e["url"] == fhir.TRIGGER_EXTENSION]) == 2
    assert provenance["recorded"] == "2026-11-21T09:40:00+00:00"
    assert [n["authorString"] for n in notes["note"]] == ["Sam Carter", "Ada Lovelace"]
    assert notes["supportingInfo"][1:] == [
        {"reference": f"urn:uuid:{pacemaker['id']}"},
        {"reference": f"urn:uuid:{dark_skin['id']}"},
    ]
    assert consent["status"] == "inactive"
    assert consent["extension"] == [
        {"url": fhir.TYPED_NAME_EXTENSION, "valueString": "Amara Okafor"}
    ]
    bundle = fhir.collection(made, timestamp=SENT)
    get_fhir_model_class("Bundle").model_validate(bundle)
    assert [e["fullUrl"] for e in bundle["entry"]] == [f"urn:uuid:{r['id']}" for r in made]


def test_ndjson_lines_refer_by_type_and_id_with_the_same_ids():
    questionnaire = load_questionnaire()
    lines = list(fhir.ndjson_lines(questionnaire, Flow(questionnaire), [record(), record()]))
    made = [json.loads(line) for line in lines]
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    assert [r["id"] for r in made[:7]] == [r["id"] for r in resources(in_bundle=True)]
    patient, response = made[0], made[1]
    assert response["subject"] == {"reference": f"Patient/{patient['id']}"}
    assert made[2]["extension"][0]["valueReference"] == {
        "reference": f"QuestionnaireResponse/{response['id']}"
    }
    for resource in made:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_a_bare_consultation_and_an_id_that_is_not_a_uuid():
    made = resources(
        in_bundle=False,
        id="not-a-uuid",
        first_name=" ",
        flags=(),
        notes=(),
        review=None,
        consent=None,
    )
    assert [r["resourceType"] for r in made] == ["Patient", "QuestionnaireResponse"]
    assert "name" not in made[0]
    assert made[1]["id"] == fhir.response_uuid("not-a-uuid")
    assert fhir.part_uuid("not-a-uuid", "patient") == made[0]["id"]
    assert fhir.collection([], timestamp=SENT) == {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": "2026-11-21T09:30:00+00:00",
    }


def test_notes_before_the_review():
    *_, notes, _consent = resources(in_bundle=True, review=None)
    assert notes["resourceType"] == "ClinicalImpression"
    assert notes["status"] == "in-progress"
    assert "assessor" not in notes


HARLEY = fhir.Site(
    key=2,
    slug="harley-street",
    name="Glow Harley Street",
    address="12 Harley Street\n\n  London W1G 9PG  \n",
    phone="020 7946 0001",
    email="harley@example.org",
)
MADRID = fhir.Site(key=3, slug="madrid", name="Glow Madrid")


def valid(made: list[dict]) -> list[dict]:
    for resource in made:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return made


def test_where_it_was_sent_is_a_location_by_way_of_an_encounter():
    made = resources(in_bundle=True, location=HARLEY)
    kinds = [r["resourceType"] for r in made]
    assert kinds[:4] == ["Location", "Patient", "Encounter", "QuestionnaireResponse"]
    location, patient, encounter, response = made[:4]
    assert location == {
        "resourceType": "Location",
        "id": fhir.location_uuid(HARLEY),
        "identifier": [{"system": "urn:kiosk:location", "value": "harley-street"}],
        "status": "active",
        "name": "Glow Harley Street",
        "mode": "instance",
        "telecom": [
            {"system": "phone", "value": "020 7946 0001"},
            {"system": "email", "value": "harley@example.org"},
        ],
        "address": {"line": ["12 Harley Street", "London W1G 9PG"]},
    }
    assert encounter["id"] == fhir.part_uuid(CONSULTATION, "encounter")
    assert encounter["status"] == "finished"
    assert encounter["class"] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "code": "AMB",
        "display": "ambulatory",
    }
    assert encounter["subject"] == {"reference": f"urn:uuid:{patient['id']}"}
    assert encounter["location"] == [
        {"location": {"reference": f"urn:uuid:{location['id']}"}, "status": "completed"}
    ]
    assert encounter["period"] == {"end": "2026-11-21T09:30:00+00:00"}
    assert response["encounter"] == {"reference": f"urn:uuid:{encounter['id']}"}
    # The rest as without a location.
    assert kinds[4:] == ["Flag", "Flag", "Provenance", "ClinicalImpression", "Consent"]
    get_fhir_model_class("Bundle").model_validate(fhir.collection(made, timestamp=SENT))


def test_a_location_with_only_a_name_and_one_left_out():
    location, _patient, encounter, response, *_ = resources(in_bundle=False, location=MADRID)
    assert "telecom" not in location
    assert "address" not in location
    assert encounter["location"][0]["location"] == {"reference": f"Location/{location['id']}"}
    assert response["encounter"] == {"reference": f"Encounter/{encounter['id']}"}
    questionnaire = load_questionnaire()
    without = fhir.consultation_resources(
        questionnaire,
        Flow(questionnaire),
        record(location=MADRID),
        in_bundle=True,
        with_location=False,
    )
    assert [r["resourceType"] for r in without][:3] == [
        "Patient",
        "Encounter",
        "QuestionnaireResponse",
    ]


def test_a_locations_id_is_its_own_and_the_same_at_every_export():
    renamed = fhir.Site(key=2, slug="harley", name="Glow Marylebone")
    assert fhir.location_uuid(renamed) == fhir.location_uuid(HARLEY)
    assert fhir.location_uuid(MADRID) != fhir.location_uuid(HARLEY)
    assert str(uuid.UUID(fhir.location_uuid(MADRID))) == fhir.location_uuid(MADRID)


def test_a_period_gives_each_location_once_before_its_first_consultation():
    questionnaire = load_questionnaire()
    flow = Flow(questionnaire)
    records = [
        record(id=f"{n:032x}", location=site)
        for n, site in enumerate((MADRID, HARLEY, MADRID, HARLEY, MADRID), start=1)
    ]
    made = valid(list(fhir.period_resources(questionnaire, flow, records, in_bundle=True)))
    locations = [(i, r["id"]) for i, r in enumerate(made) if r["resourceType"] == "Location"]
    assert [place for _, place in locations] == [
        fhir.location_uuid(MADRID),
        fhir.location_uuid(HARLEY),
    ]
    # Harley Street's just before the second consultation's Patient.
    second = fhir.part_uuid(records[1].id, "patient")
    assert made[locations[1][0] + 1]["id"] == second
    assert sum(r["resourceType"] == "Encounter" for r in made) == 5
    bundle = fhir.collection(made, timestamp=SENT)
    urls = {entry["fullUrl"] for entry in bundle["entry"]}
    for resource in made:
        if resource["resourceType"] == "Encounter":
            assert resource["location"][0]["location"]["reference"] in urls
    # NDJSON in parts (one consultation a call, as a streamed export reads
    # them): the Locations given are remembered between calls.
    given: set[str] = set()
    lines = [
        line
        for one in records
        for line in fhir.ndjson_lines(questionnaire, flow, [one], given=given)
    ]
    assert [json.loads(line)["id"] for line in lines] == [r["id"] for r in made]
    assert given == {fhir.location_uuid(MADRID), fhir.location_uuid(HARLEY)}
