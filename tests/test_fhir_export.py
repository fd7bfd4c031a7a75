"""The FHIR exports of the staff area: one consultation as a Bundle (answers,
flags, review, notes, consent, where it was sent), and the consultations of a
period as a Bundle or NDJSON, in a chain at one location or all. Every
resource exported is checked against the FHIR models of ``fhir.resources``.

``fhir.resources`` 8 ships R5 (its top level), R4B and STU3, and no R4: the
resources are checked against R4B (4.3.0), R4's technical correction. For the
resources exported here (Bundle, Patient, QuestionnaireResponse, Flag,
Provenance, ClinicalImpression, Consent, Questionnaire, Location, Encounter)
R4B has the same elements, cardinalities and types as R4; its changes are to
other resources (the medication definitions, Evidence, the subscriptions). What the models do
not check (codes against their value sets, FHIRPath invariants, references
resolving), the tests below check for these resources."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fhir.resources.R4B import get_fhir_model_class

from kiosk.core import fhir
from kiosk.data.database import db
from kiosk.data.models import AuditEvent, Consultation, StaffUser
from kiosk.records import consents, consultations
from kiosk.records.consultations import day_bounds

from .staff_helpers import StaffClient, add_consultation, create_account
from .test_locations import add_locations

MOST_FLAGS = "fitzpatrick-6-rf-pacemaker"  # 4 flags of 2 severities, of the examples
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


# Checks ---------------------------------------------------------------------------------


def no_empty(value, path="$") -> list[str]:
    """FHIR's JSON has no empty arrays, objects or strings, and no nulls."""
    if value is None or value in ([], {}, ""):
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in no_empty(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in no_empty(item, f"{path}[{i}]")]
    return []


def valid(resource: dict) -> dict:
    """``resource`` after checking it against the R4B model of its type (a
    Bundle's entries with it); returns it for reading."""
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)  # raises, naming each problem
    assert no_empty(resource) == []
    assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", resource.get("id", "x"))
    return resource


def references(value) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for item in value.values() for r in references(item)]
    if isinstance(value, list):
        return [r for item in value for r in references(item)]
    return []


def valid_bundle(bundle: dict) -> dict[str, list[dict]]:
    """A checked collection Bundle's resources by type. Each entry's fullUrl is
    the urn:uuid of its id; every reference inside resolves to an entry."""
    valid(bundle)
    assert bundle["type"] == "collection"
    assert INSTANT.match(bundle["timestamp"])
    by_type: dict[str, list[dict]] = {}
    urls = set()
    for entry in bundle.get("entry", []):
        resource = valid(entry["resource"])
        assert UUID.match(resource["id"])
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        urls.add(entry["fullUrl"])
        by_type.setdefault(resource["resourceType"], []).append(resource)
    assert len(urls) == len(bundle.get("entry", []))  # no two entries alike
    for entry in bundle.get("entry", []):
        for reference in references(entry["resource"]):
            assert reference in urls, reference
    return by_type


def admin(app, client, username: str = "ada") -> StaffClient:
    password = create_account(app, username, role="admin", name="Ada Lovelace")
    member = StaffClient(client)
    member.login(username, password)
    return member


def audit_entries(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def sent_on(app, stored, moment: dt.datetime) -> None:
    with app.app_context():
        db.session.get(Consultation, stored.id).submitted_at = moment
        db.session.commit()


def export(staff: StaffClient, stored) -> dict:
    response = staff.get(f"/staff/c/{stored.id}/fhir-bundle.json")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert (
        f'filename="consultation-{stored.reference}.json"'
        in response.headers["Content-Disposition"]
    )
    return json.loads(response.get_data(as_text=True))


# One consultation -------------------------------------------------------------------------


def test_a_reviewed_consultation_with_flags_notes_and_consent_as_one_bundle(app, client):
    staff = admin(app, client)
    sent = add_consultation(app, MOST_FLAGS, signed=True)
    url = f"/staff/c/{sent.id}"
    for text in ("Pacemaker: RF ruled out, pen only.", "Patch test booked."):
        staff.post(f"{url}/notes", {"text": text}, token_from=url)
    staff.post(f"{url}/reviewed", token_from=url)
    page = staff.get(url).get_data(as_text=True)
    assert f'href="{url}/fhir-bundle.json">Export FHIR bundle</a>' in page

    bundle = export(staff, sent)
    resources = valid_bundle(bundle)
    assert sorted(resources) == [
        "ClinicalImpression",
        "Consent",
        "Encounter",
        "Flag",
        "Location",
        "Patient",
        "Provenance",
        "QuestionnaireResponse",
    ]
    [patient] = resources["Patient"]
    [response] = resources["QuestionnaireResponse"]
    patient_url, response_url = f"urn:uuid:{patient['id']}", f"urn:uuid:{response['id']}"
    assert patient["name"] == [{"given": [sent.first_name]}]
    # Where it was sent: the installation's one location, by way of an Encounter.
    [encounter] = resources["Encounter"]
    [location] = resources["Location"]
    assert response["encounter"] == {"reference": f"urn:uuid:{encounter['id']}"}
    assert encounter["subject"] == {"reference": patient_url}
    assert encounter["location"][0]["location"] == {"reference": f"urn:uuid:{location['id']}"}
    assert location["identifier"] == [{"system": "urn:kiosk:location", "value": "main"}]
    # Notes and the review are not a change of the patient's answers.
    assert response["status"] == "completed"
    assert response["identifier"] == {"system": "urn:kiosk:reference", "value": sent.reference}
    assert response["subject"] == {"reference": patient_url}

    # The flags, as the consultation page lists them: most serious first.
    with app.app_context():
        expected = consultations.staff_flags(db.session.get(Consultation, sent.id))
    flags = resources["Flag"]
    assert len(flags) == len(expected) == 4
    for flag, fired in zip(flags, expected, strict=True):
        assert fired.staff_text in page
        assert flag["status"] == "active"
        assert flag["code"] == {
            "coding": [{"system": "urn:kiosk:flag", "code": fired.id}],
            "text": fired.staff_text,
        }
        assert flag["category"][0]["coding"][0]["code"] == "clinical"
        assert flag["subject"] == {"reference": patient_url}
        extensions = {}
        for extension in flag["extension"]:
            extensions.setdefault(extension["url"], []).append(extension)
        [detail] = extensions[fhir.FLAG_DETAIL_EXTENSION]
        assert detail["valueReference"] == {"reference": response_url}
        [priority] = extensions[fhir.FLAG_PRIORITY_EXTENSION]
        codings = priority["valueCodeableConcept"]["coding"]
        assert codings[0]["system"] == "http://hl7.org/fhir/flag-priority-code"
        assert codings[0]["code"] in {"PN", "PL", "PM", "PH"}
        assert codings[1] == {
            "system": "urn:kiosk:flag-severity",
            "code": fired.severity,
            "display": {"no_rf": "No RF", "note": "Note"}[fired.severity],
        }
        triggers = [
            {part["url"]: part["valueString"] for part in extension["extension"]}
            for extension in extensions[fhir.TRIGGER_EXTENSION]
        ]
        assert triggers == [
            {"linkId": t.question_id, "question": t.question, "answer": t.answer}
            for t in fired.triggers
        ]
    assert [f["extension"][1]["valueCodeableConcept"]["coding"][0]["code"] for f in flags] == [
        "PM",
        "PM",
        "PL",
        "PL",
    ]
    # Each trigger names an item the QuestionnaireResponse answers.
    answered = {item["linkId"] for group in response["item"] for item in group["item"]}
    assert {t.question_id for f in expected for t in f.triggers} <= answered

    [provenance] = resources["Provenance"]
    assert provenance["target"] == [{"reference": response_url}]
    assert provenance["agent"][0]["who"] == {"display": "Ada Lovelace"}
    assert provenance["agent"][0]["type"]["coding"][0]["code"] == "verifier"
    with app.app_context():
        reviewed_at = db.session.get(Consultation, sent.id).reviewed_at
    assert dt.datetime.fromisoformat(provenance["recorded"]) == reviewed_at.replace(
        tzinfo=dt.UTC, microsecond=0
    )

    [impression] = resources["ClinicalImpression"]
    assert impression["status"] == "completed"
    assert impression["assessor"] == {"display": "Ada Lovelace"}
    assert impression["subject"] == {"reference": patient_url}
    assert impression["supportingInfo"][0] == {"reference": response_url}
    assert len(impression["supportingInfo"]) == 1 + len(flags)
    assert [(n["authorString"], n["text"]) for n in impression["note"]] == [
        ("Ada Lovelace", "Pacemaker: RF ruled out, pen only."),
        ("Ada Lovelace", "Patch test booked."),
    ]
    assert all(INSTANT.match(note["time"]) for note in impression["note"])

    [consent] = resources["Consent"]
    assert consent["status"] == "active"
    assert consent["patient"] == {"reference": patient_url}
    assert consent["provision"]["data"][0]["reference"] == {"reference": response_url}

    # The same ids at every export: a receiver updates, never duplicates.
    again = export(staff, sent)
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in bundle["entry"]]
    # Recorded, by reference and count, with nothing of the patient's.
    entries = audit_entries(app, "export_fhir_bundle")
    assert [(e.username, e.consultation_ref, e.detail) for e in entries] == [
        ("ada", sent.reference, f"{len(bundle['entry'])} resources")
    ] * 2


def test_a_consultation_not_reviewed_without_notes_or_consent(app, client):
    staff = StaffClient(client)
    staff.login("sam", create_account(app, "sam"))  # any member of staff
    sent = add_consultation(app)  # fine-lines-no-flags
    resources = valid_bundle(export(staff, sent))
    assert sorted(resources) == ["Encounter", "Location", "Patient", "QuestionnaireResponse"]
    assert resources["QuestionnaireResponse"][0]["status"] == "completed"


def test_notes_before_the_review_are_an_assessment_in_progress(app, client):
    staff = admin(app, client)
    sent = add_consultation(app, "isotretinoin-2-months-ago")
    url = f"/staff/c/{sent.id}"
    staff.post(f"{url}/notes", {"text": "Ask about the last dose."}, token_from=url)
    resources = valid_bundle(export(staff, sent))
    assert "Provenance" not in resources
    [impression] = resources["ClinicalImpression"]
    assert impression["status"] == "in-progress"
    assert "assessor" not in impression
    assert "date" not in impression
    assert len(resources["Flag"]) == 3
    assert {
        f["extension"][1]["valueCodeableConcept"]["coding"][1]["code"] for f in resources["Flag"]
    } == {"review"}


def test_a_withdrawn_consent_is_exported_inactive(app, client):
    staff = admin(app, client)
    sent = add_consultation(app, "pregnant", signed=True)
    with app.test_request_context():
        consultation = db.session.get(Consultation, sent.id)
        ada = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "ada"))
        consents.withdraw(consultation, "Changed her mind", ada)
        withdrawn_at = consultation.consents[-1].at
    resources = valid_bundle(export(staff, sent))
    [consent] = resources["Consent"]
    assert consent["status"] == "inactive"
    end = dt.datetime.fromisoformat(consent["provision"]["period"]["end"])
    assert end == withdrawn_at.replace(tzinfo=dt.UTC, microsecond=0)
    assert "Changed her mind" not in json.dumps(consent)
    [flag] = resources["Flag"]
    assert flag["extension"][1]["valueCodeableConcept"]["coding"][0]["code"] == "PH"
    # The consent alone: the same resource, by the same id.
    alone = valid(staff.get(f"/staff/c/{sent.id}/consent.json").get_json(force=True))
    assert alone["id"] == consent["id"]
    assert alone["status"] == "inactive"
    assert alone["provision"]["data"][0]["reference"] == {
        "reference": f"QuestionnaireResponse/{resources['QuestionnaireResponse'][0]['id']}"
    }


def test_the_single_resources_are_valid_too(app, client):
    staff = admin(app, client)
    sent = add_consultation(app, MOST_FLAGS, signed=True)
    questionnaire = valid(staff.get("/staff/questionnaire.json").get_json(force=True))
    response = valid(staff.get(f"/staff/c/{sent.id}/fhir.json").get_json(force=True))
    consent = valid(staff.get(f"/staff/c/{sent.id}/consent.json").get_json(force=True))
    assert response["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
    assert response["id"] == fhir.response_uuid(sent.id)
    assert consent["resourceType"] == "Consent"


# A period ----------------------------------------------------------------------------------


@pytest.fixture
def november(app):
    """Three consultations sent in November 2026 (one with the consent signed and
    one with flags) and one on 1 December."""
    stored = [
        add_consultation(app, MOST_FLAGS, signed=True),
        add_consultation(app, "pregnant"),
        add_consultation(app),
        add_consultation(app, "numbing-allergy"),
    ]
    for day, consultation in zip((2, 15, 30, 31), stored, strict=True):
        start = day_bounds(dt.date(2026, 11, 1) + dt.timedelta(days=day - 1))[0]
        sent_on(app, consultation, start + dt.timedelta(hours=10))
    return stored


def period_export(staff: StaffClient, query: str):
    return staff.get(f"/staff/exports?{query}")


def test_a_period_as_one_bundle(app, client, november):
    staff = admin(app, client)
    response = period_export(staff, "from=01/11/2026&to=30/11/2026&format=bundle")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert (
        'filename="consultations-2026-11-01-to-2026-11-30.json"'
        in (response.headers["Content-Disposition"])
    )
    resources = valid_bundle(json.loads(response.get_data(as_text=True)))
    # Sent in the period, oldest first; 1 December is not.
    assert [r["identifier"]["value"] for r in resources["QuestionnaireResponse"]] == [
        c.reference for c in november[:3]
    ]
    assert len(resources["Patient"]) == 3
    # One installation, one location: one Location for the three Encounters.
    [location] = resources["Location"]
    assert {e["location"][0]["location"]["reference"] for e in resources["Encounter"]} == {
        f"urn:uuid:{location['id']}"
    }
    assert len(resources["Encounter"]) == 3
    assert len(resources["Flag"]) == 4 + 1
    assert len(resources["Consent"]) == 1
    [entry] = audit_entries(app, "export_fhir_period")
    assert (entry.username, entry.consultation_ref) == ("ada", None)
    assert entry.detail == "2026-11-01 to 2026-11-30; 3 consultations; bundle"


def test_a_period_as_ndjson(app, client, november):
    staff = admin(app, client)
    response = period_export(staff, "from=2026-11-01&to=2026-11-30&format=ndjson")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+ndjson"
    assert (
        'filename="consultations-2026-11-01-to-2026-11-30.ndjson"'
        in (response.headers["Content-Disposition"])
    )
    body = response.get_data(as_text=True)
    assert body.endswith("\n")
    lines = body.splitlines()
    resources = [valid(json.loads(line)) for line in lines]
    assert all("\n" not in line and line.strip() == line for line in lines)
    # Each line stands alone: references are Type/id, to resources on other lines.
    ids = {f"{r['resourceType']}/{r['id']}" for r in resources}
    assert len(ids) == len(resources)
    for resource in resources:
        for reference in references(resource):
            assert reference in ids, reference
    kinds = [r["resourceType"] for r in resources]
    assert kinds.count("QuestionnaireResponse") == 3
    assert kinds.count("Flag") == 5
    assert kinds.count("Consent") == 1
    # The same ids as the Bundle's.
    bundle = period_export(staff, "from=2026-11-01&to=2026-11-30&format=bundle").get_json(
        force=True
    )
    assert [e["resource"]["id"] for e in bundle["entry"]] == [r["id"] for r in resources]
    details = [e.detail for e in audit_entries(app, "export_fhir_period")]
    assert details == [
        "2026-11-01 to 2026-11-30; 3 consultations; ndjson",
        "2026-11-01 to 2026-11-30; 3 consultations; bundle",
    ]
    # Nothing of a patient's in the log.
    assert not any(c.first_name in "".join(details) for c in november)


def test_an_empty_period(app, client, november):
    staff = admin(app, client)
    bundle = period_export(staff, "from=01/10/2026&to=31/10/2026&format=bundle").get_json(
        force=True
    )
    assert valid_bundle(bundle) == {}
    assert "entry" not in bundle
    ndjson = period_export(staff, "from=01/10/2026&to=31/10/2026&format=ndjson")
    assert ndjson.status_code == 200
    assert ndjson.get_data(as_text=True) == ""
    assert [e.detail for e in audit_entries(app, "export_fhir_period")] == [
        "2026-10-01 to 2026-10-31; 0 consultations; bundle",
        "2026-10-01 to 2026-10-31; 0 consultations; ndjson",
    ]


def test_the_exports_page(app, client, november):
    staff = admin(app, client)
    html = staff.get("/staff/").get_data(as_text=True)
    assert '<a href="/staff/exports">Exports</a>' in html
    html = staff.get("/staff/exports?from=01/11/2026&to=30/11/2026").get_data(as_text=True)
    assert '<form method="get" action="/staff/exports"' in html
    assert 'value="01/11/2026"' in html
    assert 'value="30/11/2026"' in html
    assert "3 consultations were sent from" in html
    assert (
        '<input checked class="option__input" id="format-0" name="format" type="radio" '
        'value="bundle"><label class="option__label" for="format-0">One FHIR Bundle (JSON)'
    ) in html
    # Nothing is exported, nor recorded, until a format is asked for.
    assert audit_entries(app, "export_fhir_period") == []
    # No period chosen: the last 30 days, filled in.
    today = dt.date.today()
    html = staff.get("/staff/exports").get_data(as_text=True)
    assert f'value="{today:%d/%m/%Y}"' in html
    assert f'value="{today - dt.timedelta(days=29):%d/%m/%Y}"' in html


@pytest.mark.parametrize(
    ("query", "message", "kept"),
    [
        (
            "from=31/02/2026&to=30/11/2026&format=bundle",
            "Enter a date like 21/11/2026",
            "31/02/2026",
        ),
        ("from=01/11/2026&to=next+week&format=ndjson", "Enter a date like 21/11/2026", "next week"),
        (
            "from=30/11/2026&to=01/11/2026&format=bundle",
            "Choose a day on or after the first day",
            "01/11/2026",
        ),
        ("from=01/11/2026&to=30/11/2026&format=xml", "Choose a format", "30/11/2026"),
    ],
)
def test_a_period_refused_says_why_and_keeps_what_was_typed(app, client, query, message, kept):
    staff = admin(app, client)
    response = period_export(staff, query)
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert html.count(message) == 2  # in the summary and beside the field
    assert f'value="{kept}"' in html
    if "format=ndjson" in query:  # the format chosen stays chosen
        assert '<input checked class="option__input" id="format-1"' in html
    assert "<title>Error: Exports" in html
    assert audit_entries(app, "export_fhir_period") == []


def test_only_administrators_export_a_period(app, client, november):
    staff = StaffClient(client)
    staff.login("sam", create_account(app, "sam"))
    assert 'href="/staff/exports"' not in staff.get("/staff/").get_data(as_text=True)
    for query in ("", "?from=01/11/2026&to=30/11/2026&format=ndjson"):
        assert staff.get(f"/staff/exports{query}").status_code == 403
    assert audit_entries(app, "export_fhir_period") == []
    # Signed out: the sign-in page.
    staff.post("/staff/logout")
    response = client.get("/staff/exports?format=bundle")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_in_spanish(app, client):
    """A clinic working in Spanish: the page, its messages and the flags' words."""
    app.config["CLINIC_LANGUAGE"] = "es"
    staff = admin(app, client)
    html = staff.get("/staff/").get_data(as_text=True)
    assert '<a href="/staff/exports">Exportaciones</a>' in html
    response = period_export(staff, "from=31/02/2026&format=ndjson")
    html = response.get_data(as_text=True)
    assert "<title>Error: Exportaciones" in html
    assert "Escriba una fecha como 21/11/2026" in html
    assert "NDJSON, un recurso por línea, para cargas masivas" in html
    sent = add_consultation(app, "pregnant")
    [flag] = valid_bundle(export(staff, sent))["Flag"]
    assert flag["extension"][1]["valueCodeableConcept"]["text"] == "No tratar hoy"


# A chain of clinics ------------------------------------------------------------------------


@pytest.fixture
def chain(app):
    """A chain of three and consultations sent in November 2026: one at the
    first location, two at Harley Street, three in Madrid (and one in Madrid on
    1 December, outside the month). Returns the location ids by slug and the
    references sent at each, oldest first."""
    ids = {"main": 1, **add_locations(app)}
    sent: dict[str, list[str]] = {slug: [] for slug in ids}
    plan = ["madrid", "harley-street", "main", "madrid", "harley-street", "madrid"]
    for day, slug in enumerate(plan, start=2):
        stored = add_consultation(app, "pregnant", location_id=ids[slug])
        sent_on(app, stored, day_bounds(dt.date(2026, 11, day))[0] + dt.timedelta(hours=10))
        sent[slug].append(stored.reference)
    december = add_consultation(app, location_id=ids["madrid"])
    sent_on(app, december, day_bounds(dt.date(2026, 12, 1))[0] + dt.timedelta(hours=10))
    return ids, sent


NOVEMBER = "from=01/11/2026&to=30/11/2026"


def test_a_chains_period_gives_each_location_once(app, client, chain):
    _ids, sent = chain
    staff = admin(app, client)
    bundle = period_export(staff, f"{NOVEMBER}&format=bundle").get_json(force=True)
    resources = valid_bundle(bundle)
    assert len(resources["QuestionnaireResponse"]) == 6
    places = {r["identifier"][0]["value"]: r for r in resources["Location"]}
    assert sorted(places) == ["harley-street", "madrid", "main"]
    harley, madrid, main = places["harley-street"], places["madrid"], places["main"]
    assert harley["name"] == "Glow Harley Street"
    assert harley["address"] == {"line": ["12 Harley Street", "London W1G 9PG"]}
    assert harley["telecom"] == [{"system": "phone", "value": "020 7946 0001"}]
    assert madrid["address"] == {"line": ["Calle de Serrano 10", "28001 Madrid"]}
    assert "telecom" not in madrid
    assert main["name"] == "Test Clinic"
    # Each QuestionnaireResponse's Encounter is at the location it was sent at.
    encounters = {f"urn:uuid:{e['id']}": e for e in resources["Encounter"]}
    at = {}
    for response in resources["QuestionnaireResponse"]:
        encounter = encounters[response["encounter"]["reference"]]
        assert encounter["status"] == "finished"
        assert encounter["class"]["code"] == "AMB"
        assert encounter["subject"] == response["subject"]
        [where] = encounter["location"]
        slug = next(
            slug
            for slug, place in places.items()
            if where["location"]["reference"] == f"urn:uuid:{place['id']}"
        )
        at.setdefault(slug, []).append(response["identifier"]["value"])
    assert at == sent
    # A Location comes before the first consultation sent there.
    kinds = [(e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle["entry"]]
    assert kinds[0] == ("Location", madrid["id"])
    assert kinds[1:3] == [("Patient", kinds[1][1]), ("Encounter", kinds[2][1])]

    # NDJSON: the same resources, the same ids, each Location on one line.
    lines = period_export(staff, f"{NOVEMBER}&format=ndjson").get_data(as_text=True)
    made = [valid(json.loads(line)) for line in lines.splitlines()]
    assert [r["id"] for r in made] == [e["resource"]["id"] for e in bundle["entry"]]
    ids_made = {f"{r['resourceType']}/{r['id']}" for r in made}
    for resource in made:
        for reference in references(resource):
            assert reference in ids_made, reference
    assert [r["resourceType"] for r in made].count("Location") == 3


@pytest.mark.parametrize("slug", ["main", "harley-street", "madrid"])
def test_a_period_at_one_location(app, client, chain, slug):
    ids, sent = chain
    staff = admin(app, client)
    page = period_export(staff, f"{NOVEMBER}&location={ids[slug]}").get_data(as_text=True)
    assert f'<option selected value="{ids[slug]}">' in page
    count = len(sent[slug])
    assert f"{count} consultation{'s were' if count > 1 else ' was'} sent at " in page
    response = period_export(staff, f"{NOVEMBER}&location={ids[slug]}&format=bundle")
    assert (
        f'filename="consultations-{slug}-2026-11-01-to-2026-11-30.json"'
        in (response.headers["Content-Disposition"])
    )
    resources = valid_bundle(response.get_json(force=True))
    assert [r["identifier"]["value"] for r in resources["QuestionnaireResponse"]] == sent[slug]
    [location] = resources["Location"]
    assert location["identifier"][0]["value"] == slug
    lines = period_export(staff, f"{NOVEMBER}&location={ids[slug]}&format=ndjson")
    made = [valid(json.loads(line)) for line in lines.get_data(as_text=True).splitlines()]
    responses = [r for r in made if r["resourceType"] == "QuestionnaireResponse"]
    assert [r["identifier"]["value"] for r in responses] == sent[slug]
    assert [r["resourceType"] for r in made].count("Location") == 1
    entries = audit_entries(app, "export_fhir_period")
    assert [(e.detail, e.location_id) for e in entries] == [
        (f"2026-11-01 to 2026-11-30; {slug}; {count} consultations; bundle", ids[slug]),
        (f"2026-11-01 to 2026-11-30; {slug}; {count} consultations; ndjson", ids[slug]),
    ]


def test_an_unknown_location_is_refused_and_the_rest_kept(app, client, chain):
    staff = admin(app, client)
    page = period_export(staff, f"{NOVEMBER}&location=harley-street")
    assert page.status_code == 422
    assert "Choose a location from the list" in page.get_data(as_text=True)
    response = period_export(staff, f"{NOVEMBER}&location=99&format=ndjson")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<title>Error: Exports" in html
    assert html.count("Choose a location from the list") == 2
    assert 'value="01/11/2026"' in html
    assert 'value="30/11/2026"' in html
    assert '<input checked class="option__input" id="format-1"' in html
    assert '<option value="">All locations</option>' in html
    assert audit_entries(app, "export_fhir_period") == []


def test_one_location_has_no_choice_of_location(app, client, november):
    staff = admin(app, client)
    html = period_export(staff, NOVEMBER).get_data(as_text=True)
    assert 'name="location"' not in html
    assert "All locations" not in html
    assert "3 consultations were sent from" in html
    # A location in the address changes nothing where there is one.
    response = period_export(staff, f"{NOVEMBER}&location=7&format=bundle")
    assert response.status_code == 200
    assert len(valid_bundle(response.get_json(force=True))["QuestionnaireResponse"]) == 3
