"""WCAG 2.2 AA checks in real Chromium: axe-core on every page, keyboard only,
text at 200 %."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from kiosk import create_app

from ..staff_helpers import create_account
from . import journey
from .conftest import LANDSCAPE, PORTRAIT, LiveServer, new_page, screenshot

SERIOUS = {"serious", "critical"}


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


class Scanner:
    def __init__(self, page: Page):
        self.page = page
        self.found: dict[str, list[str]] = {}

    def scan(self, name: str) -> None:
        self.found[name] = serious_violations(self.page)

    def assert_clean(self) -> None:
        problems = {name: v for name, v in self.found.items() if v}
        assert problems == {}, problems
        assert len(self.found) >= 5


@pytest.fixture
def idle_server(tmp_path, migrated_instance):
    live = LiveServer(migrated_instance(tmp_path / "instance"), KIOSK_IDLE_SECONDS="3")
    live.start()
    yield live
    live.stop()


def test_axe_finds_nothing_serious_on_any_patient_page(browser, server):
    page = new_page(browser)
    scanner = Scanner(page)
    page.goto(server.url + "/")
    scanner.scan("welcome")
    page.get_by_role("button", name="Start").click()
    journey.go_to(page, "about")
    scanner.scan("about")
    journey.press_continue(page)
    expect(page.get_by_role("alert")).to_be_visible()
    scanner.scan("about with errors")
    journey.about(page)
    scanner.scan("concerns")
    journey.concerns(page)
    scanner.scan("skin type")
    journey.skin_type(page)
    scanner.scan("skin today")
    journey.skin_today(page)
    scanner.scan("health history")
    journey.health_history(page)
    scanner.scan("medicines")
    journey.medicines(page, "Blood thinners", isotretinoin="Yes, I have stopped")
    journey.go_to(page, "medicine_details")
    page.get_by_label("how many months ago").fill("lots")
    journey.press_continue(page)
    expect(page.get_by_role("alert")).to_be_visible()
    scanner.scan("medicine details with errors")
    page.get_by_label("how many months ago").fill("4")
    journey.press_continue(page)
    journey.go_to(page, "goals")
    scanner.scan("goals")
    journey.goals(page)
    scanner.scan("event")
    journey.event(page)
    scanner.scan("check answers")
    journey.to_consent(page)
    scanner.scan("consent")
    page.get_by_role("button", name="Sign and send my answers").click()
    expect(page.get_by_role("alert")).to_be_visible()
    scanner.scan("consent with errors")
    journey.draw_signature(page)
    page.get_by_role("button", name="Sign and send my answers").click()
    expect(page).to_have_url(re.compile(r"/done$"))
    scanner.scan("done")
    page.goto(server.url + "/step/nowhere")
    scanner.scan("not found")
    page.context.close()
    scanner.assert_clean()


def test_axe_finds_nothing_serious_in_the_idle_warning(browser, idle_server):
    page = new_page(browser)
    scanner = Scanner(page)
    journey.start(page, idle_server.url)
    expect(page.get_by_role("alertdialog")).to_be_visible(timeout=8_000)
    scanner.scan("idle warning")
    page.get_by_role("button", name="I need more time").click()
    page.context.close()
    assert scanner.found == {"idle warning": []}


def test_axe_finds_nothing_serious_on_any_staff_page(browser, server):
    app = create_app({"INSTANCE_PATH": str(server.instance)})
    password = create_account(app, "ana", "admin", "Ana Admin")
    patient = new_page(browser)
    journey.whole_questionnaire(patient, server.url, name="Wen")
    journey.send_answers(patient)
    expect(patient).to_have_url(re.compile(r"/done$"))
    patient.context.close()

    page = new_page(browser, LANDSCAPE)
    scanner = Scanner(page)
    page.goto(server.url + "/staff/login")
    scanner.scan("login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    scanner.scan("login with errors")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Consultations")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Wen")).to_be_visible()
    scanner.scan("queue")
    page.get_by_role("row").filter(has_text="Wen").get_by_role("link").click()
    scanner.scan("consultation")
    page.get_by_role("button", name="Save note").click()
    scanner.scan("consultation with a note error")
    page.get_by_role("link", name="Delete…").click()
    scanner.scan("delete confirmation")
    page.goto(server.url + "/staff/audit")
    scanner.scan("audit log")
    page.get_by_role("link", name="Exports").click()
    scanner.scan("exports")
    page.get_by_label("From").fill("32/01/2026")
    page.get_by_role("button", name="Download").click()
    expect(page.get_by_role("alert")).to_be_visible()
    scanner.scan("exports with errors")
    page.get_by_role("link", name="Change my password").click()
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_role("alert")).to_be_visible()
    scanner.scan("change my password with errors")
    screenshot(page, "staff", "change-my-password-errors")
    page.context.close()
    scanner.assert_clean()


def tab_to(page: Page, target: Locator, limit: int = 60) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {target} with the Tab key")


def choose(page: Page, group: Locator, label: str, exact: bool = True) -> None:
    """Tab into a radio group, then arrow keys to the option (which selects it)."""
    radios = group.get_by_role("radio")
    tab_to(page, radios.first)
    wanted = group.get_by_label(label, exact=exact)
    for _ in range(radios.count() + 1):
        if wanted.is_checked():
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"could not choose {label} with the keyboard")


def tick(page: Page, box: Locator) -> None:
    tab_to(page, box)
    page.keyboard.press("Space")
    expect(box).to_be_checked()


def submit(page: Page) -> None:
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")


def answer_every_group_no(page: Page) -> None:
    groups = page.get_by_role("group")
    for n in range(groups.count()):
        group = groups.nth(n)
        if group.get_by_label("No", exact=True).count():
            choose(page, group, "No")


def test_whole_questionnaire_by_keyboard_alone(browser, server):
    page = new_page(browser, PORTRAIT)
    page.goto(server.url + "/")
    # The skip link comes first and works.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    tab_to(page, page.get_by_role("button", name="Start"))
    page.keyboard.press("Enter")
    journey.go_to(page, "about")

    submit(page)  # nothing filled in: the error summary takes the focus
    expect(page.get_by_role("alert")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your first name")).to_be_focused()
    page.keyboard.type("Keith")
    choose(page, journey.group(page, "How old are you?"), "40 to 49")
    choose(page, journey.group(page, "May we contact you"), "No")
    submit(page)
    journey.go_to(page, "concerns")
    expect(journey.heading(page)).to_be_focused()

    tick(page, page.get_by_label("Acne scars"))
    tick(page, page.get_by_label("Face", exact=True))
    submit(page)
    journey.go_to(page, "skin_type")
    choose(
        page,
        journey.group(page, "Which sounds most like you?"),
        "I rarely burn and tan easily",
        exact=False,
    )
    submit(page)
    journey.go_to(page, "skin_today")
    tick(page, page.get_by_label("None of these apply to me"))
    submit(page)
    journey.go_to(page, "health_history")
    tick(page, page.get_by_label("None of these apply to me"))
    submit(page)
    journey.go_to(page, "medicines")
    tick(page, page.get_by_label("None of these apply to me"))
    choose(page, journey.group(page, "isotretinoin"), "No, never")
    submit(page)
    journey.go_to(page, "goals")
    choose(page, journey.group(page, "How long could you cope"), "Up to a week")
    choose(page, journey.group(page, "Which treatment"), "Not sure yet")
    answer_every_group_no(page)
    submit(page)
    journey.go_to(page, "event")
    submit(page)
    expect(page).to_have_url(re.compile(r"/check$"))
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/consent$"))
    # No finger: the typed name, opened, filled in and ticked from the keyboard.
    tab_to(page, page.get_by_text("Cannot sign with your finger? Type your full name instead"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("Your full name"))
    page.keyboard.type("Keith Moss")
    tick(page, page.get_by_label("I agree, and my typed name is my signature"))
    tab_to(page, page.get_by_role("button", name="Sign and send my answers"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/done$"))
    expect(journey.heading(page)).to_have_text("Thank you, Keith")
    page.context.close()


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_text_at_200_percent_loses_nothing(browser, server, viewport):
    page = new_page(browser, viewport)
    journey.start(page, server.url)
    page.evaluate("document.documentElement.style.fontSize = '250%'")  # 200 % of 125 %
    for step in ("about",):
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{step}: sideways scrolling of {overflow}px at 200 % text"
    for control in (
        page.get_by_label("Your first name"),
        page.get_by_label("60 or over"),
        page.get_by_role("button", name="Continue"),
    ):
        control.scroll_into_view_if_needed()
        expect(control).to_be_visible()
        box = control.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= viewport["width"]
    page.context.close()


# Larger text, browser zoom at 200 %, and both, on each tablet.
ENLARGED = [
    ("portrait-larger-text", PORTRAIT, 1, True),
    ("landscape-larger-text", LANDSCAPE, 1, True),
    ("portrait-zoom-200", PORTRAIT, 2, False),
    ("landscape-zoom-200", LANDSCAPE, 2, False),
    ("portrait-zoom-200-larger-text", PORTRAIT, 2, True),
    ("landscape-zoom-200-larger-text", LANDSCAPE, 2, True),
]
LONG_CLINIC_NAME = "Riverside Skin and Laser Clinic"

HEADER_LAYOUT = """() => {
  const box = el => el.getBoundingClientRect();
  const lines = el => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map(r => Math.round(r.bottom))).size;
  };
  const part = selector => {
    const el = document.querySelector(selector);
    const r = box(el);
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            lines: lines(el), sticksOut: el.scrollWidth - el.clientWidth};
  };
  return {
    width: document.documentElement.clientWidth,
    height: window.innerHeight,
    scrollWidth: document.documentElement.scrollWidth,
    header: part(".masthead"),
    clinic: part(".masthead__clinic"),
    service: part(".masthead__service"),
    button: part(".masthead__button"),
    languages: [...document.querySelectorAll(".button--language")].map(el => {
      const r = box(el);
      return {left: r.left, right: r.right, lines: lines(el)};
    }),
  };
}"""


def assert_header_holds_up(page: Page) -> dict:
    """The clinic's name, the service and the Larger text button each in the
    window, none over another; the button's words on one line, beside the
    name and service or on its own line under them, never under the name
    beside the service; no word of the name sticking out."""
    page.wait_for_load_state("load")
    layout = page.evaluate(HEADER_LAYOUT)
    width = layout["width"]
    assert layout["scrollWidth"] <= width, f"scrolls sideways by {layout['scrollWidth'] - width}px"
    clinic, service, button = layout["clinic"], layout["service"], layout["button"]
    for name, part in (("clinic", clinic), ("service", service), ("button", button)):
        assert part["left"] >= 0, name
        assert part["right"] <= width, name
    assert clinic["sticksOut"] <= 0
    assert button["lines"] == 1, "the button's words break over two lines"
    assert service["lines"] == 1
    assert clinic["bottom"] <= service["top"], "the service under the clinic's name"
    beside = button["left"] >= max(clinic["right"], service["right"])
    below = button["top"] >= service["bottom"] and abs(button["left"] - clinic["left"]) < 1
    assert beside or below, layout
    for language in layout["languages"]:
        assert language["left"] >= 0
        assert language["right"] <= width
        assert language["lines"] == 1
    return layout


@pytest.mark.parametrize(
    ("name", "viewport", "zoom", "larger"), ENLARGED, ids=[e[0] for e in ENLARGED]
)
def test_the_header_holds_up_with_larger_text_and_at_200_percent_zoom(
    browser, tmp_path, migrated_instance, name, viewport, zoom, larger
):
    instance = migrated_instance(tmp_path / "instance")
    server = LiveServer(instance, KIOSK_CLINIC_NAME=LONG_CLINIC_NAME)
    server.start()
    try:
        page = new_page(browser, viewport, zoom=zoom)
        page.goto(server.url + "/")
        if larger:
            page.get_by_role("button", name="Larger text").click()
            expect(page.get_by_role("button", name="Larger text")).to_have_attribute(
                "aria-pressed", "true"
            )
        for language in ("English", "Español"):
            with page.expect_navigation():  # Welcome again, in that language
                page.get_by_role("button", name=language).click()
            expect(page.get_by_role("button", name=language)).to_have_attribute(
                "aria-pressed", "true"
            )
            assert_header_holds_up(page)
            screenshot(page, "header", f"{name}-welcome-{language[:2].lower()}", full_page=False)
        page.get_by_role("button", name="Empezar").click()
        journey.go_to(page, "about")
        layout = assert_header_holds_up(page)
        # The header leaves most of the window to the question.
        assert layout["header"]["bottom"] <= layout["height"] / 2
        screenshot(page, "header", f"{name}-step", full_page=False)
        page.context.close()
    finally:
        server.stop()


def test_larger_text_toggle_lasts_for_this_patient_only(browser, server):
    page = new_page(browser)
    page.goto(server.url + "/")
    toggle = page.get_by_role("button", name="Larger text")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    toggle.click()
    expect(page.get_by_role("button", name="Larger text")).to_have_attribute("aria-pressed", "true")
    # The toggle reloads the page: measure once its style sheet has applied.
    page.wait_for_load_state("load")
    larger = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert larger >= size * 1.2
    page.get_by_role("button", name="Start").click()
    journey.go_to(page, "about")
    assert page.evaluate("document.documentElement.classList.contains('large-text')"), (
        "kept through the questionnaire"
    )
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    page.context.close()
