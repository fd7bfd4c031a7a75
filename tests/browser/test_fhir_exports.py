"""An administrator downloads FHIR in a real browser: a consultation's Bundle
from its page, and a period's NDJSON from the Exports page, after a mistyped
date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fhir.resources.R4B import get_fhir_model_class
from playwright.sync_api import expect

from kiosk import create_app

from ..staff_helpers import add_consultation, create_account
from .conftest import LANDSCAPE, new_page, screenshot, sign_in


def test_an_administrator_downloads_a_bundle_and_a_periods_ndjson(browser, server):
    app = create_app({"INSTANCE_PATH": str(server.instance)})
    password = create_account(app, "ana", "admin", "Ana Admin")
    sent = add_consultation(app, "fitzpatrick-6-rf-pacemaker", signed=True)
    page = new_page(browser, LANDSCAPE)
    sign_in(page, server.url, "ana", password)

    page.get_by_role("link", name=sent.reference).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export FHIR bundle").click()
    assert download.value.suggested_filename == f"consultation-{sent.reference}.json"
    bundle = json.loads(Path(download.value.path()).read_text())
    get_fhir_model_class("Bundle").model_validate(bundle)
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds.count("Flag") == 4
    assert "Consent" in kinds

    page.get_by_role("link", name="Exports").click()
    expect(page.get_by_role("heading", name="Exports")).to_be_visible()
    today = dt.date.today()
    page.get_by_label("From").fill("32/01/2026")
    page.get_by_label("NDJSON, one resource a line, for bulk loading").check()
    page.get_by_role("button", name="Download").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Enter a date like 21/11/2026")
    expect(page.get_by_label("From")).to_have_value("32/01/2026")
    expect(page.get_by_label("NDJSON, one resource a line, for bulk loading")).to_be_checked()
    screenshot(page, "staff", "exports-error")
    alert.get_by_role("link").click()
    expect(page.get_by_label("From")).to_be_focused()

    page.get_by_label("From").fill(f"{today:%d/%m/%Y}")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    name = f"consultations-{today.isoformat()}-to-{today.isoformat()}.ndjson"
    assert download.value.suggested_filename == name
    lines = Path(download.value.path()).read_text().splitlines()
    resources = [json.loads(line) for line in lines]
    for resource in resources:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    assert [r["identifier"]["value"] for r in responses] == [sent.reference]
    # Where it was sent: the installation's one location, once.
    [location] = [r for r in resources if r["resourceType"] == "Location"]
    assert location["identifier"] == [{"system": "urn:kiosk:location", "value": "main"}]
    page.context.close()
