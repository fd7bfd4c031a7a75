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
