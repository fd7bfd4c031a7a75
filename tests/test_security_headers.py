"""Security headers on every response the app gives, and templates that need no exceptions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import url_for

from kiosk import create_app
from kiosk.clinic import branding
from kiosk.data.database import db
from kiosk.data.models import Consultation
from kiosk.records import settings_preview, stored_pdfs

from .logos import SVG_LOGO
from .patient_client import PatientClient
from .staff_helpers import StaffClient, add_consultation, create_account

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def assert_secure(response, where: str) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (where, name)
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["frame-ancestors"] == "'none'", where
    if response.mimetype == "image/svg+xml":
        # The clinic's logo, opened on its own: nothing but its own inline style.
        assert policy == {
            "default-src": "'none'",
            "style-src": "'unsafe-inline'",
            "frame-ancestors": "'none'",
        }, where
    else:
        assert policy["default-src"] == "'self'", where
        assert policy["object-src"] == "'none'", where
        assert "unsafe" not in response.headers["Content-Security-Policy"], where
    assert "camera=()" in response.headers["Permissions-Policy"], where
    assert "Strict-Transport-Security" not in response.headers, where


def get_urls(app, consultation_id: str, token: str) -> list[str]:
    """One URL for every GET route of the URL map."""
    values = {
        "consultation_id": consultation_id,
        "step_id": "about",
        "filename": "css/kiosk.css",
        "token": token,
        "key": "clinic",
        "user_id": 1,
        "location_id": 1,
        "version": "1",
    }
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods:
                urls.append(url_for(rule.endpoint, **{a: values[a] for a in rule.arguments}))
    return urls


def test_every_get_route_sends_the_security_headers(app, shared_pdfs):
    stored = add_consultation(app, "pregnant")
    with app.app_context():
        stored_pdfs.generate(db.session.get(Consultation, stored.id))
    admin = StaffClient(app.test_client())
    admin.login("ada", create_account(app, "ada", "admin"))
    patient = PatientClient(app.test_client())
    patient.start()
    anonymous = app.test_client()

    with app.app_context():
        preview = settings_preview.start(app, {"CLINIC_PHONE": "020 7946 0000"})
    app.config["CLINIC_LOGO"] = str(branding.store_logo(app.instance_path, SVG_LOGO.encode()))
    urls = get_urls(app, stored.id, preview)  # every GET route, a new one included
    statuses = set()
    for url in urls:
        for who, client in (("admin", admin.client), ("patient", patient.client)):
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url, headers=headers)
                statuses.add(response.status_code)
                assert_secure(response, f"{who} {url} {headers}")
        assert_secure(anonymous.get(url), f"anonymous {url}")
    assert {200, 302} <= statuses


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [("GET", "/no/such/page", 404), ("GET", "/step/nowhere", 303), ("POST", "/staff/", 302)],
)
def test_error_and_redirect_responses_carry_them_too(client, method, url, status):
    response = client.open(url, method=method)
    assert response.status_code == status
    assert_secure(response, url)


def test_hsts_only_when_the_kiosk_is_served_over_https(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SESSION_COOKIE_SECURE": True})
    response = app.test_client().get("/staff/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_htmx_is_configured_for_the_policy():
    base = (TEMPLATES / "base.html").read_text()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", base).group(1)
    assert '"includeIndicatorStyles": false' in config
    assert '"allowEval": false' in config
    assert '"allowScriptTags": false' in config


@pytest.mark.parametrize(
    "template",
    sorted(p for p in TEMPLATES.rglob("*.html") if "pdf" not in p.relative_to(TEMPLATES).parts),
    ids=lambda p: str(p.relative_to(TEMPLATES)),
)
def test_no_page_template_has_inline_script_or_style(template):
    html = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert "hx-on" not in html
    assert "javascript:" not in html
