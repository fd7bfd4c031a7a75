"""Locations: a chain's clinics on one installation, and an installation with
one that works as it did before there were locations."""

from __future__ import annotations

import pytest

from kiosk.clinic import locations
from kiosk.data.database import db
from kiosk.data.models import FIRST_LOCATION, Consultation, Location
from kiosk.records import stored_pdfs

from .patient_client import PatientClient

pytestmark = pytest.mark.database("sqlite", "postgresql")

HARLEY = {
    "CLINIC_NAME": "Glow Harley Street",
    "CLINIC_ADDRESS": "12 Harley Street\nLondon W1G 9PG",
    "CLINIC_PHONE": "020 7946 0001",
    "BRAND_COLOUR": "#6b2d5c",
}
MADRID = {
    "CLINIC_NAME": "Glow Madrid",
    "CLINIC_ADDRESS": "Calle de Serrano 10\n28001 Madrid",
    "PATIENT_LANGUAGES": ("es",),
    "PATIENT_LANGUAGE": "es",
    "HOLIDAYS_REGION": "ES-MD",
}


def add_locations(app) -> dict[str, int]:
    """A chain of three: the first, Harley Street and Madrid."""
    with app.app_context():
        harley = locations.add(app, "harley-street", HARLEY)
        madrid = locations.add(app, "madrid", MADRID)
        return {"harley-street": harley.id, "madrid": madrid.id}


def sent_consultation(app) -> Consultation:
    with app.app_context():
        return db.session.scalars(db.select(Consultation)).one()


def test_an_installation_has_its_first_location_at_its_own_address(app, patient):
    with app.app_context():
        [first] = db.session.scalars(db.select(Location)).all()
        assert (first.id, first.values) == (FIRST_LOCATION, {})
        assert not locations.chain()
        assert locations.current().path == "/"
    patient.walk()
    assert patient.submit().status_code == 303
    assert sent_consultation(app).location_id == FIRST_LOCATION
    assert "/at/" not in patient.last_html


def test_each_location_has_its_own_welcome_and_its_consultations(app, client):
    ids = add_locations(app)
    harley = PatientClient(client, at="/at/harley-street")
    page = harley.get("/at/harley-street/")
    assert page.status_code == 200
    assert "Glow Harley Street" in harley.last_html
    # Every address on its pages keeps the location's.
    assert 'action="/at/harley-street/start"' in harley.last_html
    assert "/at/harley-street/brand/6b2d5c.css" in harley.last_html

    harley.walk()
    response = harley.submit()
    assert response.headers["Location"] == "/at/harley-street/done"
    consultation = sent_consultation(app)
    assert consultation.location_id == ids["harley-street"]
    with app.app_context():
        document = stored_pdfs.consultation_document(db.session.get(Consultation, consultation.id))
    assert document.clinic.name == "Glow Harley Street"
    assert document.clinic.address == HARLEY["CLINIC_ADDRESS"]
    # Left empty: the chain's (the settings page's).
    assert document.clinic.email == app.config["CLINIC_EMAIL"]


def test_a_location_offers_its_own_languages(app, client):
    add_locations(app)
    madrid = PatientClient(client, at="/at/madrid")
    madrid.get("/at/madrid/")
    assert 'lang="es"' in madrid.last_html
    assert "Glow Madrid" in madrid.last_html
    assert 'value="en"' not in madrid.last_html
    first = PatientClient(app.test_client())
    first.get("/")
    assert 'lang="en"' in first.last_html


def test_a_location_plans_with_its_own_holidays(app):
    add_locations(app)
    with app.app_context():
        madrid = locations.by_slug("madrid")
        first = locations.place(FIRST_LOCATION)
        assert madrid.engine is not first.engine
        assert madrid.config["HOLIDAYS_REGION"] == "ES-MD"
        # Not its own: the chain's.
        assert madrid.config["RETENTION_DAYS"] == app.config["RETENTION_DAYS"]


def test_addresses_of_no_location_or_of_staff_pages_under_one_are_not_found(app, client):
    add_locations(app)
    assert client.get("/at/nowhere/").status_code == 404
    assert client.get("/at/harley-street/staff/login").status_code == 404
    assert client.get("/at/harley-street/static/css/kiosk.css").status_code == 200


def test_a_change_of_a_location_reaches_another_process(app, client):
    from .conftest import another_process

    ids = add_locations(app)
    other = another_process(app)
    other_client = other.test_client()
    assert "Glow Harley Street" in other_client.get("/at/harley-street/").get_data(as_text=True)
    with app.app_context():
        location = db.session.get(Location, ids["harley-street"])
        locations.change(app, location, {**HARLEY, "CLINIC_NAME": "Glow Marylebone"})
    assert "Glow Marylebone" in other_client.get("/at/harley-street/").get_data(as_text=True)
