"""The staff area's FHIR exports: one consultation as a Bundle, and the
consultations sent in a period as a Bundle or as NDJSON lines. This module
gathers what ``kiosk.core.fhir`` turns into resources; the views record the
export in the audit log and commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from flask import current_app
from sqlalchemy.orm import selectinload

from kiosk.clinic import locations
from kiosk.core import fhir
from kiosk.core.i18n import language
from kiosk.core.statuses import ConsentAction, ConsultationStatus
from kiosk.data.database import db
from kiosk.data.models import Consultation, Note, StaffUser, utcnow
from kiosk.records import consents, consultations
from kiosk.records.period import Period

# Consultations read from the database at a time while NDJSON is streamed.
BATCH = 50


def signed_consent(consultation: Consultation) -> fhir.SignedConsent | None:
    """The consent last signed, withdrawn since or not; None where none was."""
    record = consents.last_signed(consultation)
    if record is None:
        return None
    printed = consents.printed(consultation)
    last = consultation.consents[-1]
    return fhir.SignedConsent(
        record_id=record.id,
        text=printed.text,
        title=printed.title,
        version=printed.version,
        language=printed.language,
        signed_at=record.at,
        signature=printed.signature,
        typed_name=printed.typed_name,
        photos=printed.photos,
        withdrawn_at=last.at if last.action == ConsentAction.WITHDRAWN else None,
    )


def record(consultation: Consultation) -> fhir.ConsultationRecord:
    """The consultation and the staff side's records of it. Its flags are
    the staff plan's, in the clinic's language, as the consultation page shows
    them."""
    reviewed = consultation.status == ConsultationStatus.REVIEWED
    review = None
    if reviewed and consultation.reviewed_at and consultation.reviewed_by:
        review = fhir.Review(reviewer=_name(consultation.reviewed_by), at=consultation.reviewed_at)
    return fhir.ConsultationRecord(
        id=consultation.id,
        reference=consultation.reference,
        first_name=consultation.first_name,
        language=consultation.language,
        answers=consultation.answers,
        submitted_at=consultation.submitted_at,
        flags=consultations.staff_flags(consultation),
        notes=tuple(_note(note) for note in consultation.notes),
        review=review,
        consent=signed_consent(consultation),
        amended=consultations.amended(consultation),
        location=site(consultation.location_id),
    )


def site(location_id: int | None) -> fhir.Site:
    """The location where a consultation was sent, with its details in force
    (its own, else the chain's)."""
    place = locations.place(location_id)
    config = place.config
    return fhir.Site(
        key=place.id,
        slug=place.slug,
        name=place.name,
        address=config.get("CLINIC_ADDRESS") or "",
        phone=config.get("CLINIC_PHONE") or "",
        email=config.get("CLINIC_EMAIL") or "",
    )


def _note(note: Note) -> fhir.StaffNote:
    return fhir.StaffNote(author=_name(note.author), at=note.created_at, text=note.text)


def _name(member: StaffUser) -> str:
    """A member of staff as the consultation page names them."""
    return member.display_name or member.username


def _flow():
    return current_app.extensions["kiosk.core.flow"]


def _clinic_language():
    # Severity words as the staff copy prints them, beside the flags' own.
    return language(current_app.config["CLINIC_LANGUAGE"])


def consultation_bundle(consultation: Consultation) -> dict[str, Any]:
    flow = _flow()
    with _clinic_language():
        return fhir.consultation_bundle(
            flow.questionnaire, flow, record(consultation), timestamp=_now()
        )


def _consultations(period: Period) -> Iterator[Consultation]:
    """The period's consultations, oldest first, read ``BATCH`` at a time with
    what their records need."""
    query = period.query().options(
        selectinload(Consultation.notes).selectinload(Note.author),
        selectinload(Consultation.consents),
        selectinload(Consultation.reviewed_by),
    )
    yield from db.session.scalars(query.execution_options(yield_per=BATCH))


def period_bundle(period: Period) -> dict[str, Any]:
    """Every consultation sent in ``period`` in one collection Bundle, each
    location's Location once."""
    flow = _flow()
    with _clinic_language():
        records = (record(consultation) for consultation in _consultations(period))
        resources = fhir.period_resources(flow.questionnaire, flow, records, in_bundle=True)
        return fhir.collection(resources, timestamp=_now())


def period_lines(period: Period) -> Iterator[str]:
    """Every consultation sent in ``period``, one resource a line, made as
    they are read (for a response streamed to the client); each location's
    Location once, before the first consultation sent there."""
    flow = _flow()
    given: set[str] = set()
    for consultation in _consultations(period):
        with _clinic_language():  # taken back before each yield
            lines = list(
                fhir.ndjson_lines(flow.questionnaire, flow, [record(consultation)], given=given)
            )
        yield from lines


def _now() -> dt.datetime:
    return utcnow().replace(tzinfo=dt.UTC)
