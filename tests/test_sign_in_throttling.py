"""Failed sign-ins are limited per account and address together (a wait that
grows) and per address, alike for every account."""

from __future__ import annotations

import re

import pytest

from kiosk import create_app
from kiosk.data.database import db
from kiosk.data.models import AuditEvent
from kiosk.web import throttle

from .conftest import another_process
from .patient_client import csrf_token
from .staff_helpers import StaffClient, create_account

CSRF_VALUE = re.compile(r'name="csrf_token" type="hidden" value="[^"]*"')
REFUSED = "Too many failed sign-in attempts. Try again in"


def attempt(app, username: str, password: str, address: str = "192.0.2.10", **headers):
    """One sign-in from a fresh browser at ``address``; returns the response."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    page = client.get("/staff/login", environ_overrides=environ).get_data(as_text=True)
    return client.post(
        "/staff/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page)},
        environ_overrides=environ,
        headers=headers,
    )


def audit(app) -> list[tuple[str | None, str, str | None]]:
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))
        return [(e.username, e.action, e.ip) for e in events]


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved on by hand."""

    class Clock:
        offset = 0.0

        def advance(self, minutes: float) -> None:
            self.offset += minutes * 60

    moved = Clock()
    real = throttle.now
    monkeypatch.setattr(throttle, "now", lambda: real() + moved.offset)
    return moved


def test_after_five_failures_the_right_password_waits_a_minute(app, password):
    for _ in range(4):
        assert attempt(app, "sam", "wrong").status_code == 422
    fifth = attempt(app, "sam", "wrong").get_data(as_text=True)
    assert "Incorrect username or password" in fifth
    assert f"{REFUSED} 1 minute, at " in fifth
    refused = attempt(app, "sam", password)
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert re.search(REFUSED + r" 1 minute, at \d{1,2}:\d\d\.", html)
    assert 'value="sam"' in html
    assert audit(app)[-1] == ("sam", "login_throttled", "192.0.2.10")
    assert [a for _, a, _ in audit(app)].count("login") == 0


def test_a_strangers_failures_do_not_refuse_the_user_at_their_own_desk(app, password, clock):
    for _ in range(12):  # from the waiting room's address, waiting out each refusal
        clock.advance(minutes=61)
        attempt(app, "sam", "wrong", address="192.0.2.66")
    assert attempt(app, "sam", password, address="192.0.2.66").status_code == 429
    assert attempt(app, "SAM", password, address="192.0.2.66").status_code == 429
    at_the_desk = attempt(app, "sam", password, address="192.0.2.10")
    assert at_the_desk.status_code == 302


def test_the_wait_doubles_with_each_failure_up_to_the_longest(app, password, clock):
    waits = []
    for _ in range(11):
        page = attempt(app, "sam", "wrong").get_data(as_text=True)
        found = re.search(REFUSED + r" (\d+) minutes?", page)
        waits.append(int(found.group(1)) if found else 0)
        clock.advance(minutes=waits[-1] + 0.1)
    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60]


def test_the_wait_ends_and_a_right_password_starts_the_count_again(app, password, clock):
    for _ in range(6):
        attempt(app, "sam", "wrong")
        clock.advance(minutes=1.1)
    # The sixth failure: two minutes.
    clock.advance(minutes=-1.1)
    assert attempt(app, "sam", password).status_code == 429
    clock.advance(minutes=1.5)
    assert attempt(app, "sam", password).status_code == 429
    clock.advance(minutes=0.6)
    response = attempt(app, "sam", password)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    for _ in range(4):
        assert attempt(app, "sam", "wrong").status_code == 422
    assert attempt(app, "sam", password).status_code == 302


def test_an_unknown_username_is_refused_in_the_same_words(app, password):
    answers = {}
    for username in ("sam", "nobody"):
        for _ in range(5):
            attempt(app, username, "wrong", address="192.0.2.20")
        response = attempt(app, username, "wrong", address="192.0.2.20")
        page = CSRF_VALUE.sub("", response.get_data(as_text=True)).replace(username, "NAME")
        answers[username] = (response.status_code, page)
    assert answers["sam"][0] == answers["nobody"][0] == 429
    assert answers["sam"][1] == answers["nobody"][1]


def test_an_admin_lifts_a_limit_from_the_accounts_page(app, accounts):
    for _ in range(5):
        attempt(app, "sam", "wrong", address="192.0.2.30")
    for n in range(20):
        attempt(app, f"guess{n}", "wrong", address="192.0.2.31")
    admin = StaffClient(app.test_client())
    assert admin.login("ada", accounts["ada"]).status_code == 302
    page = admin.get("/staff/accounts").get_data(as_text=True)
    assert "sam from 192.0.2.30" in page
    assert "Any username from 192.0.2.31" in page
    keys = re.findall(r'name="limit" value="([^"]*)"', page)
    assert len(keys) == 2
    token = csrf_token(page)
    assert (
        admin.client.post("/staff/accounts/limits/lift", data={"limit": keys[0]}).status_code == 303
    )
    assert "sam from 192.0.2.30" in admin.get("/staff/accounts").get_data(as_text=True)
    for key in keys:
        lifted = admin.client.post(
            "/staff/accounts/limits/lift", data={"limit": key, "csrf_token": token}
        )
        assert lifted.status_code == 303
    page = admin.get("/staff/accounts").get_data(as_text=True)
    assert "No one is refused sign-in now." in page
    lifts = [(u, a, d) for u, a, d in audit_details(app) if a == "limit_lifted"]
    assert sorted(lifts) == [
        ("ada", "limit_lifted", "* from 192.0.2.31"),
        ("ada", "limit_lifted", "sam from 192.0.2.30"),
    ]
    assert attempt(app, "sam", accounts["sam"], address="192.0.2.30").status_code == 302
    assert attempt(app, "sam", accounts["sam"], address="192.0.2.31").status_code == 302


def test_only_an_admin_lifts_a_limit(app, accounts, staff):
    for _ in range(5):
        attempt(app, "ada", "wrong", address="192.0.2.30")
    page = staff.get("/staff/").get_data(as_text=True)
    with app.app_context():
        key = throttle.refusals()[0].key
    refused = staff.client.post(
        "/staff/accounts/limits/lift", data={"limit": key, "csrf_token": csrf_token(page)}
    )
    assert refused.status_code == 403
    with app.app_context():
        assert [r.key for r in throttle.refusals()] == [key]


def audit_details(app) -> list[tuple[str | None, str, str | None]]:
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))
        return [(e.username, e.action, e.detail) for e in events]


def test_failures_are_limited_per_address_across_usernames(app, password):
    for n in range(20):
        assert attempt(app, f"guess{n}", "wrong").status_code == 422
    assert attempt(app, "sam", password).status_code == 429
    # Another computer is not affected.
    assert attempt(app, "sam", password, address="192.0.2.99").status_code == 302


def test_only_a_wrong_password_uses_up_an_attempt(app, password):
    client = StaffClient(app.test_client())
    for _ in range(10):
        client.get("/staff/login")
        client.client.post("/staff/login", data={"username": "sam", "password": "wrong"})
        client.login("sam", "")
    assert attempt(app, "sam", password).status_code == 302


def test_the_counts_are_shared_by_every_process_on_the_database(app, password):
    other_process = another_process(app)
    for _ in range(3):
        attempt(app, "sam", "wrong")
    for _ in range(2):
        attempt(other_process, "sam", "wrong")
    assert attempt(app, "sam", password).status_code == 429


def test_behind_a_trusted_proxy_the_client_address_counts(tmp_path, migrated_instance):
    """In-process, as under any WSGI server (tests/test_reverse_proxy.py: nginx and serve)."""
    proxied = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(migrated_instance(tmp_path / "proxied")),
            "TRUSTED_PROXIES": 1,
        }
    )
    password = create_account(proxied, "sam")
    for n in range(20):
        forwarded = {"X-Forwarded-For": "198.51.100.7"}
        attempt(proxied, f"guess{n}", "wrong", address="127.0.0.1", **forwarded)
    assert audit(proxied)[-1] == ("guess19", "login_failed", "198.51.100.7")
    locked = attempt(proxied, "sam", password, address="127.0.0.1", **forwarded)
    assert locked.status_code == 429
    other = attempt(
        proxied, "sam", password, address="127.0.0.1", **{"X-Forwarded-For": "10.0.0.8"}
    )
    assert other.status_code == 302
    # Anyone but the proxy sending the header is not believed.
    direct = attempt(
        proxied, "nobody", "wrong", address="192.0.2.50", **{"X-Forwarded-For": "10.0.0.8"}
    )
    assert direct.status_code == 422
    assert audit(proxied)[-1] == ("nobody", "login_failed", "192.0.2.50")


def test_without_trusted_proxies_no_forwarded_header_is_believed(app, password):
    forwarded = {"X-Forwarded-For": "198.51.100.7", "Forwarded": "for=198.51.100.8"}
    attempt(app, "nobody", "wrong", address="127.0.0.1", **forwarded)
    assert audit(app)[-1] == ("nobody", "login_failed", "127.0.0.1")


class CountingHasher:
    """The real Argon2 hasher, counting verifications."""

    def __init__(self, real):
        self.real, self.verified = real, 0

    def verify(self, *args):
        self.verified += 1
        return self.real.verify(*args)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.mark.parametrize(
    ("username", "typed", "signed_in"),
    [
        ("nobody", "whatever", False),
        ("ada", "right", False),  # a disabled account
        ("sam", "wrong", False),
        ("sam", "right", True),
    ],
    ids=["unknown", "disabled", "wrong-password", "right-password"],
)
def test_every_sign_in_costs_one_password_verification(
    app, password, monkeypatch, username, typed, signed_in
):
    passwords = {"sam": password, "ada": create_account(app, "ada")}
    assert app.test_cli_runner().invoke(args=["staff", "disable", "ada"]).exit_code == 0
    hashing = app.extensions["kiosk.passwords"]
    counting = CountingHasher(hashing.hasher)
    monkeypatch.setattr(hashing, "hasher", counting)
    response = attempt(app, username, passwords.get(username) if typed == "right" else typed)
    assert response.status_code == (302 if signed_in else 422)
    assert counting.verified == 1
