"""The real render worker (the Huey consumer) and `serve`, in their own processes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from kiosk.data.database import db
from kiosk.data.models import ConsultationPdf, StaffUser
from kiosk.records import stored_pdfs
from kiosk.web.auth import check_password

from .conftest import assert_queue_is_private, free_port
from .processes import descendants

PROCESS_TIMEOUT = 60  # seconds: generous, for a busy machine; never a measurement


def child_environment(app) -> dict[str, str]:
    """The ``app`` fixture's settings, for a ``flask --app kiosk`` subprocess."""
    return {
        **os.environ,
        "KIOSK_INSTANCE_PATH": app.instance_path,
        "KIOSK_PDF_DIR": app.config["PDF_DIR"],
        "KIOSK_CLINIC_NAME": app.config["CLINIC_NAME"],
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
    }


def flask(app, *args: str, log: Path, **environment: str) -> subprocess.Popen:
    """``flask --app kiosk ARGS`` on the ``app`` fixture's settings, with
    ``environment`` variables added or replaced."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "kiosk", *args],
            env={**child_environment(app), **environment},
            stdout=out,
            stderr=out,
            start_new_session=True,  # its own process group, stopped by its id
        )


def wait_for(condition, what: str, process: subprocess.Popen, log: Path | None):
    deadline = time.monotonic() + PROCESS_TIMEOUT
    while time.monotonic() < deadline:
        if (result := condition()) is not None:
            return result
        assert process.poll() is None, f"{what}: process exited\n{output(log)}"
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {PROCESS_TIMEOUT}s\n{output(log)}")


def output(log: Path | None) -> str:
    return log.read_text() if log else "(its output went to the test's own)"


def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:  # it has exited
        return b""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def stop_group(process: subprocess.Popen) -> None:
    """Make sure nothing of a test's process group outlives the test."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_the_worker_process_renders_what_the_queue_holds(app, patient, tmp_path):
    app.extensions["kiosk.records.jobs"].huey.immediate = False  # the real queue file
    patient.walk()
    assert patient.submit().headers["Location"] == "/done"
    log = tmp_path / "worker.log"
    worker = flask(app, "worker", "--processes", "1", log=log)
    try:

        def both_ready():
            with app.app_context():
                rows = db.session.scalars(db.select(ConsultationPdf)).all()
                db.session.rollback()
                return rows if {s.status for s in rows} == {"ready"} else None

        ready = wait_for(both_ready, "both PDFs ready", worker, log)
        with app.app_context():
            for pdf in ready:
                path = stored_pdfs.pdf_path(pdf)
                assert path.read_bytes().startswith(b"%PDF")
                assert path.stat().st_mode & 0o777 == 0o600
        assert_queue_is_private(app)
        workers = descendants(worker.pid)
        assert workers  # the consumer's render process and its scheduler
        worker.send_signal(signal.SIGINT)
        assert worker.wait(timeout=PROCESS_TIMEOUT) == 0
        assert not any(alive(pid) for pid in workers)
    finally:
        stop_group(worker)
    assert "render worker: 1 process(es)" in log.read_text()


def test_serve_starts_the_worker_with_the_web_server_and_stops_both(app, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    server = flask(app, "serve", "--host", "127.0.0.1", "--port", str(port), log=log)
    try:

        def listening():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return True
            except OSError:
                return None

        wait_for(listening, "web server listening", server, log)

        def worker_running():
            # The worker and its processes; a short-lived helper process may
            # come and go between listing it and reading its command line.
            children = descendants(server.pid)
            running = any(b"worker" in command_line(pid) for pid in children)
            return children if running and len(children) >= 2 else None

        children = wait_for(worker_running, "worker started", server, log)
        # It says where the tablets and staff go, and, on a database without
        # accounts, the first administrator's password.
        said = log.read_text()
        assert f"Staff area:              http://127.0.0.1:{port}/staff/" in said
        password = re.search(r"username admin, password (\S+)", said)
        assert password
        with app.app_context():
            admin = db.session.scalar(db.select(StaffUser))
            assert admin.username == "admin"
            assert admin.role == "admin"
            assert check_password(admin, password.group(1))

        server.send_signal(signal.SIGTERM)  # as systemd or `kill` would
        server.wait(timeout=PROCESS_TIMEOUT)
        deadline = time.monotonic() + PROCESS_TIMEOUT
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in children), log.read_text()
    finally:
        stop_group(server)


def test_a_worker_that_will_not_stop_in_time_is_killed_with_every_render_process(app, monkeypatch):
    # As `serve` starts and stops it. A consumer killed alone would leave its
    # render processes running, each still taking jobs from the queue.
    from kiosk.records import jobs

    for name, value in child_environment(app).items():
        monkeypatch.setenv(name, value)
    worker = jobs.start_worker_process(processes=2)
    try:

        def render_processes_started():
            children = descendants(worker.pid)
            return children if len(children) >= 2 else None

        children = wait_for(render_processes_started, "render processes", worker, log=None)
        jobs.stop_worker_process(worker, timeout=0)  # no time to stop by itself
        assert worker.poll() is not None
        deadline = time.monotonic() + PROCESS_TIMEOUT
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in children)
    finally:
        stop_group(worker)


def worker_child(server: subprocess.Popen) -> int | None:
    """The render worker ``serve`` started: its child running ``flask ... worker``."""
    for task in Path(f"/proc/{server.pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        for pid in map(int, children):
            if command_line(pid).endswith(b"kiosk\x00worker\x00") and alive(pid):
                return pid
    return None


def test_serve_starts_a_worker_that_died_again_up_to_its_limit(app, patient, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    server = flask(
        app, "serve", "--host", "127.0.0.1", "--port", str(port), log=log, KIOSK_WORKER_RESTARTS="1"
    )
    try:
        first = wait_for(lambda: worker_child(server), "worker started", server, log)
        os.kill(first, signal.SIGKILL)  # its main process, by its pid

        said = re.compile(
            rf"render worker \(pid {first}\) exited with status -9; started again as pid (\d+)"
        )
        second = int(wait_for(lambda: said.search(log.read_text()), "restart", server, log)[1])
        assert second != first
        assert wait_for(lambda: worker_child(server), "new worker", server, log) == second
        assert "1 of 1 restarts allowed within 10 minutes" in log.read_text()

        # The worker started again renders what is sent.
        app.extensions["kiosk.records.jobs"].huey.immediate = False
        patient.walk()
        assert patient.submit().headers["Location"] == "/done"

        def both_ready():
            with app.app_context():
                rows = db.session.scalars(db.select(ConsultationPdf)).all()
                db.session.rollback()
                return rows if rows and {s.status for s in rows} == {"ready"} else None

        wait_for(both_ready, "both PDFs ready", server, log)

        # Past the limit, it is left stopped, said so, and the web server goes on.
        os.kill(second, signal.SIGKILL)
        given_up = rf"render worker \(pid {second}\) exited with status -9; not started again"
        wait_for(lambda: re.search(given_up, log.read_text()), "giving up", server, log)
        time.sleep(1.5)  # a poll of the supervisor: nothing started meanwhile
        assert worker_child(server) is None
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        assert server.poll() is None

        left = descendants(server.pid)  # Huey's helpers of the dead worker were stopped
        assert not any(b"worker" in command_line(pid) for pid in left)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=PROCESS_TIMEOUT)
    finally:
        stop_group(server)
