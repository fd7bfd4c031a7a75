"""Which language a page speaks, and how dates and times read in each language."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core.i18n import (
    DATE_FILTERS,
    current_language,
    day_date,
    language,
    long_date,
    long_datetime,
    short_date,
    short_datetime,
    short_time,
)
from kiosk.core.pdf.render import environment as pdf_environment
from kiosk.data.database import db
from kiosk.data.models import AuditEvent, Consultation, local_time

from .patient_client import PatientClient, csrf_token
from .staff_helpers import StaffClient, add_consultation, create_account

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


def test_error_pages_speak_the_patients_language_heading_included(app):
    patient = spanish_patient(app)
    patient.start()
    missing = patient.get("/step/no-such-screen")
    assert missing.status_code == 404
    page = missing.get_data(as_text=True)
    assert "<h1" in page
    assert "Página no encontrada" in page
    assert "Not Found" not in page
    wrong_method = patient.client.delete("/check")
    assert wrong_method.status_code == 405
    assert "Method Not Allowed" not in wrong_method.get_data(as_text=True)


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


def test_staff_are_sent_to_sign_in_in_the_clinics_language(app, client):
    page = client.get("/staff/", follow_redirects=True).get_data(as_text=True)
    assert "Please sign in to see this page." in page

    app.config["CLINIC_LANGUAGE"] = "es"
    page = app.test_client().get("/staff/", follow_redirects=True).get_data(as_text=True)
    assert 'lang="es"' in page
    assert "Inicie sesión para ver esta página." in page
    assert "Please sign in" not in page


def test_signed_in_staff_pages_follow_the_clinics_language_after_a_patient(app, client):
    password = create_account(app, "sam", "staff", "Sam Carter")
    staff = StaffClient(client)
    staff.login("sam", password)
    assert 'lang="es"' in spanish_patient(app).get("/").get_data(as_text=True)
    staff.get("/staff/")
    assert 'lang="en"' in staff.html
    assert "Sign out" in staff.html


# Dates and times --------------------------------------------------------------------------

DAY = dt.date(2026, 12, 7)
MORNING = dt.datetime(2026, 11, 22, 9, 5, 9)
AFTERNOON = dt.datetime(2026, 11, 22, 14, 5, 9)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "en",
            {
                "long_date": "7 December 2026",
                "day_date": "Monday 7 December 2026",
                "short_date": "7 Dec 2026",
                "short_date_without_year": "7 Dec",
                "short_time": "09:05",
                "afternoon": "14:05",
                "short_time_with_seconds": "09:05:09",
                "long_datetime": "22 November 2026, 09:05",
                "short_datetime": "22 Nov 2026, 14:05",
                "short_datetime_with_seconds": "22 Nov 2026, 14:05:09",
            },
        ),
        (
            "es",
            {
                "long_date": "7 de diciembre de 2026",
                "day_date": "lunes, 7 de diciembre de 2026",
                "short_date": "7 dic 2026",
                "short_date_without_year": "7 dic",
                "short_time": "9:05",
                "afternoon": "14:05",
                "short_time_with_seconds": "9:05:09",
                "long_datetime": "22 de noviembre de 2026, 9:05",
                "short_datetime": "22 nov 2026, 14:05",
                "short_datetime_with_seconds": "22 nov 2026, 14:05:09",
            },
        ),
    ],
)
def test_dates_and_times_read_naturally_in_each_language(code, expected):
    with language(code):
        assert {
            "long_date": long_date(DAY),
            "day_date": day_date(DAY),
            "short_date": short_date(DAY),
            "short_date_without_year": short_date(DAY, year=False),
            "short_time": short_time(MORNING),
            "afternoon": short_time(AFTERNOON),
            "short_time_with_seconds": short_time(MORNING, seconds=True),
            "long_datetime": long_datetime(MORNING),
            "short_datetime": short_datetime(AFTERNOON),
            "short_datetime_with_seconds": short_datetime(AFTERNOON, seconds=True),
        } == expected


def test_a_language_given_outright_wins_over_the_one_in_force():
    with language("es"):
        assert short_datetime(AFTERNOON, "en") == "22 Nov 2026, 14:05"
    assert long_date(DAY, "es") == "7 de diciembre de 2026"


def test_a_time_reads_as_the_clock_it_was_given_on():
    # Callers pass the clinic's local time; no zone is converted on the way.
    new_york = AFTERNOON.replace(tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert short_datetime(new_york, "en") == "22 Nov 2026, 14:05"


def test_pages_and_pdfs_share_one_family_of_date_filters(app):
    for name, formatter in DATE_FILTERS.items():
        assert app.jinja_env.filters[name] is formatter
        assert pdf_environment().filters[name] is formatter


def sent_at(app, moment: dt.datetime, example: str = "fine-lines-no-flags"):
    """A consultation sent at ``moment`` (UTC, as stored); its local time."""
    stored = add_consultation(app, example)
    with app.app_context():
        db.session.get(Consultation, stored.id).submitted_at = moment
        db.session.commit()
    return stored, local_time(moment)


def clock(moment: dt.datetime, code: str = "en") -> str:
    return f"{moment:%H:%M}" if code == "en" else f"{moment.hour}:{moment:%M}"


@pytest.fixture
def signed_in(app, client):
    staff = StaffClient(client)
    staff.login("sam", create_account(app, "sam", "staff", "Sam Carter"))
    return staff


@pytest.mark.parametrize(("code", "month"), [("en", "Mar"), ("es", "mar")])
def test_the_consultation_page_dates_read_in_the_clinics_language(app, signed_in, code, month):
    app.config["CLINIC_LANGUAGE"] = code
    stored, local = sent_at(app, dt.datetime(2026, 3, 2, 12, 30))
    signed_in.get(f"/staff/c/{stored.id}")
    shown = f"{local.day} {month} 2026, {clock(local, code)}"
    assert f'<time datetime="{local.isoformat()}">{shown}</time>' in signed_in.html
    assert "/2026" not in signed_in.html


def test_the_queue_shows_the_time_and_the_day_of_an_earlier_consultation(app, signed_in):
    stored, local = sent_at(app, dt.datetime(2026, 3, 2, 12, 30))
    day = local.date().isoformat()
    signed_in.post("/staff/queue/rows", {"date_from": day, "date_to": day})
    assert stored.reference in signed_in.html
    assert (
        f'<time datetime="{local.isoformat()}">{clock(local)} · {local.day} Mar</time>'
        in signed_in.html
    )


def test_the_audit_log_shows_each_entry_to_the_second(app, client):
    app.config["CLINIC_LANGUAGE"] = "es"
    admin = StaffClient(client)
    admin.login("ada", create_account(app, "ada", "admin", "Ada Okafor"))
    moment = dt.datetime(2026, 3, 2, 12, 30, 5)
    with app.app_context():
        db.session.execute(db.update(AuditEvent).values(at=moment))
        db.session.commit()
    admin.get("/staff/audit?action=login")
    local = local_time(moment)
    assert (
        f'<time datetime="{local.isoformat()}">{local.day} mar 2026, {clock(local, "es")}:05</time>'
        in admin.html
    )
