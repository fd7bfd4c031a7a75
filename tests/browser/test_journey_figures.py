"""How long the questionnaire is, measured the way a patient meets it.

A typical patient (the content's own, ``typical_patient`` in
questionnaire.yaml: no health issues) and a complex one walk the whole
questionnaire on a portrait and a landscape tablet, answering by tapping the
inputs the form data names. For each screen: the words on it, the taps and
characters typed, and whether Continue was below the fold when it opened.
The figures go to tests/artifacts/journey-figures.json (and .md), for the
docs/performance.md, "How long the questionnaire takes".

Seconds at a reading pace, a model rather than a stopwatch: every word on a
screen read at 200 words a minute, one second per tap, 0.4 s per character
typed: the pace of kiosk/core/journey.py, from which Welcome says "It takes about
N minutes". Welcome's figure is checked against what is measured here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from kiosk.core import copy_covers, journey
from kiosk.core.content_folder import load_questionnaire
from kiosk.core.flow import Flow
from kiosk.core.i18n import language
from kiosk.core.plan import PlanEngine, load_rules
from kiosk.core.policy import Policy

from ..conftest import ARTIFACTS, artifact_lock, write_artifact
from ..patient_client import PLAIN, event_in, form_data, plain
from . import journey as journey_steps
from .conftest import LANDSCAPE, PORTRAIT, new_page, screenshot

WORDS_PER_MINUTE = journey.WORDS_PER_MINUTE
SECONDS_PER_TAP = journey.SECONDS_PER_TAP
SECONDS_PER_CHARACTER = journey.SECONDS_PER_CHARACTER

# The questionnaire as the test server asks it (the default clinic settings).
QUESTIONNAIRE = load_questionnaire().with_policy(Policy().as_dict())
FLOW = Flow(QUESTIONNAIRE.as_offered(Policy().treatments))

# Each patient's answers, screen by screen, as form data: exactly the screens
# the questionnaire should lead them through, in order. The typical patient's
# are the content's, which Welcome's figure is worked out from.
TYPICAL_ANSWERS = QUESTIONNAIRE.typical_answers()
TYPICAL = form_data(FLOW, TYPICAL_ANSWERS)
COMPLEX = {
    "about": {**PLAIN["about"], "contact_consent": "yes"},
    "contact": {"phone": "07700 900123", "email": ""},
    "concerns": {"concerns": ["acne_scars", "fine_lines"], "areas": ["face", "neck"]},
    "skin_type": {"fitzpatrick": "type_5"},
    "skin_today": plain("skin_today", active_acne="yes", recent_tan="yes", skin_actives="yes"),
    "skin_details": {"acne_severity": "mild"},
    "health_history": plain("health_history", diabetes="yes"),
    "health_details": {"diabetes_control": "well"},
    "medicines": plain(
        "medicines",
        blood_thinners="yes",
        had_treatments="yes",
        has_allergies="yes",
        isotretinoin="stopped",
    ),
    "treatments_allergies": {
        "recent_procedures": ["toxin_filler"],
        "allergies": ["numbing_cream"],
    },
    "medicine_details": {
        "blood_thinner_names": "apixaban",
        "isotretinoin_months": "8",
        "toxin_filler_weeks": "3",
    },
    "goals": PLAIN["goals"],
    "event": {**event_in(40), "notes": ""},
}
PATIENTS = {"typical": TYPICAL, "complex": COMPLEX}
FIGURES = ARTIFACTS / "journey-figures.json"


def screen_figures(page: Page, name: str) -> dict:
    """The screen as it opens: its words, and whether its main button is in view."""
    page.wait_for_load_state("load")
    text = page.locator("main").inner_text()
    # What a patient reads of a list is its chosen item, not every option;
    # text only a screen reader speaks ("Change First name") is not read.
    unread = " ".join(
        page.locator("main option:not(:checked), main .visually-hidden").all_inner_texts()
    )
    buttons = page.locator("main button")
    box = buttons.last.bounding_box() if buttons.count() else None
    return {
        "screen": name,
        "words": len(re.findall(r"\w+", text)) - len(re.findall(r"\w+", unread)),
        "scroll_to_continue": box is not None
        and box["y"] + box["height"] > page.viewport_size["height"],
        # How far below the bottom of the screen the button ends (negative: above).
        "continue_below_by_px": box
        and round(box["y"] + box["height"] - page.viewport_size["height"]),
        "taps": 1,  # its Continue, Start or Send
        "typed": 0,
        # How tall the page is, in windows of the tablet.
        "windows_tall": round(
            page.evaluate("document.documentElement.scrollHeight") / page.viewport_size["height"],
            2,
        ),
    }


def answer(page: Page, data: dict, figures: dict) -> None:
    """Give the screen's answers as a patient would: a tap per choice, a tap
    and the characters for each text."""
    form = page.locator("#step form, main form").first
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        field = form.locator(f'[name="{name}"]')
        kind = field.first.get_attribute("type") or field.first.evaluate("e => e.tagName")
        if kind in ("radio", "checkbox"):
            for v in values:
                form.locator(f'[name="{name}"][value="{v}"]').check()
                figures["taps"] += 1
        elif kind == "SELECT" and value:
            field.select_option(value)
            figures["taps"] += 2
        elif value:
            field.fill(value)
            figures["taps"] += 1
            figures["typed"] += len(value)


def seconds(screen: dict) -> float:
    return (
        screen["words"] * 60 / WORDS_PER_MINUTE
        + screen["taps"] * SECONDS_PER_TAP
        + screen["typed"] * SECONDS_PER_CHARACTER
    )


def walk(page: Page, base_url: str, answers: dict[str, dict]) -> tuple[list[str], list[dict]]:
    page.goto(base_url + "/")
    screens = [screen_figures(page, "welcome")]
    said = re.search(r"It takes about (\d+) minutes\.", page.locator("main").inner_text())
    screens[0]["minutes_said"] = int(said.group(1)) if said else None
    page.get_by_role("button", name="Start").click()
    visited = []
    for _ in range(len(answers) + 2):
        expect(page).to_have_url(re.compile(r"/(step/\w+|check)$"))
        path = page.url.rsplit("/", 2)
        if path[-1] == "check":
            break
        step = path[-1]
        visited.append(step)
        figures = screen_figures(page, step)
        answer(page, answers[step], figures)
        screens.append(figures)
        before = page.url
        page.get_by_role("button", name="Continue").click()
        expect(page).not_to_have_url(before)
    screens.append(screen_figures(page, "check"))
    journey_steps.to_consent(page)
    consent = screen_figures(page, "consent")
    journey_steps.draw_signature(page)
    consent["taps"] += journey.SIGNATURE_TAPS
    screens.append(consent)
    page.get_by_role("button", name="Sign and send my answers").click()
    expect(page).to_have_url(re.compile(r"/done$"))
    done = screen_figures(page, "done")
    done["taps"] = 0  # Done returns to Welcome by itself
    screens.append(done)
    return visited, screens


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_journey_figures_typical_and_complex_patient(browser, server, orientation):
    viewport = PORTRAIT if orientation == "portrait" else LANDSCAPE
    results = {}
    for patient, answers in PATIENTS.items():
        page = new_page(browser, viewport)
        try:
            visited, screens = walk(page, server.url, answers)
        finally:
            page.context.close()
        # The patient saw exactly the screens their answers call for.
        assert visited == list(answers)
        if patient == "typical":
            welcome_agrees(screens)
        questions = [s for s in screens if s["screen"] in answers]
        results[f"{patient}, {orientation}"] = {
            "viewport": f"{viewport['width']}x{viewport['height']}",
            "screens": len(screens),
            "taps": sum(s["taps"] for s in screens),
            "typed": sum(s["typed"] for s in screens),
            "words": sum(s["words"] for s in screens),
            "seconds": round(sum(seconds(s) for s in screens)),
            # The questions and Check your answers: from Start to Send.
            "seconds_start_to_send": round(
                sum(seconds(s) for s in screens if s["screen"] not in ("welcome", "done"))
            ),
            "question_screens_needing_a_scroll": sum(s["scroll_to_continue"] for s in questions),
            "question_screens": len(questions),
            "check_needs_a_scroll": screens[-3]["scroll_to_continue"],
            "welcome_says_minutes": screens[0]["minutes_said"],
            "per_screen": screens,
        }
    # Both orientations' figures in one file: under xdist the other one may
    # be written by another worker at the same moment.
    with artifact_lock(FIGURES):
        results = {**(json.loads(FIGURES.read_text()) if FIGURES.exists() else {}), **results}
        write_artifact(FIGURES, json.dumps(results, indent=2) + "\n")
        write_artifact(FIGURES.with_suffix(".md"), table(results))


def model_screens() -> list[journey.Screen]:
    """The typical patient's journey as kiosk/core/journey.py models it, on the
    test server's clinic (its name, and what Done says their summary covers)."""
    engine = PlanEngine(load_questionnaire(), load_rules(load_questionnaire()), Policy())
    with language("en"):
        covers = copy_covers.covers(engine.build(TYPICAL_ANSWERS, language="en"))
    consent = engine.consent(TYPICAL_ANSWERS, language="en")
    return journey.journey(
        FLOW, TYPICAL_ANSWERS, "en", clinic="Test Clinic", covers=covers, consent=consent
    )


def welcome_agrees(measured: list[dict]) -> None:
    """Welcome's "It takes about N minutes" is the typical patient's time as
    measured here, rounded up, give or take a minute; and the model it comes
    from counts, screen by screen, the words, taps and typing measured here."""
    model = model_screens()
    assert [(s.name, s.words, s.taps, s.typed) for s in model] == [
        (s["screen"], s["words"], s["taps"], s["typed"]) for s in measured
    ]
    said = measured[0]["minutes_said"]
    assert said == journey.minutes(model)
    seconds_measured = sum(seconds(s) for s in measured)
    assert abs(said - math.ceil(seconds_measured / 60)) <= 1, (said, seconds_measured)


def clock(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest:02d} s"


def table(results: dict) -> str:
    lines = [
        "| patient, tablet | screens | taps | characters typed | time at a reading pace "
        "| of which Start to Send | question screens needing a scroll |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in sorted(results.items()):
        lines.append(
            f"| {name} ({r['viewport']}) | {r['screens']} | {r['taps']} | {r['typed']} "
            f"| {clock(r['seconds'])} | {clock(r['seconds_start_to_send'])} "
            f"| {r['question_screens_needing_a_scroll']} of {r['question_screens']} |"
        )
    said = sorted({r["welcome_says_minutes"] for r in results.values()})
    lines.append(f"\nWelcome says: It takes about {', '.join(map(str, said))} minutes.")
    return "\n".join(lines) + "\n"


def continue_out_of_view(
    page: Page,
    base_url: str,
    *,
    language: str = "",
    words: Callable[[str], str] = str,
    folder: str = "",
) -> dict[str, int]:
    """Walk the typical patient on ``page`` (in ``language``, chosen on
    Welcome by its name; ``words``: the interface in it): the question
    screens whose Continue is not wholly in view as they open, at the top,
    with how many pixels it ends below the window. ``folder``: a screenshot of
    each screen as it opens there."""
    page.goto(base_url + "/")
    if language:
        page.get_by_role("button", name=language).click()
        expect(page.get_by_role("button", name=language)).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name=words("Start")).click()
    hidden = {}
    for n, (step, data) in enumerate(TYPICAL.items(), start=1):
        expect(page).to_have_url(re.compile(rf"/step/{step}$"))
        expect(page.locator("#step form")).to_have_attribute("action", f"/step/{step}")
        page.wait_for_load_state("load")
        page.wait_for_function("() => window.scrollY === 0")  # opened at the top
        button = page.get_by_role("button", name=words("Continue"))
        box = button.bounding_box()
        below = round(box["y"] + box["height"] - page.viewport_size["height"])
        if below > 0:
            hidden[step] = below
        if folder:
            screenshot(page, folder, f"{n:02d}-{step}", full_page=False)
        answer(page, data, {"taps": 0, "typed": 0})
        button.click()
    expect(page).to_have_url(re.compile(r"/check$"))
    return hidden


def test_a_typical_patient_reaches_continue_without_scrolling_on_a_portrait_tablet(browser, server):
    """Every question screen of the typical patient shows its Continue as it
    opens, on a 768 × 1024 tablet held upright (Check your answers excepted)."""
    page = new_page(browser, PORTRAIT)
    try:
        assert continue_out_of_view(page, server.url) == {}
    finally:
        page.context.close()


def test_no_question_screen_of_the_complex_patient_needs_more_than_one_scroll(browser, server):
    """On a 768 × 1024 tablet held upright, every question screen of the
    complex patient is at most two windows tall: one scroll shows the rest."""
    page = new_page(browser, PORTRAIT)
    heights = {}
    try:
        page.goto(server.url + "/")
        page.get_by_role("button", name="Start").click()
        for step, data in COMPLEX.items():
            expect(page).to_have_url(re.compile(rf"/step/{step}$"))
            expect(page.locator("#step form")).to_have_attribute("action", f"/step/{step}")
            page.wait_for_load_state("load")
            heights[step] = page.evaluate("document.documentElement.scrollHeight")
            answer(page, data, {"taps": 0, "typed": 0})
            page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(re.compile(r"/check$"))
    finally:
        page.context.close()
    assert list(heights) == list(COMPLEX)
    too_tall = {step: h for step, h in heights.items() if h > 2 * PORTRAIT["height"]}
    assert too_tall == {}, heights
