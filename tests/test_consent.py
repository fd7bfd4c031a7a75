"""The consent: read and signed on the tablet after Check your answers (a
finger's strokes, or a typed full name and a tick), kept word for word with
the consultation, shown to staff, withdrawn or signed again, printed on both
copies and exported as a FHIR Consent."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest

from kiosk.core import fhir
from kiosk.core.statuses import ConsentAction, ConsentState
from kiosk.data.database import db
from kiosk.data.models import AuditEvent, ConsentRecord, Consultation
from kiosk.records import retention

from .patient_client import (
    DRAWN_SIGNATURE,
    PLAIN,
    TYPED_SIGNATURE,
    PatientClient,
    csrf_token,
    errors,
    field_error,
)
from .staff_helpers import add_consultation
from .test_review import pdf_text


def at_consent(patient: PatientClient, answers: dict | None = None) -> str:
    """Walk the questionnaire, press Continue on Check: the consent screen's HTML."""
    patient.walk(answers)
    patient.get("/check")
    response = patient.client.post("/check", data={"csrf_token": csrf_token(patient.last_html)})
    assert response.headers["Location"] == "/consent"
    return patient.get("/consent").get_data(as_text=True)


def the_consultation(app) -> Consultation:
    with app.app_context():
        [consultation] = db.session.scalars(db.select(Consultation)).all()
        consultation.consents  # loaded while the session is open  # noqa: B018
        return consultation


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_consent_screen_says_what_is_signed_in_the_patients_words(patient):
    html = at_consent(patient)
    text = words(html)
    for part in ("The treatment", "Results", "Risks", "Other choices", "What you agree to do"):
        assert f">{part}</h2>" in html
    assert "Results differ from person to person and are not guaranteed." in text
    assert "Rare risks: infection, scarring" in text
    assert "You may choose not to have microneedling" in text
    # The clinic's policy window, filled in.
    assert "no suntan, sunbeds or fake tan for 2 weeks" in text
    # The patient chose the pen: nothing about RF.
    assert "RF" not in text
    assert "I have read this consent." in text
    # Photos: a separate choice, off by default.
    assert re.search(r'<input class="option__input" type="checkbox" id="photos" [^>]*>', html)
    assert 'id="photos" name="photos" value="y" aria-describedby="photos-hint">' in html
    # The drawing area is the script's to show; the typed name works without it.
    assert 'data-signature-pad data-field="signature" hidden' in html
    assert 'id="typed_name"' in html
    assert 'id="typed_confirm"' in html
    assert "signature_pad-5.1.4.umd.min.js" in html
    assert "<title>Your consent to microneedling – " in html


def test_rf_lines_are_in_the_consent_where_rf_is_in_question(patient):
    goals = {**PLAIN["goals"], "device_interest": "not_sure"}
    text = words(at_consent(patient, {"goals": goals}))
    assert "RF microneedling also carries heat into the skin" in text
    assert "RF microneedling adds the risk of burns, fat loss" in text


def test_a_drawn_signature_is_kept_with_the_exact_words_and_their_version(app, patient):
    html = at_consent(patient)
    response = patient.client.post(
        "/consent", data={"signature": DRAWN_SIGNATURE, "csrf_token": csrf_token(html)}
    )
    assert response.headers["Location"] == "/done"
    consultation = the_consultation(app)
    [record] = consultation.consents
    assert consultation.consent == ConsentState.GIVEN
    assert record.action == ConsentAction.SIGNED
    assert record.signature == {
        "width": 600,
        "height": 224,
        "strokes": [
            [[40, 150], [80, 90], [120, 160], [160, 80], [200, 150]],
            [[240, 120], [300, 118], [360, 122]],
        ],
    }
    assert record.typed_name is None
    assert record.photos is False
    assert record.language == "en"
    assert record.version == "2026-12"
    assert record.text.startswith("Your consent to microneedling\n\nPlease read this")
    assert "- Results differ from person to person and are not guaranteed." in record.text
    assert record.text_sha256 == hashlib.sha256(record.text.encode()).hexdigest()
    with app.app_context():
        [entry] = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "consent_signed")
        ).all()
    assert entry.consultation_ref == consultation.reference
    assert entry.detail.startswith("drawn signature; no photos; version 2026-12 (")
    assert entry.user_id is None


def test_a_typed_name_and_its_tick_sign_instead_with_the_photo_choice(app, patient):
    html = at_consent(patient)
    data = {"typed_name": "  Maya   Patel ", "typed_confirm": "y", "photos": "y"}
    response = patient.client.post("/consent", data={**data, "csrf_token": csrf_token(html)})
    assert response.headers["Location"] == "/done"
    [record] = the_consultation(app).consents
    assert record.signature is None
    assert record.typed_name == "Maya Patel"
    assert record.photos is True


@pytest.mark.parametrize(
    ("sent", "field", "message"),
    [
        ({}, "typed_name", "Sign in the box, or type your full name and tick the box below it"),
        ({"typed_name": "Maya Patel"}, "typed_confirm", "Tick the box to confirm"),
        ({"typed_confirm": "y"}, "typed_name", "Type your full name"),
        ({"typed_name": "12345", "typed_confirm": "y"}, "typed_name", "in letters"),
        ({"signature": "600 224;40,150"}, "signature", "Your signature is too small to read"),
        ({"signature": "600 224;40,150 900,150"}, "signature", "could not be read"),
        ({"signature": "600 224;nan,1 2,3"}, "signature", "could not be read"),
        ({"signature": "600 224;1e999,1 2,3"}, "signature", "could not be read"),
        ({"signature": "drawn"}, "signature", "could not be read"),
    ],
    ids=["nothing", "no tick", "no name", "no letters", "a tap", "outside", "nan", "inf", "junk"],
)
def test_a_consent_not_signed_says_why_and_keeps_what_was_given(app, patient, sent, field, message):
    html = at_consent(patient)
    data = {"photos": "y", **sent, "csrf_token": csrf_token(html)}
    response = patient.client.post("/consent", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in errors(page)[0]
    assert message in (field_error(page, field) or "")
    assert "<title>Error: Your consent to microneedling" in page
    # What was given comes back: the photo choice, the name, the strokes.
    assert 'id="photos" name="photos" value="y" aria-describedby="photos-hint" checked' in page
    if sent.get("typed_name"):
        assert f'value="{sent["typed_name"]}"' in page
        assert "data-keep-open" in page  # the typed name's disclosure stays open
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 0


def test_the_consent_screen_speaks_the_patients_language(app, patient):
    patient.get("/")
    patient.client.post(
        "/language", data={"language": "es", "csrf_token": csrf_token(patient.last_html)}
    )
    html = at_consent(patient)
    text = words(html)
    assert "Su consentimiento para el microneedling" in text
    assert "Los resultados varían de una persona a otra y no están garantizados." in text
    assert "¿No puede firmar con el dedo? Escriba su nombre completo" in text
    response = patient.client.post("/consent", data={"csrf_token": csrf_token(html)})
    assert errors(response.get_data(as_text=True)) == [
        "Firme en el recuadro, o escriba su nombre completo y marque la casilla de debajo"
    ]
    patient.client.post("/consent", data={**TYPED_SIGNATURE, "csrf_token": csrf_token(html)})
    [record] = the_consultation(app).consents
    assert record.language == "es"
    assert record.text.startswith("Su consentimiento para el microneedling")


def test_a_clinic_without_the_consent_sends_from_check(app, patient):
    app.config["CONSENT_ON"] = False
    patient.walk()
    html = patient.get("/check").get_data(as_text=True)
    assert "Send my answers" in html
    assert "Next, your consent" not in html
    assert patient.get("/consent").headers["Location"] == "/check"
    response = patient.client.post("/check", data={"csrf_token": csrf_token(html)})
    assert response.headers["Location"] == "/done"
    consultation = the_consultation(app)
    assert consultation.consent is None
    assert consultation.consents == []


def test_the_consent_waits_for_every_answer(patient):
    patient.walk(until="goals")
    assert patient.get("/consent").headers["Location"] == "/step/goals"
    patient.client.get("/")  # a new browser finds Welcome
    assert (
        PatientClient(patient.client.application.test_client()).get("/consent").headers["Location"]
        == "/"
    )


def test_wording_file_rewords_the_consent(tmp_path, migrated_instance):
    from kiosk import create_app

    instance = migrated_instance(tmp_path / "instance")
    (instance / "wording.yaml").write_text(
        "consent:\n"
        "  parts:\n"
        "    alternatives:\n"
        "      lines:\n"
        '        other_treatments: {en: "We also offer chemical peels; ask us how they compare."}\n'
    )
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance)})
    patient = PatientClient(app.test_client())
    html = at_consent(patient)
    assert "We also offer chemical peels; ask us how they compare." in words(html)
    patient.client.post("/consent", data={**TYPED_SIGNATURE, "csrf_token": csrf_token(html)})
    [record] = the_consultation(app).consents
    assert "- We also offer chemical peels; ask us how they compare." in record.text


# Staff ---------------------------------------------------------------------------------


def signed_consultation(app, **data) -> Consultation:
    patient = PatientClient(app.test_client())
    html = at_consent(patient)
    sent = data or {"signature": DRAWN_SIGNATURE, "photos": "y"}
    patient.client.post("/consent", data={**sent, "csrf_token": csrf_token(html)})
    return the_consultation(app)


def test_staff_see_the_consent_signature_and_words(app, staff):
    consultation = signed_consultation(app)
    html = staff.get(f"/staff/c/{consultation.id}").get_data(as_text=True)
    section = html[html.index('id="consent-title"') : html.index('id="actions-title"')]
    text = words(section)
    assert "on the kiosk" in text
    assert "Photos Agreed" in text
    assert f"2026-12 ({consultation.consents[0].text_sha256[:8]}) · English (en)" in text
    assert '<svg class="signature"' in section
    assert '<path d="M40 150L80 90L120 160L160 80L200 150"/>' in section
    assert "Results differ from person to person" in text  # the words signed, in a disclosure
    assert "Record a withdrawal" in text
    assert "Sign again on this device" in text
    queue = staff.get("/staff/").get_data(as_text=True)
    assert '<span class="badge badge--consent-given">Consent signed</span>' in queue


def test_staff_record_a_withdrawal_and_the_patient_signs_again(app, staff):
    consultation = signed_consultation(app)
    url = f"/staff/c/{consultation.id}"
    staff.get(f"{url}/consent/withdraw")
    response = staff.client.post(
        f"{url}/consent/withdraw",
        data={"reason": "Changed her mind", "csrf_token": csrf_token(staff.html)},
    )
    assert response.headers["Location"] == url
    with app.app_context():
        stored = db.session.get(Consultation, consultation.id)
        assert stored.consent == ConsentState.WITHDRAWN
        assert [r.action for r in stored.consents] == ["signed", "withdrawn"]
        assert stored.consents[-1].reason == "Changed her mind"
        assert stored.consents[-1].staff.username == "sam"
        assert {pdf.status for pdf in stored.pdfs} == {"pending"}
    html = staff.get(url).get_data(as_text=True)
    assert "Withdrawn on" in html
    assert "recorded by Sam Carter" in html
    assert "Reason given: Changed her mind" in words(html)
    assert "Record a withdrawal" not in html
    assert "badge--consent-withdrawn" in staff.get("/staff/").get_data(as_text=True)

    # Signing again on the staff device, in the patient's language.
    page = staff.get(f"{url}/consent/sign").get_data(as_text=True)
    assert "Your consent to microneedling" in page
    assert "data-signature-pad" in page
    response = staff.client.post(f"{url}/consent/sign", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 422
    response = staff.client.post(
        f"{url}/consent/sign",
        data={"signature": DRAWN_SIGNATURE, "csrf_token": csrf_token(page)},
    )
    assert response.headers["Location"] == url
    with app.app_context():
        stored = db.session.get(Consultation, consultation.id)
        assert stored.consent == ConsentState.GIVEN
        assert [r.action for r in stored.consents] == ["signed", "withdrawn", "signed"]
        assert stored.consents[-1].staff.username == "sam"
        actions = db.session.scalars(
            db.select(AuditEvent.action)
            .where(AuditEvent.consultation_ref == stored.reference)
            .order_by(AuditEvent.id)
        ).all()
    assert [a for a in actions if a.startswith("consent")] == [
        "consent_signed",
        "consent_withdrawn",
        "consent_signed_again",
    ]
    html = staff.get(url).get_data(as_text=True)
    assert "on a staff device, with Sam Carter" in words(html)
    assert "Signed again · Sam Carter" in words(html)


def test_a_consultation_sent_without_the_consent_can_be_signed_on_a_staff_device(app, staff):
    sent = add_consultation(app)
    url = f"/staff/c/{sent.id}"
    html = staff.get(url).get_data(as_text=True)
    assert "No consent was signed with these answers" in html
    assert "Sign on this device" in html
    assert "Record a withdrawal" not in html
    assert staff.get(f"{url}/consent/withdraw").headers["Location"] == url
    assert staff.get(f"{url}/consent.json").status_code == 404
    assert '<span class="badge badge--consent-none">No consent</span>' in staff.get(
        "/staff/"
    ).get_data(as_text=True)
    page = staff.get(f"{url}/consent/sign").get_data(as_text=True)
    response = staff.client.post(
        f"{url}/consent/sign", data={**TYPED_SIGNATURE, "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Consultation, sent.id).consent == ConsentState.GIVEN


def test_the_consent_is_exported_as_a_fhir_consent(app, staff):
    consultation = signed_consultation(app)
    response = staff.get(f"/staff/c/{consultation.id}/consent.json")
    assert response.mimetype == "application/fhir+json"
    resource = json.loads(response.get_data(as_text=True))
    record = consultation.consents[0]
    assert resource["resourceType"] == "Consent"
    assert resource["status"] == "active"
    assert resource["scope"]["coding"][0]["code"] == "treatment"
    assert resource["category"][0]["coding"][0] == {"system": "http://loinc.org", "code": "59284-0"}
    source = resource["sourceAttachment"]
    assert base64.b64decode(source["data"]).decode() == record.text
    assert source["hash"] == base64.b64encode(hashlib.sha1(record.text.encode()).digest()).decode()
    assert source["language"] == "en"
    assert source["title"].startswith("Your consent to microneedling (2026-12 (")
    [photos] = resource["provision"]["provision"]
    assert photos["type"] == "permit"
    assert photos["action"][0]["coding"][0]["code"] == "collect"
    assert resource["provision"]["data"][0]["reference"]["reference"] == (
        f"QuestionnaireResponse/{fhir.response_uuid(consultation.id)}"
    )
    [extension] = resource["extension"]
    svg = base64.b64decode(extension["valueAttachment"]["data"]).decode()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 224"')
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(AuditEvent.detail).where(AuditEvent.action == "export_fhir")
            )
            == "consent"
        )


def test_the_retention_purge_deletes_consents_with_their_consultation(app):
    consultation = signed_consultation(app)
    with app.app_context():
        stored = db.session.get(Consultation, consultation.id)
        stored.submitted_at = stored.submitted_at.replace(year=stored.submitted_at.year - 1)
        db.session.commit()
        report = retention.purge()
        assert report.consultations == 1
        assert db.session.scalar(db.select(db.func.count(ConsentRecord.id))) == 0


# The printed copies ------------------------------------------------------------------------


@pytest.mark.render
def test_both_copies_print_the_consent_as_signed_and_then_withdrawn(app, staff):
    from kiosk.records import stored_pdfs

    consultation = signed_consultation(app)
    with app.app_context():
        stored = db.session.get(Consultation, consultation.id)
        patient_copy = pdf_text(stored_pdfs.pdf_path(stored.pdf("patient")))
        staff_copy = pdf_text(stored_pdfs.pdf_path(stored.pdf("staff")))
    for copy in (patient_copy, staff_copy):
        assert "Your consent to microneedling" in copy
        assert "Results differ from person to person and are not guaranteed." in copy
        assert "Photos Agreed" in copy
        assert f"Version 2026-12 ({consultation.consents[0].text_sha256[:8]})" in copy
    url = f"/staff/c/{consultation.id}"
    staff.get(f"{url}/consent/withdraw")
    staff.client.post(
        f"{url}/consent/withdraw", data={"reason": "", "csrf_token": csrf_token(staff.html)}
    )
    with app.app_context():
        stored = db.session.get(Consultation, consultation.id)
        patient_copy = pdf_text(stored_pdfs.pdf_path(stored.pdf("patient")))
        staff_copy = pdf_text(stored_pdfs.pdf_path(stored.pdf("staff")))
    assert "You withdrew this consent on" in patient_copy
    assert "Withdrawn on" in staff_copy


@pytest.mark.render
def test_a_copy_without_a_consent_says_so_to_staff_only(app):
    from kiosk.records import stored_pdfs

    app.config["CONSENT_ON"] = False
    patient = PatientClient(app.test_client())
    patient.walk()
    patient.submit()
    with app.app_context():
        [stored] = db.session.scalars(db.select(Consultation)).all()
        assert "consent" not in pdf_text(stored_pdfs.pdf_path(stored.pdf("patient"))).lower()
        staff_copy = pdf_text(stored_pdfs.pdf_path(stored.pdf("staff")))
    assert "No consent was signed with these answers." in staff_copy
