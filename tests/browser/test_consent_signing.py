"""Signing the consent in Chromium: with a finger (the mouse draws as a finger
does), through a turn of the tablet, cleared and signed again; and without
JavaScript, with a typed full name. (WebKit: test_webkit_journey.py.)"""

from __future__ import annotations

import json
import re
import sqlite3

from playwright.sync_api import Page, expect

from . import journey
from .conftest import LANDSCAPE, PORTRAIT, new_page, screenshot

# The bounds of what is drawn on the canvas, in CSS pixels: [left, top, right, bottom].
INK = """canvas => {
  const ratio = canvas.width / canvas.offsetWidth;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let box = null;
  for (let i = 3; i < data.length; i += 4) {
    if (data[i] < 128) continue;
    const x = ((i - 3) / 4) % canvas.width, y = Math.floor((i - 3) / 4 / canvas.width);
    box = box ? [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)]
              : [x, y, x, y];
  }
  return box && box.map(v => Math.round(v / ratio));
}"""


def stored_signature(server) -> tuple[dict | None, str | None]:
    with sqlite3.connect(server.database) as db:
        signature, typed = db.execute("select signature, typed_name from consents").fetchone()
    return (json.loads(signature) if signature else None), typed


def next_frames(page: Page) -> None:
    """Wait for the page to draw twice: its resize handled."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def ink_width(page: Page) -> int:
    box = page.locator("#signature-canvas").evaluate(INK)
    return box[2] - box[0] if box else 0


def test_a_signature_survives_a_turn_of_the_tablet_and_clear_starts_again(browser, server):
    page = new_page(browser, PORTRAIT)
    journey.whole_questionnaire(page, server.url)
    journey.to_consent(page)
    journey.draw_signature(page)
    signed = page.locator("#signature").input_value()
    drawn = ink_width(page)
    assert drawn > 200
    # Turned sideways and back: the same strokes kept, drawn again at the
    # area's new size each time (never shrinking with each turn).
    for size in (LANDSCAPE, PORTRAIT, LANDSCAPE, PORTRAIT):
        page.set_viewport_size(size)
        next_frames(page)
        expect(page.locator("#signature")).to_have_value(signed)
    assert abs(ink_width(page) - drawn) <= 2
    # Clear: nothing drawn, nothing sent; signing again is kept instead.
    page.get_by_role("button", name="Clear").click()
    expect(page.locator("#signature")).to_have_value("")
    assert ink_width(page) == 0
    journey.draw_signature(page)
    page.get_by_role("button", name="Sign and send my answers").click()
    expect(page).to_have_url(re.compile(r"/done$"))
    signature, typed = stored_signature(server)
    assert typed is None
    assert len(signature["strokes"]) == 2
    page.context.close()


def test_without_javascript_a_typed_name_and_a_tick_sign(browser, server):
    page = new_page(browser, PORTRAIT, javascript=False)
    journey.whole_questionnaire(page, server.url)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/consent$"))
    # No script: no drawing area; the typed name is open from the start.
    expect(page.locator("#signature-canvas")).to_be_hidden()
    expect(page.get_by_label("Your full name")).to_be_visible()
    page.get_by_role("button", name="Sign and send my answers").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Sign in the box, or type your full name and tick the box below it"
    )
    page.get_by_label("Your full name").fill("Maya Patel")
    page.get_by_label("The clinic may take photos").check()
    page.get_by_role("button", name="Sign and send my answers").click()
    expect(page.get_by_role("alert")).to_contain_text("Tick the box to confirm")
    # What was given is still there.
    expect(page.get_by_label("Your full name")).to_have_value("Maya Patel")
    expect(page.get_by_label("The clinic may take photos")).to_be_checked()
    screenshot(page, "consent-no-js", "01-typed-name-without-its-tick")
    page.get_by_label("I agree, and my typed name is my signature").check()
    page.get_by_role("button", name="Sign and send my answers").click()
    expect(page).to_have_url(re.compile(r"/done$"))
    signature, typed = stored_signature(server)
    assert signature is None
    assert typed == "Maya Patel"
    page.context.close()
