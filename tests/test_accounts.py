"""Staff accounts in the browser: admins only; a password shown once; every
change ends what it must, keeps an administrator, and is in the audit log."""

from __future__ import annotations

import re

import pytest

from kiosk.data.database import db
from kiosk.data.models import AuditEvent, StaffSession, StaffUser
from kiosk.web import accounts
from kiosk.web.auth import check_password

from .staff_helpers import StaffClient, create_account

URL = "/staff/accounts"


def account(app, username: str) -> StaffUser:
    with app.app_context():
        user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))
        db.session.expunge(user)
        return user


def audit(app, action: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(db.select(AuditEvent.detail).where(AuditEvent.action == action))
        )


def shown_password(html: str) -> str:
    return re.search(r'class="password-once__value"><code>([^<]+)</code>', html).group(1)


def sign_in(app, username: str, password: str):
    return StaffClient(app.test_client()).login(username, password)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("post", ""),
        ("post", "/1/disable"),
        ("post", "/1/enable"),
        ("post", "/1/password"),
        ("post", "/1/role"),
        ("post", "/1/locations"),
    ],
)
def test_staff_members_are_refused_every_accounts_url(app, staff, client, method, path):
    assert getattr(staff.client, method)(URL + path).status_code == 403
    stranger = app.test_client()
    response = getattr(stranger, method)(URL + path)
    assert response.status_code in (302, 303)
    assert "/staff/login" in response.location


def test_a_new_account_gets_a_password_shown_once_that_signs_in(app, admin):
    response = admin.post(
        URL, {"username": "nia", "display_name": "Nia Brooks", "role": "staff"}, token_from=URL
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = shown_password(admin.html)
    assert "it cannot be shown again" in admin.html
    assert password not in admin.get(URL).get_data(as_text=True)  # gone on the next view
    assert sign_in(app, "nia", password).status_code == 302
    assert account(app, "nia").display_name == "Nia Brooks"
    assert audit(app, "account_created") == [
        "sam: role staff",
        "ada: role admin",
        "nia: role staff",
    ]


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("sam", "An account named sam already exists."),
        ("Sam", "An account named Sam already exists."),  # one person, whatever the case
        ("nia brooks", "A username has no spaces."),
        ("", "Enter a username"),
        ("x" * 61, "Enter a username of 60 characters or fewer"),
    ],
)
def test_a_username_that_cannot_be_used_is_named_and_what_was_typed_stays(
    app, admin, username, message
):
    data = {"username": username, "display_name": "Nia Brooks", "role": "admin"}
    response = admin.post(URL, data, token_from=URL)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="Nia Brooks"' in html
    assert '<option selected value="admin">' in html
    assert "password-once" not in html


def test_disabling_ends_the_sessions_and_refuses_sign_in_until_enabled(app, admin, staff):
    sam = account(app, "sam")
    admin.post(f"{URL}/{sam.id}/disable", token_from=URL)
    assert "sam can no longer sign in." in admin.get(URL).get_data(as_text=True)
    assert staff.client.get("/staff/").status_code == 302  # signed out
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count(StaffSession.id)).where(StaffSession.user_id == sam.id)
            )
            == 0
        )
    admin.post(f"{URL}/{sam.id}/enable", token_from=URL)
    assert account(app, "sam").active
    assert audit(app, "account_disabled") == ["sam"]
    assert audit(app, "account_enabled") == ["sam"]


def test_a_new_password_ends_the_sessions_and_the_old_one_stops_working(
    app, admin, staff, password
):
    sam = account(app, "sam")
    response = admin.post(f"{URL}/{sam.id}/password", token_from=URL)
    new = shown_password(response.get_data(as_text=True))
    assert staff.client.get("/staff/").status_code == 302
    assert sign_in(app, "sam", password).status_code == 422  # refused, the form again
    assert sign_in(app, "sam", new).status_code == 302
    assert audit(app, "password_reset") == ["sam"]


def test_roles_change_and_the_last_administrator_stays_one(app, admin):
    sam, ada = account(app, "sam"), account(app, "ada")
    admin.post(f"{URL}/{sam.id}/role", {"role": "admin"}, token_from=URL)
    assert account(app, "sam").role == "admin"
    assert audit(app, "role_changed") == ["sam: staff → admin"]
    admin.post(f"{URL}/{sam.id}/role", {"role": "staff"}, token_from=URL)
    # Ada is now the only administrator: she can neither step down nor be disabled.
    admin.post(f"{URL}/{ada.id}/role", {"role": "staff"}, token_from=URL)
    assert "ada is the only active administrator" in admin.get(URL).get_data(as_text=True)
    admin.post(f"{URL}/{ada.id}/disable", token_from=URL)
    assert "ada is the only active administrator" in admin.get(URL).get_data(as_text=True)
    assert account(app, "ada").role == "admin"
    assert account(app, "ada").active


def test_the_staff_commands_share_the_last_administrator_guard(app, accounts):
    result = app.test_cli_runner().invoke(args=["staff", "disable", "ada"])
    assert result.exit_code == 1
    assert "ada is the only active administrator" in result.output
    assert account(app, "ada").active


PASSWORD_PAGE = "/staff/password"


def change_own(member: StaffClient, current: str, new: str, confirm: str | None = None):
    return member.post(
        PASSWORD_PAGE,
        {"current": current, "new": new, "confirm": new if confirm is None else confirm},
        token_from=PASSWORD_PAGE,
    )


def test_staff_change_their_own_password_and_every_other_session_ends(app, staff, password):
    elsewhere = StaffClient(app.test_client())
    assert elsewhere.login("sam", password).status_code == 302
    assert "Change my password" in staff.get("/staff/").get_data(as_text=True)

    response = change_own(staff, password, "correct horse battery")
    assert response.status_code == 303
    assert "Your password has been changed" in staff.get("/staff/").get_data(as_text=True)
    assert elsewhere.client.get("/staff/").status_code == 302  # signed out there
    assert sign_in(app, "sam", password).status_code == 422
    assert sign_in(app, "sam", "correct horse battery").status_code == 302
    assert audit(app, "password_changed") == ["sam"]


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        ("wrong", "correct horse battery", None, "current", "Your current password is not right"),
        ("*", "short one", None, "new", "Choose a password of at least 12 characters"),
        ("*", "SAM", None, "new", "Choose a password of at least 12 characters"),
        ("*", "*", None, "new", "Choose a password other than your username or your current one"),
        ("*", "correct horse battery", "correct horse", "confirm", "are not the same"),
        ("", "correct horse battery", None, "current", "Enter your current password"),
    ],
)
def test_a_password_that_cannot_be_used_is_named_beside_its_field(
    app, staff, password, current, new, confirm, field, message
):
    current = password if current == "*" else current
    new = password if new == "*" else new
    response = change_own(staff, current, new, confirm)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error">.*{message}', html), html
    assert sign_in(app, "sam", password).status_code == 302  # unchanged
    assert audit(app, "password_changed") == []


def test_signing_in_ignores_the_case_of_the_username(app, password):
    assert sign_in(app, "SAM", password).status_code == 302


def test_a_username_with_an_accented_capital_signs_in_whatever_its_case(app):
    """SQLite's lower() folds only A to Z: the names are compared in Python."""
    password = create_account(app, "Óscar", "staff", "Óscar Ruiz")
    assert sign_in(app, "óscar", password).status_code == 302
    assert sign_in(app, "ÓSCAR", password).status_code == 302
    with app.app_context(), pytest.raises(accounts.AccountError, match="already exists"):
        accounts.create("óscar", "staff")


def test_two_accounts_made_apart_by_case_before_each_keep_their_own(app):
    """Made when names were still compared exactly: a name typed exactly finds
    its own account, never the other's (a reset must not print Rose's)."""
    create_account(app, "Rose", "admin", "Rose Admin")
    with app.app_context():
        db.session.add(
            StaffUser(username="rose", display_name="rose", role="staff", password_hash="x")
        )
        db.session.commit()
        assert accounts.find("rose").role == "staff"
        assert accounts.find("Rose").role == "admin"


def test_wrong_current_passwords_count_as_failed_sign_ins_and_are_logged(app, staff, password):
    for _ in range(app.config["SIGN_IN_FAILURES"]):
        response = change_own(staff, "not my password", "correct horse battery")
        assert response.status_code == 422
    assert "Try again in 1 minute" in response.get_data(as_text=True)
    # Now refused, even with the right one, until the wait is over.
    response = change_own(staff, password, "correct horse battery")
    assert response.status_code == 429
    # The same count as sign-in's, for this username from this address.
    assert sign_in(app, "sam", password).status_code == 429
    with app.app_context():
        assert check_password(accounts.find("sam"), password)  # unchanged
    assert audit(app, "password_change_refused") == ["sam"] * app.config["SIGN_IN_FAILURES"]
