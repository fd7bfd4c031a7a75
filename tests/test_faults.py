"""Inputs and faults that once made a server error (issue 22), each on its own:
a long number in a date box, CR/LF in the sign-in ``next``, a 60 KB queue
search, a ``Host`` label over 63 characters, and a SQLite write lock held
past the busy timeout on a step, on Send and on a sign-in."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from kiosk.data.database import db
from kiosk.data.models import Consultation, Draft

from .conftest import app_on
from .patient_client import (
    DRAWN_SIGNATURE,
    PLAIN,
    PatientClient,
    csrf_token,
    date_boxes,
    errors,
)
from .staff_helpers import StaffClient, add_consultation, create_account


@pytest.mark.parametrize("box", ["day", "month"])
@pytest.mark.parametrize("digits", [20, 5000])
def test_a_long_number_in_a_date_box_is_a_problem_to_correct(patient, box, digits):
    patient.walk(until="event")
    parts = {"day": "12", "month": "6", "year": "2031", box: "9" * digits}
    response = patient.answer(
        "event",
        {**PLAIN["event"], **date_boxes("event_date", parts["day"], parts["month"], parts["year"])},
    )
    assert response.status_code == 200  # the screen again, showing the problem
    assert errors(patient.last_html)


@pytest.mark.parametrize(
    "next_page", ["/staff/\r\nSet-Cookie: x=1", "/staff/%0d%0aX: y", "/staff/\n"]
)
def test_cr_lf_in_next_after_sign_in_leads_to_the_queue(client, password, next_page):
    staff = StaffClient(client)
    staff.get("/staff/login")
    response = client.post(
        "/staff/login",
        query_string={"next": next_page},
        data={"username": "sam", "password": password, "csrf_token": csrf_token(staff.html)},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "\r" not in location
    assert "\n" not in location
    assert location.startswith("/staff/")


def test_a_60_kb_queue_search_is_refused_politely_and_not_logged(app, staff, caplog):
    stored = add_consultation(app)
    # Under the 64 KB a request may carry; over SQLite's 50,000-byte LIKE pattern.
    search = "Maya" + "y" * 60_000
    with caplog.at_level(logging.DEBUG):
        for url in ("/staff/", "/staff/queue/rows"):
            response = staff.client.post(url, data={"q": search})
            assert response.status_code == 200, url
    page = staff.client.post("/staff/", data={"q": search}).get_data(as_text=True)
    assert "Search for 60 characters or fewer" in page
    assert "y" * 61 not in page
    # A refused search filters nothing: the consultation is still listed.
    assert stored.reference in response.get_data(as_text=True)
    assert "yyyy" not in caplog.text
    assert "Maya" not in caplog.text


def test_percent_and_underscore_in_the_search_match_themselves(app, staff):
    add_consultation(app)  # Maya
    assert "Maya" in staff.client.post("/staff/", data={"q": "May"}).get_data(True)
    for wildcard in ("M%", "M_ya", "%"):
        page = staff.client.post("/staff/queue/rows", data={"q": wildcard}).get_data(True)
        assert "Maya" not in page, wildcard


@pytest.mark.parametrize("host", ["a" * 64 + ".example", "a" * 300, "x." + "b" * 64])
def test_a_host_label_over_63_characters_is_no_server_error(client, host):
    for url in ("/", "/staff/login", "/no-such-page"):
        response = client.get(url, headers={"Host": host})
        assert response.status_code < 500, (url, response.status_code)


def test_an_unhandled_error_logs_no_message_and_no_values(app, client, caplog, monkeypatch):
    """What a patient or staff member typed can be in an exception's message
    (a value that did not fit, a statement's values): the log keeps where it
    was raised and its type, never its message."""
    from kiosk.records import consultations

    def fails(**filters):
        raise ValueError(f"cannot search for {filters['text']!r}")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr(consultations, "queue", fails)
    password = create_account(app, "rose")
    staff = StaffClient(client)
    staff.login("rose", password)
    with caplog.at_level(logging.ERROR):
        response = client.post("/staff/", data={"q": "Juniper Secretname"})
    assert response.status_code == 500
    assert "ValueError" in caplog.text
    assert "fails" in caplog.text
    assert "Juniper" not in caplog.text


@pytest.mark.parametrize("user_id", [0, 2**31, 2**63, 10**30])
@pytest.mark.parametrize("action", ["disable", "enable", "password", "role"])
def test_an_account_id_no_column_can_hold_is_no_account(admin, user_id, action):
    data = {"role": "staff"} if action == "role" else {}
    url = f"/staff/accounts/{user_id}/{action}"
    response = admin.post(url, data, token_from="/staff/accounts")
    assert response.status_code == 404


# A database busy past its timeout ------------------------------------------------

BUSY_MS = 200


@contextlib.contextmanager
def write_lock_held(app, seconds: float):
    """Another connection holds SQLite's write lock (BEGIN IMMEDIATE) for ``seconds``."""
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    other = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    released = threading.Event()

    def release():
        released.wait(seconds)
        other.execute("ROLLBACK")
        other.close()

    holder = threading.Thread(target=release)
    try:
        holder.start()
        yield
    finally:
        released.set()
        holder.join()


@pytest.fixture
def busy_app(tmp_path, migrated_instance):
    migrated_instance(tmp_path / "instance")
    with app_on(tmp_path, None, SQLITE_BUSY_TIMEOUT_MS=BUSY_MS) as app:
        yield app


def draft_answers(app) -> dict:
    with app.app_context():
        return db.session.scalars(db.select(Draft)).one().answers


@pytest.mark.database("sqlite")
@pytest.mark.parametrize("htmx", [False, True])
def test_a_step_while_the_database_is_locked_answers_503_keeping_the_answers(busy_app, htmx):
    patient = PatientClient(busy_app.test_client())
    patient.walk(until="about")
    data = {**PLAIN["about"], "first_name": "Rosalind"}
    patient.get("/step/about")
    headers = (
        {"HX-Request": "true", "HX-Current-URL": "http://localhost/step/about"} if htmx else {}
    )
    started = time.monotonic()
    with write_lock_held(busy_app, seconds=10):
        response = patient.client.post(
            "/step/about",
            data={**data, "csrf_token": csrf_token(patient.last_html)},
            headers=headers,
        )
    took = time.monotonic() - started
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    # Tried twice, each waiting the busy timeout, then answered at once.
    assert 2 * BUSY_MS / 1000 <= took < 5
    assert "The kiosk is busy" in html
    assert "press Continue again" in html
    assert 'value="Rosalind"' in html  # the screen comes back as it was sent
    assert "first_name" not in draft_answers(busy_app)
    # Once the lock is gone, Continue again saves it.
    response = patient.client.post(
        "/step/about", data={**data, "csrf_token": csrf_token(html)}, headers=headers
    )
    assert response.status_code in (200, 303)
    assert draft_answers(busy_app)["first_name"] == "Rosalind"


@pytest.mark.database("sqlite")
def test_a_step_is_tried_once_more_before_503(busy_app):
    """A lock released during the first try's wait: the second try saves."""
    patient = PatientClient(busy_app.test_client())
    patient.walk(until="about")
    with write_lock_held(busy_app, seconds=BUSY_MS * 1.5 / 1000):
        response = patient.answer("about", {**PLAIN["about"], "first_name": "Imogen"})
    assert response.status_code == 303
    assert draft_answers(busy_app)["first_name"] == "Imogen"


@pytest.mark.database("sqlite")
def test_the_spanish_busy_page_is_in_spanish(busy_app):
    patient = PatientClient(busy_app.test_client())
    patient.get("/")
    patient.client.post(
        "/language", data={"language": "es", "csrf_token": csrf_token(patient.last_html)}
    )
    patient.walk(until="about")
    patient.get("/step/about")
    with write_lock_held(busy_app, seconds=10):
        response = patient.client.post(
            "/step/about",
            data={**PLAIN["about"], "csrf_token": csrf_token(patient.last_html)},
        )
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert 'lang="es"' in html
    assert "The kiosk is busy" not in html
    assert "ocupad" in html


@pytest.mark.database("sqlite")
def test_send_while_the_database_is_locked_answers_503_and_keeps_the_draft(busy_app):
    busy_app.config["CONSENT_ON"] = False
    patient = PatientClient(busy_app.test_client())
    patient.walk()
    patient.get("/check")
    with write_lock_held(busy_app, seconds=10):
        response = patient.client.post("/check", data={"csrf_token": csrf_token(patient.last_html)})
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "The kiosk is busy" in html
    assert 'href="/check"' in html
    nothing_sent_then_sent_again(busy_app, patient)


def nothing_sent_then_sent_again(busy_app, patient: PatientClient) -> None:
    """Nothing was sent under the lock, the draft is kept, and once the lock
    is gone the answers are sent."""
    with busy_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 0
    assert draft_answers(busy_app)["first_name"] == "Maya"
    assert patient.submit().status_code in (200, 303)
    with busy_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 1


@pytest.mark.database("sqlite")
def test_signing_while_the_database_is_locked_keeps_the_signature_on_the_screen(busy_app):
    """The consent screen comes back as it was sent, signature and all (drawn
    again from its field), saying to press the button again."""
    patient = PatientClient(busy_app.test_client())
    patient.walk()
    patient.get("/check")
    patient.client.post("/check", data={"csrf_token": csrf_token(patient.last_html)})
    patient.get("/consent")
    sent = {
        "signature": DRAWN_SIGNATURE,
        "photos": "y",
        "csrf_token": csrf_token(patient.last_html),
    }
    with write_lock_held(busy_app, seconds=10):
        response = patient.client.post("/consent", data=sent)
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "The kiosk is busy" in html
    assert "your signature are still here" in html
    assert f'name="signature" value="{DRAWN_SIGNATURE}"' in html
    assert 'id="photos" name="photos" value="y" aria-describedby="photos-hint" checked' in html
    nothing_sent_then_sent_again(busy_app, patient)


@pytest.mark.database("sqlite")
def test_sign_in_while_the_database_is_locked_answers_503(busy_app):
    password = create_account(busy_app, "sam")
    staff = StaffClient(busy_app.test_client())
    staff.get("/staff/login")
    with write_lock_held(busy_app, seconds=10):
        response = staff.client.post(
            "/staff/login",
            data={"username": "sam", "password": password, "csrf_token": csrf_token(staff.html)},
        )
    assert response.status_code == 503
    assert "The kiosk is busy" in response.get_data(as_text=True)
    assert staff.login("sam", password).status_code == 302
