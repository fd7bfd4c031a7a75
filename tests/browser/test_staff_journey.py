"""A patient and a staff member at the same time, in two browsers."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from kiosk import create_app

from ..staff_helpers import add_consultation, create_account
from . import journey
from .conftest import LANDSCAPE, PORTRAIT, new_page, screenshot, sign_in


def test_staff_watch_a_walk_in_appear_review_it_and_print(browser, rendering_server):
    password = create_account(
        create_app({"INSTANCE_PATH": str(rendering_server.instance)}), "nia", "staff", "Nia Brooks"
    )
    staff = new_page(browser, LANDSCAPE)
    staff.goto(rendering_server.url + "/staff/")
    expect(staff).to_have_url(re.compile(r"/staff/login"))
    staff.get_by_label("Username").fill("nia")
    staff.get_by_label("Password").fill(password)
    staff.get_by_role("button", name="Sign in").click()
    expect(staff.get_by_role("heading", name="Consultations")).to_be_visible()
    expect(staff.get_by_text("No consultations match.")).to_be_visible()
    staff.evaluate("window.sameDocument = true")
    screenshot(staff, "staff", "01-queue-empty")

    patient = new_page(browser)
    journey.start(patient, rendering_server.url)
    journey.about(patient, "Priya")
    journey.concerns(patient)
    journey.skin_type(patient)
    journey.skin_today(patient)
    journey.health_history(patient)
    journey.medicines(patient, isotretinoin="Yes, I take it now")
    journey.go_to(patient, "goals")
    journey.goals(patient)
    journey.event(patient)
    journey.send_answers(patient)
    expect(patient).to_have_url(re.compile(r"/done$"))
    reference = patient.locator(".reference").inner_text()

    # The queue picks the new consultation up by itself: no reload.
    row = staff.get_by_role("row").filter(has_text=reference)
    expect(row).to_be_visible(timeout=15_000)
    expect(row).to_contain_text("Priya")
    expect(row).to_contain_text("Do not treat today: 1")
    expect(row).to_contain_text("New")
    assert staff.evaluate("window.sameDocument") is True
    screenshot(staff, "staff", "02-queue-new-walk-in")

    row.get_by_role("link", name=reference).click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Priya")
    headings = staff.get_by_role("heading", level=2).all_inner_texts()
    assert headings.index("Flags") < headings.index("Answers")
    expect(staff.locator(".flag--do_not_treat")).to_contain_text("Currently taking isotretinoin")
    expect(staff.locator(".flag--do_not_treat")).to_contain_text("Isotretinoin: Yes, I take it now")
    screenshot(staff, "staff", "03-consultation")

    staff.get_by_role("button", name="Start review").click()
    staff.get_by_label("Add a note").fill("Discussed timing; rebook after the course ends.")
    staff.get_by_role("button", name="Save note").click()
    expect(staff.locator(".note")).to_contain_text("Nia Brooks")
    expect(staff.locator(".note")).to_contain_text("rebook after the course ends")
    staff.get_by_role("button", name="Mark reviewed").click()
    expect(staff.get_by_role("status")).to_contain_text("Marked as reviewed")
    screenshot(staff, "staff", "04-reviewed")

    # The patient's copy is prepared again with the reviewer's name; the link
    # appears by itself when it is ready.
    link = staff.get_by_role("link", name="Open patient copy to print")
    expect(link).to_be_visible(timeout=60_000)
    pdf = staff.request.get(rendering_server.url + link.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Nia Brooks" in text
    assert reference in text
    assert "Do not treat" not in text
    for page in (staff, patient):
        page.context.close()


COLUMNS = ["Reference", "First name", "Submitted", "Flags", "Status", "PDFs"]


def accessibility_table(page: Page) -> list[tuple[str, str]]:
    """The queue as Chromium's own accessibility tree gives it to a screen
    reader: (role, name) of the table, its column headers, rows and cells."""
    session = page.context.new_cdp_session(page)
    nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    wanted = {"table", "columnheader", "row", "cell"}
    return [
        (node["role"]["value"], node.get("name", {}).get("value", ""))
        for node in nodes
        if not node.get("ignored") and node["role"]["value"] in wanted
    ]


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_the_queue_fits_the_tablet_without_scrolling_sideways_and_stays_a_table(
    browser, server, viewport
):
    app = create_app({"INSTANCE_PATH": str(server.instance)})
    password = create_account(app, "nia", "staff", "Nia Brooks")
    examples = ["fine-lines-no-flags", "pregnant", "fitzpatrick-6-rf-pacemaker", "numbing-allergy"]
    stored = [add_consultation(app, example) for example in examples]
    staff = new_page(browser, viewport)
    sign_in(staff, server.url, "nia", password)
    rows = staff.get_by_role("row").filter(has=staff.get_by_role("link"))
    expect(rows).to_have_count(len(stored))
    staff.wait_for_load_state("load")

    overflow = staff.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the queue scrolls sideways by {overflow}px"
    for consultation in stored:
        row = rows.filter(has_text=consultation.reference)
        box = row.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= viewport["width"]

    # A table for a screen reader, at either width: its six column headers, a
    # header row and a row of six cells for each consultation.
    tree = accessibility_table(staff)
    assert [name for role, name in tree if role == "columnheader"] == COLUMNS
    assert [role for role, _ in tree].count("row") == len(stored) + 1
    assert [role for role, _ in tree].count("cell") == 6 * len(stored)
    assert tree[0][0] == "table"

    # As staff see it: the columns side by side on the desktop-wide tablet, a
    # card per consultation (flags under the reference) on the narrow one.
    first = rows.first
    reference = first.get_by_role("cell").nth(0).bounding_box()
    flags = first.get_by_role("cell").nth(3).bounding_box()
    headings = staff.locator(".queue thead").bounding_box()
    if viewport is LANDSCAPE:
        assert flags["y"] < reference["y"] + reference["height"], "one line per consultation"
        assert headings["height"] > 1, "headings shown"
    else:
        assert flags["y"] >= reference["y"] + reference["height"], "a card: flags below"
        assert headings["height"] <= 1, "headings for screen readers only"
    screenshot(staff, "staff", "10-queue-" + ("landscape" if viewport is LANDSCAPE else "portrait"))
    staff.context.close()
