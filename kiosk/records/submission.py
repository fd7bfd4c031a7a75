"""Turning a finished draft into a stored consultation."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.core.content.contract import FIRST_NAME
from kiosk.core.flow import Flow
from kiosk.core.reference import new_reference
from kiosk.core.statuses import ConsultationStatus
from kiosk.data.database import db
from kiosk.data.models import Consultation, Draft, utcnow
from kiosk.records import consents
from kiosk.records.consultations import keep_flags
from kiosk.records.stored_pdfs import mark_pending


def unused_reference() -> str:
    while True:
        code = new_reference()
        if db.session.scalar(select(Consultation.id).where(Consultation.reference == code)) is None:
            return code


def submit_draft(
    draft: Draft,
    flow: Flow,
    *,
    done_token: str | None = None,
    signing: consents.Signing | None = None,
) -> Consultation:
    """Store the answers that apply as a consultation, with the count of its
    flags, its consent (``signing``, where the clinic asks for one) and both
    PDFs pending, and delete the draft, in one transaction. ``done_token``:
    the one-time token of its Done page.

    The caller queues the render (``jobs.enqueue_render``) once this returns.
    """
    answers = flow.effective_answers(draft.answers)
    questionnaire = flow.questionnaire
    consultation = Consultation(
        reference=unused_reference(),
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        language=draft.language,
        first_name=str(answers.get(FIRST_NAME, ""))[:60],
        answers=answers,
        status=ConsultationStatus.NEW,
        submitted_at=utcnow(),
        done_token=done_token,
        # A follow-up visit: linked to the earlier consultation it follows.
        previous_id=draft.previous_id,
        previous=draft.previous,
        location_id=draft.location_id,
    )
    keep_flags(consultation)  # for the queue, which then need not run the plan per row
    db.session.add(consultation)
    if signing is not None:
        consents.record_signed(consultation, signing)
    mark_pending(consultation)
    db.session.delete(draft)
    db.session.commit()
    return consultation
