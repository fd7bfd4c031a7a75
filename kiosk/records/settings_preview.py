"""Previews of clinic settings before they are saved: the Welcome screen, and a
sample patient copy rendered by the worker with those settings.

A preview is the settings' values in a private file of the instance folder's
``previews/``, named by a random token, and, once the worker has rendered it,
the sample PDF beside it. Neither holds patient data (the sample answers are
``examples/answers/``'s); both are removed after ``KEPT_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from kiosk.clinic.saved_settings import stored_form, with_changes
from kiosk.core.files import create_private_file, private_folder
from kiosk.core.paths import PROJECT_DIR

SAMPLE = PROJECT_DIR / "examples" / "answers" / "acne-scars-event-in-3-weeks.json"
KEPT_SECONDS = 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16}$")


def folder(app: Flask) -> Path:
    return private_folder(Path(app.instance_path) / "previews")


def start(app: Flask, values: Mapping[str, Any]) -> str:
    """Keep ``values`` (typed clinic settings) as a preview and queue its sample
    PDF; returns the preview's token."""
    token = secrets.token_urlsafe(12)
    stored = {name: stored_form(value) for name, value in values.items()}
    create_private_file(folder(app) / f"{token}.json", json.dumps(stored).encode())
    app.extensions["kiosk.records.jobs"].enqueue_preview(token)
    return token


def settings_of(app: Flask, token: str) -> dict[str, Any] | None:
    """The clinic settings a preview shows, or None for no such preview."""
    path = folder(app) / f"{token}.json"
    if not TOKEN.match(token) or not path.is_file():
        return None
    return with_changes(app, json.loads(path.read_text()))


def pdf_path(app: Flask, token: str) -> Path | None:
    """The preview's sample PDF, once rendered."""
    path = folder(app) / f"{token}.pdf"
    return path if TOKEN.match(token) and path.is_file() else None


def sample_answers(today: dt.date) -> dict[str, Any]:
    """The sample patient's answers, their event as far from ``today`` as it
    was from the day the sample was written."""
    sample = json.loads(SAMPLE.read_text())
    answers = dict(sample["answers"])
    shift = today - dt.date.fromisoformat(sample["today"])
    if answers.get("event_date"):
        answers["event_date"] = (dt.date.fromisoformat(answers["event_date"]) + shift).isoformat()
    return answers


def render(app: Flask, token: str) -> None:
    """Render the preview's sample patient copy (in the worker)."""
    from kiosk.core.pdf import render_pdf
    from kiosk.records.stored_pdfs import build_document

    settings = settings_of(app, token)
    if settings is None:
        return
    now = dt.datetime.now().astimezone()
    document = build_document(
        app,
        sample_answers(now.date()),
        language=settings["CLINIC_LANGUAGE"],
        reference="SAMPLE",
        submitted_at=now,
        settings=settings,
    )
    part = folder(app) / f"{token}.pdf.part"
    create_private_file(part, render_pdf(document, "patient"), exclusive=False)
    part.rename(folder(app) / f"{token}.pdf")


def remove_old(app: Flask, now: float | None = None) -> int:
    """Remove previews older than ``KEPT_SECONDS``; returns how many files went."""
    cutoff = (now or time.time()) - KEPT_SECONDS
    removed = 0
    for path in folder(app).iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
