"""An administrator adds a colleague's account in the browser; the colleague signs in."""

from __future__ import annotations

from playwright.sync_api import expect

from kiosk import create_app

from ..staff_helpers import create_account
from .conftest import LANDSCAPE, PORTRAIT, new_page, screenshot, sign_in


def test_an_admin_adds_an_account_and_the_colleague_signs_in_with_it(browser, server):
    password = create_account(
        create_app({"INSTANCE_PATH": str(server.instance)}), "ada", "admin", "Ada Okafor"
    )
    admin = new_page(browser, PORTRAIT)
    sign_in(admin, server.url, "ada", password)
    admin.get_by_role("link", name="Accounts").click()
    expect(admin.get_by_role("heading", name="Staff accounts")).to_be_visible()
    admin.get_by_label("Username").fill("nia")
    admin.get_by_label("Full name").fill("Nia Brooks")
    admin.get_by_role("button", name="Add the account").click()
    expect(admin.get_by_role("alert")).to_contain_text("The password of nia, shown only now:")
    new_password = admin.locator(".password-once__value code").inner_text()
    screenshot(admin, "staff", "30-accounts-portrait", full_page=False)
    landscape = new_page(browser, LANDSCAPE)
    landscape.context.add_cookies(admin.context.cookies())
    landscape.goto(server.url + "/staff/accounts")
    expect(landscape.locator(".password-once__value")).to_have_count(0)  # shown once only
    screenshot(landscape, "staff", "31-accounts-landscape")

    colleague = new_page(browser, LANDSCAPE)
    sign_in(colleague, server.url, "nia", new_password)
    expect(colleague.get_by_role("heading", name="Consultations")).to_be_visible()
    expect(colleague.get_by_role("link", name="Accounts")).to_have_count(0)  # staff, not admin
