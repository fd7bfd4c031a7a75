"""A consultation's two PDFs (the patient's copy and the staff copy): made,
stored and remade, and the PDF folder's own files.

The consultation is saved with both PDFs ``pending``; the render worker
(see ``jobs.py``) makes the PDFs and marks them ``ready``, or, after its
retries, ``failed`` with the error, which staff or ``flask pdfs retry`` can
render again. Nothing the patient gave is ever lost to a rendering problem.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import update

from kiosk.clinic import locations
from kiosk.clinic.saved_settings import engines
from kiosk.core.answer_text import answer_lines, at_a_glance
from kiosk.core.files import create_private_file, private_folder
from kiosk.core.flow import Flow
from kiosk.core.pdf.document import Clinic, PdfDocument, PrintedConsent, PrintedNote
from kiosk.core.plan import PlanEngine
from kiosk.core.plan.model import Plan
from kiosk.core.plan.rules import Citations
from kiosk.core.policy import Policy
from kiosk.core.returning import FollowUp
from kiosk.core.statuses import COPIES, ConsultationStatus, PdfStatus
from kiosk.data.database import db
from kiosk.data.models import Consultation, ConsultationPdf, local_time, utcnow
from kiosk.records import consents, returning

# The names _write_part gives: a finished PDF, and one being written. Only files
# named so are ever deleted from the PDF folder; anything else kept there stays.
PDF_NAME = re.compile(r"[A-Za-z0-9_-]{32}\.pdf")
PART_NAME = re.compile(r"\.[A-Za-z0-9_-]{32}\.pdf\.part")
log = logging.getLogger(__name__)


def clinic_profile(config: Mapping[str, Any]) -> Clinic:
    return Clinic(
        name=config["CLINIC_NAME"],
        address=config["CLINIC_ADDRESS"],
        phone=config["CLINIC_PHONE"],
        email=config["CLINIC_EMAIL"],
        booking_url=config["CLINIC_BOOKING_URL"],
        logo=config["CLINIC_LOGO"],
        colour=config["BRAND_COLOUR"],
    )


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
    settings: Mapping[str, Any] | None = None,
    notes: tuple[PrintedNote, ...] = (),
    follow_up: FollowUp | None = None,
    consent: PrintedConsent | None = None,
    place: locations.Place | None = None,
) -> PdfDocument:
    """Everything the two PDFs say, for one set of answers: as ``place`` (the
    location it was sent at; the first by default) says it, or with
    ``settings`` (the clinic settings of a preview), as a clinic with those
    would say it."""
    if settings is None:
        place = place or locations.place(None, app)
        engine: PlanEngine = place.engine
        flow: Flow = place.flow
        config: Mapping[str, Any] = place.config
    else:
        config = {**app.config, **settings}
        flow, engine = engines(app.extensions["kiosk.core.content"], config)
    clinic_language = config["CLINIC_LANGUAGE"]
    today = today or submitted_at.date()
    plan = engine.build(answers, language=language, today=today)
    staff_plan = (
        plan
        if clinic_language == language
        else engine.build(answers, language=clinic_language, today=today)
    )
    return PdfDocument(
        plan=plan,
        reference=reference,
        submitted_at=submitted_at,
        clinic=clinic_profile(config),
        paper=config["PAPER_SIZE"],
        answers=answer_lines(flow, answers, clinic_language, staff=True),
        glance=at_a_glance(flow, answers, clinic_language),
        staff_flags_plan=staff_plan,
        clinic_language=clinic_language,
        reviewer=reviewer,
        reviewed_at=reviewed_at,
        notes=notes,
        follow_up=follow_up,
        consent=consent,
        sources=_cited(app.extensions["kiosk.core.content"].citations, staff_plan, engine.policy),
    )


def _cited(citations: Citations, plan: Plan, policy: Policy) -> tuple[tuple[str, str], ...]:
    keys = dict.fromkeys(key for flag in plan.flags for key in flag.sources)
    return tuple((key, citations.title(key, policy)) for key in keys)


def consultation_document(consultation: Consultation) -> PdfDocument:
    reviewer = (
        consultation.reviewed_by if consultation.status == ConsultationStatus.REVIEWED else None
    )
    return build_document(
        current_app._get_current_object(),
        consultation.answers,
        language=consultation.language,
        reference=consultation.reference,
        submitted_at=local_time(consultation.submitted_at),
        reviewer=reviewer.display_name if reviewer else None,
        reviewed_at=local_time(consultation.reviewed_at) if reviewer else None,
        notes=tuple(
            PrintedNote(note.author.display_name, local_time(note.created_at), note.text)
            for note in consultation.notes
        ),
        follow_up=returning.follow_up(consultation, current_app.config["CLINIC_LANGUAGE"]),
        consent=consents.printed(consultation),
        place=locations.place(consultation.location_id),
    )


def pdf_path(pdf: ConsultationPdf) -> Path | None:
    if not pdf.filename:
        return None
    return Path(current_app.config["PDF_DIR"]) / pdf.filename


def mark_pending(
    consultation: Consultation, copies: tuple[str, ...] = COPIES
) -> list[ConsultationPdf]:
    """Both copies (or ``copies``) ``pending`` (made when missing), to be
    rendered by the worker.

    The caller commits, then queues the job (``jobs.enqueue_render``). A file
    already rendered stays until its replacement is attached.
    """
    results = []
    for copy in copies:
        pdf = consultation.pdf(copy) or ConsultationPdf(consultation=consultation, copy=copy)
        pdf.status, pdf.error = PdfStatus.PENDING, None
        pdf.attempts = pdf.attempts or 0
        pdf.rendered_at = utcnow()
        db.session.add(pdf)
        results.append(pdf)
    return results


def copies_to_render(consultation_id: str) -> list[str]:
    """The consultation's copies not ready yet, the patient's first."""
    statuses = dict(
        db.session.execute(
            db.select(ConsultationPdf.copy, ConsultationPdf.status).where(
                ConsultationPdf.consultation_id == consultation_id
            )
        ).all()
    )
    return [copy for copy in COPIES if copy in statuses and statuses[copy] != PdfStatus.READY]


def render(
    consultation_id: str, *, final: bool = True, copies: Collection[str] = COPIES
) -> list[ConsultationPdf]:
    """Render the consultation's PDFs of ``copies`` that are not ready, and attach them.

    Each file is written under a temporary ``.part`` name, then renamed and
    recorded in the one transaction that marks that PDF ready. A failure is
    recorded on the PDF: it stays ``pending`` (and this raises, so that the
    queue tries again later) unless ``final``, when it becomes ``failed``.

    A PDF marked pending again while this render ran (a review, a note, a
    regeneration: ``mark_pending``) is left to the job that change queued:
    what was rendered here is from before it, and is thrown away.
    """
    from kiosk.core.pdf import render_pdf

    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:  # deleted while its job waited
        return []
    todo = [
        pdf for pdf in consultation.pdfs if pdf.status != PdfStatus.READY and pdf.copy in copies
    ]
    if not todo:
        return []
    started = utcnow()
    for pdf in todo:
        pdf.attempts = (pdf.attempts or 0) + 1
        pdf.rendered_at = started
    db.session.commit()  # the attempt is on record, even if this process dies now

    parts: dict[str, tuple[Path, int]] = {}
    errors: dict[str, str] = {}
    try:
        folder = private_folder(current_app.config["PDF_DIR"])
        document = consultation_document(consultation)
    except Exception as exc:  # no folder, or a content or engine problem: both copies
        log.exception("PDFs of %s could not be prepared", consultation.reference)
        errors = {s.copy: _error(exc) for s in todo}
    else:
        for pdf in todo:
            try:
                data = render_pdf(document, pdf.copy)
                parts[pdf.copy] = (_write_part(folder, data), len(data))
            except Exception as exc:
                log.exception("%s copy of %s failed", pdf.copy, consultation.reference)
                errors[pdf.copy] = _error(exc)
    todo = _still_ours(todo, started, parts)
    errors = {copy: error for copy, error in errors.items() if copy in {p.copy for p in todo}}
    replaced = _attach(todo, parts)
    for pdf in todo:
        if pdf.copy in errors:
            pdf.error = errors[pdf.copy]
            pdf.status = PdfStatus.FAILED if final else PdfStatus.PENDING
    db.session.commit()
    for path in replaced:
        path.unlink(missing_ok=True)
    if errors and not final:
        raise RenderFailed("; ".join(f"{copy}: {error}" for copy, error in errors.items()))
    return todo


class RenderFailed(Exception):
    """A render attempt failed and will be tried again."""


def _still_ours(
    todo: list[ConsultationPdf], started: dt.datetime, parts: dict[str, tuple[Path, int]]
) -> list[ConsultationPdf]:
    """The PDFs of ``todo`` that nothing marked pending again since this
    render ``started``: each is claimed for this transaction (its row locked
    until the commit), so no change slips in before it is marked ready. The
    rendered files of the others are removed."""
    ours = []
    for pdf in todo:
        claimed = db.session.execute(
            update(ConsultationPdf)
            .where(ConsultationPdf.id == pdf.id, ConsultationPdf.rendered_at == started)
            .values(rendered_at=started)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            ours.append(pdf)
            continue
        log.info("%s copy changed while it was rendered: left to its next job", pdf.copy)
        part = parts.pop(pdf.copy, (None, 0))[0]
        if part is not None:
            part.unlink(missing_ok=True)
    return ours


def _attach(todo: list[ConsultationPdf], parts: dict[str, tuple[Path, int]]) -> list[Path]:
    """Give each rendered copy its final name and mark it ready (not yet committed).

    Returns the files the new ones replace, to delete once committed.
    """
    replaced = []
    for pdf in todo:
        if pdf.copy not in parts:
            continue
        part, size = parts[pdf.copy]
        old = pdf_path(pdf)
        name = part.name.removeprefix(".").removesuffix(".part")
        part.replace(part.with_name(name))
        pdf.filename, pdf.size = name, size
        pdf.status, pdf.error = PdfStatus.READY, None
        if old is not None and old.name != name:
            replaced.append(old)
    return replaced


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def generate(consultation: Consultation) -> list[ConsultationPdf]:
    """Render both copies now, in this process (the CLI and tests); failures are
    recorded, never raised."""
    mark_pending(consultation)
    db.session.commit()
    return render(consultation.id, final=True)


def retry_unfinished() -> list[ConsultationPdf]:
    """Render now every PDF that is pending, failed, or ready with its file missing."""
    # Ids, not DISTINCT consultation rows: PostgreSQL cannot compare JSON answers.
    unfinished = set(
        db.session.scalars(
            db.select(ConsultationPdf.consultation_id).where(
                ConsultationPdf.status != PdfStatus.READY
            )
        )
    )
    missing = [
        s
        for s in db.session.scalars(
            db.select(ConsultationPdf).where(ConsultationPdf.status == PdfStatus.READY)
        )
        if s.filename is None or not pdf_path(s).exists()
    ]
    for pdf in missing:
        pdf.status = PdfStatus.PENDING
    db.session.commit()
    ids = unfinished | {s.consultation_id for s in missing}
    results = []
    for consultation_id in sorted(ids):
        results += render(consultation_id, final=True)
    return results


# A PDF that failed for good (its queued retries spent) is tried again by the
# sweep: FIRST_HEAL after its last attempt, then twice as long after each
# further failure, never more than LONGEST_HEAL apart. A render that failed
# because the disk was full, or a font was missing, heals itself once the
# cause is gone.
FIRST_HEAL = dt.timedelta(minutes=15)
LONGEST_HEAL = dt.timedelta(days=1)


def next_try(pdf: ConsultationPdf, retries: int) -> dt.datetime | None:
    """When the sweep tries a failed PDF again (naive UTC), or None when it is
    not failed. ``retries``: the queue's retries of one job (RENDER_RETRIES);
    attempts past the first job's are the sweep's, each doubling the wait."""
    if pdf.status != PdfStatus.FAILED:
        return None
    rounds = min(max(0, (pdf.attempts or 0) - (retries + 1)), 16)
    return pdf.rendered_at + min(FIRST_HEAL * 2**rounds, LONGEST_HEAL)


def due_for_another_try(retries: int, now: dt.datetime | None = None) -> set[str]:
    """Consultations with a failed PDF whose next try (see :func:`next_try`) has come."""
    now = now or utcnow()
    failed = db.session.scalars(
        db.select(ConsultationPdf).where(ConsultationPdf.status == PdfStatus.FAILED)
    )
    return {pdf.consultation_id for pdf in failed if next_try(pdf, retries) <= now}


def stale_pending(seconds: int) -> set[str]:
    """Consultations with a PDF pending for ``seconds`` since its job was last
    queued or started."""
    cutoff = utcnow() - dt.timedelta(seconds=seconds)
    return set(
        db.session.scalars(
            db.select(ConsultationPdf.consultation_id).where(
                ConsultationPdf.status == PdfStatus.PENDING, ConsultationPdf.rendered_at < cutoff
            )
        )
    )


def orphan_files(now: dt.datetime | None = None) -> list[Path]:
    """``.part`` files and PDFs of the PDF folder that no row names, last
    changed ``STALE_SECONDS`` or more before ``now`` (naive UTC; default: the
    clock). The one rule for a stray file, for the worker's sweep and the purge.

    The age keeps a file that a worker is writing or attaching right now.
    """
    now = now or utcnow()
    age = dt.timedelta(seconds=current_app.config["STALE_SECONDS"])
    folder = Path(current_app.config["PDF_DIR"])
    # Listed before the names are read: a file attached after this is not looked at.
    candidates = own_files(folder, (now - age).replace(tzinfo=dt.UTC).timestamp())
    known = set(
        db.session.scalars(
            db.select(ConsultationPdf.filename).where(ConsultationPdf.filename.is_not(None))
        )
    )
    return [path for path in candidates if path.name not in known]


def remove_orphan_files() -> list[Path]:
    """Delete :func:`orphan_files`."""
    removed = orphan_files()
    for path in removed:
        path.unlink(missing_ok=True)
    if removed:
        log.warning("removed %d unfinished or orphaned PDF file(s)", len(removed))
    return removed


def own_files(folder: Path, older_than: float) -> list[Path]:
    """Files of ``folder`` named as the kiosk names its PDFs (finished or being
    written), last changed before ``older_than`` (a POSIX timestamp)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if not (PDF_NAME.fullmatch(path.name) or PART_NAME.fullmatch(path.name)):
            continue
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if path.is_file() and not path.is_symlink() and info.st_mtime < older_than:
            found.append(path)
    return found


def _write_part(folder: Path, data: bytes) -> Path:
    """Write ``data`` whole to ``.NAME.part`` (NAME random and unguessable);
    :func:`_attach` renames it to NAME."""
    name = f"{secrets.token_urlsafe(24)}.pdf"
    temporary = folder / f".{name}.part"
    create_private_file(temporary, data)
    return temporary
