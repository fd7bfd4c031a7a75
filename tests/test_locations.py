"""Locations: a chain's clinics on one installation, and an installation with
one that works as it did before there were locations."""

from __future__ import annotations

import pytest

from kiosk.clinic import locations
from kiosk.data.database import db
from kiosk.data.models import FIRST_LOCATION, Consultation, Location
from kiosk.records import stored_pdfs

from .patient_client import PatientClient, csrf_token

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


# The settings' Locations page ------------------------------------------------------


def location_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Location.id).where(Location.slug == slug))


def test_an_admin_adds_a_location_and_its_tablets_open_its_address(app, admin):
    page = admin.get("/staff/settings/locations")
    assert page.status_code == 200
    assert "http://localhost/</code>" in admin.html  # the first location's tablets
    response = admin.post(
        "/staff/settings/locations",
        {
            "slug": "Harley-Street ",
            "CLINIC_NAME": "Glow Harley Street",
            "CLINIC_ADDRESS": "12 Harley Street",
            "CLINIC_PHONE": "",
        },
        token_from="/staff/settings/locations",
    )
    assert response.status_code == 303
    added = location_id(app, "harley-street")
    assert response.headers["Location"] == f"/staff/settings/locations/{added}"
    admin.get(response.headers["Location"])
    assert "Its tablets open: <code" in admin.html
    assert "http://localhost/at/harley-street/" in admin.html
    assert "Glow Harley Street" in app.test_client().get("/at/harley-street/").get_data(True)
    with app.app_context():
        # Left empty: the chain's, not kept as its own.
        assert db.session.get(Location, added).values == {
            "CLINIC_NAME": "Glow Harley Street",
            "CLINIC_ADDRESS": "12 Harley Street",
        }
        from kiosk.data.models import AuditEvent

        entry = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "location_added")
        ).one()
        assert (entry.username, entry.location_id) == ("ada", added)


@pytest.mark.parametrize(
    ("slug", "name", "message"),
    [
        ("harley street", "Glow", "Use 1 to 40 lower-case letters, digits and hyphens"),
        ("-harley", "Glow", "Use 1 to 40 lower-case letters, digits and hyphens"),
        ("main", "Glow", "Another location has this address already."),
        ("harley", "  ", "Give the location its name."),
    ],
)
def test_a_location_that_cannot_be_added_keeps_what_was_typed(app, admin, slug, name, message):
    response = admin.post(
        "/staff/settings/locations",
        {"slug": slug, "CLINIC_NAME": name, "CLINIC_ADDRESS": "12 Harley Street"},
        token_from="/staff/settings/locations",
    )
    assert response.status_code == 422
    assert message in admin.html
    assert "12 Harley Street" in admin.html
    assert f'value="{slug}"' in admin.html
    with app.app_context():
        assert len(locations.places()) == 1


def test_a_location_is_given_its_own_settings_and_gives_them_back(app, admin):
    ids = add_locations(app)
    url = f"/staff/settings/locations/{ids['harley-street']}"
    admin.get(url)
    assert "Glow Harley Street" in admin.html
    assert "Empty: the chain&#39;s, “" in admin.html
    response = admin.post(
        url,
        {
            "slug": "marylebone",
            "CLINIC_NAME": "Glow Marylebone",
            "CLINIC_ADDRESS": "",  # the chain's from now on
            "CLINIC_PHONE": "020 7946 0002",
            "BRAND_COLOUR": "#6b2d5c",
            "POLICY_OPENING_DAYS": ["tue", "wed", "thu"],
            "CLOSED_DATES": "24/12/2026",
            "PATIENT_LANGUAGE": "",
        },
        token_from=url,
    )
    assert response.status_code == 303, admin.html
    with app.app_context():
        place = locations.by_slug("marylebone")
        assert place.name == "Glow Marylebone"
        assert place.config["CLINIC_ADDRESS"] == app.config["CLINIC_ADDRESS"]
        assert place.config["POLICY_OPENING_DAYS"] == ("tue", "wed", "thu")
        assert "CLINIC_ADDRESS" not in place.own
    client = app.test_client()
    assert client.get("/at/harley-street/").status_code == 404
    assert "Glow Marylebone" in client.get("/at/marylebone/").get_data(True)


def test_a_wrong_value_of_a_location_is_named_and_the_rest_kept(app, admin):
    ids = add_locations(app)
    url = f"/staff/settings/locations/{ids['madrid']}"
    response = admin.post(
        url,
        {
            "slug": "madrid",
            "CLINIC_NAME": "Glow Madrid",
            "CLINIC_PHONE": "910 000 000",
            "CLOSED_DATES": "31/02/2027",
            "HOLIDAYS_REGION": "XX-NOWHERE",
        },
        token_from=url,
    )
    assert response.status_code == 422
    assert "“31/02/2027” is not a date" in admin.html
    assert "Enter a country or country-region code" in admin.html
    assert "910 000 000" in admin.html
    with app.app_context():
        assert locations.by_slug("madrid").config["HOLIDAYS_REGION"] == "ES-MD"


def test_the_first_location_is_the_settings_own(app, admin):
    admin.get(f"/staff/settings/locations/{FIRST_LOCATION}")
    assert "This is the first location" in admin.html
    assert "Save the location" not in admin.html


def test_staff_who_are_not_admins_cannot_see_the_locations(app, staff):
    assert staff.get("/staff/settings/locations").status_code in (302, 403)


# The command line ------------------------------------------------------------------


def test_a_location_is_added_and_listed_from_the_command_line(app, tmp_path):
    logo = tmp_path / "madrid.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
        '<rect width="120" height="40" fill="#7a1f5c"/></svg>'
    )
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "locations", "add", "madrid", "--name", "Glow Madrid", "--languages", "es",
            "--language", "es", "--holidays-region", "ES-MD", "--closed-dates",
            "24/12/2026, 31/12/2026", "--logo", str(logo), "--colour", "#7a1f5c",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Added Glow Madrid: its tablets open /at/madrid/" in result.output
    listed = runner.invoke(args=["locations", "list"]).output.splitlines()
    assert [line.split()[:2] for line in listed] == [["main", "/"], ["madrid", "/at/madrid/"]]
    with app.app_context():
        madrid = locations.by_slug("madrid")
        assert madrid.config["PATIENT_LANGUAGES"] == ("es",)
        assert [d.isoformat() for d in madrid.own["CLOSED_DATES"]] == ["2026-12-24", "2026-12-31"]
        # Kept in the instance folder, as an uploaded logo is (and so backed up).
        assert madrid.config["CLINIC_LOGO"].startswith(app.instance_path)
    page = app.test_client().get("/at/madrid/").get_data(as_text=True)
    assert 'src="/at/madrid/brand/logo/' in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["harley street", "--name", "Glow"], "Use 1 to 40 lower-case letters"),
        (["main", "--name", "Glow"], "Another location has this address already."),
        (["harley", "--name", "Glow", "--colour", "pink"], "--colour: "),
        (["harley", "--name", "Glow", "--languages", "xx"], "--languages: "),
        (["harley", "--name", " "], "A location needs a name."),
    ],
)
def test_the_command_line_names_what_keeps_a_location_from_being_added(app, args, message):
    result = app.test_cli_runner().invoke(args=["locations", "add", *args])
    assert result.exit_code == 1
    assert message in result.output
    with app.app_context():
        assert not locations.chain()


def test_larger_text_without_script_comes_back_to_the_screen_at_its_location(app, client):
    add_locations(app)
    harley = PatientClient(client, at="/at/harley-street")
    harley.start()
    for screen in ("/at/harley-street/", "/at/harley-street/step/about"):
        harley.get(screen)
        assert f'name="back" value="{screen}"' in harley.last_html
        response = client.post(
            "/at/harley-street/text-size",
            data={"back": screen, "csrf_token": csrf_token(harley.last_html)},
        )
        assert response.headers["Location"] == screen


# An installation from before there were locations ------------------------------------


def test_an_upgrade_makes_existing_data_the_first_locations(app):
    import flask_migrate

    from .staff_helpers import add_consultation, create_account

    create_account(app, "sam", "staff", "Sam Carter")
    stored = add_consultation(app, "pregnant")
    with app.app_context():
        flask_migrate.downgrade(revision="7c2e9a4f1b83")  # before locations
        assert "locations" not in db.inspect(db.engine).get_table_names()
        flask_migrate.upgrade()
        from kiosk.data.models import StaffUser

        consultation = db.session.get(Consultation, stored.id)
        assert consultation.location_id == FIRST_LOCATION
        sam = db.session.scalars(db.select(StaffUser)).one()
        assert [location.id for location in sam.locations] == [FIRST_LOCATION]
        # The next location made is the second.
        assert locations.add(app, "harley-street", HARLEY).id == FIRST_LOCATION + 1


def test_both_printed_copies_carry_the_details_of_the_location_it_was_sent_at(app):
    from kiosk.core.pdf import render_pdf

    from .staff_helpers import add_consultation
    from .test_pdf import text_of

    ids = add_locations(app)
    stored = add_consultation(app, "fine-lines-no-flags", location_id=ids["harley-street"])
    with app.app_context():
        consultation = db.session.get(Consultation, stored.id)
        document = stored_pdfs.consultation_document(consultation)
    patient_copy = text_of(render_pdf(document, "patient"))
    staff_copy = text_of(render_pdf(document, "staff"))
    assert "Glow Harley Street" in patient_copy
    assert "12 Harley Street" in patient_copy
    assert "020 7946 0001" in patient_copy
    assert "Glow Harley Street" in staff_copy
    assert app.config["CLINIC_NAME"] not in patient_copy + staff_copy


def test_a_document_is_built_outside_any_request_or_command(app):
    """As bench/flow_bench.py builds one: the location's settings are read in
    an app context of the document's own."""
    import datetime as dt

    add_locations(app)
    app.extensions[locations.EXTENSION].made = None  # not read yet in this process
    document = stored_pdfs.build_document(
        app, {}, language="en", reference="BENCH", submitted_at=dt.datetime.now().astimezone()
    )
    assert document.clinic.name == app.config["CLINIC_NAME"]
