"""CSV exports for admins: a period's consultations, one row each, and the
audit log. Both are read a page of rows at a time, each page its own short
query that starts after the last row of the one before (by time, then id),
so that a year's export never sits whole in memory and no query or
transaction stays open while the rows travel to the browser.

Every cell that a spreadsheet would read as a formula (it starts with
= + - @, a tab or a carriage return) gets a leading apostrophe: a first name
typed as ``=HYPERLINK(...)`` stays text.

In a chain of clinics each row also says where: the location's slug (its
part of the tablets' address) and its name. An installation with one
location has no such columns.

Times are the server's local time in ISO 8601 with its offset
(``2026-11-21T10:30:00+01:00``); the column names say so (``_local``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from kiosk.clinic import locations
from kiosk.core.content.contract import CONTACT_CONSENT, FIRST_NAME
from kiosk.core.plan.model import SEVERITIES
from kiosk.data import audit
from kiosk.data.database import db
from kiosk.data.models import AuditEvent, Consultation, Note, StaffUser, local_time
from kiosk.records import consultations
from kiosk.records.period import Period

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 500  # rows read, and sent, at a time

CONSULTATION_COLUMNS = (
    "reference",
    "sent_local",
    "review_started_local",
    "reviewed_local",
    "status",
    "reviewer",
    *(f"flags_{severity}" for severity in SEVERITIES),
    "flag_ids",
    "flag_words",
    "language",
    "consent",
    "contact_consent",
)
LOCATION_COLUMNS = ("location", "location_name")  # in a chain, after the reference
STAFF_NOTES = "staff_notes"
AUDIT_COLUMNS = (
    "at_local",
    "username",
    "action",
    "action_words",
    "consultation_ref",
    "detail",
    "ip",
)


def safe_cell(value: Any) -> Any:
    """A cell as a spreadsheet should show it: text that would start a formula
    gets a leading apostrophe; numbers and empty cells are left as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """The rows as CSV text, every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


# Where a page of rows ends: the last row's time and id (None: from the start).
Key = tuple[dt.datetime, Any] | None
Page = tuple[list[list[Any]], Key]


def _local(stored) -> str:
    return local_time(stored).isoformat(timespec="seconds") if stored else ""


# A period's consultations ------------------------------------------------------------


def free_text_questions() -> tuple[str, ...]:
    """The questions answered in the patient's own words (text boxes), in
    questionnaire order; contact details (phone, e-mail) are never exported."""
    flow = current_app.extensions["kiosk.core.flow"]
    return tuple(
        question.id
        for step in flow.steps
        for question in step.questions
        if question.type in ("text", "textarea")
    )


def consultation_columns(*, free_text: bool, chain: bool = False) -> tuple[str, ...]:
    columns = CONSULTATION_COLUMNS
    if chain:
        columns = (columns[0], *LOCATION_COLUMNS, *columns[1:])
    if not free_text:
        return columns
    return (*columns, *free_text_questions(), STAFF_NOTES)


def _where(location_id: int | None) -> list[str]:
    """A location's cells (slug, name); empty for none or one no longer there."""
    place = locations.places().get(location_id) if location_id is not None else None
    return [place.slug, place.name] if place else ["", ""]


def consultation_page(
    period: Period, *, free_text: bool, after: Key = None, chain: bool = False
) -> Page:
    """Up to CHUNK rows, a consultation each, of those sent in the period after
    ``after`` (oldest first), and the key to ask for the next. The flags per
    severity are those kept with each (as the queue shows them); their ids and
    words are worked out from its answers by the screening rules in force, as
    a staff copy made now would print them. ``chain``: with the location's
    cells after the reference."""
    start, _end = period.bounds
    # When its review was started: the first "start_review" in the audit log.
    started = (
        select(AuditEvent.consultation_ref, func.min(AuditEvent.at).label("at"))
        .where(AuditEvent.action == "start_review", AuditEvent.at >= start)
        .group_by(AuditEvent.consultation_ref)
        .subquery()
    )
    query: Select = (
        period.query()
        .add_columns(started.c.at, StaffUser.display_name)
        .outerjoin(started, started.c.consultation_ref == Consultation.reference)
        .outerjoin(StaffUser, StaffUser.id == Consultation.reviewed_by_id)
        .limit(CHUNK)
    )
    if after is not None:
        query = query.where(
            or_(
                Consultation.submitted_at > after[0],
                and_(Consultation.submitted_at == after[0], Consultation.id > after[1]),
            )
        )
    if free_text:
        query = query.options(selectinload(Consultation.notes).selectinload(Note.author))
    texts = free_text_questions() if free_text else ()
    rows = []
    key: Key = None
    for consultation, review_started, reviewer in db.session.execute(query):
        key = (consultation.submitted_at, consultation.id)
        counts = consultations.flag_counts(consultation)
        flags = consultations.staff_flags(consultation)
        contact = (consultation.answers or {}).get(CONTACT_CONSENT)
        row = [
            consultation.reference,
            _local(consultation.submitted_at),
            _local(review_started),
            _local(consultation.reviewed_at),
            consultation.status.value,
            reviewer or "",
            *(counts[severity] for severity in SEVERITIES),
            "; ".join(flag.id for flag in flags),
            " | ".join(flag.staff_text for flag in flags),
            consultation.language,
            consultation.consent.value if consultation.consent else "",
            {True: "yes", False: "no"}.get(contact, ""),
        ]
        if chain:
            row[1:1] = _where(consultation.location_id)
        if free_text:
            answers = consultation.answers or {}
            row += [
                consultation.first_name if question == FIRST_NAME else answers.get(question, "")
                for question in texts
            ]
            row.append(
                "\n\n".join(
                    f"{note.author.display_name}, {_local(note.created_at)}: {note.text}"
                    for note in consultation.notes
                )
            )
        rows.append(row)
    return rows, key


# The audit log -----------------------------------------------------------------------


def audit_count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def audit_columns(*, chain: bool = False) -> tuple[str, ...]:
    """The audit log's columns; in a chain, the location's slug last."""
    return (*AUDIT_COLUMNS, "location") if chain else AUDIT_COLUMNS


def audit_page(query: Select, after: Key = None, *, chain: bool = False) -> Page:
    """Up to CHUNK rows, an entry each, of ``query`` (consultations.audit_query,
    newest first) after ``after``, and the key to ask for the next; ``chain``:
    with the slug of the entry's location, where it has one."""
    if after is not None:
        query = query.where(
            or_(AuditEvent.at < after[0], and_(AuditEvent.at == after[0], AuditEvent.id < after[1]))
        )
    rows = []
    key: Key = None
    for event in db.session.scalars(query.limit(CHUNK)):
        key = (event.at, event.id)
        words = audit.ACTIONS.get(event.action)
        rows.append(
            [
                _local(event.at),
                event.username or "",
                event.action,
                str(words) if words is not None else "",
                event.consultation_ref or "",
                event.detail or "",
                event.ip or "",
                *(_where(event.location_id)[:1] if chain else ()),
            ]
        )
    return rows, key
