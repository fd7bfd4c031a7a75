"""A patient's answers in WebKit, given the way a patient gives them: by what
the screen shows (labels, legends, button and link words, headings).

The Selenium counterpart of ``journey.py``. Every wait is on a condition
(``wait``), never a fixed pause; elements are looked up again on each try, so
a screen htmx swapped in meanwhile is simply read afresh.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PIL import Image
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from kiosk.core.content_folder import load_questionnaire
from kiosk.core.i18n import gettext, language, local
from kiosk.core.policy import Policy

from ..conftest import write_artifact
from ..patient_client import MONTHS
from .webkit import SCREENSHOTS

TIMEOUT = 10  # seconds: a screen of this kiosk answers in milliseconds
SPANISH_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto")
SPANISH_MONTHS += ("septiembre", "octubre", "noviembre", "diciembre")
MONTH_NAMES = {"en": MONTHS, "es": SPANISH_MONTHS}

Scope = WebDriver | WebElement


class Ambiguous(AssertionError):
    """More than one thing on the screen answers to the words given."""


# --- waiting ---------------------------------------------------------------


def wait(
    driver: WebDriver,
    condition: Callable[[WebDriver], Any],
    message: str = "",
    timeout: float = TIMEOUT,
) -> Any:
    """Until ``condition(driver)`` is truthy (its value is returned); elements
    not there yet or replaced meanwhile are simply tried again."""
    return WebDriverWait(
        driver,
        timeout,
        poll_frequency=0.1,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
    ).until(condition, message)


def driver_of(scope: Scope) -> WebDriver:
    return scope.parent if isinstance(scope, WebElement) else scope


def wait_for_load(driver: WebDriver, timeout: float = TIMEOUT) -> None:
    """The document has loaded, its stylesheets too."""
    wait(
        driver,
        lambda d: d.execute_script("return document.readyState") == "complete",
        "the page did not finish loading",
        timeout,
    )


def wait_for_url(driver: WebDriver, pattern: str, timeout: float = TIMEOUT) -> str:
    """Until the address matches the regular expression ``pattern`` (searched)."""
    wait(
        driver,
        lambda d: re.search(pattern, d.current_url),
        f"the address never matched {pattern!r}",
        timeout,
    )
    wait_for_load(driver, timeout)
    return driver.current_url


def go_to(driver: WebDriver, step_id: str, timeout: float = TIMEOUT) -> None:
    """Until the screen ``step_id`` is shown: steps arrive by full loads, htmx
    swaps and history pops, so the address is what tells."""
    wait_for_url(driver, rf"/step/{step_id}(\?|#|$)", timeout)


def heading(driver: WebDriver) -> str:
    """The screen's main heading, as shown."""
    return driver.find_element("css selector", "h1").text.strip()


def wait_for_heading(driver: WebDriver, text: str, timeout: float = TIMEOUT) -> None:
    wait(
        driver,
        lambda d: heading(d) == text,
        f"the heading never read {text!r}",
        timeout,
    )


def wait_for_text(scope: Scope, text: str, timeout: float = TIMEOUT) -> None:
    """Until ``text`` shows somewhere in ``scope`` (the page, or an element)."""
    root = scope if isinstance(scope, WebElement) else None
    wait(
        driver_of(scope),
        lambda d: text in (root or d.find_element("css selector", "body")).text,
        f"{text!r} never showed",
        timeout,
    )


# --- finding things by their words ------------------------------------------

# Visible elements matching ``selector`` whose words (textContent, spaces
# collapsed) equal ``text`` (exact) or contain it, case aside (not exact).
_FIND = """
const [root, selector, text, exact] = arguments;
const words = el => el.textContent.replace(/\\s+/g, " ").trim();
const wanted = exact ? text : text.toLowerCase();
return [...(root || document).querySelectorAll(selector)].filter(el =>
  el.getClientRects().length > 0
  && (exact ? words(el) === wanted : words(el).toLowerCase().includes(wanted)));
"""


def find_all(scope: Scope, selector: str, text: str, *, exact: bool = False) -> list[WebElement]:
    root = scope if isinstance(scope, WebElement) else None
    return driver_of(scope).execute_script(_FIND, root, selector, text, exact)


def find_one(
    scope: Scope, selector: str, text: str, *, exact: bool = False, what: str = "element"
) -> WebElement:
    """The one visible ``selector`` with those words, waited for."""

    def one(_driver):
        found = find_all(scope, selector, text, exact=exact)
        if len(found) > 1:
            raise Ambiguous(f"{len(found)} of {what} {text!r} on the screen")
        return found[0] if found else None

    return wait(driver_of(scope), one, f"no {what} {text!r} on the screen")


def button(scope: Scope, text: str) -> WebElement:
    """The button that reads exactly ``text``."""
    return find_one(
        scope, "button, input[type=submit], [role=button]", text, exact=True, what="button"
    )


def link(scope: Scope, text: str, *, exact: bool = True) -> WebElement:
    """The link that reads ``text`` (``exact=False``: whose words include it,
    as "Change" in "Change First name", the rest for screen readers)."""
    return find_one(scope, "a[href]", text, exact=exact, what="link")


def group(scope: Scope, question: str, *, exact: bool = False) -> WebElement:
    """The fieldset whose legend reads ``question`` (or includes it)."""
    legend = find_one(scope, "legend", question, exact=exact, what="question")
    return legend.find_element("xpath", "..")


def label(scope: Scope, text: str, *, exact: bool = False) -> WebElement:
    return find_one(scope, "label", text, exact=exact, what="label")


def field(scope: Scope, text: str, *, exact: bool = False) -> WebElement:
    """The input, select or text area a label names."""
    found = label(scope, text, exact=exact)
    control = driver_of(scope).execute_script("return arguments[0].control", found)
    if control is None:
        raise AssertionError(f"the label {text!r} names no field")
    return control


def press(scope: Scope, text: str) -> None:
    """Press the button that reads ``text``."""
    button(scope, text).click()


def press_continue(driver: WebDriver) -> None:
    press(driver, "Continue")


def check(scope: Scope, text: str, *, exact: bool = False) -> None:
    """Tick a box or pick an option by tapping its label, as a patient does;
    one already ticked stays ticked."""
    found = label(scope, text, exact=exact)
    driver = driver_of(scope)
    control = driver.execute_script("return arguments[0].control", found)
    if not control.is_selected():
        found.click()
    wait(driver, lambda _d: control.is_selected(), f"{text!r} did not become ticked")


def uncheck(scope: Scope, text: str, *, exact: bool = False) -> None:
    found = label(scope, text, exact=exact)
    driver = driver_of(scope)
    control = driver.execute_script("return arguments[0].control", found)
    if control.is_selected():
        found.click()
    wait(driver, lambda _d: not control.is_selected(), f"{text!r} stayed ticked")


def is_checked(scope: Scope, text: str, *, exact: bool = False) -> bool:
    return field(scope, text, exact=exact).is_selected()


def fill(scope: Scope, text: str, value: str, *, exact: bool = False) -> None:
    """Type ``value`` into the box the label ``text`` names, emptied first."""
    box = field(scope, text, exact=exact)
    box.clear()
    box.send_keys(value)
    wait(
        driver_of(scope),
        lambda _d: box.get_property("value") == value,
        f"{text!r} did not take {value!r}",
    )


def choose(scope: Scope, text: str, option: str, *, exact: bool = False) -> None:
    """Pick ``option`` by its words in the list the label ``text`` names."""
    Select(field(scope, text, exact=exact)).select_by_visible_text(option)


def alert(driver: WebDriver) -> WebElement:
    """The message shown with ``role=alert`` (such as the error summary), waited for."""
    return wait(
        driver,
        lambda d: next(
            (e for e in d.find_elements("css selector", "[role=alert]") if e.is_displayed()), None
        ),
        "no alert on the screen",
    )


def answer_row(driver: WebDriver, question: str) -> WebElement:
    """A row of Check your answers, by the exact words of its question."""
    key = find_one(driver, ".summary-list__key", question, exact=True, what="row")
    return key.find_element("xpath", "..")


def answer_text(driver: WebDriver, question: str) -> str:
    """What Check your answers shows as the answer to ``question``."""
    return answer_row(driver, question).find_element("css selector", ".summary-list__value").text


def change(driver: WebDriver, question: str, word: str = "Change") -> None:
    """Press the Change link of the row ``question`` of Check your answers."""
    link(answer_row(driver, question), word, exact=False).click()


# --- the English questionnaire, screen by screen ----------------------------


def none_of_these_apply(driver: WebDriver) -> None:
    check(driver, "None of these apply to me")


def tick(driver: WebDriver, *lines: str) -> None:
    """Tick the lines of the screen's checklist, else "None of these apply to me"."""
    for line in lines:
        check(driver, line)
    if not lines:
        none_of_these_apply(driver)


def start(driver: WebDriver, base_url: str) -> None:
    """Welcome, then Start."""
    driver.get(base_url + "/")
    press(driver, "Start")
    go_to(driver, "about")


def about(driver: WebDriver, name: str = "Maya") -> None:
    wait_for_heading(driver, "About you")
    fill(driver, "Your first name", name)
    check(driver, "30 to 39")
    check(group(driver, "May we contact you"), "No", exact=True)
    press_continue(driver)
    go_to(driver, "concerns")


def concerns(driver: WebDriver) -> None:
    wait_for_heading(driver, "What would you like to improve?")
    check(driver, "Fine lines and wrinkles")
    check(driver, "Acne scars")
    check(driver, "Face", exact=True)
    press_continue(driver)
    go_to(driver, "skin_type")


def skin_type(driver: WebDriver) -> None:
    wait_for_heading(driver, "Your skin in the sun")
    check(driver, "I sometimes burn and tan gradually")
    press_continue(driver)
    go_to(driver, "skin_today")


def skin_today(driver: WebDriver) -> None:
    wait_for_heading(driver, "Your skin today")
    none_of_these_apply(driver)
    press_continue(driver)
    go_to(driver, "health_history")


def health_history(driver: WebDriver, *ticked: str) -> None:
    wait_for_heading(driver, "Your general health")
    tick(driver, *ticked)
    press_continue(driver)
    go_to(driver, "medicines")


def medicines(driver: WebDriver, *ticked: str, isotretinoin: str = "No, never") -> None:
    """The medicines checklist; where Continue leads depends on what is ticked."""
    wait_for_heading(driver, "Medicines and allergies")
    tick(driver, *ticked)
    check(group(driver, "isotretinoin"), isotretinoin)
    press_continue(driver)


def goals(driver: WebDriver) -> None:
    wait_for_heading(driver, "Your goals and plans")
    check(driver, "2 to 3 days")
    check(driver, "Microneedling with a pen")
    check(group(driver, "at-home derma roller"), "No", exact=True)
    press_continue(driver)
    go_to(driver, "event")


def enter_date(
    driver: WebDriver, question: str, date: dt.date, lang: str = "en", words: Mapping | None = None
) -> None:
    """Type the day and year, and pick the month by its name, in the boxes of
    the date question ``question``; ``words``: the boxes' labels (Day, Month,
    Year) in the patient's language."""
    words = words or {"Day": "Day", "Month": "Month", "Year": "Year"}
    boxes = group(driver, question)
    fill(boxes, words["Day"], str(date.day), exact=True)
    choose(boxes, words["Month"], MONTH_NAMES[lang][date.month - 1], exact=True)
    fill(boxes, words["Year"], str(date.year), exact=True)


def event(driver: WebDriver, date: dt.date | None = None) -> None:
    """The last question; Continue leads to Check your answers."""
    wait_for_heading(driver, "Is there a date you are planning for?")
    if date:
        enter_date(driver, "Date of your event", date)
    press_continue(driver)
    wait_for_url(driver, r"/check(#|$)")
    wait_for_heading(driver, "Check your answers")


def whole_questionnaire(
    driver: WebDriver, base_url: str, name: str = "Maya", date: dt.date | None = None
) -> None:
    """Welcome to Check your answers, as a patient with no health issues."""
    start(driver, base_url)
    about(driver, name)
    concerns(driver)
    skin_type(driver)
    skin_today(driver)
    health_history(driver)
    medicines(driver)
    go_to(driver, "goals")
    goals(driver)
    event(driver, date)


def draw_signature(driver: WebDriver) -> None:
    """Sign in the consent's drawing area as a finger would: two strokes,
    through WebDriver's pointer actions (offsets from the area's centre)."""
    canvas = driver.find_element("css selector", "#signature-canvas")
    wait(driver, lambda d: canvas.is_displayed(), "the drawing area never showed")
    # Pointer actions land in the window: the area in view first.
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
    width, height = canvas.size["width"], canvas.size["height"]
    for stroke in (
        [(-0.4, 0.2), (-0.32, -0.2), (-0.24, 0.25), (-0.16, -0.15), (-0.08, 0.2)],
        [(0.0, 0.05), (0.15, 0.0), (0.3, 0.08)],
    ):
        actions = ActionChains(driver)
        first, *rest = stroke
        actions.move_to_element_with_offset(canvas, int(first[0] * width), int(first[1] * height))
        actions.click_and_hold()
        here = first
        for point in rest:
            actions.move_by_offset(
                int((point[0] - here[0]) * width), int((point[1] - here[1]) * height)
            )
            here = point
        actions.release().perform()
    wait(
        driver,
        lambda d: d.find_element("css selector", "#signature").get_attribute("value"),
        "the signature never reached its field",
    )


def to_consent(driver: WebDriver, words: str = "Continue") -> None:
    """From Check your answers on to the consent."""
    press(driver, words)
    wait_for_url(driver, r"/consent$")
    wait_for_load(driver)


def send(
    driver: WebDriver,
    name: str,
    *,
    continue_words: str = "Continue",
    sign_words: str = "Sign and send my answers",
    thanks: str = "",
) -> str:
    """From Check your answers, on to the consent, sign it with a finger and
    send; wait for Done ("Thank you, ``name``", or ``thanks`` in another
    language); returns the reference."""
    to_consent(driver, continue_words)
    draw_signature(driver)
    return send_signed(driver, name, sign_words=sign_words, thanks=thanks)


def send_signed(
    driver: WebDriver, name: str, *, sign_words: str = "Sign and send my answers", thanks: str = ""
) -> str:
    """Press Sign on the signed consent and wait for Done; returns the reference."""
    press(driver, sign_words)
    wait_for_url(driver, r"/done$")
    wait_for_heading(driver, thanks or f"Thank you, {name}")
    return driver.find_element("css selector", ".reference").text.strip()


# --- any language, from the content files ---------------------------------

# As the kiosk shows it: policy values filled in ("in the last 2 weeks").
QUESTIONNAIRE = load_questionnaire().with_policy(Policy().as_dict())
QUESTIONS = {q.id: q for s in QUESTIONNAIRE.steps for q in s.questions}


def ui(message: str, lang: str = "en", **params) -> str:
    """An interface string as the kiosk shows it in ``lang``."""
    with language(lang):
        return gettext(message, **params)


def choose_language(driver: WebDriver, name: str, lang: str) -> None:
    """On Welcome, press the language button ``name`` ("Español")."""
    press(driver, name)
    wait(
        driver,
        lambda d: d.find_element("css selector", "html").get_attribute("lang") == lang,
        f"the page never turned to {lang!r}",
    )
    wait_for_load(driver)


def answer_screen(driver: WebDriver, answers: Mapping[str, Any], lang: str) -> str:
    """Answer the screen shown from ``answers`` (question id → value, as in
    the answer files), by the words of ``lang``; returns its heading."""
    title = heading(driver)
    step = next(s for s in QUESTIONNAIRE.steps if local(s.title, lang) == title)
    words = {part: ui(part, lang) for part in ("Day", "Month", "Year")}
    if step.checklist:
        checklist = group(driver, local(step.checklist.label, lang), exact=True)
        ticked = [q for q in step.checklist_items if answers.get(q.id)]
        for question in ticked:
            check(checklist, local(question.item or question.label, lang), exact=True)
        if not ticked:
            check(checklist, local(step.checklist.none, lang), exact=True)
    for question in step.questions:
        if question in step.checklist_items or question.id not in answers:
            continue
        value, words_of = answers[question.id], local(question.label, lang)
        if question.type in ("text", "textarea", "integer", "phone", "email"):
            if find_all(driver, "label", words_of, exact=True):  # asked on this screen
                fill(driver, words_of, str(value), exact=True)
            continue
        if not find_all(driver, "legend", words_of, exact=True):
            continue  # a follow-up these answers do not call for
        box = group(driver, words_of, exact=True)
        if question.type == "date":
            enter_date(driver, words_of, value, lang, words)
        elif question.type == "yesno":
            check(box, ui("Yes" if value else "No", lang), exact=True)
        else:
            for chosen in value if isinstance(value, list) else [value]:
                option = next(o for o in question.options if o.value == chosen)
                check(box, local(option.label, lang))
    return title


def questionnaire_in(
    driver: WebDriver,
    base_url: str,
    answers: Mapping[str, Any],
    lang: str,
    language_name: str,
    on_screen: Callable[[int, str], None] | None = None,
) -> None:
    """Welcome in ``lang`` (its button ``language_name``), then every screen
    answered from ``answers`` until Check your answers. ``on_screen(n,
    heading)`` is called on Welcome (``n`` 0) once the language is chosen,
    and on each question screen once answered (to take a picture)."""
    driver.get(base_url + "/")
    choose_language(driver, language_name, lang)
    if on_screen:
        on_screen(0, heading(driver))
    press(driver, ui("Start", lang))
    go_to(driver, "about")
    for n in range(1, 20):
        wait_for_url(driver, r"/(step/\w+|check)(#|$)")
        if re.search(r"/check(#|$)", driver.current_url):
            wait_for_heading(driver, ui("Check your answers", lang))
            return
        title = answer_screen(driver, answers, lang)
        if on_screen:
            on_screen(n, title)
        press(driver, ui("Continue", lang))
        wait(driver, lambda d, title=title: heading(d) != title, f"{title!r} stayed")
    raise AssertionError("the questionnaire never reached Check your answers")


# --- pictures ---------------------------------------------------------------


def screenshot(driver: WebDriver, folder: str, name: str, *, full_page: bool = True) -> Path:
    """A picture under ``tests/artifacts/screenshots/webkit/<folder>/``: the
    whole page, or (``full_page=False``) what the window shows now.

    WebKitWebDriver only pictures what is in the window, so the whole page is
    pictured a window's height at a time and put together (nothing on these
    pages is fixed in place to show up twice); the window keeps its size, so
    the page is laid out as on the tablet.
    """
    path = SCREENSHOTS / folder / f"{name}.png"
    wait_for_load(driver)  # never a page still waiting for its stylesheet
    if not full_page:
        return write_artifact(path, driver.get_screenshot_as_png())
    width, height, total, scale, was = driver.execute_script(
        "const d = document.documentElement;"
        "return [innerWidth, innerHeight, d.scrollHeight, devicePixelRatio, scrollY]"
    )
    total = max(total, height)
    whole = Image.new("RGB", (round(width * scale), round(total * scale)))
    for top in sorted({min(top, total - height) for top in range(0, total, height)}):
        driver.execute_script("window.scrollTo({top: arguments[0], behavior: 'instant'})", top)
        wait(driver, lambda d, top=top: d.execute_script("return scrollY") == top, "no scroll")
        part = Image.open(io.BytesIO(driver.get_screenshot_as_png()))
        whole.paste(part, (0, round(top * scale)))
    driver.execute_script("window.scrollTo({top: arguments[0], behavior: 'instant'})", was)
    picture = io.BytesIO()
    whole.save(picture, format="PNG")
    return write_artifact(path, picture.getvalue())


def idle_dialog(driver: WebDriver):
    """The "Are you still there?" dialog if it is open and shown, else None."""
    dialog = driver.find_element("css selector", "[role=alertdialog]")
    shown = dialog.get_attribute("open") is not None and dialog.is_displayed()
    return dialog if shown and "Are you still there?" in dialog.text else None
