"""Database tables: patients' drafts and completed consultations."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from kiosk.core.plan.model import SEVERITIES
from kiosk.core.statuses import ConsentAction, ConsentState, ConsultationStatus, PdfStatus
from kiosk.data.database import db


def utcnow() -> dt.datetime:
    """Now, as times are stored: naive UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def local_time(stored: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) time in the server's own time zone."""
    return stored.replace(tzinfo=dt.UTC).astimezone()


def stored_enum(values: type[StrEnum], length: int) -> Enum:
    """A column of ``values``, stored as their strings in a plain VARCHAR (no
    database enum type, no constraint: adding a value needs no migration)."""
    return Enum(
        values,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


# Account and location ids are INTEGER columns: 32-bit on PostgreSQL. A larger
# number in an address names no row (and neither PostgreSQL nor, past 64 bits,
# SQLite can even be asked about it).
LARGEST_ID = 2**31 - 1


def numbered(model: type[db.Model], number: int) -> Any:
    """The row of ``model`` (an account, a location) with this id from an
    address, or None: none has it, or it is past :data:`LARGEST_ID`."""
    return db.session.get(model, number) if 0 < number <= LARGEST_ID else None


# The first location: every installation has it (its migration makes it), and
# it is the one at the kiosk's own address, "/". Consultations made before
# there were locations are its.
FIRST_LOCATION = 1


class Location(db.Model):
    """One of the chain's clinics (an installation with one has only the first).
    Its tablets open its own address (``/at/<slug>/``; the first's is also
    ``/``); ``values`` holds the settings it has of its own, by setting name, as
    the form sent them (``kiosk/clinic/locations.py`` says which may be its own);
    every other setting is the chain's, from the settings page."""

    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# Which locations' consultations a staff account sees (admins see every one).
staff_locations = db.Table(
    "staff_locations",
    db.Column("user_id", ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True),
    db.Column("location_id", ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
)


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
    # The screen last saved (showing a screen writes nothing).
    current_step: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # A patient back for a later session: their earlier consultation, and what
    # the draft keeps of it (kiosk/core/returning.py, Earlier).
    previous_id: Mapped[str | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="SET NULL")
    )
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The location whose address the tablet opened.
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id"), default=FIRST_LOCATION, server_default=str(FIRST_LOCATION)
    )

    @property
    def returning(self) -> bool:
        """Asked only what may change since the earlier consultation it follows."""
        return bool(self.previous and self.previous.get("matched"))

    def keep_answers(self, values: dict[str, Any], *, mark_asked: bool) -> None:
        """Keep the answers from one screen (the caller commits); ``mark_asked``
        marks its questions as asked, once the screen passed its checks."""
        answers = dict(self.answers or {})
        for question_id, value in values.items():
            if value is None:
                answers.pop(question_id, None)
            else:
                answers[question_id] = value
        self.answers = answers
        if mark_asked:
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
    # new -> in_review -> reviewed, stored as those strings
    status: Mapped[ConsultationStatus] = mapped_column(
        stored_enum(ConsultationStatus, 20), default=ConsultationStatus.NEW, index=True
    )
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The screening flags that fired, per severity, kept when the consultation
    # is sent (and when its PDFs are made again) so that the queue need not
    # run the plan for every row; None where they are not known.
    flags_do_not_treat: Mapped[int | None] = mapped_column(Integer)
    flags_no_rf: Mapped[int | None] = mapped_column(Integer)
    flags_review: Mapped[int | None] = mapped_column(Integer)
    flags_note: Mapped[int | None] = mapped_column(Integer)
    # The Done page's one-time token, held by the session of the tablet that
    # sent the answers; cleared when the page is shown (patient.done).
    done_token: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # A follow-up visit: the earlier consultation (until retention deletes it)
    # and what this one keeps of it (kiosk/core/returning.py, Earlier).
    previous_id: Mapped[str | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="SET NULL"), index=True
    )
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The consent as it stands, for the queue: given, withdrawn, or None where
    # none was asked for. Its history is in ``consents``.
    consent: Mapped[ConsentState | None] = mapped_column(stored_enum(ConsentState, 10))
    # The location whose tablet sent it: its queue, and the details on its copies.
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id"),
        default=FIRST_LOCATION,
        server_default=str(FIRST_LOCATION),
        index=True,
    )

    reviewed_by: Mapped[StaffUser | None] = relationship()
    notes: Mapped[list[Note]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="Note.created_at"
    )
    pdfs: Mapped[list[ConsultationPdf]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan"
    )
    consents: Mapped[list[ConsentRecord]] = relationship(
        back_populates="consultation",
        cascade="all, delete-orphan",
        order_by="ConsentRecord.id",
    )

    @property
    def signed_consent(self) -> ConsentRecord | None:
        """The consent last signed, while it stands (not withdrawn since)."""
        last = self.consents[-1] if self.consents else None
        return last if last is not None and last.action == ConsentAction.SIGNED else None

    def pdf(self, copy: str) -> ConsultationPdf | None:
        """Its PDF of ``copy`` ("patient" or "staff"), if one was made."""
        return next((pdf for pdf in self.pdfs if pdf.copy == copy), None)

    def keep_flags(self, severities: Iterable[str]) -> None:
        """Keep how many flags of each severity fired (``severities``: one per flag)."""
        fired = list(severities)
        for severity in SEVERITIES:
            setattr(self, f"flags_{severity}", fired.count(severity))

    @property
    def flag_counts(self) -> dict[str, int] | None:
        """Severity -> how many of its flags fired, most serious first; None if not known."""
        counts = {severity: getattr(self, f"flags_{severity}") for severity in SEVERITIES}
        return None if None in counts.values() else counts


class ConsultationPdf(db.Model):
    """One PDF of a consultation: the patient's copy or the staff copy."""

    __tablename__ = "summary_pdfs"  # named before the class was: kept, not migrated
    __table_args__ = (UniqueConstraint("consultation_id", "copy"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[str] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    copy: Mapped[str] = mapped_column(String(10))  # one of statuses.COPIES
    status: Mapped[PdfStatus] = mapped_column(stored_enum(PdfStatus, 10))
    # A random name under the PDF folder; None until a render succeeds.
    filename: Mapped[str | None] = mapped_column(String(80))
    size: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When its render was last queued or attempted: a PDF pending for long
    # lost its worker, and the sweep queues it again.
    rendered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    consultation: Mapped[Consultation] = relationship(back_populates="pdfs")


class ConsentRecord(db.Model):
    """One step of a consultation's consent: signed (on the kiosk, or again on a
    staff device) or withdrawn. Never changed: a later step is a new row."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[str] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[ConsentAction] = mapped_column(stored_enum(ConsentAction, 10))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Signed: the exact words, their version and digest, and their language.
    language: Mapped[str | None] = mapped_column(String(8))
    version: Mapped[str | None] = mapped_column(String(30))
    text: Mapped[str | None] = mapped_column(Text)
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    # The signature's vector strokes (signature.Signature.stored), or the
    # full name typed in its place.
    signature: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    typed_name: Mapped[str | None] = mapped_column(String(120))
    photos: Mapped[bool | None] = mapped_column(Boolean)
    # The staff member who recorded a withdrawal, or on whose device the
    # patient signed again; None for the kiosk.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # Why it was withdrawn, as staff wrote it.
    reason: Mapped[str | None] = mapped_column(Text)

    consultation: Mapped[Consultation] = relationship(back_populates="consents")
    staff: Mapped[StaffUser | None] = relationship()


class EmailStatus(StrEnum):
    """Where a consultation's summary e-mail is. Stored as these strings."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class SummaryEmail(db.Model):
    """The patient's copy e-mailed to the patient (``kiosk/records/summary_email.py``):
    one row per consultation, made when the e-mail is queued; deleted with the
    consultation. The address is never stored here: it is read from the answers."""

    __tablename__ = "summary_emails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[str] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), unique=True, index=True
    )
    status: Mapped[EmailStatus] = mapped_column(stored_enum(EmailStatus, 10))
    # Connections to the mail server since it was last queued.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Why the last attempt failed, in words for staff (never the address).
    error: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    consultation: Mapped[Consultation] = relationship(
        backref=backref("summary_email", uselist=False, cascade="all, delete-orphan")
    )


class StaffUser(UserMixin, db.Model):
    """One login per person: staff or admin."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(10), default="staff")  # staff or admin
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The locations whose consultations it sees (an admin sees every one).
    locations: Mapped[list[Location]] = relationship(
        secondary=staff_locations, order_by=Location.id
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot sign in
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class StaffSession(db.Model):
    """One signed-in browser. The cookie names it; signing out deletes it, and a
    password reset or disabling the account deletes all of the account's, so a
    copy of the cookie opens nothing afterwards."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(
        String(64), primary_key=True, default=lambda: secrets.token_urlsafe(32)
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[StaffUser] = relationship()


class Note(db.Model):
    """A staff note on a consultation: signed, timed, never edited."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[str] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    consultation: Mapped[Consultation] = relationship(back_populates="notes")
    author: Mapped[StaffUser] = relationship()


class AuditEvent(db.Model):
    """Who did what, and when. Never deleted by the app's normal actions."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # The account, kept as a name too so the entry survives renames.
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    username: Mapped[str | None] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40), index=True)
    # What it was done to: a consultation by reference (ids die with deletion).
    consultation_ref: Mapped[str | None] = mapped_column(String(12), index=True)
    detail: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(45))
    # The location it concerns (a consultation's, or the one a staff page was
    # showing); None for what concerns the whole installation. No foreign key:
    # the log outlives what it names.
    location_id: Mapped[int | None] = mapped_column(Integer, index=True)


class RateLimitCounter(db.Model):
    """A sign-in throttling count (see ``throttle.py``), shared by every process."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    # Seconds since the epoch: when this count's window ends.
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class ClinicSettings(db.Model):
    """The clinic settings changed on the settings page: one row, its values by
    setting name, as the page's form sent them (text that the schema in
    ``kiosk/clinic/settings.py`` reads). ``revision`` grows with every change, so that
    each process (web server, render worker) sees that it must apply them
    again. Who changed what is in the audit log."""

    __tablename__ = "clinic_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
