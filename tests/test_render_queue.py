"""Rendering off the request path: the queue, retries, the sweep, and what staff see.

Most tests run the queue for real (Huey's SQLite file in the instance folder)
and execute its jobs in the test process, one by one, as a worker would; the
tests marked ``render`` run the queue in immediate mode where a synchronous
render is wanted. tests/test_worker.py runs the real worker process.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.data.database import db
from kiosk.data.models import Consultation, ConsultationPdf, Draft, utcnow
from kiosk.records import jobs, stored_pdfs

from .conftest import assert_queue_is_private
from .patient_client import PLAIN
from .staff_helpers import add_consultation


def real_queue(app):
    """The app's queue in its real storage (also under the ``render`` mark)."""
    huey = app.extensions["kiosk.records.jobs"].huey
    huey.immediate = False
    return huey


def run_queued_jobs(app) -> int:
    """Execute every job waiting in the queue, as the worker does; returns how many."""
    huey = app.extensions["kiosk.records.jobs"].huey
    count = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        count += 1
    return count


def pdf_states(app) -> list[tuple[str, str]]:
    with app.app_context():
        return sorted((s.copy, s.status) for s in db.session.scalars(db.select(ConsultationPdf)))


def only_consultation(app) -> Consultation:
    return db.session.scalars(db.select(Consultation)).one()


def broken_renderer(monkeypatch, message="fonts missing"):
    import kiosk.core.pdf

    def broken(document, copy):
        raise RuntimeError(message)

    monkeypatch.setattr(kiosk.core.pdf, "render_pdf", broken)


# Submitting ----------------------------------------------------------------------


def test_sending_stores_pending_summaries_and_queues_a_render_job_per_copy(app, patient, tmp_path):
    huey = real_queue(app)
    patient.walk()
    response = patient.submit()
    assert response.status_code == 303
    assert response.headers["Location"] == "/done"
    assert pdf_states(app) == [("patient", "pending"), ("staff", "pending")]
    assert not (tmp_path / "pdfs").exists() or not any((tmp_path / "pdfs").iterdir())
    with app.app_context():
        consultation = only_consultation(app)
        assert db.session.scalars(db.select(Draft)).all() == []
        # One job a copy, the patient's first: two worker processes render
        # them at once, and in a queue the copy the patient takes home comes first.
        assert [(type(t).__name__, t.args) for t in huey.pending()] == [
            (jobs.RENDER_TASK, (consultation.id, "patient")),
            (jobs.RENDER_TASK, (consultation.id, "staff")),
        ]
    assert_queue_is_private(app)
    assert patient.get("/done").status_code == 200

    assert run_queued_jobs(app) == 2
    assert pdf_states(app) == [("patient", "ready"), ("staff", "ready")]
    with app.app_context():
        for pdf in only_consultation(app).pdfs:
            path = stored_pdfs.pdf_path(pdf)
            assert path.read_bytes().startswith(b"%PDF")
            assert path.stat().st_mode & 0o777 == 0o600
    assert not list((tmp_path / "pdfs").glob(".*.part"))


def test_sending_succeeds_when_the_queue_cannot_be_reached(app, patient, monkeypatch):
    huey = real_queue(app)

    def unreachable(task):
        raise OSError("queue storage unavailable")

    monkeypatch.setattr(huey, "enqueue", unreachable)
    patient.walk()
    response = patient.submit()
    assert response.headers["Location"] == "/done"
    assert pdf_states(app) == [("patient", "pending"), ("staff", "pending")]


@pytest.mark.render
def test_sending_succeeds_when_the_pdf_folder_cannot_be_made(app, patient, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the PDF folder's parent should be")
    app.config["PDF_DIR"] = str(blocker / "pdfs")
    patient.walk()
    response = patient.submit()
    assert response.status_code == 303
    assert response.headers["Location"] == "/done"
    with app.app_context():
        consultation = only_consultation(app)
        assert consultation.answers["first_name"] == PLAIN["about"]["first_name"]
        assert db.session.scalars(db.select(Draft)).all() == []
        states = {(s.copy, s.status) for s in consultation.pdfs}
        assert states == {("patient", "failed"), ("staff", "failed")}
        assert all(s.error.startswith("NotADirectoryError") for s in consultation.pdfs)
    assert patient.get("/done").status_code == 200

    app.config["PDF_DIR"] = str(tmp_path / "pdfs")
    result = app.test_cli_runner().invoke(args=["pdfs", "retry"])
    assert "2 of 2 summaries rendered" in result.output
    assert pdf_states(app) == [("patient", "ready"), ("staff", "ready")]


# Retries ---------------------------------------------------------------------------


def test_a_failing_render_is_retried_with_back_off_then_marked_failed(app, patient, monkeypatch):
    huey = real_queue(app)
    retries = app.config["RENDER_RETRIES"]
    delay = app.config["RENDER_RETRY_DELAY"]
    patient.walk()
    patient.submit()
    broken_renderer(monkeypatch)

    tasks = [huey.dequeue(), huey.dequeue()]  # a job for each copy
    assert [task.args[1] for task in tasks] == ["patient", "staff"]
    delays = []
    for attempt in range(1, retries + 1):
        for task in tasks:
            huey.execute(task, task.eta)
        # Still pending between attempts, with the last error on record.
        with app.app_context():
            stored = only_consultation(app).pdfs
            assert {s.status for s in stored} == {"pending"}
            assert {s.attempts for s in stored} == {attempt}
            assert {s.error for s in stored} == {"RuntimeError: fonts missing"}
        scheduled = huey.scheduled()
        assert [task.retries for task in scheduled] == [retries - attempt] * 2
        delays.append({task.retry_delay for task in scheduled})
        tasks = huey.read_schedule(max(task.eta for task in scheduled))
    assert delays == [{delay * 2**n} for n in range(1, retries + 1)]

    for task in tasks:
        huey.execute(task, task.eta)
    assert huey.scheduled() == []
    with app.app_context():
        stored = only_consultation(app).pdfs
        assert {(s.status, s.error) for s in stored} == {("failed", "RuntimeError: fonts missing")}
        assert {s.attempts for s in stored} == {retries + 1}


@pytest.mark.render
def test_one_copy_failing_leaves_the_other_ready(app, patient, monkeypatch):
    import kiosk.core.pdf

    render = kiosk.core.pdf.render_pdf

    def staff_copy_broken(document, copy):
        if copy == "staff":
            raise ValueError("staff template broken")
        return render(document, copy)

    monkeypatch.setattr(kiosk.core.pdf, "render_pdf", staff_copy_broken)
    patient.walk()
    patient.submit()
    assert pdf_states(app) == [("patient", "ready"), ("staff", "failed")]


# The sweep ---------------------------------------------------------------------------


def _age(app, consultation_id: str, seconds: int) -> None:
    with app.app_context():
        for pdf in db.session.get(Consultation, consultation_id).pdfs:
            pdf.rendered_at = utcnow() - dt.timedelta(seconds=seconds)
        db.session.commit()


def _old_file(path: Path, data: bytes = b"%PDF-1.7 left behind") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    past = dt.datetime.now().timestamp() - 3600
    os.utime(path, (past, past))
    return path


def test_the_sweep_queues_again_what_a_dead_worker_left_pending(app, tmp_path):
    huey = real_queue(app)
    abandoned = add_consultation(app, "pregnant")
    waiting = add_consultation(app, "fine-lines-no-flags")
    fresh = add_consultation(app, "retinoid-user")
    for stored in (abandoned, waiting):
        _age(app, stored.id, 120)
    with app.app_context():
        jobs.enqueue_render(waiting.id)  # still in the queue: not queued twice
        assert app.extensions["kiosk.records.jobs"].queued_consultations() == {waiting.id}
        jobs.sweep()
        queued = sorted(t.args for t in huey.pending())
    assert queued == sorted(
        (stored.id, copy) for stored in (abandoned, waiting) for copy in ("patient", "staff")
    )
    assert fresh.id not in {args[0] for args in queued}

    assert run_queued_jobs(app) == 4
    with app.app_context():
        for stored in (abandoned, waiting):
            assert {s.status for s in db.session.get(Consultation, stored.id).pdfs} == {"ready"}


def test_the_sweep_removes_part_files_and_orphans_but_keeps_referenced_and_new_files(app, tmp_path):
    real_queue(app)
    stored = add_consultation(app, "pregnant")
    with app.app_context():
        stored_pdfs.generate(db.session.get(Consultation, stored.id))
        kept = [stored_pdfs.pdf_path(s) for s in db.session.get(Consultation, stored.id).pdfs]
    for path in kept:
        os.utime(path, (0, 0))  # old, but referenced
    folder = tmp_path / "pdfs"
    old_part = _old_file(folder / f".{'A' * 32}.pdf.part")
    old_orphan = _old_file(folder / f"{'B' * 32}.pdf")
    new_part = folder / f".{'C' * 32}.pdf.part"
    new_part.write_bytes(b"%PDF")
    not_ours = _old_file(folder / "price-list.pdf")  # an operator's own file
    with app.app_context():
        jobs.sweep()
    assert not old_part.exists()
    assert not old_orphan.exists()
    assert new_part.exists()
    assert not_ours.exists()
    assert all(path.exists() for path in kept)


# pdfs retry ----------------------------------------------------------------------------


def test_pdfs_retry_renders_pending_failed_and_missing_files(app, monkeypatch):
    pending = add_consultation(app, "pregnant")
    failed = add_consultation(app, "retinoid-user")
    missing = add_consultation(app, "fine-lines-no-flags")
    with app.app_context():
        stored_pdfs.generate(db.session.get(Consultation, missing.id))
        gone = stored_pdfs.pdf_path(db.session.get(Consultation, missing.id).pdf("patient"))
        broken_renderer(monkeypatch)
        stored_pdfs.generate(db.session.get(Consultation, failed.id))
        monkeypatch.undo()
    gone.unlink()
    with app.app_context():
        assert {s.status for s in db.session.get(Consultation, pending.id).pdfs} == {"pending"}
    states = pdf_states(app)
    assert states.count(("patient", "pending")) == 1
    assert states.count(("patient", "failed")) == 1

    result = app.test_cli_runner().invoke(args=["pdfs", "retry"])
    assert result.exit_code == 0, result.output
    assert "5 of 5 summaries rendered" in result.output
    with app.app_context():
        for pdf in db.session.scalars(db.select(ConsultationPdf)):
            assert pdf.status == "ready"
            assert stored_pdfs.pdf_path(pdf).exists()


# What staff see ---------------------------------------------------------------------


def test_consultation_page_shows_preparing_and_polls_until_ready(app, staff):
    stored = add_consultation(app, "pregnant")
    staff.get(f"/staff/c/{stored.id}")
    assert "Patient: preparing…" in staff.html
    assert "Staff: preparing…" in staff.html
    poll = f'hx-get="/staff/c/{stored.id}/pdfs" hx-trigger="every 2s"'
    assert poll in staff.html
    assert "Open patient copy to print" not in staff.html

    fragment = staff.get(f"/staff/c/{stored.id}/pdfs")
    assert fragment.status_code == 200
    assert poll in staff.html
    assert "<html" not in staff.html

    with app.app_context():
        stored_pdfs.generate(db.session.get(Consultation, stored.id))
    staff.get(f"/staff/c/{stored.id}/pdfs")
    assert "hx-trigger" not in staff.html
    assert "Patient: ready" in staff.html
    assert "Open patient copy to print" in staff.html
    assert "Download staff copy" in staff.html


def test_opening_a_pdf_that_is_not_ready_says_so(app, staff, monkeypatch):
    stored = add_consultation(app, "pregnant")
    response = staff.get(f"/staff/c/{stored.id}/patient.pdf")
    assert response.status_code == 202
    assert response.mimetype == "text/html"
    assert "This PDF is not ready yet" in staff.html
    assert 'hx-trigger="every 2s"' in staff.html

    with app.app_context():
        broken_renderer(monkeypatch)
        stored_pdfs.generate(db.session.get(Consultation, stored.id))
    response = staff.get(f"/staff/c/{stored.id}/staff.pdf")
    assert response.status_code == 409
    assert "This PDF could not be rendered" in staff.html
    assert "RuntimeError: fonts missing" in staff.html


def test_queue_polls_faster_while_a_pdf_is_being_prepared(app, staff):
    stored = add_consultation(app, "pregnant")
    staff.get("/staff/")
    assert 'hx-trigger="every 2s"' in staff.html
    assert "Patient: preparing…" in staff.html
    with app.app_context():
        stored_pdfs.generate(db.session.get(Consultation, stored.id))
    staff.post("/staff/queue/rows")
    assert 'hx-trigger="every 4s"' in staff.html
    assert "Patient: ready" in staff.html


def test_regenerate_and_review_queue_the_render_instead_of_waiting_for_it(app, staff):
    huey = real_queue(app)
    stored = add_consultation(app, "pregnant")
    with app.app_context():
        stored_pdfs.generate(db.session.get(Consultation, stored.id))
    url = f"/staff/c/{stored.id}"
    staff.post(f"{url}/regenerate", token_from=url)
    staff.get(url)
    assert "The PDFs are being prepared again." in staff.html
    assert pdf_states(app) == [("patient", "pending"), ("staff", "pending")]
    assert [t.args for t in huey.pending()] == [(stored.id, "patient"), (stored.id, "staff")]
    assert run_queued_jobs(app) == 2

    staff.post(f"{url}/reviewed", token_from=url)
    assert pdf_states(app) == [("patient", "pending"), ("staff", "pending")]
    assert run_queued_jobs(app) == 2
    assert pdf_states(app) == [("patient", "ready"), ("staff", "ready")]
    patient_copy = staff.client.get(f"{url}/patient.pdf")
    assert patient_copy.mimetype == "application/pdf"
    from .test_stored_pdfs import pdf_text

    assert "Sam Carter" in pdf_text(patient_copy.get_data())


def test_a_periodic_task_is_easy_to_add(app):
    calls = []

    @jobs.periodic(jobs.crontab(minute="*/5"))
    def count_calls():
        calls.append(db.session.scalar(db.select(db.func.count(Consultation.id))))

    try:
        from kiosk import create_app

        fresh = create_app({**app.config, "TESTING": True})
        huey = fresh.extensions["kiosk.records.jobs"].huey
        due = [type(t).__name__ for t in huey.read_periodic(dt.datetime(2030, 1, 1, 9, 5))]
        assert "count_calls" in due
        assert "sweep" in due
        assert "count_calls" not in [
            type(t).__name__ for t in huey.read_periodic(dt.datetime(2030, 1, 1, 9, 6))
        ]
        for task in huey.read_periodic(dt.datetime(2030, 1, 1, 9, 5)):
            if type(task).__name__ == "count_calls":
                huey.execute(task)
        assert calls == [0]
    finally:
        jobs.PERIODIC_TASKS.remove(next(p for p in jobs.PERIODIC_TASKS if p[1] is count_calls))


@pytest.mark.database("postgresql")
def test_servers_and_workers_starting_together_share_one_queue(app, postgres, tmp_path):
    """Every process of a chain makes Huey's tables if they are missing; started
    at the same moment, they must not trip over each other."""
    empty = postgres.create_database()
    queue = postgres.url(empty).replace("+psycopg", "")
    script = (
        "import sys, time; from kiosk import create_app; from kiosk.records import jobs; "
        "app = create_app({'INSTANCE_PATH': sys.argv[3]}); "
        "app.config['QUEUE_URL'] = sys.argv[2]; "
        "time.sleep(max(0, float(sys.argv[1]) - time.time())); "
        "jobs.make_huey(app)"
    )
    at = str(time.time() + 5)  # after every interpreter has started
    try:
        starts = [
            subprocess.Popen(
                [sys.executable, "-c", script, at, queue, str(tmp_path / f"instance-{n}")],
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(8)
        ]
        errors = [process.communicate(timeout=120)[1] for process in starts]
    finally:
        postgres.drop_database(empty)
    assert [process.returncode for process in starts] == [0] * len(starts), errors


# Failed renders heal themselves --------------------------------------------------------


def _age_by(app, consultation_id: str, delta: dt.timedelta) -> None:
    with app.app_context():
        for pdf in db.session.get(Consultation, consultation_id).pdfs:
            pdf.rendered_at -= delta
        db.session.commit()


def _next_try_in(app, consultation_id: str) -> dt.timedelta:
    """How long after its last attempt the sweep tries the failed PDFs again."""
    retries = app.config["RENDER_RETRIES"]
    with app.app_context():
        pdfs = db.session.get(Consultation, consultation_id).pdfs
        [delay] = {stored_pdfs.next_try(pdf, retries) - pdf.rendered_at for pdf in pdfs}
        return delay


@pytest.mark.render
def test_a_render_that_failed_for_a_full_disk_is_tried_again_later_and_heals(
    app, staff, monkeypatch
):
    import errno

    write_part = stored_pdfs._write_part

    def disk_full(folder, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(stored_pdfs, "_write_part", disk_full)
    stored = add_consultation(app)
    with app.app_context():
        jobs.enqueue_render(stored.id)  # immediate mode: every retry spent at once
    assert pdf_states(app) == [("patient", "failed"), ("staff", "failed")]
    assert _next_try_in(app, stored.id) == dt.timedelta(minutes=15)

    # The queue and the consultation page say when.
    row = staff.client.post("/staff/queue/rows").get_data(as_text=True)
    assert "Next try at" in row
    page = staff.get(f"/staff/c/{stored.id}").get_data(as_text=True)
    assert "They are tried again by themselves at" in page

    # Not yet due: the sweep leaves it.
    with app.app_context():
        jobs.sweep()
    assert pdf_states(app) == [("patient", "failed"), ("staff", "failed")]

    # Due, the disk still full: one attempt, and the wait doubles.
    _age_by(app, stored.id, dt.timedelta(minutes=15))
    with app.app_context():
        jobs.sweep()
    assert pdf_states(app) == [("patient", "failed"), ("staff", "failed")]
    assert _next_try_in(app, stored.id) == dt.timedelta(minutes=30)

    # Space again: the next try renders both, with nobody pressing anything.
    monkeypatch.setattr(stored_pdfs, "_write_part", write_part)
    _age_by(app, stored.id, dt.timedelta(minutes=30))
    with app.app_context():
        jobs.sweep()
    assert pdf_states(app) == [("patient", "ready"), ("staff", "ready")]
    assert "Next try at" not in staff.client.post("/staff/queue/rows").get_data(as_text=True)


def test_the_sweep_queues_a_failed_render_as_one_attempt(app, monkeypatch):
    huey = real_queue(app)
    stored = add_consultation(app)
    broken_renderer(monkeypatch)
    with app.app_context():
        stored_pdfs.generate(db.session.get(Consultation, stored.id))
    _age_by(app, stored.id, dt.timedelta(minutes=15))
    with app.app_context():
        jobs.sweep()
        jobs.sweep()  # queued once, not again while it waits
    tasks = huey.pending()
    assert [task.args for task in tasks] == [(stored.id, "patient"), (stored.id, "staff")]
    assert {task.retries for task in tasks} == {0}


def test_failed_renders_are_tried_again_less_often_up_to_once_a_day(app):
    retries = app.config["RENDER_RETRIES"]
    first_job = retries + 1
    failed = ConsultationPdf(status="failed", rendered_at=dt.datetime(2026, 1, 1))
    waits = []
    for attempts in range(first_job, first_job + 12):
        failed.attempts = attempts
        waits.append(stored_pdfs.next_try(failed, retries) - failed.rendered_at)
    minutes = [wait / dt.timedelta(minutes=1) for wait in waits]
    assert minutes[:7] == [15, 30, 60, 120, 240, 480, 960]
    assert set(minutes[7:]) == {24 * 60}
    failed.attempts = 10_000
    assert stored_pdfs.next_try(failed, retries) - failed.rendered_at == dt.timedelta(days=1)
    failed.status = "ready"
    assert stored_pdfs.next_try(failed, retries) is None


def test_a_note_queues_only_the_staff_copy_and_a_job_from_before_renders_every_copy(app, staff):
    huey = real_queue(app)
    stored = add_consultation(app, "pregnant")
    with app.app_context():
        stored_pdfs.generate(db.session.get(Consultation, stored.id))
    url = f"/staff/c/{stored.id}"
    staff.post(f"{url}/notes", {"text": "Patch test on Friday."}, token_from=url)
    # The note is printed on the staff copy only: the patient's stays as it is.
    assert pdf_states(app) == [("patient", "ready"), ("staff", "pending")]
    assert [t.args for t in huey.pending()] == [(stored.id, "staff")]
    assert run_queued_jobs(app) == 1
    assert pdf_states(app) == [("patient", "ready"), ("staff", "ready")]

    # A job queued by the version before (the consultation alone, no copy),
    # still waiting after an upgrade: it renders every copy not ready.
    with app.app_context():
        consultation = db.session.get(Consultation, stored.id)
        stored_pdfs.mark_pending(consultation, ("patient", "staff"))
        db.session.commit()
        app.extensions["kiosk.records.jobs"].huey.enqueue(
            app.extensions["kiosk.records.jobs"].render.s(stored.id)
        )
    assert run_queued_jobs(app) == 1
    assert pdf_states(app) == [("patient", "ready"), ("staff", "ready")]
