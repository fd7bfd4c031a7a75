"""A Spanish-speaking patient: the whole journey in Spanish, and a Spanish summary.

The labels are read from the content files and the Spanish catalogue, so the
test clicks exactly what a Spanish speaker sees.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sqlite3

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from kiosk.core.content_folder import load_questionnaire
from kiosk.core.i18n import gettext, language, local
from kiosk.core.policy import Policy

from . import journey
from .conftest import PORTRAIT, new_page, screenshot
from .test_journey_figures import continue_out_of_view

# As the kiosk shows it: policy values filled in ("las últimas 2 semanas").
QUESTIONNAIRE = load_questionnaire().with_policy(Policy().as_dict())
QUESTIONS = {q.id: q for s in QUESTIONNAIRE.steps for q in s.questions}

# What this patient answers, step by step (None: left empty).
ANSWERS = {
    "first_name": "Lucía",
    "age_band": "age_40_49",
    "contact_consent": False,
    "concerns": ["acne_scars"],
    "areas": ["face"],
    "fitzpatrick": "type_4",
    "infection_now": False,
    "broken_skin_now": False,
    "changing_lesion": False,
    "active_acne": False,
    "skin_condition": False,
    "recent_tan": False,
    "pregnant": True,
    "bleeding_disorder": False,
    "blood_thinners": False,
    "isotretinoin": "never",
    "cold_sores": True,
    "keloid_scars": False,
    "immune_condition": False,
    "diabetes": False,
    "hormonal_condition": False,
    "nsaids": False,
    "had_treatments": False,
    "has_allergies": False,
    "has_implants": False,
    "skin_actives": False,
    "downtime": "week",
    "device_interest": "pen",
    "home_roller": False,
    "event_date": dt.date.today() + dt.timedelta(days=120),
}
SPANISH_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto")
SPANISH_MONTHS += ("septiembre", "octubre", "noviembre", "diciembre")


def es(text) -> str:
    return local(text, "es")


def ui(message: str, **params) -> str:
    with language("es"):
        return gettext(message, **params)


def answer_screen(page: Page, heading: str) -> None:
    step = next(s for s in QUESTIONNAIRE.steps if es(s.title) == heading)
    if step.checklist:
        # The lines answered yes ticked, else "None of these apply to me".
        checklist = page.get_by_role("group", name=es(step.checklist.label), exact=True)
        ticked = [q for q in step.checklist_items if ANSWERS.get(q.id)]
        for question in ticked:
            checklist.get_by_label(es(question.item), exact=True).check()
        if not ticked:
            checklist.get_by_label(es(step.checklist.none), exact=True).check()
    for question_id, value in ANSWERS.items():
        question = QUESTIONS[question_id]
        label = es(question.label)
        if question.type in ("text", "textarea"):
            field = page.get_by_label(label, exact=True)
            if field.count():
                field.fill(value)
            continue
        group = page.get_by_role("group", name=label, exact=True)
        if not group.count():
            continue
        if question.type == "date":
            # Día, mes by its Spanish name, año: the order of a Spanish date.
            assert group.locator("label").all_inner_texts() == ["Día", "Mes", "Año"]
            group.get_by_label(ui("Day")).fill(str(value.day))
            group.get_by_label(ui("Month")).select_option(label=SPANISH_MONTHS[value.month - 1])
            group.get_by_label(ui("Year")).fill(str(value.year))
            continue
        if question.type == "yesno":
            group.get_by_label(ui("Yes") if value else ui("No"), exact=True).check()
            continue
        for chosen in value if isinstance(value, list) else [value]:
            option = next(o for o in question.options if o.value == chosen)
            group.get_by_label(es(option.label)).first.check()


def test_whole_journey_in_spanish_with_a_spanish_summary(browser, rendering_server):
    page = new_page(browser)
    page.goto(rendering_server.url + "/")
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name="Español")).to_have_attribute("aria-pressed", "true")
    screenshot(page, "spanish", "01-welcome")
    page.get_by_role("button", name=ui("Start")).click()

    for n in range(12):
        expect(page).to_have_url(re.compile(r"/(step/\w+|check)$"))
        if page.url.endswith("/check"):
            break
        heading = page.get_by_role("heading", level=1).inner_text()
        assert heading in {es(s.title) for s in QUESTIONNAIRE.steps}, heading
        answer_screen(page, heading)
        screenshot(page, "spanish", f"{n + 2:02d}-step")
        page.get_by_role("button", name=ui("Continue")).click()
        expect(page.get_by_role("heading", level=1)).not_to_have_text(heading)
    expect(page.get_by_role("heading", level=1)).to_have_text(ui("Check your answers"))
    event = ANSWERS["event_date"]
    expect(page.locator(".summary-list__row").filter(has_text="Fecha del evento")).to_contain_text(
        f"{event.day} de {SPANISH_MONTHS[event.month - 1]} de {event.year}"
    )
    expect(page).to_have_title(f"{ui('Check your answers')} – Test Clinic")
    progress = page.get_by_role("list", name=ui("Your progress"))
    expect(progress.locator("[aria-current=step]")).to_have_text(ui("Check"))
    expect(progress.locator(".progress__name")).to_have_text(
        ["Sobre usted", "Su piel", "Salud", "Objetivos", "Revisar"]
    )
    screenshot(page, "spanish", "20-check")
    journey.to_consent(page, ui("Continue"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Su consentimiento para el microneedling"
    )
    journey.draw_signature(page)
    screenshot(page, "spanish", "21-consent")
    page.get_by_role("button", name=ui("Sign and send my answers")).click()
    expect(page).to_have_url(re.compile(r"/done$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        ui("Thank you, %(name)s", name="Lucía")
    )
    screenshot(page, "spanish", "22-done")

    files = rendering_server.wait_for_pdfs()
    with sqlite3.connect(rendering_server.database) as db:
        (language_stored,) = db.execute("select language from consultations").fetchone()
    assert language_stored == "es"
    pdfs = rendering_server.instance / "pdfs"
    patient_pdf = PdfReader(io.BytesIO((pdfs / files["patient"]).read_bytes()))
    staff_pdf = PdfReader(io.BytesIO((pdfs / files["staff"]).read_bytes()))
    patient_text = "\n".join(p.extract_text() for p in patient_pdf.pages)
    staff_text = "\n".join(p.extract_text() for p in staff_pdf.pages)

    # The patient's copy is in Spanish: headings, content, dates, and metadata.
    assert "Lucía" in patient_text
    assert ui("Your microneedling summary").split("–")[0].strip() in patient_text
    assert ui("Aftercare") in patient_text
    assert "Page" not in patient_text
    assert "Página" in patient_text
    assert re.search(r"\d{1,2} de \w+ de \d{4}", patient_text), "dates in Spanish"
    assert patient_pdf.trailer["/Root"]["/Lang"] == "es"
    # The staff copy is in the clinic's language and says the patient's.
    assert "Staff copy" in staff_text
    assert "Do not treat today" in staff_text
    assert "(es)" in staff_text
    assert staff_pdf.trailer["/Root"]["/Lang"] == "en"
    page.context.close()


def test_a_typical_spanish_patient_reaches_continue_without_scrolling_on_a_portrait_tablet(
    browser, server
):
    """As in English (test_journey_figures): every question screen of the
    typical patient shows its Continuar as it opens, on a 768 × 1024 tablet
    held upright."""
    page = new_page(browser, PORTRAIT)
    try:
        hidden = continue_out_of_view(
            page, server.url, language="Español", words=ui, folder="fit-spanish-portrait"
        )
    finally:
        page.context.close()
    assert hidden == {}
