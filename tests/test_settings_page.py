"""The clinic settings page: who may use it, its sections (each saved on its
own), what it checks, what it keeps, where the change shows, and the settings
the server locks."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kiosk.clinic import saved_settings
from kiosk.clinic.settings import SETTINGS
from kiosk.data.database import db
from kiosk.data.models import AuditEvent, ClinicSettings

from .conftest import another_process
from .patient_client import PatientClient, csrf_token, plain
from .staff_helpers import (
    StaffClient,
    save_settings,
    settings_form_data,
    settings_section,
    settings_url,
)

URL = "/staff/settings"
SECTIONS = ("clinic", "branding", "policy", "languages", "mail", "retention")


def save(admin: StaffClient, app, **changes):
    """Each section of ``changes`` saved from its own page."""
    return save_settings(admin, app, **changes)


def save_section(admin: StaffClient, app, section: str, **changes):
    url = settings_url(section)
    return admin.post(url, settings_form_data(app, section, **changes), token_from=url)


def audit_details(app) -> list[str]:
    with app.app_context():
        events = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "setting_changed")
        )
        return [event.detail for event in events]


def test_staff_members_are_refused_and_signed_out_browsers_sent_to_sign_in(app, client, staff):
    clinic = settings_url("clinic")
    for url in (URL, clinic):
        assert staff.get(url).status_code == 403
    data = settings_form_data(app, "clinic")
    assert staff.post(clinic, data, token_from="/staff/").status_code == 403
    assert "Settings" not in staff.get("/staff/").get_data(as_text=True).split("</nav>")[0]
    stranger = app.test_client()
    for url in (URL, clinic):
        response = stranger.get(url)
        assert response.status_code == 302
        assert "/staff/login" in response.location


def test_every_clinic_setting_is_in_one_section_and_no_deployment_setting(app, admin):
    from kiosk.web.staff.settings_page import unplaced

    assert unplaced() == ()
    pages = {key: admin.get(settings_url(key)).get_data(as_text=True) for key in SECTIONS}
    for setting in SETTINGS.values():
        shown = {key for key, html in pages.items() if f'id="setting-{setting.name}"' in html}
        if setting.group == "clinic":
            assert shown == {settings_section(setting.name)}, setting.name
            assert pages[settings_section(setting.name)].count(f'id="{setting.name}"') == 1
        else:
            assert shown == set(), setting.name
    assert 'href="/staff/settings"' in pages["clinic"]  # in the admin's navigation
    assert admin.get("/staff/settings/deployment").status_code == 404


def test_the_contents_link_to_each_section_and_mark_the_one_shown(app, admin):
    contents = admin.get(URL).get_data(as_text=True)
    links = re.findall(r'href="/staff/settings/([a-z]+)"', contents)
    # And last, the chain's locations (tests/test_locations.py).
    assert tuple(links) == (*SECTIONS, "locations")
    assert "Name, address, phone, email and booking page." in contents
    assert 'id="setting-' not in contents  # no settings: one section a page
    branding = admin.get(settings_url("branding")).get_data(as_text=True)
    assert tuple(re.findall(r'href="/staff/settings/([a-z]+)"', branding)) == (
        *SECTIONS,
        "locations",
    )
    current = re.findall(r'href="/staff/settings/([a-z]+)" aria-current="page"', branding)
    assert current == ["branding"]
    assert "<title>Logo and colour – Clinic settings" in branding
    assert branding.count('name="action" value="save"') == 1  # its own Save button
    assert 'value="preview"' in branding
    mail = admin.get(settings_url("mail")).get_data(as_text=True)
    assert 'value="preview"' not in mail  # nothing of it on Welcome or the sample copy


def test_a_saved_change_is_used_at_once_and_audited_with_its_section_old_and_new_value(app, admin):
    response = save_section(admin, app, "clinic", CLINIC_PHONE="020 7946 0000")
    assert response.status_code == 303
    assert response.location == "/staff/settings/clinic"  # back to the section saved
    page = admin.get(response.location).get_data(as_text=True)
    assert "Saved: 1 setting changed." in page
    assert 'value="020 7946 0000"' in page
    data = settings_form_data(app, "policy", POLICY_ISOTRETINOIN_MONTHS=12, POLICY_TANNING_WEEKS=4)
    response = admin.post(settings_url("policy"), data, token_from=settings_url("policy"))
    assert "Saved: 2 settings changed." in admin.get(response.location).get_data(as_text=True)
    assert app.config["CLINIC_PHONE"] == "020 7946 0000"
    assert app.extensions["kiosk.core.plan"].policy.isotretinoin_months == 12
    assert sorted(audit_details(app)) == [
        "The clinic – CLINIC_PHONE: (empty) → 020 7946 0000",
        "Treatments and policy – POLICY_ISOTRETINOIN_MONTHS: 6 → 12",
        "Treatments and policy – POLICY_TANNING_WEEKS: 2 → 4",
    ]
    # Saving again without a change keeps nothing and logs nothing.
    for section in SECTIONS:
        assert save_section(admin, app, section).status_code == 303, section
        assert "Nothing was changed." in admin.get(settings_url(section)).get_data(as_text=True)
    assert len(audit_details(app)) == 3


def stored_values(app) -> dict:
    with app.app_context():
        return dict(db.session.get(ClinicSettings, 1).values)


def test_saving_a_section_keeps_every_other_sections_values(app, admin):
    # A value other than the default in every section, checkboxes off included
    # (a checkbox left out of a form reads as off).
    others = {
        "CLINIC_PHONE": "020 7946 0000",
        "BRAND_COLOUR": "#7a1f5c",
        "POLICY_OFFERS_RF": False,
        "CONSENT_ON": False,
        "PAPER_SIZE": "Letter",
        "MAIL_USE_TLS": False,
        "MAIL_PASSWORD": "s3cret",
        "RETENTION_DAYS": 45,
    }
    save(admin, app, **others)
    before = stored_values(app)
    assert before == others
    for section in SECTIONS:
        # Each section saved with a change of its own, and whatever a page of
        # another section would send slipped into the request too.
        change = {
            "clinic": {"CLINIC_ADDRESS": "1 High Street"},
            "branding": {"BRAND_COLOUR": "#2b5d1e"},
            "policy": {"POLICY_TANNING_WEEKS": 3},
            "languages": {"CLINIC_LANGUAGE": "es"},
            "mail": {"MAIL_PORT": 2525},
            "retention": {"DONE_SECONDS": 30},
        }[section]
        stray = {name: "9" for name in saved_settings.names() if settings_section(name) != section}
        data = stray | settings_form_data(app, section, **change)
        url = settings_url(section)
        assert admin.post(url, data, token_from=url).status_code == 303, section
        after = stored_values(app)
        [(name, value)] = change.items()
        assert after == before | {name: value}, section
        before = after
    assert (app.config["MAIL_PASSWORD"], app.config["POLICY_OFFERS_RF"]) == ("s3cret", False)
    assert (app.config["CONSENT_ON"], app.config["MAIL_USE_TLS"]) == (False, False)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RETENTION_DAYS", "0", "Enter a whole number from 1 to 36500."),
        ("RETENTION_DAYS", "thirty", "Enter a whole number from 1 to 36500."),
        ("POLICY_ISOTRETINOIN_MONTHS", "121", "Enter a whole number from 0 to 120."),
        # WCAG 2.2.1: at least 20 seconds to answer "Are you still there?".
        ("IDLE_WARNING_SECONDS", "19", "Enter a whole number from 20 to 3600."),
        ("POLICY_OPENING_DAYS", [], "Choose at least one of the options."),
        ("POLICY_OPENING_DAYS", ["mon", "someday"], "Choose at least one of the options."),
        ("PAPER_SIZE", "A3", "Choose one of the options."),
        ("CLINIC_LANGUAGE", "xx", "Choose one of the options."),
        ("MAIL_PORT", "0", "Enter a whole number from 1 to 65535."),
    ],
)
def test_a_value_that_does_not_fit_is_named_and_nothing_is_saved(app, admin, name, value, message):
    # Something else typed in the same section, kept on the page and not saved.
    typed_name, typed = TYPED_BESIDE[settings_section(name)]
    section = settings_section(name)
    data = settings_form_data(app, section, **{typed_name: typed})
    data[name] = value
    response = admin.post(settings_url(section), data, token_from=settings_url(section))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f'href="#{name}"' in html  # the error summary links to the field
    assert f'id="{name}-error"' in html  # and the message is beside it
    assert field_value(html, typed_name) == typed  # what was typed is still there
    assert app.config[typed_name] != typed
    assert audit_details(app) == []


# For each section, a setting typed beside the one refused, and its value.
TYPED_BESIDE = {
    "retention": ("DRAFT_RETENTION_HOURS", "48"),
    "policy": ("HOLIDAYS_REGION", "ES-MD"),
    "languages": ("PATIENT_LANGUAGE", "es"),
    "mail": ("MAIL_SERVER", "mail.clinic.example"),
}


def field_value(html: str, name: str) -> str:
    """The value a text box, list or text area with id ``name`` shows."""
    found = re.search(
        rf'<(input|select|textarea)[^>]*id="{name}"[^>]*>(.*?)</\1>|<input[^>]*id="{name}"[^>]*>',
        html,
        re.S,
    )
    assert found, name
    if found.group(1) == "select":
        return re.search(r'<option selected value="([^"]*)"', found.group(2)).group(1)
    if found.group(1) == "textarea":
        return found.group(2).strip()
    return re.search(r'value="([^"]*)"', found.group(0)).group(1)


def signed_in_admin(app, accounts) -> StaffClient:
    member = StaffClient(app.test_client())
    assert member.login("ada", accounts["ada"]).status_code == 302
    return member


def test_the_clinic_name_cannot_be_emptied(app, accounts):
    # The test app's name is forced by its config: an app on the same database without it.
    unlocked = another_process(app)
    response = save(signed_in_admin(unlocked, accounts), unlocked, CLINIC_NAME="  ")
    assert response.status_code == 422
    assert "This cannot be left empty." in response.get_data(as_text=True)
    assert unlocked.config["CLINIC_NAME"] == "Our clinic"


def test_a_setting_the_environment_forces_is_shown_locked_and_not_changed(
    app, accounts, monkeypatch
):
    monkeypatch.setenv("KIOSK_CLINIC_PHONE", "0161 496 0000")
    forced = another_process(app)
    member = signed_in_admin(forced, accounts)
    clinic = settings_url("clinic")
    html = member.get(clinic).get_data(as_text=True)
    field = re.search(r'<input[^>]*id="CLINIC_PHONE"[^>]*>', html).group(0)
    assert "disabled" in field
    assert 'value="0161 496 0000"' in field
    assert "Locked: set on the server by KIOSK_CLINIC_PHONE. Change it there." in html
    data = settings_form_data(forced, "clinic") | {"CLINIC_PHONE": "999"}
    assert member.post(clinic, data, token_from=clinic).status_code == 303
    assert forced.config["CLINIC_PHONE"] == "0161 496 0000"
    assert not any("CLINIC_PHONE" in detail for detail in audit_details(forced))


def test_another_process_uses_the_saved_settings_from_its_next_request(app, admin):
    other = another_process(app)
    save(admin, app, CLINIC_PHONE="020 7946 0000", POLICY_OFFERS_RF=False)
    assert other.config["CLINIC_PHONE"] == ""
    other.test_client().get("/")
    assert other.config["CLINIC_PHONE"] == "020 7946 0000"
    assert not other.extensions["kiosk.core.plan"].policy.offers_rf
    # ... and a process started afterwards, from its first request.
    later = another_process(app)
    later.test_client().get("/")
    assert later.config["CLINIC_PHONE"] == "020 7946 0000"


def goals_page(app) -> str:
    patient = PatientClient(app.test_client())
    patient.walk(until="goals")
    patient.get("/step/goals")
    return patient.last_html


def test_with_rf_switched_off_on_the_page_patients_are_not_offered_it(app, admin):
    assert "Radiofrequency" in goals_page(app)
    save(admin, app, POLICY_OFFERS_RF=False)
    assert "Radiofrequency" not in goals_page(app)
    assert "Which treatment are you interested in?" not in goals_page(app)


@pytest.mark.render
def test_the_render_worker_prints_what_was_saved_in_another_process(app, admin):
    from pypdf import PdfReader

    from kiosk.data.models import Consultation
    from kiosk.records import consultations, jobs, stored_pdfs

    from .staff_helpers import add_consultation

    sent = add_consultation(app)
    worker = another_process(app)  # started before the change, as the worker is
    save(admin, app, CLINIC_PHONE="020 7946 0000")
    with worker.app_context():
        consultation = db.session.get(Consultation, sent.id)
        consultations.keep_flags(consultation)
        stored_pdfs.mark_pending(consultation)
        db.session.commit()
        assert jobs.enqueue_render(sent.id)
        patient_copy = db.session.get(Consultation, sent.id).pdf("patient")
        reader = PdfReader(stored_pdfs.pdf_path(patient_copy))
        text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "020 7946 0000" in text


def test_without_roller_information_patients_are_not_asked_about_rollers(app, admin):
    assert "at-home derma roller" in goals_page(app)
    save(admin, app, POLICY_HOME_ROLLER_INFORMATION=False)
    assert "at-home derma roller" not in goals_page(app)
    patient = PatientClient(app.test_client())
    patient.walk()
    patient.get("/check")
    assert "Uses an at-home roller" not in patient.last_html
    assert patient.submit().headers["Location"] == "/done"


def preview(admin: StaffClient, app, section: str | None = None, **changes):
    """A section's Preview without saving, with ``changes`` typed in it."""
    section = section or settings_section(next(iter(changes)))
    data = settings_form_data(app, section, **changes) | {"action": "preview"}
    return admin.post(settings_url(section), data, token_from=settings_url(section))


def preview_token(html: str) -> str:
    return re.search(r"/staff/settings/preview/([A-Za-z0-9_-]{16})/", html).group(1)


def test_a_preview_shows_the_settings_without_saving_them(app, admin):
    response = preview(admin, app, RETENTION_DAYS=45, DRAFT_RETENTION_HOURS=12)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Preview of the settings below: not saved yet." in html
    assert field_value(html, "RETENTION_DAYS") == "45"  # the form keeps what was typed
    assert field_value(html, "DRAFT_RETENTION_HOURS") == "12"
    assert 'data-unsaved-guard="unsaved"' in html  # leaving the page asks first
    assert app.config["RETENTION_DAYS"] == 30
    assert audit_details(app) == []
    token = preview_token(html)
    welcome = admin.get(f"/staff/settings/preview/{token}/welcome").get_data(as_text=True)
    assert "We delete your answers 45 days after you send them." in welcome
    assert "disabled>Start" in " ".join(welcome.split()).replace("disabled >", "disabled>")
    live = app.test_client().get("/").get_data(as_text=True)
    assert "We delete your answers 30 days after you send them." in live


@pytest.mark.render
def test_the_preview_sample_copy_honours_paper_size_details_and_a_policy_window(app, admin):
    from pypdf import PdfReader

    def sample(**changes) -> PdfReader:
        token = preview_token(preview(admin, app, **changes).get_data(as_text=True))
        status = admin.get(f"/staff/settings/preview/{token}/pdf").get_data(as_text=True)
        assert "A sample patient copy (PDF)" in status  # rendered at once under TESTING
        response = admin.client.get(f"/staff/settings/preview/{token}/sample.pdf")
        assert response.mimetype == "application/pdf"
        import io

        return PdfReader(io.BytesIO(response.get_data()))

    def text(reader: PdfReader) -> str:
        return " ".join(" ".join(page.extract_text() for page in reader.pages).split())

    a4 = sample(POLICY_RETINOID_PAUSE_DAYS=3)
    # A section's preview: what is typed in it, over what the others have saved.
    save(admin, app, CLINIC_PHONE="020 7946 0000")
    nine = sample(POLICY_RETINOID_PAUSE_DAYS=9)
    letter = sample(PAPER_SIZE="Letter")
    assert round(float(a4.pages[0].mediabox.width)) == 595  # A4: 210 mm
    assert round(float(nine.pages[0].mediabox.width)) == 595
    assert round(float(letter.pages[0].mediabox.width)) == 612  # Letter: 8.5 in
    assert "020 7946 0000" in text(nine)
    assert "020 7946 0000" in text(letter)
    assert "020 7946 0000" not in text(a4)
    assert "3 days" in text(a4)
    assert "9 days" in text(nine)
    assert "9 days" not in text(a4)
    assert "9 days" not in text(letter)  # the policy saved, not the earlier preview's


def test_previews_are_for_admins_and_only_for_previews_that_exist(app, admin, staff):
    token = preview_token(preview(admin, app, "branding").get_data(as_text=True))
    for url in ("welcome", "pdf", "sample.pdf", "brand.css", "logo"):
        assert staff.client.get(f"/staff/settings/preview/{token}/{url}").status_code == 403
        assert admin.client.get(f"/staff/settings/preview/{'x' * 16}/{url}").status_code == 404
    assert admin.get("/staff/settings/preview/..%2F..%2Fsecret_key/welcome").status_code == 404


@pytest.mark.render
def test_previews_are_removed_after_an_hour(app, admin):
    import time

    from kiosk.records import settings_preview

    preview(admin, app, "clinic")
    folder = settings_preview.folder(app)
    assert {p.suffix for p in folder.iterdir()} == {".json", ".pdf"}
    assert settings_preview.remove_old(app, now=time.time() + 60) == 0
    assert settings_preview.remove_old(app, now=time.time() + 3601) == 2
    assert list(folder.iterdir()) == []


def test_the_tanning_question_asks_about_the_clinics_own_window(app, admin):
    def skin_today() -> str:
        patient = PatientClient(app.test_client())
        patient.walk(until="skin_today")
        patient.get("/step/skin_today")
        return patient.last_html

    assert "A suntan, sunbed or fake tan in the last 2 weeks" in skin_today()
    save(admin, app, POLICY_TANNING_WEEKS=4)
    assert "A suntan, sunbed or fake tan in the last 4 weeks" in skin_today()
    patient = PatientClient(app.test_client())
    patient.walk({"skin_today": plain("skin_today", recent_tan="yes")})
    patient.get("/check")
    assert "Tan, sunbed or fake tan in the last 4 weeks" in patient.last_html


def test_the_languages_offered_and_the_one_welcome_starts_in(app, admin):
    welcome = app.test_client().get("/").get_data(as_text=True)
    assert '<html lang="en">' in welcome
    assert "Español" in welcome
    save(admin, app, PATIENT_LANGUAGE="es")
    welcome = app.test_client().get("/").get_data(as_text=True)
    assert '<html lang="es">' in welcome
    assert "English" in welcome  # still offered
    save(admin, app, PATIENT_LANGUAGES=("es",))
    welcome = app.test_client().get("/").get_data(as_text=True)
    assert '<html lang="es">' in welcome
    assert "English" not in welcome  # one language: no choice to make
    patient = PatientClient(app.test_client())
    patient.get("/")
    patient.client.post(
        "/language", data={"language": "en", "csrf_token": csrf_token(patient.last_html)}
    )
    assert '<html lang="es">' in patient.get("/").get_data(as_text=True)


# Closed days ---------------------------------------------------------------------------


def test_closed_dates_are_typed_one_a_line_and_used_by_the_plan_at_once(app, admin):
    response = save(admin, app, HOLIDAYS_REGION="es-md")
    assert response.status_code == 303
    policy = settings_url("policy")
    data = settings_form_data(app, "policy") | {
        "CLOSED_DATES": "31/12/2026\r\n24/12/2026, 7/1/2027"
    }
    assert admin.post(policy, data, token_from=policy).status_code == 303
    assert app.config["HOLIDAYS_REGION"] == "ES-MD"
    assert app.config["CLOSED_DATES"] == (
        dt.date(2026, 12, 24),
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 7),
    )
    open_days = app.extensions["kiosk.core.plan"].open_days
    assert not open_days.is_open(dt.date(2027, 1, 7))
    assert not open_days.is_open(dt.date(2027, 1, 6))  # Epiphany, a holiday in Madrid
    html = admin.get(policy).get_data(as_text=True)
    assert re.search(r"<textarea[^>]*>\s*24/12/2026\n31/12/2026\n07/01/2027</textarea>", html)
    assert (
        "Treatments and policy – CLOSED_DATES: (none) → 2026-12-24, 2026-12-31, 2027-01-07"
        in audit_details(app)
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "CLOSED_DATES",
            "24/12/2026\n31/02/2027",
            "“31/02/2027” is not a date. Type each date as day/month/year, such as 24/12/2026.",
        ),
        (
            "HOLIDAYS_REGION",
            "England",
            "Enter a country or country-region code that the holidays list has, such as "
            "GB-ENG, US-CA, ES-MD or MX, or leave it empty.",
        ),
    ],
)
def test_a_bad_closed_day_is_named_and_what_was_typed_is_kept(app, admin, name, value, message):
    data = settings_form_data(app, "policy") | {name: value}
    response = admin.post(settings_url("policy"), data, token_from=settings_url("policy"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f'href="#{name}"' in html
    assert value in html  # what was typed is still there
    assert app.config[name] == SETTINGS[name].default


def test_a_stored_same_day_setting_is_ignored_and_dropped_at_the_next_save(app, admin):
    with app.app_context():
        db.session.add(ClinicSettings(id=1, values={"POLICY_SAME_DAY_TREATMENT": True}, revision=1))
        db.session.commit()
    assert admin.get(URL).status_code == 200  # applied without it
    assert save(admin, app, CLINIC_PHONE="020 7946 0000").status_code == 303
    with app.app_context():
        assert db.session.get(ClinicSettings, 1).values == {"CLINIC_PHONE": "020 7946 0000"}


def test_the_sections_in_the_staff_pages_spanish(app, admin):
    save(admin, app, CLINIC_LANGUAGE="es")
    contents = admin.get(URL).get_data(as_text=True)
    assert "Ajustes de la clínica" in contents
    assert 'aria-label="Partes de los ajustes"' in contents
    assert "Tratamientos y normas de la clínica" in contents
    assert "Nombre, dirección, teléfono, correo electrónico y página de reservas." in contents
    section = admin.get(settings_url("retention")).get_data(as_text=True)
    assert (
        '<h1 class="heading" tabindex="-1">Conservación de datos y tiempos de espera</h1>'
        in section
    )
    assert "Sesiones del personal" in section
