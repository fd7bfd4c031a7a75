"""Sessions end on the server: a copy of the cookie made before opens nothing after."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.data.database import db
from kiosk.data.models import AuditEvent, Consultation, StaffSession
from kiosk.records import stored_pdfs

from .patient_client import PatientClient, csrf_token
from .staff_helpers import StaffClient, add_consultation


@pytest.fixture
def consultation(app, shared_pdfs):
    stored = add_consultation(app, "pregnant")
    with app.app_context():
        results = stored_pdfs.generate(db.session.get(Consultation, stored.id))
        assert [r.status for r in results] == ["ready", "ready"]
    return stored


def signed_in(app, password) -> StaffClient:
    member = StaffClient(app.test_client())
    assert member.login("sam", password).status_code == 302
    return member


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    name = app.config["SESSION_COOKIE_NAME"]
    copy = app.test_client()
    copy.set_cookie(name, client.get_cookie(name).value)
    return copy


def opens_staff_pages(client, consultation) -> bool:
    queue = client.get("/staff/")
    pdf = client.get(f"/staff/c/{consultation.id}/staff.pdf")
    assert (queue.status_code == 200) == (pdf.status_code == 200)
    if pdf.status_code == 200:
        assert pdf.data.startswith(b"%PDF")
    else:
        assert pdf.headers["Location"].startswith("/staff/login")
        assert not pdf.data.startswith(b"%PDF")
    return queue.status_code == 200


def sign_out(app, member):
    member.post("/staff/logout")


def reset_password(app, member):
    assert app.test_cli_runner().invoke(args=["staff", "reset", "sam"]).exit_code == 0


def disable(app, member):
    assert app.test_cli_runner().invoke(args=["staff", "disable", "sam"]).exit_code == 0


@pytest.mark.parametrize("end", [sign_out, reset_password, disable])
def test_a_cookie_copied_before_the_session_ended_opens_nothing(app, password, consultation, end):
    member = signed_in(app, password)
    copy = copy_of(app, member.client)
    assert opens_staff_pages(copy, consultation)
    end(app, member)
    assert not opens_staff_pages(copy, consultation)
    assert not opens_staff_pages(member.client, consultation)


def test_signing_out_ends_only_this_browsers_session(app, password, consultation):
    desk, tablet = signed_in(app, password), signed_in(app, password)
    sign_out(app, tablet)
    assert not opens_staff_pages(tablet.client, consultation)
    assert opens_staff_pages(desk.client, consultation)
    with app.app_context():
        assert len(db.session.scalars(db.select(StaffSession)).all()) == 1


def started(app, hours_ago: float) -> None:
    with app.app_context():
        for staff_session in db.session.scalars(db.select(StaffSession)):
            staff_session.started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(
                hours=hours_ago
            )
        db.session.commit()


def test_a_busy_session_still_ends_after_its_lifetime(app, password, consultation):
    member = signed_in(app, password)
    started(app, hours_ago=11.9)
    assert opens_staff_pages(member.client, consultation)  # activity just now
    copy = copy_of(app, member.client)
    started(app, hours_ago=12.1)
    response = member.get("/staff/")
    assert response.headers["Location"] == "/staff/login"
    login_page = member.get("/staff/login").get_data(as_text=True)
    assert "a session lasts at most 12 hours" in login_page
    assert not opens_staff_pages(copy, consultation)
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
        assert actions[-1] == "session_lifetime"
        assert db.session.scalars(db.select(StaffSession)).all() == []


def test_the_session_lifetime_is_a_setting(app, password, consultation):
    app.config["STAFF_SESSION_HOURS"] = 2
    member = signed_in(app, password)
    started(app, hours_ago=2.5)
    assert not opens_staff_pages(member.client, consultation)


def test_signing_in_clears_the_accounts_long_dead_sessions(app, password):
    signed_in(app, password)
    started(app, hours_ago=30)
    signed_in(app, password)
    with app.app_context():
        assert len(db.session.scalars(db.select(StaffSession)).all()) == 1


# The patient's kiosk session ----------------------------------------------------


def test_a_patient_cookie_copied_before_the_reset_carries_nothing(app, client):
    patient = PatientClient(client)
    patient.get("/")
    client.post("/language", data={"language": "es", "csrf_token": csrf_token(patient.last_html)})
    patient.get("/")
    client.post("/text-size", data={"csrf_token": csrf_token(patient.last_html)})
    patient.walk(until="skin_type")
    copy = copy_of(app, client)
    assert 'lang="es"' in copy.get("/step/skin_type").get_data(as_text=True)
    assert client.post("/reset").status_code == 204  # the idle reset on the tablet

    welcome = copy.get("/").get_data(as_text=True)
    assert 'lang="en"' in welcome
    assert "large-text" not in welcome
    assert copy.get("/step/concerns").headers["Location"] == "/"


def test_the_done_screen_shows_only_just_after_sending(app, client):
    patient = PatientClient(client)
    patient.walk()
    patient.submit()
    copy = copy_of(app, client)
    assert "Your reference" in client.get("/done").get_data(as_text=True)
    with app.app_context():
        consultation = db.session.scalars(db.select(Consultation)).one()
        consultation.submitted_at -= dt.timedelta(minutes=6)
        db.session.commit()
    late = copy.get("/done")
    assert late.status_code == 303
    assert late.headers["Location"] == "/"
