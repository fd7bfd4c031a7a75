"""Locust users for bench/load_bench.py: tablets walking the questionnaire, and a prober.

A Tablet starts on Welcome, answers every screen as htmx does (HX-Request
headers; the next screen, or after the last one Check your answers, comes in the
response to Continue, so one "step" is what a patient waits for between
pressing Continue and seeing the next screen), checks its answers, signs
the consent with a drawn signature and sends ("send" is that press; Done is
loaded after it), then starts again.
BENCH_THINK_SECONDS sets the pause on each screen (0: none). The Prober times
a static file on the same server: the floor under every other figure.

BENCH_WELCOME_PATHS (comma-separated, default "/") are the Welcome addresses
the tablets start from, given out in turn (tablet 1 the first, tablet 2 the
second, ...): a chain's locations, "/" the first's and "/at/<slug>/" each
other's. A tablet stays under its Welcome's prefix for every request, as the
app's own addresses do (kiosk/web/places.py), and its patient's first name
names its Welcome (``patient_name``), so that each consultation tells which
tablet sent it. BENCH_SENT_FILE, when set, is where the run's count of
tablets and of sent consultations (Sign and send answered Done) for each
Welcome is written, as JSON, when locust quits.

BENCH_STAGGER_SECONDS spreads the tablets' first Welcome over that many
seconds (0, the default: all start together, so all send within a few seconds
of each other): with about one journey's length, the tablets are in steady use,
their patients at every point of the questionnaire, as in a waiting room.

A journey that goes astray (never reaches Check, or Sign and send does not
lead to Done) is counted as a failure named "journey", so that no error goes
unseen in the figures.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
from pathlib import Path
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.patient_client import DRAWN_SIGNATURE, PLAIN, csrf_token

THINK = float(os.environ.get("BENCH_THINK_SECONDS", "3"))
STAGGER = float(os.environ.get("BENCH_STAGGER_SECONDS", "0"))
WELCOME_PATHS = [
    path.strip() for path in os.environ.get("BENCH_WELCOME_PATHS", "/").split(",") if path.strip()
]
_tablets = itertools.count()
SENT_FILE = os.environ.get("BENCH_SENT_FILE")
# For each Welcome: how many tablets start there, how many consultations they sent.
COUNTS = {path: {"tablets": 0, "sent": 0} for path in WELCOME_PATHS}
# A certificate to trust (HTTPS through nginx with a certificate made for the run).
CA_FILE = os.environ.get("BENCH_CA_FILE")


def htmx(url: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Current-URL": url}


def prefix_of(welcome: str) -> str:
    """The part of every address of a tablet whose Welcome is ``welcome``
    ("" for "/", "/at/<slug>" for "/at/<slug>/")."""
    return welcome.rstrip("/")


def patient_name(welcome: str) -> str:
    """The first name a tablet at ``welcome`` gives: "Maya" at "/", else
    "Maya" and the location's slug (the questionnaire takes 40 characters)."""
    slug = prefix_of(welcome).rpartition("/")[2]
    return f"Maya {slug}"[:40] if slug else "Maya"


@events.quitting.add_listener
def write_counts(environment, **_kwargs) -> None:
    if SENT_FILE:
        Path(SENT_FILE).write_text(json.dumps(COUNTS, indent=2) + "\n")


class Tablet(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.welcome = WELCOME_PATHS[next(_tablets) % len(WELCOME_PATHS)]
        self.at = prefix_of(self.welcome)
        self.answers = {
            **PLAIN,
            "about": {**PLAIN["about"], "first_name": patient_name(self.welcome)},
        }
        COUNTS[self.welcome]["tablets"] += 1
        if CA_FILE:
            self.client.verify = CA_FILE
        if STAGGER:
            gevent.sleep(random.uniform(0, STAGGER))

    def pause(self) -> None:
        if THINK:
            gevent.sleep(random.uniform(THINK * 0.67, THINK * 1.33))

    def astray(self, why: str) -> None:
        """Count a journey that went wrong as a failure of its own."""
        self.environment.events.request.fire(
            request_type="JOURNEY",
            name="journey",
            response_time=0,
            response_length=0,
            response=None,
            context={},
            exception=RuntimeError(why),
        )

    def screen(self, address: str) -> str:
        """The screen an address the app gave is of, from the tablet's
        prefix ("/step/about", "/check"); an address that left the prefix
        keeps its own (and the journey goes astray)."""
        if self.at and not address.startswith(self.at + "/"):
            return address
        return address.removeprefix(self.at)

    @task
    def journey(self) -> None:
        at = self.at
        page = self.client.get(self.welcome, name="welcome")
        self.pause()
        response = self.client.post(
            at + "/start",
            data={"csrf_token": csrf_token(page.text)},
            headers=htmx(self.host + self.welcome),
            name="step",
        )
        # Start answers htmx with HX-Redirect: the browser then loads the first
        # screen as a whole page.
        if response.headers.get("HX-Redirect"):
            response = self.client.get(response.headers["HX-Redirect"], name="step")
        for _ in range(20):
            # The next screen comes in the response to Continue, which names its
            # address (HX-Push-Url); Start redirected.
            address = response.headers.get("HX-Push-Url") or urlsplit(response.url).path
            screen = self.screen(address)
            if not screen.startswith("/step/"):
                break
            step_id = screen.removeprefix("/step/")
            self.pause()
            response = self.client.post(
                address,
                data={**self.answers[step_id], "csrf_token": csrf_token(response.text)},
                headers=htmx(self.host + address),
                name="step",
            )
        if screen != "/check":
            self.astray(f"ended on {address} ({response.status_code}), not on {at}/check")
            return
        self.pause()
        response = self.client.post(
            address,
            data={"csrf_token": csrf_token(response.text)},
            headers=htmx(self.host + address),
            name="step",
        )
        # Where the clinic asks for the consent (the default), Continue on
        # Check leads to it, a whole page (HX-Redirect); signing sends.
        if response.headers.get("HX-Redirect") == at + "/consent":
            consent = self.client.get(at + "/consent", name="consent")
            self.pause()
            sent = self.client.post(
                at + "/consent",
                data={"signature": DRAWN_SIGNATURE, "csrf_token": csrf_token(consent.text)},
                headers=htmx(self.host + at + "/consent"),
                name="send",
            )
        else:
            sent = response
        # Then Done, loaded as a whole page (HX-Redirect), as the browser does.
        if sent.headers.get("HX-Redirect") != at + "/done":
            self.astray(f"sending answered {sent.status_code}, not {at}/done")
            return
        COUNTS[self.welcome]["sent"] += 1
        self.client.get(at + "/done", name="done")
        self.pause()


class Prober(HttpUser):
    fixed_count = 1
    wait_time = constant(0.25)

    def on_start(self) -> None:
        if CA_FILE:
            self.client.verify = CA_FILE

    @task
    def floor(self) -> None:
        self.client.get("/static/css/kiosk.css", name="floor")
