"""The strict Content-Security-Policy holds in Chromium: patient and staff pages
work under it and report no violation."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from kiosk import create_app

from ..staff_helpers import create_account
from . import journey
from .conftest import LANDSCAPE, new_page, sign_in

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def watched(page: Page) -> list[str]:
    """Console errors and warnings of ``page``, as they come."""
    page.add_init_script(LISTEN)
    messages: list[str] = []
    page.on(
        "console",
        lambda message: (
            messages.append(f"{message.type}: {message.text}")
            if message.type in ("error", "warning")
            else None
        ),
    )
    return messages


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__violations")


def test_patient_and_staff_pages_run_under_the_policy(browser, server):
    patient = new_page(browser)
    patient_console = watched(patient)
    patient.goto(server.url + "/")
    policy = patient.evaluate(
        "() => fetch('/').then(r => r.headers.get('content-security-policy'))"
    )
    assert "unsafe" not in policy
    patient.get_by_role("button", name="Larger text").click()
    # Every step is swapped in by htmx: its scripts run under the policy.
    journey.whole_questionnaire(patient, server.url)
    assert violations(patient) == []
    journey.send_answers(patient)
    expect(patient).to_have_url(re.compile(r"/done$"))
    assert violations(patient) == []
    assert patient_console == []
    patient.goto(server.url + "/no/such/page")
    assert violations(patient) == []
    assert patient_console == [
        "error: Failed to load resource: the server responded with a status of 404 (NOT FOUND)"
    ]

    password = create_account(create_app({"INSTANCE_PATH": str(server.instance)}), "nia")
    staff = new_page(browser, LANDSCAPE)
    staff_console = watched(staff)
    sign_in(staff, server.url, "nia", password)
    # The queue refreshes itself through htmx every few seconds.
    with staff.expect_response(re.compile(r"/staff/queue/rows$")):
        pass
    staff.get_by_role("row").filter(has_text="Maya").get_by_role("link").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Maya")
    assert violations(staff) == []

    assert staff_console == []

    # The listener does catch a violation: an inline style, refused.
    staff.evaluate("document.body.setAttribute('style', 'color: red')")
    staff.wait_for_function("window.__violations.length > 0")
    assert violations(staff)[0].startswith("style-src")
    for page in (patient, staff):
        page.context.close()
