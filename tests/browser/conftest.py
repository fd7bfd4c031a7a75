"""Real Chromium (Debian's /usr/bin/chromium) driving the real server.

The server runs in its own process, as ``flask --app kiosk serve`` does in a
clinic, so that a test can stop and start it again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from ..conftest import ARTIFACTS, free_port, write_artifact

CHROMIUM = "/usr/bin/chromium"
# Flags for a closed network and a root user; see docs/development.md, "The engines".
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PORTRAIT = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1280, "height": 800}
SCREENSHOTS = ARTIFACTS / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


class LiveServer:
    """``flask --app kiosk serve`` on a free port, with its own instance folder."""

    def __init__(self, instance: Path, *, worker: bool = False, **settings: str):
        self.instance = instance
        # The render worker only for a test that reads PDFs (``worker``): it is
        # a process of its own that starts by rendering a warm-up document.
        # Without it, sent answers wait in the queue, as with `serve --no-worker`.
        self.worker = worker
        # One render worker process, not one per core: under xdist every
        # worker runs servers of its own.
        self.settings = {
            "KIOSK_CLINIC_NAME": "Test Clinic",
            "KIOSK_WORKER_PROCESSES": "1",
            **settings,
        }
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = instance / "server.log"

    def start(self) -> None:
        env = {
            **os.environ,
            **self.settings,
            "KIOSK_INSTANCE_PATH": str(self.instance),
            "KIOSK_PDF_DIR": str(self.instance / "pdfs"),
        }
        command = [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "kiosk",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--worker" if self.worker else "--no-worker",
        ]
        with self.log.open("ab") as log:
            # Its own process group: the web server, the render worker it
            # starts and the worker's processes are stopped together.
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()}")

    def stop(self) -> None:
        """SIGTERM, as systemd stops it: the server stops its worker; then
        nothing of the process group may be left."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # anything left behind
        self.process = None

    def wait_for_pdfs(self, count: int = 2, timeout: float = 60) -> dict[str, str]:
        """Wait until ``count`` PDFs are ready (the worker renders them after
        Done); returns copy -> filename of the newest consultation's."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with sqlite3.connect(self.database) as db:
                ready = db.execute(
                    "select count(*) from summary_pdfs where status = 'ready'"
                ).fetchone()[0]
                if ready >= count:
                    return dict(
                        db.execute(
                            "select copy, filename from summary_pdfs where consultation_id ="
                            " (select id from consultations order by submitted_at desc limit 1)"
                        ).fetchall()
                    )
            time.sleep(0.2)
        raise AssertionError(f"PDFs not ready within {timeout}s: {self.log.read_text()}")

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def database(self) -> Path:
        return self.instance / "kiosk.sqlite3"

    def drafts(self) -> int:
        """How many drafts (answers not sent yet) the database holds."""
        with sqlite3.connect(self.database) as db:
            return db.execute("select count(*) from drafts").fetchone()[0]


@pytest.fixture
def server(tmp_path, migrated_instance):
    live = LiveServer(migrated_instance(tmp_path / "instance"))
    live.start()
    yield live
    live.stop()


@pytest.fixture
def rendering_server(tmp_path, migrated_instance):
    """A server with its render worker, for a test that reads the PDFs."""
    live = LiveServer(migrated_instance(tmp_path / "instance"), worker=True)
    live.start()
    yield live
    live.stop()


@pytest.fixture
def idle_server(tmp_path, migrated_instance):
    """A server whose idle warning comes after two seconds; the warning itself
    never counts down from less than 20 seconds (WCAG 2.2 SC 2.2.1), whatever
    is asked."""
    live = LiveServer(
        migrated_instance(tmp_path / "instance"),
        KIOSK_IDLE_SECONDS="2",
        KIOSK_IDLE_WARNING_SECONDS="5",
    )
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(
    browser: Browser, viewport: dict = PORTRAIT, *, javascript: bool = True, zoom: int = 1
) -> Page:
    """A tablet of ``viewport`` (in device pixels); ``zoom``: the browser zoomed
    in that many times, which lays the page out in a window that many times
    narrower, each CSS pixel drawn as ``zoom`` device pixels."""
    context = browser.new_context(
        viewport={"width": viewport["width"] // zoom, "height": viewport["height"] // zoom},
        device_scale_factor=zoom,
        has_touch=True,
        locale="en-GB",
        java_script_enabled=javascript,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def sign_in(page: Page, url: str, username: str, password: str) -> None:
    """Sign in at the server at ``url`` as a member of staff does, onto the queue."""
    page.goto(url + "/staff/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Consultations")).to_be_visible()


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


def screenshot(page: Page, folder: str, name: str, *, full_page: bool = True) -> Path:
    """The whole page, or (``full_page=False``) what the window shows now."""
    path = SCREENSHOTS / folder / f"{name}.png"
    page.wait_for_load_state("load")  # never a page still waiting for its stylesheet
    return write_artifact(path, page.screenshot(full_page=full_page))
