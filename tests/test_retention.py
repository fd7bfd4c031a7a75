"""Retention: the settings, the purge and what Welcome tells the patient."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import create_app
from kiosk.clinic.settings import SettingError
from kiosk.data.database import db
from kiosk.data.models import (
    AuditEvent,
    Consultation,
    ConsultationPdf,
    Draft,
    Note,
    StaffSession,
    StaffUser,
    local_time,
    utcnow,
)
from kiosk.records import retention, stored_pdfs

from .patient_client import csrf_token
from .staff_helpers import add_consultation, create_account

DAY = dt.timedelta(days=1)


# The settings ----------------------------------------------------------------------


def test_retention_defaults_to_30_days_and_24_hours(app):
    assert app.config["RETENTION_DAYS"] == 30
    assert app.config["DRAFT_RETENTION_HOURS"] == 24


@pytest.mark.parametrize("value", [0, -3, 1.5, "soon", True, None, 10**9])
@pytest.mark.parametrize("name", ["RETENTION_DAYS", "DRAFT_RETENTION_HOURS"])
def test_a_retention_setting_that_is_not_a_positive_whole_number_stops_the_app(
    tmp_path, name, value
):
    with pytest.raises(SettingError, match=f"setting {name} .*must be a whole number from 1"):
        create_app({"INSTANCE_PATH": str(tmp_path), name: value})


def test_a_bad_setting_stops_a_command_with_a_message_and_no_traceback(tmp_path):
    environment = {
        **os.environ,
        "KIOSK_INSTANCE_PATH": str(tmp_path),
        "KIOSK_RETENTION_DAYS": "a month",
    }
    environment.pop("DATABASE_URL", None)
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run(
        [str(flask), "--app", "kiosk", "purge"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: setting RETENTION_DAYS (KIOSK_RETENTION_DAYS) must be a whole number "
        "from 1 to 36500, not 'a month'"
    )


# The purge -----------------------------------------------------------------------


def add_draft(app, updated_at: dt.datetime, first_name: str) -> str:
    with app.app_context():
        draft = Draft(answers={"first_name": first_name}, asked=[])
        db.session.add(draft)
        db.session.flush()
        draft.created_at = draft.updated_at = updated_at
        db.session.commit()
        return draft.id


def with_pdfs_and_note(app, example: str, *, sent: dt.datetime, note: str) -> Consultation:
    """A consultation sent at ``sent``, both PDFs rendered, and a staff note."""
    stored = add_consultation(app, example)
    with app.app_context():
        author = db.session.scalars(db.select(StaffUser)).first()
        consultation = db.session.get(Consultation, stored.id)
        consultation.submitted_at = sent
        stored_pdfs.generate(consultation)
        db.session.add(Note(consultation=consultation, author=author, text=note))
        db.session.commit()
    return stored


def pdf_files(app, consultation_id: str) -> list[Path]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(ConsultationPdf).where(ConsultationPdf.consultation_id == consultation_id)
        )
        return [stored_pdfs.pdf_path(row) for row in rows]


@pytest.fixture
def now():
    return utcnow()


@pytest.fixture
def kept_and_expired(app, now, shared_pdfs):
    """One consultation sent 31 days ago (expired) and one sent 29 days ago (kept)."""
    create_account(app, "sam", "staff", "Sam Carter")
    expired = with_pdfs_and_note(app, "pregnant", sent=now - 31 * DAY, note="Called her back")
    kept = with_pdfs_and_note(app, "fine-lines-no-flags", sent=now - 29 * DAY, note="Booked")
    return expired, kept


def test_drafts_go_24_hours_after_their_last_change(app, now):
    old = add_draft(app, now - dt.timedelta(hours=24, minutes=1), "Olga")
    recent = add_draft(app, now - dt.timedelta(hours=23, minutes=59), "Rita")
    with app.app_context():
        report = retention.purge(now)
        assert report.drafts == 1
        assert db.session.get(Draft, old) is None
        assert db.session.get(Draft, recent).answers == {"first_name": "Rita"}


def test_the_draft_window_follows_its_setting(app, now):
    app.config["DRAFT_RETENTION_HOURS"] = 2
    gone = add_draft(app, now - dt.timedelta(hours=3), "Olga")
    with app.app_context():
        assert retention.purge(now).drafts == 1
        assert db.session.get(Draft, gone) is None


def test_consultations_go_after_30_days_with_their_notes_pdfs_and_files(app, now, kept_and_expired):
    expired, kept = kept_and_expired
    expired_files, kept_files = pdf_files(app, expired.id), pdf_files(app, kept.id)
    assert len(expired_files) == len(kept_files) == 2
    assert all(path.exists() for path in expired_files + kept_files)

    with app.app_context():
        report = retention.purge(now)
        assert (report.consultations, report.notes, report.pdfs) == (1, 1, 2)
        assert db.session.get(Consultation, expired.id) is None
        assert [n.text for n in db.session.scalars(db.select(Note))] == ["Booked"]
        remaining = db.session.scalars(db.select(ConsultationPdf.consultation_id)).all()
        assert remaining == [kept.id, kept.id]
        assert db.session.get(Consultation, kept.id).first_name == kept.first_name
    assert not any(path.exists() for path in expired_files)
    assert all(path.exists() for path in kept_files)


def test_the_consultation_window_follows_its_setting(app, now, kept_and_expired):
    app.config["RETENTION_DAYS"] = 60
    with app.app_context():
        assert retention.purge(now).consultations == 0
        assert retention.purge(now + 32 * DAY).consultations == 2


def test_stray_files_go_once_stale_and_other_files_stay(app, now):
    # The same rule as the worker's sweep: STALE_SECONDS (60) old, no row names it.
    folder = Path(app.config["PDF_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    name = "A" * 32

    def stray(filename: str, age: dt.timedelta) -> Path:
        path = folder / filename
        path.write_bytes(b"%PDF-1.7")
        moment = (now - age).replace(tzinfo=dt.UTC).timestamp()
        os.utime(path, (moment, moment))
        return path

    old_orphan = stray(f"{name}.pdf", dt.timedelta(hours=2))
    old_part = stray(f".{'B' * 32}.pdf.part", dt.timedelta(hours=2))
    new_orphan = stray(f"{'C' * 32}.pdf", dt.timedelta(seconds=30))
    new_part = stray(f".{'D' * 32}.pdf.part", dt.timedelta(seconds=30))
    not_ours = stray("price-list.pdf", dt.timedelta(days=400))
    with app.app_context():
        report = retention.purge(now)
    assert report.stray_files == 2
    assert not old_orphan.exists()
    assert not old_part.exists()
    assert new_orphan.exists()
    assert new_part.exists()
    assert not_ours.exists()


def test_files_of_kept_consultations_are_never_strays(app, now, kept_and_expired):
    _expired, kept = kept_and_expired
    with app.app_context():
        report = retention.purge(now + 2 * DAY)  # the files are then two days old
    assert report.stray_files == 0
    assert all(path.exists() for path in pdf_files(app, kept.id))


def test_a_failed_purge_deletes_no_row_and_no_file(app, now, kept_and_expired, monkeypatch):
    expired, _kept = kept_and_expired
    files = pdf_files(app, expired.id)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(retention.audit, "add_entry", broken)
    with app.app_context(), pytest.raises(RuntimeError):
        retention.purge(now)
    with app.app_context():
        assert db.session.get(Consultation, expired.id) is not None
    assert all(path.exists() for path in files)


@pytest.mark.usefixtures("kept_and_expired")
def test_the_audit_log_records_counts_and_cutoffs_only(app, now):
    with app.app_context():
        retention.purge(now)
        [event] = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "purge")
        ).all()
    cutoff = (now - 30 * DAY).replace(microsecond=0).isoformat()
    draft_cutoff = (now - DAY).replace(microsecond=0).isoformat()
    assert event.detail == (
        f"0 draft(s) last changed before {draft_cutoff}Z; 1 consultation(s) sent before "
        f"{cutoff}Z, with 1 note(s) and 2 PDF(s); 0 stray file(s) in the PDF folder"
    )
    assert event.consultation_ref is None
    assert event.user_id is None


def test_a_purge_that_removes_nothing_leaves_no_audit_entry(app, now):
    with app.app_context():
        assert not retention.purge(now).removed_anything
        assert db.session.scalars(db.select(AuditEvent.action)).all() == []


def test_staff_sessions_past_their_lifetime_go_and_current_ones_stay(app, now):
    create_account(app, "sam", "staff", "Sam Carter")
    with app.app_context():
        sam = db.session.scalar(db.select(StaffUser))
        hours = app.config["STAFF_SESSION_HOURS"]
        for started in (now - dt.timedelta(hours=hours, minutes=1), now - dt.timedelta(hours=1)):
            db.session.add(StaffSession(user=sam, started_at=started))
        db.session.commit()
        report = retention.purge(now)
        left = db.session.scalars(db.select(StaffSession.started_at)).all()
        assert left == [now - dt.timedelta(hours=1)]
        # A sign-out that timed out is already in the audit log; the purge adds nothing.
        assert not report.removed_anything


def test_earlier_audit_entries_keep_the_reference_of_a_purged_consultation(
    app, now, kept_and_expired
):
    expired, _kept = kept_and_expired
    with app.app_context():
        retention.audit.add_entry("view", consultation_ref=expired.reference)
        retention.purge(now)
        refs = db.session.scalars(
            db.select(AuditEvent.consultation_ref).where(AuditEvent.action == "view")
        ).all()
    assert refs == [expired.reference]


# The command ---------------------------------------------------------------------


def test_purge_command_prints_what_it_deleted(app, now, kept_and_expired):
    add_draft(app, now - 2 * DAY, "Olga")
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Deleted 1 draft(s) last changed before ")
    assert lines[1].startswith("Deleted 1 consultation(s) sent before ")
    assert lines[1].endswith("UTC, with 1 note(s) and 2 PDF(s)")
    assert lines[2] == "Deleted 0 stray file(s) in the PDF folder"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Consultation)) == 1


def test_a_dry_run_prints_what_would_go_and_deletes_nothing(app, now, kept_and_expired):
    expired, _kept = kept_and_expired
    add_draft(app, now - 2 * DAY, "Olga")
    result = app.test_cli_runner().invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Would delete 1 draft(s)")
    assert lines[1].startswith("Would delete 1 consultation(s)")
    assert lines[1].endswith("with 1 note(s) and 2 PDF(s)")
    with app.app_context():
        assert db.session.get(Consultation, expired.id) is not None
        assert db.session.scalar(db.select(db.func.count()).select_from(Draft)) == 1
        assert db.session.scalars(db.select(AuditEvent.action)).all() == ["account_created"]
    assert all(path.exists() for path in pdf_files(app, expired.id))


# What the patient is told ----------------------------------------------------------


def welcome_text(client) -> str:
    import re

    html = client.get("/").get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_welcome_says_how_long_answers_are_kept(client):
    text = welcome_text(client)
    assert "We delete your answers 30 days after you send them." in text
    assert "If you stop before sending them, we delete them after 24 hours." in text


def test_welcome_follows_the_settings_in_the_singular_too(app, client):
    app.config.update(RETENTION_DAYS=1, DRAFT_RETENTION_HOURS=1)
    text = welcome_text(client)
    assert "We delete your answers 1 day after you send them." in text
    assert "If you stop before sending them, we delete them after 1 hour." in text


def test_welcome_says_it_in_spanish(client):
    page = client.get("/").get_data(as_text=True)
    client.post("/language", data={"language": "es", "csrf_token": csrf_token(page)})
    text = welcome_text(client)
    assert "Eliminamos sus respuestas 30 días después de que nos las envíe." in text
    assert "Si no llega a enviarlas, las eliminamos al cabo de 24 horas." in text


def test_the_consultation_page_says_until_when_it_is_kept(app, client, now):
    from .staff_helpers import StaffClient

    password = create_account(app, "sam", "staff", "Sam Carter")
    stored = add_consultation(app)
    with app.app_context():
        consultation = db.session.get(Consultation, stored.id)
        consultation.submitted_at = dt.datetime(2026, 3, 2, 9, 30)
        db.session.commit()
    app.config["RETENTION_DAYS"] = 10
    staff = StaffClient(client)
    staff.login("sam", password)
    staff.get(f"/staff/c/{stored.id}")
    until = local_time(dt.datetime(2026, 3, 12, 9, 30))
    assert (
        f'<p class="hint" id="kept-until">Kept until {until.day} Mar 2026, {until:%H:%M}, '
        "then deleted with its PDFs.</p>"
    ) in staff.html


def test_the_render_worker_purges_every_30_minutes(app):
    add_draft(app, utcnow() - dt.timedelta(hours=25), "Old")
    kept = add_draft(app, utcnow() - dt.timedelta(hours=1), "Recent")
    huey = app.extensions["kiosk.records.jobs"].huey

    def due(minute: int) -> list:
        moment = dt.datetime(2030, 1, 1, 9, minute)
        return [t for t in huey.read_periodic(moment) if type(t).__name__ == "purge_expired"]

    assert (len(due(0)), len(due(10)), len(due(30))) == (1, 0, 1)
    huey.execute(due(30)[0])
    with app.app_context():
        assert db.session.scalars(db.select(Draft.id)).all() == [kept]
