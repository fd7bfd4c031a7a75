"""Staff accounts and consultations for the staff-area tests."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from kiosk.clinic import saved_settings
from kiosk.data.database import db
from kiosk.data.models import FIRST_LOCATION, Consultation, Draft
from kiosk.records.consents import Signing
from kiosk.records.submission import submit_draft

from .patient_client import csrf_token

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "answers"


def example_answers(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text())["answers"]


def create_account(app, username: str, role: str = "staff", name: str | None = None) -> str:
    """Create an account with the CLI, as a clinic would; returns its password."""
    args = ["staff", "create", username, "--role", role]
    if name:
        args += ["--name", name]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return re.search(r"Password \(shown only now\): (\S+)", result.output).group(1)


@dataclass(frozen=True)
class Stored:
    id: str
    reference: str
    first_name: str


def add_consultation(
    app,
    example: str = "fine-lines-no-flags",
    *,
    signed: bool = False,
    location_id: int = FIRST_LOCATION,
    **changes,
) -> Stored:
    """A submitted consultation, stored the way the kiosk stores one; ``signed``:
    with the consent signed (a typed full name); sent at ``location_id``."""
    with app.app_context():
        answers = {**example_answers(example), **changes}
        draft = Draft(answers=answers, asked=[], location_id=location_id)
        db.session.add(draft)
        db.session.flush()
        signing = None
        if signed:
            consent = app.extensions["kiosk.core.plan"].consent(answers, language="en")
            signing = Signing(consent, None, "Sofia Rossi", photos=False)
        consultation: Consultation = submit_draft(
            draft, app.extensions["kiosk.core.flow"], signing=signing
        )
        return Stored(consultation.id, consultation.reference, consultation.first_name)


class StaffClient:
    def __init__(self, client):
        self.client = client
        self.html = ""

    def get(self, url: str, **kwargs):
        response = self.client.get(url, **kwargs)
        self.html = response.get_data(as_text=True)
        return response

    def login(self, username: str, password: str):
        self.get("/staff/login")
        response = self.client.post(
            "/staff/login",
            data={"username": username, "password": password, "csrf_token": csrf_token(self.html)},
        )
        self.html = response.get_data(as_text=True)
        return response

    def post(self, url: str, data: dict | None = None, *, token_from: str | None = None, **kw):
        """POST with the CSRF token of the page at ``token_from`` (default: the queue)."""
        self.get(token_from or "/staff/")
        response = self.client.post(
            url, data={**(data or {}), "csrf_token": csrf_token(self.html)}, **kw
        )
        self.html = response.get_data(as_text=True)
        return response


def settings_section(name: str) -> str:
    """The key of the settings page's section that holds setting ``name``."""
    from kiosk.web.staff.settings_page import section_of

    return section_of(name).key


def settings_url(section: str) -> str:
    return f"/staff/settings/{section}"


def settings_form_data(app, section: str | None = None, **changes) -> dict:
    """What a section of the clinic settings page sends, as a browser does:
    each of its settings as it stands, but ``changes``. The section is the one
    of the settings changed, unless given."""
    from kiosk.web.staff.settings_page import sections

    if section is None:
        [section] = {settings_section(name) for name in changes}
    [shown] = [part for part in sections() if part.key == section]
    assert set(changes) <= set(shown.names), f"not all in the section {section}: {changes}"
    locked = saved_settings.locked(app)
    data = {}
    for setting in shown.settings:
        if setting.name in locked:
            continue
        value = changes.get(setting.name, app.config[setting.name])
        if setting.type is bool:
            if value:
                data[setting.name] = "y"
        elif setting.type is tuple:
            data[setting.name] = list(value)
        elif setting.type is dt.date:  # days typed one a line, day/month/year
            data[setting.name] = "\n".join(day.strftime("%d/%m/%Y") for day in value)
        else:
            data[setting.name] = "" if value is None else str(value)
    return data


def save_settings(member: StaffClient, app, **changes):
    """Save ``changes`` as an admin does: each section they are in from its
    own page, with its Save button. The last section's response."""
    by_section: dict[str, dict] = {}
    for name, value in changes.items():
        by_section.setdefault(settings_section(name), {})[name] = value
    response = None
    for section, values in by_section.items():
        url = settings_url(section)
        response = member.post(url, settings_form_data(app, section, **values), token_from=url)
    return response
