"""A patient back for a later session of their course, in real WebKit (the
engine of every browser on an iPad): a mistyped code, then the right one as
read aloud, only the screens asked again, and Back to Welcome keeps the
answers for "Continue my answers"."""

from __future__ import annotations

import sqlite3

import pytest

from kiosk import create_app

from ..staff_helpers import add_consultation
from . import webkit_journey as wj
from .conftest import LiveServer
from .webkit import webkit_display_fixture, webkit_driver_fixture, webkit_fixture  # noqa: F401

pytestmark = pytest.mark.webkit

NOT_FOUND = (
    "We could not find a summary with that code and first name. Check the code on your "
    "summary, or answer all the questions as a new patient."
)


@pytest.fixture
def server(tmp_path, migrated_instance):
    """The kiosk as a clinic has it by default: the returning patient signs
    the consent again after Check your answers."""
    live = LiveServer(migrated_instance(tmp_path / "instance"))
    live.start()
    yield live
    live.stop()


def linked(server) -> list[tuple[str, str | None]]:
    """Each consultation's reference and the id of the one it follows."""
    with sqlite3.connect(server.database) as db:
        return db.execute(
            "select reference, previous_id from consultations order by submitted_at"
        ).fetchall()


def test_a_returning_patient_rescreens_in_webkit(webkit, server):
    driver = webkit
    earlier = add_consultation(
        create_app({"INSTANCE_PATH": str(server.instance)}), "fine-lines-no-flags"
    )
    driver.get(server.url + "/")
    wj.wait_for_heading(driver, "Welcome to Test Clinic")
    wj.link(driver, "I have been here before").click()
    wj.wait_for_heading(driver, "You have been here before")

    wj.fill(driver, "Reference code", "K7P 4QX")
    wj.fill(driver, "Your first name", "Maya")
    wj.press_continue(driver)
    wj.wait_for_text(wj.alert(driver), NOT_FOUND)
    assert wj.field(driver, "Reference code").get_attribute("value") == "K7P 4QX"
    assert wj.field(driver, "Your first name").get_attribute("value") == "Maya"
    assert "K7P" not in driver.current_url
    wj.screenshot(driver, "returning", "webkit-code-error", full_page=False)

    wj.fill(driver, "Reference code", earlier.reference.lower().replace("-", " "))
    wj.fill(driver, "Your first name", "MAYA ")
    wj.press_continue(driver)
    wj.go_to(driver, "skin_today")
    wj.wait_for_heading(driver, "Your skin today")
    # Back on the first screen leads to Welcome, which keeps the answers.
    wj.link(driver, "Back").click()
    wj.wait_for_heading(driver, "Welcome to Test Clinic")
    wj.press(driver, "Continue my answers")
    wj.go_to(driver, "skin_today")
    wj.skin_today(driver)
    wj.health_history(driver)
    wj.medicines(driver)
    wj.wait_for_url(driver, r"/check(#|$)")
    wj.wait_for_heading(driver, "Check your answers")
    assert wj.answer_text(driver, "Isotretinoin") == "No, never"
    assert "Fine lines" not in driver.page_source
    reference = wj.send(driver, "Maya")
    assert reference != earlier.reference
    assert linked(server) == [(earlier.reference, None), (reference, earlier.id)]
