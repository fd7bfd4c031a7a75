"""The staff side's work on consultations, apart from the views that ask for it.

Queries: the queue's rows and filters, the audit log's entries, and the local
days their dates stand for. What the consultation page shows. And the review's
changes: start the review, mark it reviewed, add a note, render the PDFs again,
delete. Each change is one unit of work that this module owns: it records its
audit entry and commits both together, and only then queues a render or
deletes files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, or_
from sqlalchemy.orm import defer, selectinload

from kiosk.clinic import locations
from kiosk.core.answer_text import AnswerGroup, AnswerLine, answer_lines, at_a_glance
from kiosk.core.plan.model import SEVERITIES, Flag, Plan, first_session
from kiosk.core.reference import normalise
from kiosk.core.returning import FollowUp
from kiosk.core.statuses import (
    FILE_MISSING,
    ConsultationStatus,
    FlagCount,
    FlagGroup,
    PdfStatus,
    flag_groups,
)
from kiosk.data import audit
from kiosk.data.database import db
from kiosk.data.models import AuditEvent, Consultation, Note, StaffUser, local_time, utcnow
from kiosk.records import jobs, retention, returning, stored_pdfs, summary_email

AUDIT_LOG_LIMIT = 500  # the newest entries the audit log shows
# The most consultations of earlier days, not reviewed yet, the queue lists above
# today's (the oldest): the rest are counted, so that a clinic that does not
# mark consultations reviewed gets a line, not a page refreshed every few seconds.
EARLIER_SHOWN = 50


# Who sees which locations ---------------------------------------------------------------


def visible_locations(user: StaffUser) -> frozenset[int] | None:
    """The ids of the locations whose consultations ``user`` may see; None for
    every location: an admin's, and anyone's in an installation with one."""
    if user.is_admin or not locations.chain():
        return None
    return frozenset(location.id for location in user.locations)


def may_see(user: StaffUser, consultation: Consultation) -> bool:
    seen = visible_locations(user)
    return seen is None or consultation.location_id in seen


def _at(location_ids: Collection[int] | None) -> list:
    """The condition of a consultation sent at one of ``location_ids`` (None: anywhere)."""
    return [] if location_ids is None else [Consultation.location_id.in_(sorted(location_ids))]


# Dates -------------------------------------------------------------------------------


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The server's local ``day`` as stored times (naive UTC): its start, and the
    start of the next day."""
    start = dt.datetime.combine(day, dt.time.min).astimezone().astimezone(dt.UTC)
    return start.replace(tzinfo=None), (start + dt.timedelta(days=1)).replace(tzinfo=None)


def queue_days(
    date_from: dt.date | None, date_to: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    """The first and last day the queue lists: today when no date is chosen,
    the one day ``date_from`` when only it is, through ``date_to`` when given."""
    first = date_from or today
    last = date_to or (first if date_from else max(first, today))
    return first, last


# The queue --------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    """One consultation as the queue lists it."""

    consultation: Consultation
    submitted: dt.datetime  # local time
    flags: tuple[FlagCount, ...]  # per severity, most serious first
    pdf_states: dict[str, str]  # copy -> state (see pdf_states)
    next_try: dt.datetime | None = None  # local time: a failed PDF's next render
    earlier: bool = False  # sent before today and not reviewed yet: still waiting

    @property
    def preparing(self) -> bool:
        return PdfStatus.PENDING in self.pdf_states.values()


def queue(
    *,
    text: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    status: ConsultationStatus | str | None = None,
    today: dt.date | None = None,
    location_ids: Collection[int] | None = None,
) -> list[QueueRow]:
    """Consultations submitted in the queue's days (see :func:`queue_days`),
    newest first; ``text`` matches a reference (however typed) or part of a
    first name. With no day chosen, those of earlier days not reviewed yet come
    first, oldest first: nothing left waiting overnight drops out of view.
    ``location_ids``: only those sent at these locations (None: at any)."""
    if status and status not in set(ConsultationStatus):
        return []  # a status no consultation has
    today = today or dt.date.today()
    first, last = queue_days(date_from, date_to, today)
    in_days = _queue_query(text, status, location_ids).where(
        Consultation.submitted_at >= day_bounds(first)[0],
        Consultation.submitted_at < day_bounds(last)[1],
    )
    rows = [
        _row(consultation)
        for consultation in db.session.scalars(in_days.order_by(Consultation.submitted_at.desc()))
    ]
    if date_from or date_to or status == ConsultationStatus.REVIEWED:
        return rows
    waiting = _queue_query(text, status, location_ids).where(*_waiting(today))
    earlier = [
        _row(consultation, earlier=True)
        for consultation in db.session.scalars(
            waiting.order_by(Consultation.submitted_at).limit(EARLIER_SHOWN)
        )
    ]
    return earlier + rows


def earlier_not_shown(
    rows: list[QueueRow],
    *,
    text: str | None = None,
    status: ConsultationStatus | str | None = None,
    today: dt.date | None = None,
    location_ids: Collection[int] | None = None,
) -> int:
    """How many consultations of earlier days waiting for review the queue's
    ``rows`` leave out (past EARLIER_SHOWN); counted only when the rows are full."""
    if sum(row.earlier for row in rows) < EARLIER_SHOWN:
        return 0
    waiting = db.select(func.count(Consultation.id)).where(
        *_queue_filters(text, status, location_ids), *_waiting(today or dt.date.today())
    )
    return db.session.scalar(waiting) - EARLIER_SHOWN


def _queue_filters(
    text: str | None,
    status: ConsultationStatus | str | None,
    location_ids: Collection[int] | None = None,
) -> list:
    """The conditions of the queue's search, status and locations."""
    filters = _at(location_ids)
    if status:
        filters.append(Consultation.status == ConsultationStatus(status))
    if text and text.strip():
        text = text.strip()
        filters.append(
            or_(
                Consultation.reference == normalise(text),
                # % and _ typed in the search are matched as themselves.
                Consultation.first_name.icontains(text, autoescape=True),
            )
        )
    return filters


def _queue_query(
    text: str | None,
    status: ConsultationStatus | str | None,
    location_ids: Collection[int] | None = None,
) -> Select:
    return (
        db.select(Consultation)
        .where(*_queue_filters(text, status, location_ids))
        .options(
            # Each row shows its PDFs' states; its answers are read only where its
            # flags are not known.
            selectinload(Consultation.pdfs),
            defer(Consultation.answers),
        )
    )


def _waiting(today: dt.date) -> list:
    """The conditions of a consultation of an earlier day not reviewed yet."""
    return [
        Consultation.submitted_at < day_bounds(today)[0],
        Consultation.status != ConsultationStatus.REVIEWED,
    ]


def _row(consultation: Consultation, *, earlier: bool = False) -> QueueRow:
    counts = flag_counts(consultation)
    return QueueRow(
        consultation=consultation,
        submitted=local_time(consultation.submitted_at),
        flags=tuple(FlagCount(severity, count) for severity, count in counts.items()),
        pdf_states=pdf_states(consultation),
        next_try=next_try(consultation),
        earlier=earlier,
    )


def flag_counts(consultation: Consultation) -> dict[str, int]:
    """Severity -> how many of its flags fired: as kept, or where not known
    (see keep_flags), as the plan says."""
    counts = consultation.flag_counts
    if counts is None:
        plan = _staff_plan(consultation)
        counts = {severity: len(plan.flags_of(severity)) for severity in SEVERITIES}
    return counts


def pdf_states(consultation: Consultation) -> dict[str, str]:
    """Each copy's state: its PdfStatus, or FILE_MISSING when a ready PDF's file
    is gone."""
    states = {}
    for pdf in consultation.pdfs:
        path = stored_pdfs.pdf_path(pdf)
        missing = pdf.status == PdfStatus.READY and (path is None or not path.exists())
        states[pdf.copy] = FILE_MISSING if missing else pdf.status
    return states


def next_try(consultation: Consultation) -> dt.datetime | None:
    """When the worker next tries to render its failed PDFs (local time), if any."""
    retries = current_app.config["RENDER_RETRIES"]
    tries = [t for pdf in consultation.pdfs if (t := stored_pdfs.next_try(pdf, retries))]
    return local_time(min(tries)) if tries else None


# One consultation ---------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultationPage:
    """What the consultation page shows besides the stored record."""

    plan: Plan  # in the clinic's language, dated from the day it was sent
    flag_groups: tuple[FlagGroup, ...]
    first_session: str
    glance: tuple[AnswerLine, ...]  # the at-a-glance rows
    groups: tuple[AnswerGroup, ...]  # every answer that applies, by topic
    submitted: dt.datetime  # local times
    reviewed: dt.datetime | None
    kept_until: dt.datetime
    follow_up: FollowUp | None = None  # the earlier visit this one follows, and what changed

    def context(self) -> dict[str, Any]:
        """The fields, as template variables."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


def consultation_page(consultation: Consultation) -> ConsultationPage:
    plan = _staff_plan(consultation)
    flow = current_app.extensions["kiosk.core.flow"]
    language = current_app.config["CLINIC_LANGUAGE"]
    reviewed_at = consultation.reviewed_at
    return ConsultationPage(
        plan=plan,
        flag_groups=flag_groups(plan.flags),
        first_session=first_session(
            plan.schedule, rf_only_stop=plan.on_hold and plan.can_treat_today
        ),
        glance=at_a_glance(flow, consultation.answers, language),
        groups=answer_lines(flow, consultation.answers, language, staff=True),
        submitted=local_time(consultation.submitted_at),
        reviewed=local_time(reviewed_at) if reviewed_at else None,
        kept_until=local_time(retention.deletion_time(consultation.submitted_at)),
        follow_up=returning.follow_up(consultation, language),
    )


def keep_flags(consultation: Consultation) -> None:
    """Keep with the consultation how many flags of each severity its plan
    raises, for the queue: when it is sent, and whenever its PDFs are made again
    (so that the queue agrees with the staff copy after a change of content or
    policy). The caller commits."""
    consultation.keep_flags(flag.severity for flag in _staff_plan(consultation).flags)


def _staff_plan(consultation: Consultation) -> Plan:
    # Its dates as its location plans them (opening days, holidays, closed dates).
    return locations.place(consultation.location_id).engine.build(
        consultation.answers,
        language=current_app.config["CLINIC_LANGUAGE"],
        today=local_time(consultation.submitted_at).date(),
    )


def staff_flags(consultation: Consultation) -> tuple[Flag, ...]:
    """The flags the consultation page shows, most serious first: worked out
    by the screening rules alone (PlanEngine.flags), without the rest of the
    plan, for the exports of many consultations."""
    flags = current_app.extensions["kiosk.core.plan"].flags(
        consultation.answers, language=current_app.config["CLINIC_LANGUAGE"]
    )
    return tuple(flag for group in flag_groups(flags) for flag in group.flags)


def amended(consultation: Consultation) -> bool:
    """Whether the patient's answers were changed after they were sent (FHIR's
    ``amended``). Nothing changes them: staff add notes, a review, a consent
    signed again or withdrawn, each kept apart from the answers (and exported
    as resources of their own), and a returning patient sends a new
    consultation. So a QuestionnaireResponse is always ``completed``."""
    return False


# The review's changes: each commits with its audit entry --------------------------------


def start_review(consultation: Consultation) -> bool:
    """new -> in review; False (and nothing changes) from any other status."""
    if not consultation.status.can_start_review:
        return False
    consultation.status = ConsultationStatus.IN_REVIEW
    audit.add_entry(
        "start_review",
        consultation_ref=consultation.reference,
        location_id=consultation.location_id,
    )
    db.session.commit()
    return True


def mark_reviewed(consultation: Consultation, reviewer: StaffUser) -> None:
    """Reviewed by ``reviewer``, now; the patient's copy is rendered again to name them."""
    consultation.status = ConsultationStatus.REVIEWED
    consultation.reviewed_by = reviewer
    consultation.reviewed_at = utcnow()
    audit.add_entry(
        "mark_reviewed",
        consultation_ref=consultation.reference,
        location_id=consultation.location_id,
    )
    keep_flags(consultation)
    stored_pdfs.mark_pending(consultation)
    db.session.commit()
    jobs.enqueue_render(consultation.id)
    # After the render: the e-mail's job waits for the copy that names the reviewer.
    summary_email.after_review(consultation)


def add_note(consultation: Consultation, author: StaffUser, text: str) -> Note:
    """The note, and the staff copy made again by the worker to print it."""
    note = Note(consultation=consultation, author=author, text=text.strip())
    db.session.add(note)
    audit.add_entry(
        "note",
        consultation_ref=consultation.reference,
        detail=f"{len(text)} chars",
        location_id=consultation.location_id,
    )
    stored_pdfs.mark_pending(consultation, copies=("staff",))
    db.session.commit()
    jobs.enqueue_render(consultation.id)
    return note


def regenerate(consultation: Consultation) -> None:
    """Both PDFs rendered again by the worker."""
    keep_flags(consultation)
    stored_pdfs.mark_pending(consultation)
    audit.add_entry(
        "regenerate",
        consultation_ref=consultation.reference,
        detail="queued",
        location_id=consultation.location_id,
    )
    db.session.commit()
    jobs.enqueue_render(consultation.id)


def delete(consultation: Consultation) -> None:
    """The consultation with its notes and PDF rows, then, once that is committed, its files."""
    paths = [stored_pdfs.pdf_path(s) for s in consultation.pdfs]
    db.session.delete(consultation)
    audit.add_entry(
        "delete",
        consultation_ref=consultation.reference,
        location_id=consultation.location_id,
    )
    db.session.commit()
    for path in paths:
        if path is not None:
            Path(path).unlink(missing_ok=True)


# The audit log ------------------------------------------------------------------------


def audit_entries(
    *,
    username: str | None = None,
    action: str | None = None,
    reference: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    location_id: int | None = None,
) -> list[AuditEvent]:
    """The newest entries (at most :data:`AUDIT_LOG_LIMIT`) matching every filter
    given; the dates are local days, both included; ``location_id``: the
    entries made at (or about) that location."""
    query = audit_query(
        username=username,
        action=action,
        reference=reference,
        date_from=date_from,
        date_to=date_to,
        location_id=location_id,
    )
    return list(db.session.scalars(query.limit(AUDIT_LOG_LIMIT)))


def audit_query(
    *,
    username: str | None = None,
    action: str | None = None,
    reference: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    location_id: int | None = None,
) -> Select:
    """Every entry matching the filters given (see :func:`audit_entries`), newest first."""
    query = db.select(AuditEvent)
    filters: list[Any] = []
    if username and username.strip():
        filters.append(AuditEvent.username == username.strip())
    if action:
        filters.append(AuditEvent.action == action)
    if reference:
        filters.append(AuditEvent.consultation_ref == normalise(reference))
    if date_from:
        filters.append(AuditEvent.at >= day_bounds(date_from)[0])
    if date_to:
        filters.append(AuditEvent.at < day_bounds(date_to)[1])
    if location_id is not None:
        filters.append(AuditEvent.location_id == location_id)
    return query.where(*filters).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
