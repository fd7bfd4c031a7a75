"""A patient back for a later session of their course: "I have been here
before" on Welcome, the screens asked again, the new consultation linked to
the earlier one, and what staff are told of it."""

from __future__ import annotations

import datetime as dt
import logging
import re
import subprocess
from html import unescape

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kiosk.data.database import db
from kiosk.data.models import AuditEvent, Consultation, Draft, RateLimitCounter
from kiosk.records import retention

from .conftest import ARTIFACTS, write_artifact
from .patient_client import PLAIN, PatientClient, csrf_token, errors
from .staff_helpers import Stored, add_consultation

NOT_FOUND = (
    "We could not find a summary with that code and first name. Check the code on your "
    "summary, or answer all the questions as a new patient."
)
AS_NEW = "Answer all the questions as a new patient"


def look_up(client, code: str, first_name: str, address: str = "192.0.2.10"):
    """Type the code and first name on "I have been here before" and continue."""
    environ = {"REMOTE_ADDR": address}
    page = client.get("/returning", environ_overrides=environ).get_data(as_text=True)
    return client.post(
        "/returning",
        data={"code": code, "first_name": first_name, "csrf_token": csrf_token(page)},
        environ_overrides=environ,
    )


def walk_back(patient: PatientClient, response, answers: dict | None = None) -> list[str]:
    """Answer each screen the returning patient is led to, as PLAIN with
    ``answers`` over it; the screens visited."""
    answers = {**PLAIN, **(answers or {})}
    visited = []
    location = response.headers["Location"]
    while location.startswith("/step/"):
        step_id = location.removeprefix("/step/").split("?")[0]
        visited.append(step_id)
        response = patient.answer(step_id, answers[step_id])
        assert response.status_code == 303, (step_id, errors(patient.last_html))
        location = response.headers["Location"]
    assert location == "/check"
    return visited


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def consultation(app, reference: str) -> Consultation:
    with app.app_context():
        found = db.session.scalar(
            select(Consultation)
            .where(Consultation.reference == reference)
            .options(selectinload(Consultation.pdfs))
        )
        db.session.expunge_all()
        return found


def sent_reference(patient: PatientClient) -> str:
    """Send the answers from Check your answers; the reference Done gives."""
    assert patient.submit().headers["Location"] == "/done"
    done = patient.get("/done").get_data(as_text=True)
    return re.search(r'class="reference"[^>]*>([A-Z0-9]{3}-[A-Z0-9]{3})<', done).group(1)


def session_of(app, client) -> dict:
    """What the browser's session cookie holds."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


@pytest.fixture
def earlier(app) -> Stored:
    """Maya's first consultation: fine lines, nothing in her health."""
    return add_consultation(app, "fine-lines-no-flags", first_name="Maya")


def test_welcome_offers_i_have_been_here_before_beside_start(client):
    html = client.get("/").get_data(as_text=True)
    start = html.index('class="button button--start"')
    returning = html.index('href="/returning"')
    assert start < returning
    assert "I have been here before" in html[returning:]


def test_a_returning_patient_answers_only_what_may_change_and_is_sent_a_new_reference(
    app, client, earlier
):
    patient = PatientClient(client)
    response = look_up(client, earlier.reference.lower().replace("-", " "), " maya ")
    assert response.status_code == 303
    # Nothing with nothing changed but three screens, then Check your answers.
    assert walk_back(patient, response) == ["skin_today", "health_history", "medicines"]
    check = text_of(patient.get("/check").get_data(as_text=True))
    assert "Your skin today None of these" in check
    assert "Isotretinoin No, never" in check
    # Nothing of the earlier visit is shown on the tablet.
    assert "Maya" not in check
    assert "Fine lines" not in check
    assert "Your other answers are taken from your last visit." in check
    reference = sent_reference(patient)
    assert reference != earlier.reference
    sent = consultation(app, reference)
    assert sent.previous_id == earlier.id
    assert sent.previous["reference"] == earlier.reference
    assert sent.first_name == "Maya"
    assert sent.answers["concerns"] == ["fine_lines"]
    assert sent.answers["isotretinoin"] == "never"
    # Its own PDFs, queued.
    assert {pdf.copy for pdf in sent.pdfs} == {"patient", "staff"}
    # The audit log says the earlier consultation was opened by a returning patient.
    with app.app_context():
        entries = db.session.execute(select(AuditEvent.action, AuditEvent.consultation_ref))
        assert ("returning_patient", earlier.reference) in [tuple(e) for e in entries]


def test_the_screens_asked_again_start_empty_and_a_reload_loses_nothing(app, client, earlier):
    with app.app_context():
        db.session.execute(
            db.update(Consultation)
            .where(Consultation.id == earlier.id)
            .values(answers={**consultation(app, earlier.reference).answers, "pregnant": True})
        )
        db.session.commit()
    patient = PatientClient(client)
    response = look_up(client, earlier.reference, "Maya")
    page = patient.get(response.headers["Location"]).get_data(as_text=True)
    assert "checked" not in page
    patient.answer("skin_today", PLAIN["skin_today"])
    # Asked again today: nothing ticked from last time.
    page = patient.get("/step/health_history").get_data(as_text=True)
    assert "checked" not in page
    # The draft, linked, in the database: a reload or a restart finds it.
    with app.app_context():
        draft = db.session.scalar(select(Draft))
        assert draft.previous_id == earlier.id
        assert draft.returning
        assert "infection_now" in draft.asked
    # A carried-over screen cannot be reached; Welcome offers to carry on.
    assert client.get("/step/about").headers["Location"] == "/step/health_history"
    assert "Continue my answers" in client.get("/").get_data(as_text=True)


def test_the_session_holds_only_the_draft_and_the_code_travels_only_in_a_post(
    app, client, earlier, caplog
):
    caplog.set_level(logging.DEBUG)
    look_up(client, earlier.reference, "Maya")
    assert set(session_of(app, client)) <= {"draft", "csrf_token"}
    assert earlier.reference not in str(session_of(app, client))
    assert "Maya" not in str(session_of(app, client))
    # A code in the address is not looked up.
    fresh = app.test_client()
    page = fresh.get(f"/returning?code={earlier.reference}&first_name=Maya")
    assert page.status_code == 200
    assert "draft" not in session_of(app, fresh)
    look_up(app.test_client(), "XXX-XXX", "Nobody")
    assert "XXX-XXX" not in caplog.text
    assert earlier.reference not in caplog.text
    with app.app_context():
        keys = list(db.session.scalars(select(RateLimitCounter.key)))
    assert keys
    assert not [key for key in keys if "XXX" in key]


@pytest.mark.parametrize("wrong", ["unknown code", "wrong name"])
def test_an_unknown_code_or_name_gets_one_message_and_keeps_what_was_typed(
    app, client, earlier, wrong
):
    code, name = ("WWW-WWW", "Maya") if wrong == "unknown code" else (earlier.reference, "Mia")
    response = look_up(client, code, name)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert errors(html) == [NOT_FOUND]
    assert f'value="{code}"' in html
    assert f'value="{name}"' in html
    assert AS_NEW in html
    assert "<title>Error:" in html
    with app.app_context():
        assert db.session.scalar(select(Draft)) is None


def test_a_code_not_of_the_right_shape_is_said_so_and_not_counted(app, client):
    response = look_up(client, "K7P", "")
    html = response.get_data(as_text=True)
    assert errors(html) == [
        "Enter the code as it is on your summary: 6 letters and numbers, like K7P-4QX",
        "Enter your first name",
    ]
    with app.app_context():
        assert db.session.scalar(select(RateLimitCounter)) is None


def test_wrong_codes_wait_longer_and_longer_and_the_wait_is_said(app, earlier):
    client = app.test_client()
    for _ in range(4):
        assert look_up(client, earlier.reference, "Mia").status_code == 422
    refused = look_up(client, earlier.reference, "Mia")
    assert refused.status_code == 429
    assert "Please wait 1 minute" in text_of(refused.get_data(as_text=True))
    # Even the right name waits, and the form keeps what was typed.
    refused = look_up(client, earlier.reference, "Maya")
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Too many codes did not match. Please wait 1 minute" in errors(html)[0]
    assert 'value="Maya"' in html
    assert AS_NEW in html
    # Another tablet is not affected.
    assert look_up(app.test_client(), earlier.reference, "Maya", "192.0.2.99").status_code == 303


def test_wrong_codes_are_limited_per_tablet_and_told_in_the_patients_language(app, earlier):
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    client.post("/language", data={"language": "es", "csrf_token": csrf_token(page)})
    for n in range(20):
        code = f"{'ACEFHJKMNPRTWXY3479'[n % 19]}AA-AAA"
        assert look_up(client, code, "Maya").status_code == 422, n
    refused = look_up(client, earlier.reference, "Maya")
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Demasiados códigos no han coincidido. Espere" in errors(html)[0]
    assert 'value="Maya"' in html
    assert "Responder todas las preguntas como paciente nuevo" in html


def test_after_retention_the_patient_answers_as_new_and_staff_are_told(app, client, staff, earlier):
    with app.app_context():
        db.session.execute(
            db.update(Consultation)
            .where(Consultation.id == earlier.id)
            .values(submitted_at=dt.datetime(2020, 1, 1))
        )
        db.session.commit()
        retention.purge()
    patient = PatientClient(app.test_client())
    response = look_up(patient.client, earlier.reference.lower(), "Maya")
    html = response.get_data(as_text=True)
    assert errors(html) == [NOT_FOUND]
    new = patient.client.post(
        "/returning/new",
        data={
            "given": re.search(r'name="given" type="hidden" value="([^"]*)"', html).group(1),
            "csrf_token": csrf_token(html[html.index("/returning/new") :]),
        },
    )
    assert new.headers["Location"] == "/step/about"
    visited = []
    location = "/step/about"
    while location.startswith("/step/"):
        step_id = location.removeprefix("/step/")
        visited.append(step_id)
        location = patient.answer(step_id, PLAIN[step_id]).headers["Location"]
    assert len(visited) == 8  # every screen, as a new patient
    reference = sent_reference(patient)
    sent = consultation(app, reference)
    assert sent.previous_id is None
    staff.get(f"/staff/c/{sent.id}")
    assert (
        f"Said they had been here before; code given: {earlier.reference}; no matching "
        "consultation (deleted after the retention period, or mistyped)."
    ) in text_of(staff.html)
    assert "Returning" not in text_of(staff.get("/staff/").get_data(as_text=True))


def returned(app, earlier: Stored, answers: dict | None = None) -> Consultation:
    """Maya back for her next session, answering ``answers`` (over PLAIN)."""
    patient = PatientClient(app.test_client())
    walk_back(patient, look_up(patient.client, earlier.reference, "Maya"), answers)
    return consultation(app, sent_reference(patient))


def test_staff_see_what_changed_since_the_earlier_visit(app, staff, earlier):
    sent = returned(
        app,
        earlier,
        {
            "health_history": {"pregnant": "yes"},
            "medicines": {"none_apply": "yes", "isotretinoin": "stopped"},
            "medicine_details": {"isotretinoin_months": "3"},
        },
    )
    staff.get(f"/staff/c/{sent.id}")
    page = text_of(staff.html)
    when = consultation(app, earlier.reference).submitted_at
    assert f"Changed since {earlier.reference} ({when.day} " in page
    assert f'href="/staff/c/{earlier.id}">Open {earlier.reference}</a>' in staff.html
    changed = staff.html[
        staff.html.index('id="follow-up-title"') : staff.html.index('id="dates-title"')
    ]
    assert text_of(changed).count("→") == 3
    assert "Pregnant or breastfeeding No → now Yes" in text_of(changed)
    assert "Isotretinoin No, never → now Yes, but has stopped" in text_of(changed)
    assert "Months since stopping isotretinoin Not asked → now 3 months" in text_of(changed)
    # The changed rows are marked in the answers, in words.
    answers = staff.html[staff.html.index('id="answers-title"') :]
    assert answers.count("summary-list__row--changed") == 3
    assert (
        'Pregnant or breastfeeding</dt><dd class="summary-list__value">Yes '
        '<span class="badge badge--changed">Changed</span>' in answers
    )
    # The queue: a small badge.
    queue = staff.get("/staff/").get_data(as_text=True)
    row = queue[queue.index(sent.reference) :]
    assert "badge--returning" in row[: row.index("</tr>")]
    first = queue[queue.index(f">{earlier.reference}<") :]
    assert "badge--returning" not in first[: first.index("</tr>")]


def test_nothing_changed_is_said_and_a_deleted_earlier_visit_is_named_by_its_reference(
    app, staff, admin, earlier
):
    sent = returned(app, earlier)
    staff.get(f"/staff/c/{sent.id}")
    assert "Nothing changed." in text_of(staff.html)
    assert "summary-list__row--changed" not in staff.html
    admin.post(
        f"/staff/c/{earlier.id}/delete",
        {"reference": earlier.reference},
        token_from=f"/staff/c/{earlier.id}/delete",
    )
    assert consultation(app, earlier.reference) is None
    staff.get(f"/staff/c/{sent.id}")
    page = text_of(staff.html)
    assert f"Changed since {earlier.reference} (" in page
    assert f"/staff/c/{earlier.id}" not in staff.html
    assert "That consultation has since been deleted." in page
    assert "Nothing changed." in page


def test_the_staff_page_says_what_changed_in_the_clinics_language(tmp_path, migrated_instance):
    from kiosk import create_app

    from .staff_helpers import StaffClient, create_account

    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(migrated_instance(tmp_path / "es")),
            "CLINIC_LANGUAGE": "es",
            "PDF_DIR": str(tmp_path / "pdfs"),
        }
    )
    earlier = add_consultation(app, "fine-lines-no-flags", first_name="Maya")
    sent = returned(app, earlier, {"health_history": {"pregnant": "yes"}})
    staff = StaffClient(app.test_client())
    assert staff.login("sam", create_account(app, "sam")).status_code == 302
    staff.get(f"/staff/c/{sent.id}")
    page = text_of(staff.html)
    assert f"Cambios desde {earlier.reference} (" in page
    assert "Embarazo o lactancia No → ahora Sí" in page


def pdftotext(path) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return " ".join(result.stdout.split())


@pytest.mark.render
def test_the_staff_copy_says_it_is_a_follow_up_and_what_changed(app, earlier):
    from kiosk.records import stored_pdfs

    sent = returned(app, earlier, {"health_history": {"pregnant": "yes"}})
    with app.app_context():
        stored = db.session.get(Consultation, sent.id)
        staff_path = stored_pdfs.pdf_path(stored.pdf("staff"))
        write_artifact(ARTIFACTS / "returning" / "staff-copy.pdf", staff_path.read_bytes())
        staff_copy = pdftotext(staff_path)
        patient_copy = pdftotext(stored_pdfs.pdf_path(stored.pdf("patient")))
    assert f"Follow-up visit: changed since {earlier.reference} (" in staff_copy
    assert re.search(r"Pregnant or breastfeeding No Yes", staff_copy), staff_copy
    assert "CHANGED" in staff_copy.upper()
    assert sent.reference in staff_copy
    assert sent.reference in patient_copy
    assert earlier.reference not in patient_copy


def test_a_carried_over_answer_that_no_longer_holds_is_left_out(app, client):
    """An event date that has passed since the earlier visit, or passes while
    the patient answers: they are not asked that screen, so it is left out
    rather than shown as a problem they cannot reach."""
    earlier = add_consultation(app, "fine-lines-no-flags")
    with app.app_context():
        past = db.session.get(Consultation, earlier.id)
        past.answers = {**past.answers, "event_date": "2020-01-01"}
        db.session.commit()
    patient = PatientClient(client)
    walk_back(patient, look_up(client, earlier.reference, "Maya"))
    with app.app_context():
        assert "event_date" not in db.session.scalar(select(Draft)).answers
        # And one that passes while they answer.
        draft = db.session.scalar(select(Draft))
        draft.answers = {**draft.answers, "event_date": dt.date.today().isoformat()}
        db.session.commit()
    patient.get("/check")
    response = client.post("/check", data={"csrf_token": csrf_token(patient.last_html)})
    assert response.headers["Location"] == "/check"
    sent = consultation(app, sent_reference(patient))
    assert "event_date" not in sent.answers
    assert sent.answers["downtime"] == "few_days"
