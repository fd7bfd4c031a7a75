"""The two printed summaries of a consultation: made, stored and remade.

The consultation is always saved before its PDFs are rendered; a failed
render is recorded (status ``failed`` with the error) and can be retried, so
nothing the patient gave is ever lost to a rendering problem.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from .display import answer_lines
from .extensions import db
from .flow import Flow
from .models import Consultation, SummaryPdf
from .pdf.document import AnswerGroup, AnswerLine, Clinic, SummaryDocument
from .plan import PlanEngine
from .private import create_private_file, private_folder

COPIES = ("patient", "staff")
log = logging.getLogger(__name__)


def clinic_profile(config: dict[str, Any]) -> Clinic:
    return Clinic(
        name=config["CLINIC_NAME"],
        address=config["CLINIC_ADDRESS"],
        phone=config["CLINIC_PHONE"],
        email=config["CLINIC_EMAIL"],
        booking_url=config["CLINIC_BOOKING_URL"],
    )


def local_time(moment: dt.datetime) -> dt.datetime:
    """A stored UTC time in the server's own time zone."""
    return moment.replace(tzinfo=dt.UTC).astimezone()


def build_document(
    app: Flask,
    answers: dict[str, Any],
    *,
    language: str,
    reference: str,
    submitted_at: dt.datetime,
    today: dt.date | None = None,
    reviewer: str | None = None,
    reviewed_at: dt.datetime | None = None,
) -> SummaryDocument:
    """Everything the two PDFs say, for one set of answers."""
    engine: PlanEngine = app.extensions["kiosk.plan"]
    flow: Flow = app.extensions["kiosk.flow"]
    clinic_language = app.config["CLINIC_LANGUAGE"]
    today = today or submitted_at.date()
    plan = engine.build(answers, language=language, today=today)
    staff_plan = (
        plan
        if clinic_language == language
        else engine.build(answers, language=clinic_language, today=today)
    )
    effective = flow.effective_answers(answers)
    groups = tuple(
        AnswerGroup(title, tuple(AnswerLine(q, a) for q, a in lines))
        for title, lines in answer_lines(flow, effective, clinic_language)
    )
    return SummaryDocument(
        plan=plan,
        reference=reference,
        submitted_at=submitted_at,
        clinic=clinic_profile(app.config),
        paper=app.config["PAPER_SIZE"],
        answers=groups,
        staff_flags_plan=staff_plan,
        clinic_language=clinic_language,
        reviewer=reviewer,
        reviewed_at=reviewed_at,
    )


def consultation_document(consultation: Consultation) -> SummaryDocument:
    reviewer = consultation.reviewed_by if consultation.status == "reviewed" else None
    return build_document(
        current_app._get_current_object(),
        consultation.answers,
        language=consultation.language,
        reference=consultation.reference,
        submitted_at=local_time(consultation.submitted_at),
        reviewer=reviewer.display_name if reviewer else None,
        reviewed_at=local_time(consultation.reviewed_at) if reviewer else None,
    )


def pdf_path(summary: SummaryPdf) -> Path | None:
    if not summary.filename:
        return None
    return Path(current_app.config["PDF_DIR"]) / summary.filename


def generate(consultation: Consultation) -> list[SummaryPdf]:
    """Render and store both copies; each failure is recorded, never raised."""
    from .pdf import render_summary

    folder = private_folder(current_app.config["PDF_DIR"])
    results = []
    document: SummaryDocument | None = None
    problem: Exception | None = None
    try:
        document = consultation_document(consultation)
    except Exception as exc:  # a content or engine problem: record it on both copies
        log.exception("summary of %s could not be prepared", consultation.reference)
        problem = exc
    for copy in COPIES:
        summary = consultation.summary(copy) or SummaryPdf(consultation=consultation, copy=copy)
        summary.attempts = (summary.attempts or 0) + 1
        summary.rendered_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        try:
            if document is None:
                raise problem or RuntimeError("no document")
            data = render_summary(document, copy)
            old = pdf_path(summary)
            summary.filename = _write(folder, data)
            summary.size = len(data)
            summary.status, summary.error = "ready", None
            if old is not None and old.name != summary.filename:
                old.unlink(missing_ok=True)
        except Exception as exc:
            log.exception("%s copy of %s failed", copy, consultation.reference)
            summary.status, summary.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        db.session.add(summary)
        results.append(summary)
    db.session.commit()
    return results


def retry_failed() -> list[SummaryPdf]:
    """Render again every summary whose last attempt failed."""
    # Consultations by id, not DISTINCT rows: PostgreSQL cannot compare JSON answers.
    failed_ids = db.select(SummaryPdf.consultation_id).where(SummaryPdf.status == "failed")
    failed = db.session.scalars(
        db.select(Consultation).where(Consultation.id.in_(failed_ids))
    ).all()
    results = []
    for consultation in failed:
        results += generate(consultation)
    return results


def regenerate_missing() -> list[SummaryPdf]:
    """Render again every consultation with a ready summary whose file is gone
    (a backup restored without it, a file removed by hand)."""
    ready = db.session.scalars(db.select(SummaryPdf).where(SummaryPdf.status == "ready")).all()
    lost = sorted(
        {s.consultation_id for s in ready if (path := pdf_path(s)) is None or not path.exists()}
    )
    results = []
    for consultation_id in lost:
        results += generate(db.session.get(Consultation, consultation_id))
    return results


def _write(folder: Path, data: bytes) -> str:
    """Store ``data`` under a random, unguessable name; written whole or not at all."""
    name = f"{secrets.token_urlsafe(24)}.pdf"
    temporary = folder / f".{name}.part"
    create_private_file(temporary, data)
    temporary.replace(folder / name)
    return name
