"""No server error on any input: property-based requests (Hypothesis) to every
route of the app's URL map, on SQLite and on PostgreSQL.

Each example is one request: a rule of the URL map (its path arguments real
ones, such as a consultation's id or a questionnaire step, or made up), GET
or POST, with form fields drawn from every form the app has (its FlaskForm
classes, the settings page's fields, and every question of the
questionnaire, date boxes included), query arguments, a valid CSRF token or
none or a wrong one, and with or without htmx's headers. Patient routes are
asked by a tablet with answers in progress; staff routes by a signed-in
administrator. Whatever is sent, the answer is below 500 (a 503 would mean
a busy database, which nothing here holds).

Deterministic (``derandomize``: the same examples every run, no example
database); ``max_examples`` keeps the file to under a minute per database
on a 2-core machine. ``KIOSK_FUZZ_EXAMPLES`` (examples per route) raises it
for a longer search.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from kiosk.clinic import saved_settings
from kiosk.web.forms import EmptyForm
from kiosk.web.patient.forms import NONE_APPLY, LanguageForm, TextSizeForm
from kiosk.web.staff import forms as staff_forms

from .patient_client import PatientClient, csrf_token
from .staff_helpers import StaffClient, add_consultation, create_account

# Examples per route (37 routes): about 450 requests in all.
EXAMPLES = int(os.environ.get("KIOSK_FUZZ_EXAMPLES", "12"))

# What a field may hold: empty, ordinary and hostile text, numbers far too
# large, dates in every shape, control characters, text far too long.
AWKWARD = [
    "",
    " ",
    "yes",
    "no",
    "0",
    "-1",
    "1e309",
    "NaN",
    "9" * 25,
    "9" * 5000,
    "2026-12-01",
    "0000-00-00",
    "31/02/2026",
    "21/11/2026",
    "%",
    "_",
    "%_%",
    "\\",
    "'; DROP TABLE consultations; --",
    "\r\nX-Injected: 1",
    "\x00",
    "\u202e",
    "<script>alert(1)</script>",
    "//evil.example/",
    "/staff/",
    "/step/about",
    "admin",
    "en",
    "es",
    "zz",
    "large",
    "normal",
    "#7a1f5c",
    "red",
    "mon, tue",
    "true",
    "false",
]


def long_text(character: str, count: int) -> str:
    return character * count


VALUES = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(max_size=30),
    st.text(alphabet="0123456789", min_size=1, max_size=40),
    st.builds(long_text, st.characters(codec="utf-8"), st.integers(60, 70_000)),
)
FIELD_VALUE = st.one_of(VALUES, st.lists(VALUES, min_size=1, max_size=3))
SEGMENT = st.one_of(st.sampled_from(["", "0", "-1", "9" * 30, "..", "%00"]), st.text(max_size=30))
QUERY_NAMES = [
    *("next", "change", "q", "username", "action", "reference", "date_from", "date_to"),
    *("from", "to", "format"),  # the Exports page's period and format
]


def form_fields(app, questionnaire) -> list[str]:
    """Every form field name the app knows."""
    names = {"csrf_token", NONE_APPLY, "remove_logo", "pending_logo", "preview"}
    for form in (EmptyForm, LanguageForm, TextSizeForm, *_staff_forms()):
        names |= {name for name, value in vars(form).items() if _is_field(value)}
    with app.app_context():
        names |= set(saved_settings.names())
    for step_names in step_fields(questionnaire).values():
        names |= set(step_names)
    return sorted(names)


def _staff_forms():
    from flask_wtf import FlaskForm

    return [
        value
        for value in vars(staff_forms).values()
        if isinstance(value, type) and issubclass(value, FlaskForm) and value is not FlaskForm
    ]


def _is_field(value) -> bool:
    from wtforms.fields.core import UnboundField

    return isinstance(value, UnboundField)


def step_fields(questionnaire) -> dict[str, list[str]]:
    """Each step's own field names, from the questionnaire."""
    fields = {}
    for step in questionnaire.steps:
        names = [NONE_APPLY]
        for question in step.questions:
            names.append(question.id)
            if question.type == "date":
                names += [f"{question.id}-{part}" for part in ("day", "month", "year")]
        fields[step.id] = names
    return fields


class World:
    """The app with something in it: consultations, accounts, a patient with
    answers in progress and a signed-in administrator."""

    def __init__(self, app, questionnaire):
        self.app = app
        # Renders and previews wait in the real queue: the fuzz is about requests.
        app.extensions["kiosk.records.jobs"].huey.immediate = False
        self.consultations = [add_consultation(app).id, add_consultation(app, "pregnant").id]
        create_account(app, "sam", "staff", "Sam Carter")
        self.admin, self.admins = "ada", 0
        self.admin_password = create_account(app, "ada", "admin", "Ada Okafor")
        self.rules = sorted((rule for rule in app.url_map.iter_rules()), key=lambda rule: rule.rule)
        self.fields = form_fields(app, questionnaire)
        self.steps = step_fields(questionnaire)
        self.answered: Counter[tuple[str, int]] = Counter()
        self.patient = PatientClient(app.test_client())
        self.staff = StaffClient(app.test_client())
        self.sign_in()
        self.start_patient()

    def sign_in(self) -> None:
        if self.staff.login(self.admin, self.admin_password).status_code != 302:
            # The fuzz changed her password, role or account: another admin.
            self.admins += 1
            self.admin = f"admin{self.admins}"
            self.admin_password = create_account(self.app, self.admin, "admin")
            self.staff.login(self.admin, self.admin_password)

    def start_patient(self) -> None:
        self.patient.client.get("/")
        self.patient.walk()  # every screen answered: Check your answers is open

    def endpoint(self, path: str, method: str) -> str:
        adapter = self.app.url_map.bind("localhost")
        try:
            return adapter.match(path, method=method)[0]
        except Exception:
            return "(no route)"

    def token(self, client) -> str:
        page = client.get("/staff/" if client is self.staff.client else "/step/about")
        html = page.get_data(as_text=True)
        return csrf_token(html) if 'name="csrf_token"' in html else ""


@st.composite
def requests(draw, world: World, rule: Rule):
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    method = draw(st.sampled_from(methods))
    arguments = {}
    for name in sorted(rule.arguments):
        if name == "consultation_id":
            real = st.sampled_from(world.consultations)
            value = draw(SEGMENT if draw(st.integers(0, 3)) == 3 else real)
        elif name == "step_id":
            real = st.sampled_from(sorted(world.steps))
            value = draw(SEGMENT if draw(st.integers(0, 3)) == 3 else real)
        elif name == "user_id":
            real = st.integers(1, 4)
            huge = st.integers(-(2**70), 2**70)
            value = str(draw(huge if draw(st.integers(0, 2)) == 2 else real))
        elif name == "filename":
            value = draw(st.sampled_from(["css/kiosk.css", "js/kiosk.js", "nothing.css", "../x"]))
        else:
            value = draw(SEGMENT)
        arguments[name] = value
    path = rule.rule
    for name, value in arguments.items():
        safe = "/" if name == "filename" else ""
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", quote(value, safe=safe), path)
    query = draw(st.dictionaries(st.sampled_from(QUERY_NAMES), VALUES, max_size=2))
    data = {}
    if method == "POST":
        names = world.fields
        if rule.endpoint == "patient.step" and arguments["step_id"] in world.steps:
            names = world.steps[arguments["step_id"]] + names
        data = draw(st.dictionaries(st.sampled_from(names), FIELD_VALUE, max_size=6))
        data["csrf_token"] = draw(st.sampled_from(["valid", "valid", "valid", "missing", "junk"]))
    htmx = draw(st.booleans())
    return method, path, query, data, htmx


@pytest.fixture
def world(app, questionnaire):
    return World(app, questionnaire)


def test_no_request_makes_a_server_error(world):
    for rule in world.rules:
        no_server_error_on(world, rule)
    # Every route was asked, and what answered (shown with pytest -s).
    asked = {endpoint for endpoint, _status in world.answered}
    assert asked >= {rule.endpoint for rule in world.rules}
    for (endpoint, status), count in sorted(world.answered.items()):
        print(f"{endpoint:32} {status}  {count}")


def no_server_error_on(world: World, rule: Rule) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(requests(world, rule))
    def no_server_error(request):
        method, path, query, data, htmx = request
        staff_route = path.startswith("/staff/")
        client = world.staff.client if staff_route else world.patient.client
        form = dict(data)
        if form.get("csrf_token") == "valid":
            form["csrf_token"] = world.token(client)
        elif form.get("csrf_token") == "missing":
            del form["csrf_token"]
        headers = (
            {"HX-Request": "true", "HX-Current-URL": f"http://localhost{path}"} if htmx else {}
        )
        response = client.open(
            path,
            method=method,
            query_string=query,
            data=form if method == "POST" else None,
            headers=headers,
        )
        world.answered[(world.endpoint(path, method), response.status_code)] += 1
        assert response.status_code < 500, (method, path, query, sorted(form), htmx)
        # Keep the tablet with answers in progress and the administrator signed in.
        if staff_route and "/staff/login" in response.headers.get("Location", ""):
            world.sign_in()
        if method == "POST" and path in ("/reset", "/start-again", "/start", "/check"):
            world.start_patient()

    no_server_error()
