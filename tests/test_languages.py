"""Which language a page speaks, and how dates and times read in each language."""

from __future__ import annotations

from kiosk.i18n import current_language, language

from .patient_client import PatientClient, csrf_token
from .staff_helpers import StaffClient, create_account

# The language of a request ----------------------------------------------------------------


def spanish_patient(app) -> PatientClient:
    patient = PatientClient(app.test_client())
    patient.get("/")
    patient.client.post(
        "/language", data={"language": "es", "csrf_token": csrf_token(patient.last_html)}
    )
    return patient


def test_a_request_takes_its_language_back_when_it_ends(app):
    patient = spanish_patient(app)
    assert 'lang="es"' in patient.get("/").get_data(as_text=True)
    # The test client serves the request on this thread, as a server's worker thread would.
    assert current_language() == "en"


def test_after_a_spanish_patient_the_same_thread_serves_staff_in_english(app, client):
    assert 'lang="es"' in spanish_patient(app).get("/").get_data(as_text=True)
    staff = StaffClient(client)
    staff.get("/staff/login")
    assert 'lang="en"' in staff.html
    assert "Staff sign in" in staff.html
    # An address refused before any view runs is still answered in the clinic's language.
    assert 'lang="es"' in spanish_patient(app).get("/").get_data(as_text=True)
    refused = client.get("/%01")
    assert refused.status_code == 404
    assert "This page does not exist." in refused.get_data(as_text=True)


def test_a_block_of_work_outside_requests_sets_its_own_language():
    with language("es"):
        assert current_language() == "es"
        with language("en"):
            assert current_language() == "en"
        assert current_language() == "es"
    assert current_language() == "en"


def test_done_speaks_the_language_the_answers_were_sent_in(app):
    patient = spanish_patient(app)
    patient.walk()
    patient.submit()
    done = patient.get("/done").get_data(as_text=True)
    assert 'lang="es"' in done
    assert "Su referencia" in done


def test_signed_in_staff_pages_follow_the_clinics_language_after_a_patient(app, client):
    password = create_account(app, "sam", "staff", "Sam Carter")
    staff = StaffClient(client)
    staff.login("sam", password)
    assert 'lang="es"' in spanish_patient(app).get("/").get_data(as_text=True)
    staff.get("/staff/")
    assert 'lang="en"' in staff.html
    assert "Sign out" in staff.html
