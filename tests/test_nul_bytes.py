"""A NUL character anywhere a browser can put one: never a server error.

PostgreSQL text cannot hold NUL, so a NUL that reaches a query fails there
(SQLite stores it). Each test runs on both databases.
"""

from __future__ import annotations

import pytest

from kiosk.data.database import db
from kiosk.data.models import AuditEvent, Note

from .staff_helpers import StaffClient, add_consultation, create_account


@pytest.mark.parametrize(
    "url",
    [
        "/step/about%00",
        "/%00",
        "/static/kiosk%00.css",
        "/staff/c/%00abc",
        "/staff/c/%00abc/patient.pdf",
        "/staff/c/%00abc/fhir.json",
    ],
)
def test_a_nul_in_the_address_is_not_found(staff, patient, url):
    patient.start()
    for client in (staff, patient):
        response = client.get(url)
        assert response.status_code == 404
        assert "This page does not exist." in response.get_data(as_text=True)


def test_a_nul_in_a_query_string_is_ignored(admin):
    add_consultation(admin.client.application)
    response = admin.get("/staff/audit?username=sa%00m&reference=AB%00&action=%00")
    assert response.status_code == 200
    assert "Audit log" in admin.html


def test_a_nul_in_the_sign_in_name_is_an_ordinary_failed_sign_in(app, client):
    create_account(app, "sam")
    staff = StaffClient(client)
    response = staff.login("sam\x00", "wrong")
    assert response.status_code == 422
    assert "Incorrect username or password" in staff.html
    with app.app_context():
        [event] = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "login_failed")
        ).all()
        assert event.username == "sam"


def test_a_nul_in_a_search_finds_what_the_rest_of_the_text_finds(app, staff):
    stored = add_consultation(app, first_name="Maya")
    response = staff.post("/staff/", {"q": "Ma\x00ya"})
    assert response.status_code == 200
    assert stored.reference in staff.html


def test_a_nul_in_a_note_is_left_out_of_the_saved_note(app, staff):
    stored = add_consultation(app)
    response = staff.post(
        f"/staff/c/{stored.id}/notes",
        {"text": "Called\x00 back"},
        token_from=f"/staff/c/{stored.id}",
    )
    assert response.status_code == 303
    with app.app_context():
        assert [n.text for n in db.session.scalars(db.select(Note))] == ["Called back"]
