"""Staff and locations: an account sees the consultations of its locations
(an admin, every location's), and admins and staff of more than one choose in
the header which location's queue to see. An installation with one location
looks as it did before there were locations."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import url_for

from kiosk.data.database import db
from kiosk.data.models import FIRST_LOCATION, AuditEvent, Consultation, Note, StaffUser
from kiosk.records import consultations

from .patient_client import csrf_token
from .staff_helpers import StaffClient, add_consultation, create_account
from .test_locations import add_locations

pytestmark = pytest.mark.database("sqlite", "postgresql")


def sign_in(app, username: str, password: str) -> StaffClient:
    member = StaffClient(app.test_client())
    assert member.login(username, password).status_code == 302
    return member


def locations_of(app, username: str) -> list[str]:
    with app.app_context():
        user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))
        return [location.slug for location in user.locations]


def queue_references(member: StaffClient, search: str | None = None) -> list[str]:
    if search is None:
        member.get("/staff/")
    else:
        member.post("/staff/", {"q": search})
    return re.findall(r'class="reference-link" href="[^"]+">([^<]+)</a>', member.html)


def masthead_name(html: str) -> str:
    return re.search(r'<span class="masthead__clinic">([^<]*)</span>', html).group(1)


def switcher_options(html: str) -> list[tuple[str, str]]:
    """The header switcher's options: (value, label)."""
    form = re.search(r'<form class="location-switch".*?</form>', html, re.S).group(0)
    return re.findall(r'<option (?:selected )?value="(\d*)">([^<]+)</option>', form)


def switch(member: StaffClient, location: str, **headers):
    """Choose ``location`` (an id, or "" for all) in the header's switcher."""
    member.get("/staff/")
    return member.client.post(
        "/staff/location",
        data={"location": location, "back": "/staff/", "csrf_token": csrf_token(member.html)},
        headers=headers,
    )


def same_page(html: str) -> str:
    """A page without its CSRF tokens (they hold the second they were made)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)


def move_to_yesterday(app, consultation_id: str) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        consultation.submitted_at -= dt.timedelta(days=1)
        db.session.commit()


def consultation_urls(app, consultation_id: str) -> list[tuple[str, str]]:
    """Every (method, URL) of the staff area that names a consultation."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("staff.") and "consultation_id" in rule.arguments:
            with app.test_request_context():
                url = url_for(rule.endpoint, consultation_id=consultation_id)
            urls += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return urls


@pytest.fixture
def chain(app) -> dict[str, int]:
    """The chain of three (the first, Harley Street, Madrid) and a consultation of each."""
    ids = add_locations(app)
    ids["first"] = FIRST_LOCATION
    return ids


# One location: as before ---------------------------------------------------------------


def test_one_location_shows_no_switcher_column_or_field(app, staff, admin):
    sent = add_consultation(app, "pregnant")
    for member in (staff, admin):
        member.get("/staff/")
        assert sent.reference in member.html
        assert "location-switch" not in member.html
        assert "queue__location" not in member.html
        assert ">Location<" not in member.html
        member.get(f"/staff/c/{sent.id}")
        assert ">Location<" not in member.html
    admin.get("/staff/accounts")
    assert 'name="locations"' not in admin.html
    assert "Locations of" not in admin.html
    # An account made on the page, with no extra field, gets the first location.
    response = admin.post(
        "/staff/accounts",
        {"username": "nia", "display_name": "Nia Brooks", "role": "staff"},
        token_from="/staff/accounts",
    )
    assert response.status_code == 200
    assert locations_of(app, "nia") == ["main"] == locations_of(app, "sam")
    # There is nothing to switch to, nor to change.
    assert switch(staff, "1").status_code == 303
    assert masthead_name(staff.get("/staff/").get_data(as_text=True)) == app.config["CLINIC_NAME"]
    assert admin.post("/staff/accounts/1/locations", {"locations": "1"}).status_code == 404


# A chain: who sees what -------------------------------------------------------------------


def test_staff_of_one_location_see_only_its_consultations(app, chain):
    harley = add_consultation(app, "pregnant", location_id=chain["harley-street"])
    madrid = add_consultation(app, "fine-lines-no-flags", location_id=chain["madrid"])
    earlier = add_consultation(app, "fine-lines-no-flags", location_id=chain["madrid"])
    move_to_yesterday(app, earlier.id)
    password = create_account(app, "hana", "staff", "Hana Lee")
    with app.app_context():
        user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "hana"))
        user.locations = []
        db.session.commit()
    assert locations_of(app, "hana") == []
    # An account with no location in a chain sees nothing.
    member = sign_in(app, "hana", password)
    assert queue_references(member) == []

    result = app.test_cli_runner().invoke(
        args=["staff", "create", "hal", "--location", "harley-street", "--name", "Hal Price"]
    )
    assert result.exit_code == 0, result.output
    password = re.search(r"Password \(shown only now\): (\S+)", result.output).group(1)
    member = sign_in(app, "hal", password)
    assert queue_references(member) == [harley.reference]
    assert "Earlier days" not in member.html
    # Its queue names the location; it has nothing to switch between.
    assert 'class="queue__location">Glow Harley Street<' in member.html
    assert "location-switch" not in member.html
    assert masthead_name(member.html) == "Glow Harley Street"
    # Searching for another location's reference finds nothing.
    assert queue_references(member, madrid.reference) == []
    assert queue_references(member, earlier.reference) == []
    assert queue_references(member, harley.reference) == [harley.reference]
    # Its own consultation's page names its location.
    page = member.get(f"/staff/c/{harley.id}")
    assert page.status_code == 200
    assert re.search(r"<dt>Location</dt> <dd>Glow Harley Street</dd>", member.html)


def test_another_locations_consultation_is_not_found_like_a_missing_one(app, chain, shared_pdfs):
    from kiosk.records import stored_pdfs

    madrid = add_consultation(app, "pregnant", location_id=chain["madrid"], signed=True)
    with app.app_context():
        ready = stored_pdfs.generate(db.session.get(Consultation, madrid.id))
        assert [result.status for result in ready] == ["ready", "ready"]
    result = app.test_cli_runner().invoke(
        args=["staff", "create", "hana", "--location", "harley-street"]
    )
    password = re.search(r"Password \(shown only now\): (\S+)", result.output).group(1)
    member = sign_in(app, "hana", password)
    token = csrf_token(member.get("/staff/").get_data(as_text=True))
    urls = consultation_urls(app, madrid.id)
    assert len(urls) >= 18, urls  # every page, PDF, export and action of one consultation
    missing = "0" * len(madrid.id)
    for method, url in urls:
        data = {"csrf_token": token, "text": "A note", "typed_name": "Sofia Rossi"}
        response = member.client.open(url, method=method, data=data)
        absent = member.client.open(url.replace(madrid.id, missing), method=method, data=data)
        assert response.status_code in (403, 404), (method, url, response.status_code)
        # The same page, but for the address it names and the time in its token.
        page = same_page(response.get_data(as_text=True).replace(madrid.id, missing))
        assert (response.status_code, page) == (
            absent.status_code,
            same_page(absent.get_data(as_text=True)),
        ), (method, url)
        assert madrid.reference not in response.get_data(as_text=True)
        assert not response.get_data().startswith(b"%PDF")
    # Nothing changed, and nothing of it was done on its behalf.
    with app.app_context():
        consultation = db.session.get(Consultation, madrid.id)
        assert consultation.status == "new"
        assert db.session.scalars(db.select(Note)).all() == []
        done = db.session.scalars(
            db.select(AuditEvent.action).where(AuditEvent.consultation_ref == madrid.reference)
        ).all()
        assert set(done) == {"consent_signed"}  # on the kiosk, when it was sent


def test_staff_of_two_locations_see_both_and_switch(app, chain):
    sent = {
        slug: add_consultation(app, "fine-lines-no-flags", location_id=chain[slug])
        for slug in ("first", "harley-street", "madrid")
    }
    result = app.test_cli_runner().invoke(
        args=["staff", "create", "mo", "--location", "harley-street", "--location", "Madrid"]
    )
    assert result.exit_code == 0, result.output
    assert locations_of(app, "mo") == ["harley-street", "madrid"]
    password = re.search(r"Password \(shown only now\): (\S+)", result.output).group(1)
    member = sign_in(app, "mo", password)
    shown = queue_references(member)
    assert sorted(shown) == sorted([sent["harley-street"].reference, sent["madrid"].reference])
    # The switcher: all of theirs, then each of their locations by name.
    options = switcher_options(member.html)
    assert options == [
        ("", "All my locations"),
        (str(chain["harley-street"]), "Glow Harley Street"),
        (str(chain["madrid"]), "Glow Madrid"),
    ]
    assert masthead_name(member.html) == app.config["CLINIC_NAME"]

    response = switch(member, str(chain["madrid"]))
    assert (response.status_code, response.headers["Location"]) == (303, "/staff/")
    assert queue_references(member) == [sent["madrid"].reference]
    assert masthead_name(member.html) == "Glow Madrid"
    assert (str(chain["madrid"]), "Glow Madrid") in switcher_options(member.html)
    assert f'<option selected value="{chain["madrid"]}">' in member.html
    # The session keeps the location's id, nothing else of it.
    with member.client.session_transaction() as session:
        assert session["staff_location"] == chain["madrid"]
    # Its search looks in the location chosen only.
    assert queue_references(member, sent["harley-street"].reference) == []
    # Every consultation of its locations stays reachable.
    assert member.get(f"/staff/c/{sent['harley-street'].id}").status_code == 200

    # A location that is not theirs is refused: the choice stays.
    switch(member, str(FIRST_LOCATION))
    assert queue_references(member) == [sent["madrid"].reference]
    assert "Choose a location from the list." in member.html
    # A form without the session's token does nothing, as other staff buttons'.
    response = member.client.post("/staff/location", data={"location": "", "back": "/staff/"})
    assert response.status_code == 303
    assert queue_references(member) == [sent["madrid"].reference]
    assert member.get(f"/staff/c/{sent['first'].id}").status_code == 404

    # With htmx, the browser is sent back to the page.
    response = switch(member, "", **{"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/staff/"
    assert len(queue_references(member)) == 2
    with member.client.session_transaction() as session:
        assert "staff_location" not in session


def test_a_chosen_location_taken_away_is_forgotten(app, chain, admin):
    harley = add_consultation(app, "fine-lines-no-flags", location_id=chain["harley-street"])
    madrid = add_consultation(app, "fine-lines-no-flags", location_id=chain["madrid"])
    result = app.test_cli_runner().invoke(
        args=["staff", "create", "mo", "--location", "harley-street", "--location", "madrid"]
    )
    member = sign_in(app, "mo", re.search(r"only now\): (\S+)", result.output).group(1))
    switch(member, str(chain["madrid"]))
    assert queue_references(member) == [madrid.reference]
    with app.app_context():
        user_id = db.session.scalar(db.select(StaffUser.id).where(StaffUser.username == "mo"))
    admin.post(
        f"/staff/accounts/{user_id}/locations",
        {"locations": [str(chain["harley-street"])]},
        token_from="/staff/accounts",
    )
    assert queue_references(member) == [harley.reference]
    assert "location-switch" not in member.html
    assert masthead_name(member.html) == "Glow Harley Street"
    assert member.get(f"/staff/c/{madrid.id}").status_code == 404


def test_an_admin_sees_every_location_and_switches(app, chain, admin):
    sent = {
        slug: add_consultation(app, "fine-lines-no-flags", location_id=chain[slug])
        for slug in ("first", "harley-street", "madrid")
    }
    assert sorted(queue_references(admin)) == sorted(s.reference for s in sent.values())
    options = switcher_options(admin.html)
    assert [label for _value, label in options] == [
        "All locations",
        app.config["CLINIC_NAME"],
        "Glow Harley Street",
        "Glow Madrid",
    ]
    switch(admin, str(chain["harley-street"]))
    assert queue_references(admin) == [sent["harley-street"].reference]
    assert masthead_name(admin.html) == "Glow Harley Street"
    # The banner about missing contact details is about the location shown.
    assert "clinic-details-missing" not in admin.html
    switch(admin, str(chain["madrid"]))
    assert "Its phone number is not set." in admin.get("/staff/").get_data(as_text=True)
    # Set on the location's own page.
    assert f'href="/staff/settings/locations/{chain["madrid"]}#setting-CLINIC_PHONE"' in admin.html
    switch(admin, str(chain["harley-street"]))
    admin.get("/staff/")
    # The header takes the location's colour, from its own address.
    assert 'href="/at/harley-street/brand/6b2d5c.css"' in admin.html
    css = admin.client.get("/at/harley-street/brand/6b2d5c.css")
    assert "#6b2d5c" in css.get_data(as_text=True).lower()
    # Another location's consultation is still the admin's to open.
    assert admin.get(f"/staff/c/{sent['madrid'].id}").status_code == 200
    # Back where the switcher was used; never another site.
    admin.get("/staff/audit")
    response = admin.client.post(
        "/staff/location",
        data={"location": "", "back": "//evil.example/", "csrf_token": csrf_token(admin.html)},
    )
    assert response.headers["Location"] == "/staff/"
    assert len(queue_references(admin)) == 3


def test_the_earlier_days_count_leaves_out_other_locations(app, chain, monkeypatch):
    monkeypatch.setattr(consultations, "EARLIER_SHOWN", 1)
    for slug, count in (("harley-street", 2), ("madrid", 3)):
        for _ in range(count):
            move_to_yesterday(
                app, add_consultation(app, "fine-lines-no-flags", location_id=chain[slug]).id
            )
    with app.app_context():
        for location_ids, more in (
            ({chain["harley-street"]}, 1),
            ({chain["madrid"]}, 2),
            (None, 4),
        ):
            rows = consultations.queue(location_ids=location_ids)
            assert len(rows) == 1
            assert consultations.earlier_not_shown(rows, location_ids=location_ids) == more


# Accounts and their locations -------------------------------------------------------------


def test_an_admin_chooses_an_accounts_locations(app, chain, admin):
    admin.get("/staff/accounts")
    assert "An administrator sees every location" in admin.html
    # Made without a location: refused, what was typed kept.
    response = admin.post(
        "/staff/accounts",
        {"username": "nia", "display_name": "Nia Brooks", "role": "staff"},
        token_from="/staff/accounts",
    )
    assert response.status_code == 422
    assert "Choose at least one location" in admin.html
    assert 'href="#locations"' in admin.html
    assert 'value="nia"' in admin.html
    response = admin.post(
        "/staff/accounts",
        {
            "username": "nia",
            "role": "staff",
            "locations": [str(chain["madrid"]), str(chain["harley-street"]), "999"],
        },
        token_from="/staff/accounts",
    )
    assert response.status_code == 200
    assert locations_of(app, "nia") == ["harley-street", "madrid"]

    with app.app_context():
        nia = db.session.scalar(db.select(StaffUser.id).where(StaffUser.username == "nia"))
    url = f"/staff/accounts/{nia}/locations"
    response = admin.post(url, {"locations": []}, token_from="/staff/accounts")
    assert response.status_code == 303
    assert "Choose at least one location for nia" in admin.get("/staff/accounts").get_data(
        as_text=True
    )
    assert locations_of(app, "nia") == ["harley-street", "madrid"]
    admin.post(url, {"locations": [str(FIRST_LOCATION)]}, token_from="/staff/accounts")
    assert locations_of(app, "nia") == ["main"]
    assert "nia&#39;s locations are saved" in admin.get("/staff/accounts").get_data(as_text=True)
    with app.app_context():
        entries = db.session.execute(
            db.select(AuditEvent.action, AuditEvent.detail).where(
                AuditEvent.action.in_(["account_created", "account_locations_changed"])
            )
        ).all()
    assert ("account_created", "nia: role staff; locations harley-street, madrid") in entries
    assert (
        "account_locations_changed",
        "nia: harley-street, madrid → main",
    ) in entries
    # The audit log names the change in words.
    admin.get("/staff/audit")
    assert "Account&#39;s locations changed" in admin.html


def test_the_cli_refuses_a_location_that_does_not_exist(app, chain):
    result = app.test_cli_runner().invoke(
        args=["staff", "create", "nia", "--location", "harley-street", "--location", "paris"]
    )
    assert result.exit_code == 1
    assert "There is no location paris. The locations are: harley-street, madrid, main." in (
        result.output
    )
    with app.app_context():
        assert db.session.scalar(db.select(StaffUser).where(StaffUser.username == "nia")) is None
    # Without --location: the first location.
    create_account(app, "nia")
    assert locations_of(app, "nia") == ["main"]
    listed = app.test_cli_runner().invoke(args=["staff", "list"]).output
    assert re.search(r"nia .*\[main\]", listed)


# The audit log -----------------------------------------------------------------------------


def test_audit_entries_about_a_consultation_carry_its_location(app, chain, admin):
    madrid = add_consultation(app, "fine-lines-no-flags", location_id=chain["madrid"])
    admin.get(f"/staff/c/{madrid.id}")
    admin.post(f"/staff/c/{madrid.id}/review", token_from=f"/staff/c/{madrid.id}")
    admin.post(f"/staff/c/{madrid.id}/notes", {"text": "Seen"}, token_from=f"/staff/c/{madrid.id}")
    admin.get(f"/staff/c/{madrid.id}/fhir-bundle.json")
    with app.app_context():
        entries = db.session.execute(
            db.select(AuditEvent.action, AuditEvent.location_id).where(
                AuditEvent.consultation_ref == madrid.reference
            )
        ).all()
    assert {action for action, _ in entries} >= {
        "view",
        "start_review",
        "note",
        "export_fhir_bundle",
    }
    assert {location for _, location in entries} == {chain["madrid"]}
