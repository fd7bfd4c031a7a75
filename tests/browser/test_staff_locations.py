"""A chain's staff in Chromium: an admin and a colleague of two locations
choose in the header which location's queue to see, with and without
JavaScript, on an upright tablet and a laptop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kiosk import create_app
from kiosk.data.models import FIRST_LOCATION

from ..staff_helpers import add_consultation, create_account
from ..test_locations import add_locations
from .conftest import LANDSCAPE, PORTRAIT, new_page, screenshot, sign_in
from .locations import wait_for_the_chain
from .test_accessibility import serious_violations

FOLDER = "locations"


def choose(page: Page, location: str) -> None:
    page.get_by_role("combobox", name="Showing").select_option(label=location)
    page.get_by_role("button", name="Switch").click()
    expect(page.locator(".location-switch__select option:checked")).to_have_text(location)


def rows(page: Page):
    return page.locator("#queue-rows .reference-link")


def assert_fits(page: Page, name: str) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0, f"{name}: scrolls sideways by {overflow}px"


@pytest.fixture
def chain(server):
    """Three locations with consultations at each, an admin, and a colleague
    of Harley Street and Madrid."""
    app = create_app({"INSTANCE_PATH": str(server.instance)})
    ids = add_locations(app)
    sent = {
        "first": [add_consultation(app, "pregnant", location_id=FIRST_LOCATION)],
        "harley-street": [
            add_consultation(app, "fine-lines-no-flags", location_id=ids["harley-street"]),
            add_consultation(app, "isotretinoin-2-months-ago", location_id=ids["harley-street"]),
        ],
        "madrid": [add_consultation(app, "fine-lines-no-flags", location_id=ids["madrid"])],
    }
    passwords = {"ada": create_account(app, "ada", "admin", "Ada Okafor")}
    result = app.test_cli_runner().invoke(
        args=[
            *("staff", "create", "mo", "--name", "Mo Haddad"),
            *("--location", "harley-street", "--location", "madrid"),
        ]
    )
    assert result.exit_code == 0, result.output
    passwords["mo"] = re.search(r"only now\): (\S+)", result.output).group(1)
    wait_for_the_chain(server)
    return sent, passwords


@pytest.mark.parametrize(("name", "viewport"), [("portrait", PORTRAIT), ("laptop", LANDSCAPE)])
def test_an_admin_switches_between_the_locations_queues(browser, server, chain, name, viewport):
    sent, passwords = chain
    page = new_page(browser, viewport)
    sign_in(page, server.url, "ada", passwords["ada"])
    expect(rows(page)).to_have_count(4)
    expect(page.locator(".location-switch__select option:checked")).to_have_text("All locations")
    expect(page.locator("#queue-rows .queue__location")).to_have_text(
        ["Glow Madrid", "Glow Harley Street", "Glow Harley Street", "Test Clinic"]  # newest first
    )
    assert_fits(page, name)
    assert serious_violations(page) == []
    screenshot(page, FOLDER, f"01-admin-all-{name}")

    choose(page, "Glow Harley Street")
    expect(page.locator(".masthead__clinic")).to_have_text("Glow Harley Street")
    expect(rows(page)).to_have_text([c.reference for c in reversed(sent["harley-street"])])
    assert_fits(page, name)
    assert serious_violations(page) == []
    screenshot(page, FOLDER, f"02-admin-harley-street-{name}")

    # The queue keeps refreshing itself for the location chosen.
    with page.expect_response(lambda response: "/staff/queue/rows" in response.url):
        pass
    expect(rows(page)).to_have_count(2)
    choose(page, "All locations")
    expect(rows(page)).to_have_count(4)

    # The accounts page: Mo's locations, changed by ticking.
    page.get_by_role("link", name="Accounts").click()
    mo = page.get_by_role("group", name="Locations of mo")
    expect(mo.get_by_role("checkbox", checked=True)).to_have_count(2)
    mo.get_by_label("Glow Madrid").uncheck()
    page.get_by_role("button", name="Save the locations of mo").click()
    expect(page.get_by_role("status")).to_have_text("mo's locations are saved.")
    expect(mo.get_by_label("Glow Madrid")).not_to_be_checked()
    expect(mo.get_by_label("Glow Harley Street")).to_be_checked()
    ada = page.get_by_role("group", name="Locations of ada")
    expect(ada).to_contain_text("An administrator sees every location's consultations")
    assert_fits(page, name)
    assert serious_violations(page) == []
    screenshot(page, FOLDER, f"05-accounts-{name}")
    page.context.close()


@pytest.mark.parametrize(("name", "viewport"), [("portrait", PORTRAIT), ("laptop", LANDSCAPE)])
def test_a_colleague_of_two_locations_switches_without_javascript(
    browser, server, chain, name, viewport
):
    sent, passwords = chain
    page = new_page(browser, viewport, javascript=False)
    sign_in(page, server.url, "mo", passwords["mo"])
    expect(rows(page)).to_have_count(3)  # not the first location's
    options = page.locator(".location-switch__select option")
    expect(options).to_have_text(["All my locations", "Glow Harley Street", "Glow Madrid"])
    choose(page, "Glow Madrid")
    expect(page.locator(".masthead__clinic")).to_have_text("Glow Madrid")
    expect(rows(page)).to_have_text([sent["madrid"][0].reference])
    assert_fits(page, name)
    screenshot(page, FOLDER, f"03-colleague-madrid-{name}")

    rows(page).first.click()
    facts = page.locator(".facts--compact")
    expect(facts).to_contain_text("Location")
    expect(facts).to_contain_text("Glow Madrid")
    assert_fits(page, name)
    screenshot(page, FOLDER, f"04-colleague-consultation-{name}", full_page=False)
    # Back where it was, from the consultation's page.
    choose(page, "All my locations")
    expect(page).to_have_url(re.compile(f"/staff/c/{sent['madrid'][0].id}$"))
    page.goto(server.url + "/staff/")
    expect(rows(page)).to_have_count(3)
    # The first location's consultation is not theirs.
    response = page.goto(server.url + f"/staff/c/{sent['first'][0].id}")
    assert response is not None
    assert response.status == 404
    page.context.close()
