"""Drives the questionnaire through the Flask test client, as a browser would."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

from kiosk.core.answers import to_form_value

CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')

# Answers that walk the shortest path: no follow-up questions. The answers
# for the follow-up steps are used only when other answers lead there.
PLAIN = {
    "about": {"first_name": "Maya", "age_band": "age_30_39", "contact_consent": "no"},
    "contact": {"phone": "07700 900123", "email": ""},
    "concerns": {"concerns": ["fine_lines"], "areas": ["face"]},
    "skin_type": {"fitzpatrick": "type_3"},
    # The screening checklists: "None of these apply to me" ticked.
    "skin_today": {"none_apply": "yes"},
    "health_history": {"none_apply": "yes"},
    "medicines": {"none_apply": "yes", "isotretinoin": "never"},
    # Each list is asked only when its line of the checklist before is ticked.
    "treatments_allergies": {
        "recent_procedures": ["toxin_filler"],
        "allergies": ["gold"],
        "implants": ["tattoo_in_area"],
    },
    "medicine_details": {"isotretinoin_months": "8", "toxin_filler_weeks": "20"},
    "goals": {"downtime": "few_days", "device_interest": "pen", "home_roller": "no"},
    "event": {"event_date-day": "", "event_date-month": "", "event_date-year": "", "notes": ""},
}


def plain(step: str, **changes: str | list[str]) -> dict:
    """``PLAIN``'s answers to ``step`` with ``changes``: a checklist line
    given "yes" is ticked, and "None of these apply to me" then is not."""
    data = {**PLAIN[step], **changes}
    if "yes" in changes.values():
        data.pop("none_apply", None)
    return data


# The lists of treatments, allergies and implants are asked only when their
# line of the checklist before them is ticked.
GATES = {"recent_procedures": "had_treatments", "allergies": "has_allergies"}
GATES["implants"] = "has_implants"


def with_gates(answers: dict) -> dict:
    """Stored ``answers`` with the checklist lines ticked whose list has an answer."""
    return {**answers, **{gate: True for key, gate in GATES.items() if answers.get(key)}}


def form_data(flow, answers: dict) -> dict[str, dict]:
    """Stored ``answers`` as the screens they lead to send them, screen by
    screen in order: a checklist's lines answered yes ticked (else "None of
    these apply to me"), a date in its three boxes, nothing where there is no
    answer."""
    screens = {}
    for step in flow.applicable_steps(answers):
        items = [q.id for q in step.checklist_items]
        data: dict = {item: "yes" for item in items if answers.get(item) is True}
        if items and not data:
            data["none_apply"] = "yes"
        for question in flow.enabled_questions(step, answers):
            if question.id in items:
                continue
            value = to_form_value(question, answers.get(question.id))
            if question.type == "date":
                data |= date_boxes(question.id, *value)
            else:
                data[question.id] = "" if value is None else value
        screens[step.id] = data
    return screens


# English month names, whatever the machine's own locale.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August")
MONTHS += ("September", "October", "November", "December")


def in_days(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def date_boxes(question_id: str, day: str | dt.date, month: str = "", year: str = "") -> dict:
    """A date as the patient enters it in its three boxes: a date, or what
    was typed in each box (the month as the list sends it, 1 to 12)."""
    if isinstance(day, dt.date):
        day, month, year = str(day.day), str(day.month), str(day.year)
    return {f"{question_id}-day": day, f"{question_id}-month": month, f"{question_id}-year": year}


def event_in(days: int) -> dict:
    """The event date boxes filled in with the day ``days`` from today."""
    return date_boxes("event_date", dt.date.today() + dt.timedelta(days=days))


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


class PatientClient:
    """A tablet; ``at``: the address of the location it opens (``/at/<slug>``),
    every path below it."""

    def __init__(self, client, at: str = ""):
        self.client = client
        self.at = at
        self.last_html = ""

    def get(self, url: str, **kwargs):
        response = self.client.get(url, **kwargs)
        self.last_html = response.get_data(as_text=True)
        return response

    def start(self):
        self.get(self.at + "/")
        response = self.client.post(
            self.at + "/start", data={"csrf_token": csrf_token(self.last_html)}
        )
        assert response.status_code == 303, response.status_code
        return response

    def answer(self, step_id: str, data: dict, *, change: str = "", htmx: bool = False):
        """Answer a screen; ``change``: the question whose Change was pressed on
        Check your answers."""
        url = f"{self.at}/step/{step_id}" + (f"?change={change}" if change else "")
        page = self.get(url)
        assert page.status_code == 200, (url, page.status_code, page.headers.get("Location"))
        headers = {"HX-Request": "true", "HX-Current-URL": "http://localhost" + url} if htmx else {}
        response = self.client.post(
            url, data={**data, "csrf_token": csrf_token(self.last_html)}, headers=headers
        )
        self.last_html = response.get_data(as_text=True)
        return response

    def walk(self, answers: dict[str, dict] | None = None, *, until: str | None = None):
        """Answer every step the app leads to, from PLAIN overridden by ``answers``.

        Returns the list of step ids visited. Stops before ``until``.
        """
        answers = {**PLAIN, **(answers or {})}
        visited = []
        response = self.start()
        location = response.headers["Location"]
        while location.startswith(self.at + "/step/"):
            step_id = location.removeprefix(self.at + "/step/").split("?")[0]
            if step_id == until:
                break
            visited.append(step_id)
            response = self.answer(step_id, answers[step_id])
            assert response.status_code == 303, (step_id, errors(self.last_html))
            location = response.headers["Location"]
        return visited

    def submit(self, *, photos: bool = False):
        """Send the answers from Check your answers: where the clinic asks for
        the consent, signed on its screen with a typed full name (``photos``:
        the photo choice ticked). The response is the last one: to Done."""
        self.get(self.at + "/check")
        response = self.client.post(
            self.at + "/check", data={"csrf_token": csrf_token(self.last_html)}
        )
        if response.headers.get("Location") != self.at + "/consent":
            return response
        return self.sign(TYPED_SIGNATURE | ({"photos": "y"} if photos else {}))

    def sign(self, data: dict):
        """Send the consent screen with ``data`` (its fields)."""
        self.get(self.at + "/consent")
        response = self.client.post(
            self.at + "/consent", data={**data, "csrf_token": csrf_token(self.last_html)}
        )
        self.last_html = response.get_data(as_text=True)
        return response


# The consent signed with a typed name and its tick.
TYPED_SIGNATURE = {"typed_name": "Maya Patel", "typed_confirm": "y"}
# A drawn signature as the consent screen's script sends it: a 600×224 area,
# two strokes.
DRAWN_SIGNATURE = "600 224;40,150 80,90 120,160 160,80 200,150;240,120 300,118 360,122"


def errors(html: str) -> list[str]:
    """The messages in the error summary, as the patient reads them."""
    block = re.search(r'<div class="error-summary".*?</ul>', html, re.S)
    if not block:
        return []
    return [unescape(m) for m in re.findall(r"<li><a [^>]*>(.*?)</a></li>", block.group(0), re.S)]


def field_error(html: str, question_id: str) -> str | None:
    match = re.search(
        rf'<p class="error-message" id="{question_id}-error">.*?</span>\s*(.*?)</p>', html, re.S
    )
    return unescape(match.group(1).strip()) if match else None


PROGRESS_ITEM = re.compile(
    r'<li class="progress__item progress__item--(\w+)"( aria-current="step")?>'
    r'.*?<span class="progress__name">(.*?)</span>(.*?)</li>',
    re.S,
)


def progress(html: str) -> list[tuple[str, str]]:
    """The progress list at the top of a screen, as (name, state): "done"
    (said to a screen reader too), "current" (aria-current="step") or "later"."""
    listed = re.search(r'<ol class="progress" aria-label="[^"]+">(.*?)</ol>', html, re.S)
    assert listed, "the screen has no progress list"
    items = []
    for state, current, name, after in PROGRESS_ITEM.findall(listed.group(1)):
        assert bool(current) == (state == "current"), (name, state)
        assert ('class="visually-hidden"' in after) == (state == "done"), (name, state)
        items.append((unescape(name), state))
    return items
