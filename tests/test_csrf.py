"""A POST without this session's CSRF token changes nothing, on every POST route.

Each route of the app's URL map that takes a POST has a scenario here: the
state in which a genuine request would change something, and the request.
Without a token, or with another session's token, with and without htmx's
header, the database and the session must stay as they were; the same request
with the session's own token must change them (so each case can fail).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import url_for

from kiosk.data.database import db
from kiosk.data.models import Consultation
from kiosk.web import throttle

from .patient_client import PLAIN, TYPED_SIGNATURE, PatientClient, csrf_token
from .staff_helpers import StaffClient, add_consultation, create_account, settings_form_data


@dataclass
class Case:
    client: object
    url: str
    data: dict
    page: str  # a page of this session, holding its token


# The session keys that change on every staff request (the idle clock).
VOLATILE = {"staff_seen"}


def _patient(app, *, started: bool = True, walked: bool = False) -> PatientClient:
    patient = PatientClient(app.test_client())
    if walked:
        patient.walk()
    elif started:
        patient.start()
    else:
        patient.get("/")
    return patient


def patient_case(
    url: str, data: dict | None = None, *, consent: bool = True, **state
) -> Callable[[object], Case]:
    """``consent``: the clinic asks for the consent (else Check sends the answers)."""

    def build(app) -> Case:
        app.config["CONSENT_ON"] = consent
        patient = _patient(app, **state)
        # The form's own page.
        page = patient.get(url if url.startswith(("/step/", "/check", "/consent")) else "/")
        page = page.get_data(as_text=True)
        return Case(patient.client, url, data or {}, page)

    return build


def staff_case(
    url: str, data: dict | None = None, *, signed_in: bool = True, consent: bool = False
):
    """``consent``: the consultation has its consent signed."""

    def build(app) -> Case:
        password = create_account(app, "ada", "admin", "Ada Okafor")
        consultation = add_consultation(app, "pregnant", signed=consent)
        member = StaffClient(app.test_client())
        if signed_in:
            assert member.login("ada", password).status_code == 302
        with app.test_request_context():
            target = url_for(url, consultation_id=consultation.id) if "." in url else url
        values = {**((data(app) if callable(data) else data) or {})}
        for field in ("password", "current"):  # "*": the account's own password
            if values.get(field) == "*":
                values[field] = password
        page = member.get("/staff/login" if not signed_in else "/staff/").get_data(as_text=True)
        return Case(member.client, target, values, page)

    return build


def a_refusal(app) -> dict:
    """Five wrong passwords for "sam" from one address: the refusal to lift."""
    for _ in range(5):
        client = app.test_client()
        environ = {"REMOTE_ADDR": "192.0.2.30"}
        page = client.get("/staff/login", environ_overrides=environ).get_data(as_text=True)
        data = {"username": "sam", "password": "wrong", "csrf_token": csrf_token(page)}
        client.post("/staff/login", data=data, environ_overrides=environ)
    with app.app_context():
        return {"limit": throttle.refusals()[0].key}


def returning_case(url: str) -> Callable[[object], Case]:
    """I have been here before: the code and first name of a consultation, or
    (``/returning/new``) the code that matched nothing."""

    def build(app) -> Case:
        earlier = add_consultation(app)
        patient = _patient(app, started=False)
        page = patient.get("/returning").get_data(as_text=True)
        data = {"code": earlier.reference, "first_name": earlier.first_name}
        if url == "/returning/new":
            data = {"given": "K7P-4QX"}
        return Case(patient.client, url, data, page)

    return build


def email_case(app) -> Case:
    """The "Send again" button, for a patient who asked for the summary by e-mail."""
    app.config["MAIL_SERVER"] = "127.0.0.1"  # the job stays queued: no worker runs it
    case = staff_case("staff.send_email_again")(app)
    with app.app_context():
        consultation = db.session.scalar(db.select(Consultation))
        consultation.answers = {
            **consultation.answers,
            "contact_consent": True,
            "email": "sofia@example.org",
        }
        db.session.commit()
    return case


def in_a_chain(data: dict) -> Callable[[object], dict]:
    """``data``, sent in a chain: Harley Street (location 2) added first."""

    def make(app) -> dict:
        from kiosk.clinic import locations

        with app.app_context():
            locations.add(app, "harley-street", {"CLINIC_NAME": "Glow Harley Street"})
        return data

    return make


# endpoint -> (scenario, whether a genuine request changes something)
SCENARIOS: dict[str, tuple[Callable[[object], Case], bool]] = {
    "patient.choose_language": (patient_case("/language", {"language": "es"}), True),
    "patient.text_size": (patient_case("/text-size"), True),
    "patient.start": (patient_case("/start", started=False), True),
    "patient.start_again": (patient_case("/start-again"), True),
    "patient.returning": (returning_case("/returning"), True),
    "patient.returning_as_new": (returning_case("/returning/new"), True),
    "patient.step": (patient_case("/step/about", PLAIN["about"]), True),
    "patient.check": (patient_case("/check", walked=True, consent=False), True),
    "patient.consent": (patient_case("/consent", TYPED_SIGNATURE, walked=True), True),
    "staff.login": (
        staff_case("/staff/login", {"username": "ada", "password": "*"}, signed_in=False),
        True,
    ),
    "staff.logout": (staff_case("staff.logout"), True),
    # Searches are posted only to keep names out of URLs: they change nothing.
    "staff.queue": (staff_case("staff.queue", {"q": "Sofia"}), False),
    "staff.queue_rows": (staff_case("staff.queue_rows", {"q": "Sofia"}), False),
    "staff.start_review": (staff_case("staff.start_review"), True),
    "staff.mark_reviewed": (staff_case("staff.mark_reviewed"), True),
    "staff.add_note": (staff_case("staff.add_note", {"text": "Checked with the patient"}), True),
    "staff.regenerate": (staff_case("staff.regenerate"), True),
    "staff.send_email_again": (email_case, True),
    "staff.delete": (staff_case("staff.delete"), True),
    "staff.withdraw_consent": (
        staff_case("staff.withdraw_consent", {"reason": "Asked at the desk"}, consent=True),
        True,
    ),
    "staff.sign_consent_again": (staff_case("staff.sign_consent_again", TYPED_SIGNATURE), True),
    "staff.accounts_page": (
        staff_case("staff.accounts_page", {"username": "nia", "role": "staff"}),
        True,
    ),
    "staff.disable_account": (staff_case("/staff/accounts/1/disable"), True),
    # The account is active already: only the page's message is kept for the next page.
    "staff.enable_account": (staff_case("/staff/accounts/1/enable"), True),
    "staff.reset_account_password": (staff_case("/staff/accounts/1/password"), True),
    "staff.change_account_role": (staff_case("/staff/accounts/1/role", {"role": "staff"}), True),
    "staff.own_password": (
        staff_case(
            "staff.own_password",
            {"current": "*", "new": "correct horse battery", "confirm": "correct horse battery"},
        ),
        True,
    ),
    "staff.lift_sign_in_limit": (staff_case("/staff/accounts/limits/lift", a_refusal), True),
    "staff.locations_list": (
        staff_case("/staff/settings/locations", {"slug": "madrid", "CLINIC_NAME": "Glow Madrid"}),
        True,
    ),
    "staff.location_page": (
        staff_case(
            "/staff/settings/locations/2",
            in_a_chain({"slug": "harley-street", "CLINIC_NAME": "Glow Marylebone"}),
        ),
        True,
    ),
    "staff.change_account_locations": (
        staff_case("/staff/accounts/1/locations", in_a_chain({"locations": ["2"]})),
        True,
    ),
    "staff.choose_location": (
        staff_case("/staff/location", in_a_chain({"location": "2", "back": "/staff/"})),
        True,
    ),
    "staff.settings_section": (
        staff_case(
            "/staff/settings/clinic",
            lambda app: settings_form_data(app, CLINIC_PHONE="020 7946 0000"),
        ),
        True,
    ),
}
# The idle reset only forgets the patient of the session that sends it, and
# must work from a page of any age: it takes no token (see patient.reset).
TOKEN_FREE = {"patient.reset"}


def post_endpoints(app) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}


def test_every_post_route_has_a_csrf_scenario(app):
    assert post_endpoints(app) == SCENARIOS.keys() | TOKEN_FREE


def snapshot(app, client) -> tuple:
    with app.app_context():
        tables = {
            table.name: sorted(
                tuple(map(repr, row)) for row in db.session.execute(table.select()).all()
            )
            for table in db.metadata.sorted_tables
        }
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    session = (
        app.session_interface.get_signing_serializer(app).loads(cookie.value) if cookie else {}
    )
    return tables, {k: v for k, v in session.items() if k not in VOLATILE}


@pytest.mark.parametrize("endpoint", sorted(SCENARIOS))
def test_a_post_without_this_sessions_token_changes_nothing(app, endpoint):
    build, changes = SCENARIOS[endpoint]
    case = build(app)
    other_session = PatientClient(app.test_client())
    other_token = csrf_token(other_session.get("/").get_data(as_text=True))

    for token in (None, other_token):
        for headers in ({}, {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}):
            before = snapshot(app, case.client)
            data = {**case.data, **({"csrf_token": token} if token else {})}
            response = case.client.post(case.url, data=data, headers=headers)
            assert response.status_code < 500, (token, headers)
            assert snapshot(app, case.client) == before, (endpoint, bool(token), headers)

    before = snapshot(app, case.client)
    response = case.client.post(case.url, data={**case.data, "csrf_token": csrf_token(case.page)})
    assert response.status_code < 500
    assert (snapshot(app, case.client) != before) is changes


def test_the_idle_reset_forgets_only_the_patient_who_sent_it(app):
    patient, bystander = _patient(app), _patient(app)
    response = patient.client.post("/reset", headers={"HX-Request": "true"})
    assert response.status_code == 204
    with app.app_context():
        from kiosk.data.models import Draft

        assert len(db.session.scalars(db.select(Draft)).all()) == 1
    assert bystander.get("/step/about").status_code == 200
