"""The clinician's day in Chromium: one consultation on one screen of a tablet,
the queue that keeps yesterday's unreviewed walk-ins in view, and the audit log
at a tablet's width."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from kiosk import create_app
from kiosk.data.database import db
from kiosk.data.models import Consultation, StaffUser
from kiosk.records import consultations

from ..staff_helpers import add_consultation, create_account
from .conftest import LANDSCAPE, PORTRAIT, LiveServer, new_page, screenshot, sign_in
from .test_accessibility import serious_violations

DESKTOP = {"width": 1366, "height": 768}
# The example patient with the most flags (four: two No RF, two notes).
MOST_FLAGS = "fitzpatrick-6-rf-pacemaker"
OWN_WORDS = "I have my sister's wedding in June and would like smoother skin for the photos."
NOTE = "Called the patient: pacemaker checked with her cardiologist; needle-only is fine."


@pytest.fixture
def server(tmp_path, migrated_instance):
    """A clinic with its contact details set, as one in use has them (without
    them every staff page opens with a banner asking for them)."""
    live = LiveServer(
        migrated_instance(tmp_path / "instance"),
        KIOSK_CLINIC_PHONE="020 7946 0000",
        KIOSK_CLINIC_ADDRESS="1 High Street, London",
    )
    live.start()
    yield live
    live.stop()


@pytest.fixture
def clinic(server):
    """The server's app, a clinician (Sam, staff) and a manager (Ada, admin)."""
    app = create_app({"INSTANCE_PATH": str(server.instance)})
    return app, {
        "sam": create_account(app, "sam", "staff", "Sam Carter"),
        "ada": create_account(app, "ada", "admin", "Ada Okafor"),
    }


def box(page: Page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def assert_in_view(page: Page, selector: str, viewport: dict) -> None:
    """The element is wholly inside the window as it is now scrolled."""
    found = box(page, selector)
    assert found is not None, f"{selector} is not shown"
    assert found["y"] >= 0, f"{selector} starts above the window"
    bottom = found["y"] + found["height"]
    assert bottom <= viewport["height"], f"{selector} ends at {bottom:.0f}px, under the window"
    assert found["x"] >= 0
    assert found["x"] + found["width"] <= viewport["width"]


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def busiest_consultation(app):
    """The example patient with the most flags, in their own words, signed, with
    a note from the manager."""
    stored = add_consultation(app, MOST_FLAGS, signed=True, notes=OWN_WORDS)
    with app.app_context():
        consultation = db.session.get(Consultation, stored.id)
        author = db.session.scalar(db.select(StaffUser).filter_by(username="ada"))
        consultations.add_note(consultation, author, NOTE)
    return stored


def test_one_consultation_is_one_screen_of_work_on_an_upright_tablet(browser, server, clinic):
    app, passwords = clinic
    stored = busiest_consultation(app)
    page = new_page(browser, PORTRAIT)
    sign_in(page, server.url, "sam", passwords["sam"])
    page.get_by_role("link", name=stored.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amara")
    page.wait_for_load_state("load")

    # Without scrolling: the key facts, the answers at a glance (the age band
    # and the patient's own words among them), all four flags with what raised
    # them, the note, and the note box with the review's buttons.
    assert page.evaluate("window.scrollY") == 0
    for selector in [
        "h1",
        ".consultation-head__badges",
        ".facts--compact",
        ".consultation__glance",
        "#flags-title",
        ".note",
        "#text",  # the note box
    ]:
        assert_in_view(page, selector, PORTRAIT)
    glance = page.locator(".consultation__glance .glance__row")
    expect(glance.filter(has_text="Age").locator("dd")).to_have_text("40 to 49")
    expect(glance.filter(has_text="In their words").locator("dd")).to_have_text(OWN_WORDS)
    flags = page.locator(".flag")
    expect(flags).to_have_count(4)
    for flag in range(4):
        assert_in_view(page, f".flag >> nth={flag}", PORTRAIT)
    expect(flags.first).to_contain_text("Because: Implants and tattoos")
    expect(page.locator(".note")).to_contain_text(NOTE)
    for button in ["Save note", "Start review", "Mark reviewed"]:
        found = page.get_by_role("button", name=button).bounding_box()
        assert found["y"] + found["height"] <= PORTRAIT["height"], f"{button} is under the window"
    no_sideways_scroll(page)
    screenshot(page, "staff-day", "consultation-portrait", full_page=False)

    # Reading the full answers, the glance stays beside them.
    page.get_by_role("heading", name="Answers").scroll_into_view_if_needed()
    page.locator(".summary-list__row", has_text="Anything else").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 500
    assert_in_view(page, ".consultation__glance", PORTRAIT)
    assert_in_view(page, ".summary-list__row:has-text('Anything else')", PORTRAIT)
    screenshot(page, "staff-day", "consultation-portrait-answers", full_page=False)

    # The note box and the review work from there: a note saved, then reviewed.
    page.evaluate("window.scrollTo(0, 0)")
    page.get_by_label("Add a note").fill("Patch test booked for Friday.")
    page.get_by_role("button", name="Save note").click()
    expect(page.locator(".note")).to_have_count(2)
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_role("status")).to_contain_text("Marked as reviewed")
    expect(page.locator(".consultation-head__badges")).to_contain_text("Reviewed")
    assert serious_violations(page) == []
    page.context.close()


def test_on_a_desktop_the_glance_is_a_column_beside_the_work(browser, server, clinic):
    app, passwords = clinic
    stored = busiest_consultation(app)
    page = new_page(browser, DESKTOP)
    sign_in(page, server.url, "sam", passwords["sam"])
    page.goto(f"{server.url}/staff/c/{stored.id}")
    page.wait_for_load_state("load")
    glance, work = box(page, ".consultation__glance"), box(page, ".consultation__work")
    assert glance["x"] + glance["width"] <= work["x"], "side by side"
    for selector in ["#flags-title", ".flag >> nth=3", "#text"]:
        assert_in_view(page, selector, DESKTOP)
    no_sideways_scroll(page)
    screenshot(page, "staff-day", "consultation-desktop", full_page=False)
    page.get_by_role("heading", name="Answers").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 300
    assert box(page, ".consultation__glance")["y"] >= 0, "the glance stays in view"
    page.context.close()


def sent_days_ago(app, stored, days: int, *, reviewed: bool = False) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, stored.id)
        consultation.submitted_at -= dt.timedelta(days=days)
        if reviewed:
            reviewer = db.session.scalar(db.select(StaffUser).filter_by(username="ada"))
            consultations.mark_reviewed(consultation, reviewer)
        db.session.commit()


@pytest.mark.parametrize("viewport", [PORTRAIT, DESKTOP], ids=["portrait", "desktop"])
def test_the_queue_keeps_earlier_unreviewed_consultations_in_view(
    browser, server, clinic, viewport
):
    app, passwords = clinic
    add_consultation(app, "pregnant", first_name="Tess")  # today
    yesterday = add_consultation(app, "numbing-allergy", first_name="Yara")
    last_week = add_consultation(app, MOST_FLAGS, first_name="Wren")
    reviewed = add_consultation(app, "fine-lines-no-flags", first_name="Rhea")
    sent_days_ago(app, yesterday, 1)
    sent_days_ago(app, last_week, 6)
    sent_days_ago(app, reviewed, 2, reviewed=True)
    page = new_page(browser, viewport)
    sign_in(page, server.url, "sam", passwords["sam"])
    rows = page.get_by_role("row").filter(has=page.get_by_role("link"))
    expect(rows).to_have_count(3)
    # Oldest first among the earlier days, each marked with its day; then today.
    names = [row.inner_text() for row in rows.all()]
    assert ["Wren" in names[0], "Yara" in names[1], "Tess" in names[2]] == [True] * 3
    sent = (dt.datetime.now() - dt.timedelta(days=6)).strftime("%a %-d %b")
    expect(rows.first.locator(".queue__day")).to_have_text(sent)
    expect(page.get_by_role("columnheader", name="Earlier days, not reviewed yet")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Today", exact=True)).to_be_visible()
    assert "Rhea" not in page.locator("#queue-rows").inner_text()
    no_sideways_scroll(page)
    screenshot(page, "staff-day", f"queue-{'portrait' if viewport is PORTRAIT else 'desktop'}")

    # The status and date filters still choose exactly: reviewed, two days ago.
    day = (dt.date.today() - dt.timedelta(days=2)).strftime("%d/%m/%Y")
    page.get_by_label("From").fill(day)
    page.get_by_label("To").fill(day)
    page.get_by_label("Status").select_option(label="Reviewed")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Rhea")
    expect(page.get_by_role("columnheader", name="Today", exact=True)).to_have_count(0)
    page.context.close()


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_the_audit_log_fits_a_tablet(browser, server, clinic, viewport):
    app, passwords = clinic
    stored = add_consultation(app, MOST_FLAGS)
    page = new_page(browser, viewport)
    sign_in(page, server.url, "ada", passwords["ada"])
    page.goto(f"{server.url}/staff/c/{stored.id}")  # an entry with a consultation
    page.goto(server.url + "/staff/audit")
    entry = page.get_by_role("row").filter(has_text=stored.reference).first
    expect(entry).to_contain_text("ada")
    no_sideways_scroll(page)
    found = entry.bounding_box()
    assert found["x"] >= 0
    assert found["x"] + found["width"] <= viewport["width"]
    screenshot(page, "staff-day", f"audit-{'portrait' if viewport is PORTRAIT else 'landscape'}")
    page.context.close()
