"""An administrator looks at six weeks of figures on an upright tablet and on
a laptop, in real Chromium: the chart and its table, no sideways scrolling,
nothing serious for axe, and the period's CSV downloaded; in a chain of
clinics, the figures, the CSV and the audit log of one location."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from playwright.sync_api import expect

from kiosk import create_app
from kiosk.data.database import db
from kiosk.data.models import Consultation, StaffUser
from kiosk.records.consultations import day_bounds

from ..staff_helpers import add_consultation, create_account
from ..test_locations import add_locations
from .conftest import PORTRAIT, new_page, screenshot, sign_in
from .locations import wait_for_the_chain
from .test_accessibility import serious_violations

LAPTOP = {"width": 1366, "height": 768}
EXAMPLES = ("fine-lines-no-flags", "pregnant", "isotretinoin-2-months-ago", "not-sure-spanish")


def six_weeks(app, last: dt.date) -> int:
    """Consultations on the 42 days to ``last``: a few each weekday, fewer at
    weekends; most reviewed within hours. Returns how many."""
    chance = random.Random(25)
    made = 0
    for offset in range(42):
        day = last - dt.timedelta(days=offset)
        for n in range(chance.randint(0, 2) if day.weekday() >= 5 else chance.randint(2, 7)):
            stored = add_consultation(
                app,
                EXAMPLES[(offset + n) % len(EXAMPLES)],
                device_interest=chance.choice(["pen", "rf", "not_sure"]),
            )
            with app.app_context():
                consultation = db.session.get(Consultation, stored.id)
                consultation.submitted_at = day_bounds(day)[0] + dt.timedelta(hours=9 + n)
                if offset > 1 or n < 2:
                    consultation.status = "reviewed"
                    consultation.reviewed_at = consultation.submitted_at + dt.timedelta(
                        minutes=chance.randint(5, 240)
                    )
                    consultation.reviewed_by = db.session.scalar(db.select(StaffUser))
                if n == 1:
                    consultation.language = "es"
                db.session.commit()
            made += 1
    return made


def test_an_admin_reads_six_weeks_of_figures(browser, server):
    app = create_app({"INSTANCE_PATH": str(server.instance)})
    password = create_account(app, "ada", "admin", "Ada Okafor")
    today = dt.date.today()
    made = six_weeks(app, today)

    pages = {}
    for name, viewport in (("portrait", PORTRAIT), ("laptop", LAPTOP)):
        page = new_page(browser, viewport)
        sign_in(page, server.url, "ada", password)
        page.get_by_role("link", name="Statistics").click()
        expect(page.get_by_role("heading", name="Statistics", level=1)).to_be_visible()
        first = today - dt.timedelta(days=41)
        page.get_by_role("textbox", name="From").fill(first.strftime("%d/%m/%Y"))
        page.get_by_role("textbox", name="To").fill(today.strftime("%d/%m/%Y"))
        page.get_by_role("button", name="Show").click()
        expect(page.locator("#period")).to_contain_text(f": {made} consultations")
        chart = page.get_by_role("img", name="Consultations per day")
        expect(chart).to_be_visible()
        assert chart.locator("rect.chart__bar").count() == 42
        # Nothing wider than the window: no sideways scrolling.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow == 0, f"{name}: scrolls sideways by {overflow}px"
        box = chart.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= viewport["width"]
        screenshot(page, "staff", f"40-statistics-{name}")
        pages[name] = page

    page = pages["portrait"]
    page.get_by_text("The figures as a table").click()
    table = page.locator("#per-unit-table")
    expect(table).to_be_visible()
    counts = [int(cell) for cell in table.locator("td").all_inner_texts()]
    assert len(counts) == 42
    assert sum(counts) == made
    assert serious_violations(page) == []

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    first = today - dt.timedelta(days=41)
    assert download.suggested_filename == (
        f"consultations-{first.isoformat()}-to-{today.isoformat()}.csv"
    )
    rows = list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert len(rows) == made
    assert "first_name" not in rows[0]
    for page in pages.values():
        page.context.close()


def test_an_admin_reads_one_locations_figures_in_a_chain(browser, server):
    """Three locations: 2, 4 and 6 consultations this week at the first, Harley
    Street and Madrid; the admin chooses Madrid, then a location that is gone."""
    app = create_app({"INSTANCE_PATH": str(server.instance)})
    password = create_account(app, "ada", "admin", "Ada Okafor")
    ids = {"main": 1, **add_locations(app)}
    today = dt.date.today()
    for slug, count in (("main", 2), ("harley-street", 4), ("madrid", 6)):
        for n in range(count):
            stored = add_consultation(app, EXAMPLES[n % len(EXAMPLES)], location_id=ids[slug])
            with app.app_context():
                consultation = db.session.get(Consultation, stored.id)
                day = today - dt.timedelta(days=n % 3)
                consultation.submitted_at = day_bounds(day)[0] + dt.timedelta(hours=9 + n)
                db.session.commit()
    wait_for_the_chain(server)

    for name, viewport in (("768", PORTRAIT), ("1366", LAPTOP)):
        page = new_page(browser, viewport)
        sign_in(page, server.url, "ada", password)
        page.get_by_role("link", name="Statistics").click()
        expect(page.locator("#period")).to_contain_text(": 12 consultations")
        expect(page.locator("#place-shown")).to_have_text("Consultations sent at every location.")
        location = page.get_by_role("combobox", name="Location")
        assert location.locator("option").all_inner_texts() == [
            "All locations",
            "Test Clinic",
            "Glow Harley Street",
            "Glow Madrid",
        ]
        location.select_option(label="Glow Madrid")
        page.get_by_role("button", name="Show").click()
        expect(page.locator("#period")).to_contain_text(": 6 consultations")
        expect(page.locator("#place-shown")).to_have_text("Consultations sent at Glow Madrid.")
        assert f"location={ids['madrid']}" in page.url
        expect(location).to_have_value(str(ids["madrid"]))
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow == 0, f"{name}: scrolls sideways by {overflow}px"
        # The select sits in the row of filters, inside the window.
        box = location.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= viewport["width"]
        screenshot(page, "locations", f"statistics-madrid-{name}")
        assert serious_violations(page) == []

        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download CSV").click()
        download = download_info.value
        assert download.suggested_filename.startswith("consultations-madrid-")
        rows = list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8"))))
        assert len(rows) == 6
        assert {(row["location"], row["location_name"]) for row in rows} == {
            ("madrid", "Glow Madrid")
        }

        # The audit log of Madrid: its export, and the location's being added.
        page.goto(server.url + f"/staff/audit?location={ids['madrid']}")
        expect(page.get_by_role("combobox", name="Location")).to_have_value(str(ids["madrid"]))
        expect(page.locator(".audit__location").first).to_contain_text("Glow Madrid")
        assert page.locator(".audit__what").all_inner_texts()[-1] == "Added a location"
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow == 0, f"{name}: the audit log scrolls sideways by {overflow}px"
        screenshot(page, "locations", f"audit-madrid-{name}")

        # A location that is not one of the chain's: said beside the select, the dates kept.
        first = today - dt.timedelta(days=6)
        response = page.goto(
            server.url + f"/staff/statistics?from={first:%d/%m/%Y}&to={today:%d/%m/%Y}&location=99"
        )
        assert response is not None
        assert response.status == 422
        expect(page.locator("#location-error")).to_contain_text("Choose a location from the list")
        expect(page.get_by_role("textbox", name="From")).to_have_value(f"{first:%d/%m/%Y}")
        screenshot(page, "locations", f"statistics-refused-{name}")
        page.context.close()
