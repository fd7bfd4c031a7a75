"""The language of each request, and the clinic's wording, put in force.

Patient pages speak the patient's language (``patient.routes.page_language``,
where everything about the patient's language is). Everything else (the staff
area, and pages outside both areas such as an unknown address) speaks the
clinic's.

The language is put in force by the app's first ``before_request`` hook, so
that every later hook, view and error page sees it, and taken back when the
request ends: a worker thread serves many requests, and none inherits the
language of the one before. Work outside requests (the render worker, the CLI)
sets its own with ``kiosk.core.i18n.language``, the same mechanism.
"""

from __future__ import annotations

import contextlib

from flask import (
    Flask,
    appcontext_pushed,
    appcontext_tearing_down,
    current_app,
    g,
    request,
)

from kiosk.core.i18n import InterfaceWording, language, wording
from kiosk.web.patient import routes as patient


def request_language() -> str:
    if request.blueprint == patient.bp.name:
        return patient.page_language()
    return current_app.config["CLINIC_LANGUAGE"]


def _hold(name: str, block: contextlib.AbstractContextManager) -> None:
    """Enter ``block`` and keep it open in ``g`` under ``name`` until :func:`_release`."""
    in_force = contextlib.ExitStack()
    in_force.enter_context(block)
    setattr(g, name, in_force)


def _release(name: str) -> None:
    in_force = g.pop(name, None)
    if in_force is not None:
        in_force.close()


def init_app(app: Flask) -> None:
    """Call before any other ``before_request`` hook is registered."""

    @app.before_request
    def speak_the_requests_language() -> None:
        _hold("kiosk_language", language(request_language()))

    @app.teardown_request
    def forget_the_requests_language(_error: BaseException | None) -> None:
        _release("kiosk_language")


def use_wording(app: Flask, texts: InterfaceWording) -> None:
    """The clinic's wording of interface texts in force in every app context
    of ``app``: each request, each render in the worker, each command."""
    if not texts:
        return

    def put_in_force(_app: Flask, **_extra) -> None:
        _hold("kiosk_wording", wording(texts))

    def take_back(_app: Flask, **_extra) -> None:
        _release("kiosk_wording")

    appcontext_pushed.connect(put_in_force, app, weak=False)
    appcontext_tearing_down.connect(take_back, app, weak=False)
