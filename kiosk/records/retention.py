"""Retention: what the kiosk keeps, and for how long.

``purge`` deletes drafts not changed for ``DRAFT_RETENTION_HOURS`` and
consultations sent more than ``RETENTION_DAYS`` ago, with their notes, their
consents, their PDF rows and the PDF files and the state of their summary
e-mail, and files of the PDF folder that no row names
(``stored_pdfs.orphan_files``, which the worker's sweep removes too). Staff
sign-in sessions past their lifetime (``STAFF_SESSION_HOURS``), which open
nothing any more, go too. It needs an app context and nothing
else: the render worker runs it every 30 minutes (``jobs.purge_expired``), and
``flask --app kiosk purge`` runs it at once.

It is safe while the app serves: every row goes in one transaction, and files
are removed only once that transaction has committed, so a failed purge leaves
no row pointing at a deleted file.

The audit log gets one entry per purge that removed anything, holding the
counts and the two cut-off times only. Earlier entries about a purged
consultation keep its reference code: a random code that says nothing about
the patient, and the log is the record of who saw what.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, select

from kiosk.data import audit
from kiosk.data.database import db
from kiosk.data.models import (
    ConsentRecord,
    Consultation,
    ConsultationPdf,
    Draft,
    Note,
    StaffSession,
    SummaryEmail,
    utcnow,
)
from kiosk.records import stored_pdfs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed (or, for a dry run, would remove)."""

    drafts: int
    consultations: int
    notes: int
    pdfs: int  # PDF rows of the purged consultations
    stray_files: int  # files of the PDF folder no row names
    draft_cutoff: dt.datetime  # drafts last changed before this went (UTC)
    consultation_cutoff: dt.datetime  # consultations sent before this went (UTC)
    dry_run: bool = False

    @property
    def removed_anything(self) -> bool:
        return any((self.drafts, self.consultations, self.notes, self.pdfs, self.stray_files))

    def describe(self) -> str:
        """Counts and cut-offs: what the audit log and the command print."""
        return (
            f"{self.drafts} draft(s) last changed before {_stamp(self.draft_cutoff)}; "
            f"{self.consultations} consultation(s) sent before "
            f"{_stamp(self.consultation_cutoff)}, with {self.notes} note(s) and "
            f"{self.pdfs} PDF(s); {self.stray_files} stray file(s) in the PDF folder"
        )


def cutoffs(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The (draft, consultation) cut-offs at ``now`` (naive UTC, like the database)."""
    now = now or utcnow()
    config = current_app.config
    return (
        now - dt.timedelta(hours=config["DRAFT_RETENTION_HOURS"]),
        now - dt.timedelta(days=config["RETENTION_DAYS"]),
    )


def deletion_time(submitted_at: dt.datetime) -> dt.datetime:
    """When a consultation sent at ``submitted_at`` (UTC) is due to be deleted."""
    return submitted_at + dt.timedelta(days=current_app.config["RETENTION_DAYS"])


def purge(now: dt.datetime | None = None, *, dry_run: bool = False) -> PurgeReport:
    """Delete what has outlived its retention period (see the module's docstring).

    ``now`` is naive UTC, like every time in the database (default: the clock).
    With ``dry_run`` nothing is deleted and the report says what would be.
    """
    now = now or utcnow()
    draft_cutoff, consultation_cutoff = cutoffs(now)
    folder = Path(current_app.config["PDF_DIR"])
    # Before any row goes: the files of expired consultations are counted apart.
    strays = stored_pdfs.orphan_files(now)

    old_drafts = Draft.updated_at < draft_cutoff
    expired = select(Consultation.id).where(Consultation.submitted_at < consultation_cutoff)
    of_expired_notes = Note.consultation_id.in_(expired)
    of_expired_pdfs = ConsultationPdf.consultation_id.in_(expired)

    if dry_run:
        drafts = _count(Draft, old_drafts)
        notes = _count(Note, of_expired_notes)
        pdf_names = list(
            db.session.scalars(select(ConsultationPdf.filename).where(of_expired_pdfs))
        )
        consultations = _count(Consultation, Consultation.submitted_at < consultation_cutoff)
    else:
        drafts = db.session.execute(delete(Draft).where(old_drafts)).rowcount
        notes = db.session.execute(delete(Note).where(of_expired_notes)).rowcount
        # Counted with their consultations: a consent is part of one.
        db.session.execute(delete(ConsentRecord).where(ConsentRecord.consultation_id.in_(expired)))
        # SQLite enforces no foreign key: each child row goes by name.
        db.session.execute(delete(SummaryEmail).where(SummaryEmail.consultation_id.in_(expired)))
        pdf_names = list(
            db.session.scalars(
                delete(ConsultationPdf).where(of_expired_pdfs).returning(ConsultationPdf.filename)
            )
        )
        consultations = db.session.execute(
            delete(Consultation).where(Consultation.submitted_at < consultation_cutoff)
        ).rowcount
        # Not patient data, and not worth an audit entry: the sign-outs are logged.
        session_cutoff = now - dt.timedelta(hours=current_app.config["STAFF_SESSION_HOURS"])
        db.session.execute(delete(StaffSession).where(StaffSession.started_at < session_cutoff))
    report = PurgeReport(
        drafts=drafts,
        consultations=consultations,
        notes=notes,
        pdfs=len(pdf_names),
        stray_files=len(strays),
        draft_cutoff=draft_cutoff,
        consultation_cutoff=consultation_cutoff,
        dry_run=dry_run,
    )
    if dry_run:
        db.session.rollback()
        return report
    if report.removed_anything:
        audit.add_entry("purge", detail=report.describe())
    db.session.commit()
    # Only now that no row names them any more.
    for path in [folder / name for name in pdf_names if name] + strays:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.exception("could not remove %s", path)
    return report


def _count(model, condition) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0


def _stamp(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"
