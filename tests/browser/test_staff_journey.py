"""A patient and a staff member at the same time, in two browsers."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from kiosk import create_app

from ..staff_helpers import create_account
from . import journey
from .conftest import LANDSCAPE, new_page, screenshot


def test_staff_watch_a_walk_in_appear_review_it_and_print(browser, server):
    password = create_account(
        create_app({"INSTANCE_PATH": str(server.instance)}), "nia", "staff", "Nia Brooks"
    )
    staff = new_page(browser, LANDSCAPE)
    staff.goto(server.url + "/staff/")
    expect(staff).to_have_url(re.compile(r"/staff/login"))
    staff.get_by_label("Username").fill("nia")
    staff.get_by_label("Password").fill(password)
    staff.get_by_role("button", name="Sign in").click()
    expect(staff.get_by_role("heading", name="Consultations")).to_be_visible()
    expect(staff.get_by_text("No consultations match.")).to_be_visible()
    staff.evaluate("window.sameDocument = true")
    screenshot(staff, "staff", "01-queue-empty")

    patient = new_page(browser)
    journey.start(patient, server.url)
    journey.about(patient, "Priya")
    journey.concerns(patient)
    journey.skin_type(patient)
    journey.skin_today(patient)
    journey.health_history(patient, isotretinoin="Yes, I take it now")
    journey.go_to(patient, "treatments_allergies")
    journey.treatments_allergies(patient)
    journey.goals(patient)
    journey.event(patient)
    patient.get_by_role("button", name="Send my answers").click()
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
    pdf = staff.request.get(server.url + link.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Nia Brooks" in text
    assert reference in text
    assert "Do not treat" not in text
    for page in (staff, patient):
        page.context.close()
