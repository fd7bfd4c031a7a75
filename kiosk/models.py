"""Database tables: patients' drafts and completed consultations."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Draft(db.Model):
    """A questionnaire in progress. The patient's session cookie holds only its id."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(
        String(64), primary_key=True, default=lambda: secrets.token_urlsafe(32)
    )
    language: Mapped[str] = mapped_column(String(8), default="en")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Question ids the patient has been shown and has submitted.
    asked: Mapped[list[str]] = mapped_column(JSON, default=list)
    current_step: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    def record(self, values: dict[str, Any], *, complete: bool) -> None:
        """Store answers from one screen; ``complete`` marks its questions as asked."""
        answers = dict(self.answers or {})
        for question_id, value in values.items():
            if value is None:
                answers.pop(question_id, None)
            else:
                answers[question_id] = value
        self.answers = answers
        if complete:
            self.asked = sorted(set(self.asked or []) | values.keys())


class Consultation(db.Model):
    """A submitted questionnaire."""

    __tablename__ = "consultations"

    # Random, so that an id seen once tells nothing about the others.
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    # Short code read out between patient and staff: see reference.py.
    reference: Mapped[str] = mapped_column(String(12), unique=True, index=True)
    questionnaire_id: Mapped[str] = mapped_column(String(60))
    questionnaire_version: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(8))
    first_name: Mapped[str] = mapped_column(String(60))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
