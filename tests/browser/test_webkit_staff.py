"""A clinician on an iPad (WebKit): one consultation's work on one screen
upright, and the answers at a glance kept in view while the answers are read."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from . import webkit_journey as wj
from .test_staff_day import OWN_WORDS, busiest_consultation, clinic, server  # noqa: F401
from .webkit import webkit_display_fixture, webkit_driver_fixture, webkit_fixture  # noqa: F401


def in_window(driver, selector: str) -> bool:
    return driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth",
        selector,
    )


def test_a_consultation_on_an_upright_ipad(webkit, server, clinic):  # noqa: F811
    app, passwords = clinic
    stored = busiest_consultation(app)
    webkit.get(server.url + "/staff/login")
    webkit.find_element(By.ID, "username").send_keys("sam")
    webkit.find_element(By.ID, "password").send_keys(passwords["sam"])
    webkit.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wj.wait(
        webkit, lambda d: "/staff/" in d.current_url and "login" not in d.current_url, "signed in"
    )
    webkit.get(f"{server.url}/staff/c/{stored.id}")
    wj.wait_for_load(webkit)
    for selector in ["h1", ".facts--compact", ".consultation__glance", "#flags-title", "#text"]:
        assert in_window(webkit, selector), f"{selector} is not wholly in the window"
    flags = webkit.find_elements(By.CSS_SELECTOR, ".flag")
    assert len(flags) == 4
    assert in_window(webkit, ".flag:last-of-type")
    assert in_window(webkit, ".note")
    assert in_window(webkit, "#review .actions")
    assert OWN_WORDS in webkit.find_element(By.CSS_SELECTOR, ".consultation__glance").text
    overflow = webkit.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    wj.screenshot(webkit, "staff", "consultation-portrait", full_page=False)

    # Down at the full answers, the glance is still beside them.
    webkit.execute_script("document.getElementById('answers-title').scrollIntoView()")
    assert webkit.execute_script("return scrollY") > 500
    assert in_window(webkit, ".consultation__glance")
    wj.screenshot(webkit, "staff", "consultation-portrait-answers", full_page=False)
