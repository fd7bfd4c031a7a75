"""Real WebKit, the iPad's engine, driving the real server.

Debian's webkit2gtk-driver: ``/usr/bin/WebKitWebDriver`` starts WebKitGTK's
``MiniBrowser`` for each Selenium session, on an X display of our own (Xvfb,
not ``--headless``). Xvfb and the driver are started once per test session (per
xdist worker: each has its own display, driver port and logs) and
stopped by their own process ids; each test gets a fresh MiniBrowser: fresh
cookies, an empty back-forward cache.

MiniBrowser keeps WebKit's back-forward (page) cache on, as Safari on an iPad
does: Back after a full page load can show the earlier page as it was left,
without asking the server.

Use in a test module::

    from .webkit import webkit_display_fixture, webkit_driver_fixture, webkit_fixture  # noqa: F401
"""

from __future__ import annotations

import glob
import os
import select
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.proxy import Proxy
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.remote_connection import RemoteConnection
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from selenium.webdriver.webkitgtk.service import Service

from ..conftest import ARTIFACTS, free_port
from ..processes import stop_group

WEBKIT_WEBDRIVER = "/usr/bin/WebKitWebDriver"
XVFB = "/usr/bin/Xvfb"
MINIBROWSER_GLOB = "/usr/lib/*/webkit2gtk-4.*/MiniBrowser"
INSTALL_HINT = "`make test` installs Debian's webkit2gtk-driver, xvfb and xauth"

# CSS pixels of the window's inside (window.innerWidth × innerHeight).
PORTRAIT = (768, 1024)
LANDSCAPE = (1280, 800)
# Big enough for the landscape window with MiniBrowser's toolbar.
SCREEN = "1400x1200x24"

LOGS = ARTIFACTS / "webkit"
SCREENSHOTS = ARTIFACTS / "screenshots" / "webkit"

START_TIMEOUT = 30  # seconds for Xvfb, the driver or a new browser to come up
STOP_TIMEOUT = 10  # seconds a process has to end after SIGTERM
COMMAND_TIMEOUT = 60  # seconds for any one WebDriver command to answer


def minibrowser() -> str:
    """The MiniBrowser of Debian's libwebkit2gtk (the newest API if several)."""
    found = sorted(glob.glob(MINIBROWSER_GLOB))
    if not found:
        pytest.fail(f"no MiniBrowser ({MINIBROWSER_GLOB}): {INSTALL_HINT}")
    return found[-1]


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL to the group after at most STOP_TIMEOUT seconds."""
    stop_group(process, timeout=STOP_TIMEOUT)


class Xvfb:
    """An X server of our own, in memory, on a display number nobody uses.

    Xvfb picks the free display itself (``-displayfd``: it tries the numbers in
    turn and writes the one it took to a pipe), so two test runs on one
    machine never race for a number.
    """

    def __init__(self, log: Path):
        self.log = log
        self.process: subprocess.Popen | None = None
        self.display = ""

    def start(self) -> None:
        if not Path(XVFB).exists():
            pytest.fail(f"{XVFB} is missing: {INSTALL_HINT}")
        read, write = os.pipe()
        try:
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(
                    [XVFB, "-displayfd", str(write), "-screen", "0", SCREEN, "-nolisten", "tcp"],
                    stdout=log,
                    stderr=log,
                    pass_fds=(write,),
                    start_new_session=True,
                )
            os.close(write)
            write = -1
            chosen = b""
            deadline = time.monotonic() + START_TIMEOUT
            while not chosen.endswith(b"\n"):
                left = deadline - time.monotonic()
                ready, _, _ = select.select([read], [], [], max(left, 0))
                if not ready:
                    raise RuntimeError(f"Xvfb did not start in {START_TIMEOUT}s")
                more = os.read(read, 16)
                if not more:
                    raise RuntimeError(f"Xvfb exited: {self.log.read_text()}")
                chosen += more
            self.display = f":{int(chosen)}"
        except BaseException:
            self.stop()
            raise
        finally:
            os.close(read)
            if write >= 0:
                os.close(write)

    def stop(self) -> None:
        if self.process:
            stop_process_group(self.process)
        self.process = None


class Driver:
    """``WebKitWebDriver`` on a free port of 127.0.0.1, on the display given.

    Selenium's Service starts it from its explicit path (so Selenium Manager is
    never asked for a driver) and waits for its ``/status``; we stop it by its
    own process id, and with it any MiniBrowser a failed test left behind.
    """

    def __init__(self, display: str, log: Path):
        if not Path(WEBKIT_WEBDRIVER).exists():
            pytest.fail(f"{WEBKIT_WEBDRIVER} is missing: {INSTALL_HINT}")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.service = Service(
            executable_path=WEBKIT_WEBDRIVER,
            port=self.port,
            service_args=["--host=127.0.0.1"],
            log_output=str(log),
            env={
                **os.environ,
                "DISPLAY": display,
                # GTK's accessibility bridge: there is no accessibility bus here.
                "NO_AT_BRIDGE": "1",
            },
            popen_kw={"start_new_session": True},
        )

    def start(self) -> None:
        self.service.start()  # polls /status, gives up after about 30 s

    def stop(self) -> None:
        process = getattr(self.service, "process", None)
        if process is not None:
            stop_process_group(process)
            self.service.process = None
        log = self.service.log_output
        if hasattr(log, "close"):
            log.close()


def options() -> webdriver.WebKitGTKOptions:
    opts = webdriver.WebKitGTKOptions()
    opts.binary_location = minibrowser()
    # --automation: MiniBrowser takes the driver's session (the driver does
    # not add it), with no cookies or storage of an earlier session. No
    # --headless: it draws on our Xvfb, as a browser on a screen does.
    opts.add_argument("--automation")
    return opts


@dataclass
class WebKitDriver:
    """The running driver (``url``, process ``pid``) and the display it draws on."""

    display: str
    url: str
    pid: int


def log_name(name: str) -> str:
    """``name``.log, or ``name``-gw1.log for xdist's worker gw1: each worker
    starts its own Xvfb and WebKitWebDriver and keeps its own logs."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{name}-{worker}.log" if worker else f"{name}.log"


@pytest.fixture(scope="session", name="webkit_display")
def webkit_display_fixture() -> Iterator[str]:
    """The X display (``":N"``) of an Xvfb of our own, for the whole run (of
    this xdist worker)."""
    LOGS.mkdir(parents=True, exist_ok=True)
    xvfb = Xvfb(LOGS / log_name("xvfb"))
    xvfb.start()
    try:
        yield xvfb.display
    finally:
        xvfb.stop()


@pytest.fixture(scope="session", name="webkit_driver")
def webkit_driver_fixture(webkit_display) -> Iterator[WebKitDriver]:
    """WebKitWebDriver for the whole run (of this xdist worker: one session at
    a time per driver, each worker its own); each test opens its own session."""
    driver = Driver(webkit_display, LOGS / log_name("webkitwebdriver"))
    try:
        driver.start()
        yield WebKitDriver(display=webkit_display, url=driver.url, pid=driver.service.process.pid)
    finally:
        driver.stop()


def new_session(driver: WebKitDriver, size: tuple[int, int] = PORTRAIT) -> WebDriver:
    """A fresh MiniBrowser whose page area is ``size`` CSS pixels."""
    # Straight to 127.0.0.1, whatever proxy the environment names.
    config = ClientConfig(
        remote_server_addr=driver.url, proxy=Proxy({"proxyType": "direct"}), timeout=COMMAND_TIMEOUT
    )
    connection = RemoteConnection(client_config=config)
    session = webdriver.Remote(command_executor=connection, options=options())
    try:
        session.set_page_load_timeout(30)
        session.set_script_timeout(10)
        resize(session, size)
    except BaseException:
        session.quit()
        raise
    return session


def running_in_group(group: int) -> set[int]:
    """The processes of process group ``group`` still running (not zombies)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        state, group_id = fields[0], int(fields[2])
        if group_id == group and state not in "ZX":
            found.add(int(stat.parent.name))
    return found


def quit_session(session: WebDriver, driver: WebKitDriver) -> None:
    """End the session, and wait (a few seconds at most) for its MiniBrowser
    and WebKit's web and network processes to end: the next test starts
    alone. They are in the driver's process group, which it leads."""
    session.quit()
    deadline = time.monotonic() + STOP_TIMEOUT
    while running_in_group(driver.pid) - {driver.pid} and time.monotonic() < deadline:
        time.sleep(0.05)


def page_area(session: WebDriver) -> tuple[int, int]:
    """The page's area in CSS pixels: ``innerWidth`` × ``innerHeight``."""
    return tuple(session.execute_script("return [window.innerWidth, window.innerHeight]"))


def resize(session: WebDriver, size: tuple[int, int]) -> None:
    """Make the page area exactly ``size``: the window is bigger by what
    MiniBrowser's toolbar (and any frame) takes, measured, not assumed."""
    width, height = size
    session.set_window_rect(width=width, height=height)
    window = session.get_window_rect()
    inner_width, inner_height = page_area(session)
    session.set_window_rect(
        width=width + window["width"] - inner_width,
        height=height + window["height"] - inner_height,
    )
    WebDriverWait(session, 5).until(
        lambda s: page_area(s) == (width, height),
        f"the page area did not become {width}×{height} (it is {page_area(session)})",
    )


def landscape(session: WebDriver) -> None:
    """The tablet on its side: 1280 × 800."""
    resize(session, LANDSCAPE)


def portrait(session: WebDriver) -> None:
    """The tablet upright: 768 × 1024."""
    resize(session, PORTRAIT)


@pytest.fixture(name="webkit")
def webkit_fixture(webkit_driver) -> Iterator[WebDriver]:
    """A fresh MiniBrowser, its page area 768 × 1024 CSS pixels (an upright iPad)."""
    session = new_session(webkit_driver)
    try:
        yield session
    finally:
        quit_session(session, webkit_driver)
