"""Work that never runs in a request: the task queue (Huey) and its worker.

Submitting a consultation stores it with both PDFs ``pending`` and
enqueues one render job; the Huey consumer (``flask --app kiosk worker``, or
started by ``flask --app kiosk serve``) renders them, retrying with back-off,
and a periodic sweep picks up whatever a dead worker left behind.

Where the queue lives (``QUEUE_URL``):

- unset, with the SQLite database: ``queue.sqlite3`` in the instance folder
  (a private 0600 file), for one box;
- unset, with a PostgreSQL ``DATABASE_URL``: the same PostgreSQL database
  (Huey's own ``huey_*`` tables), so every app server and worker of a chain
  shares it;
- ``sqlite:////path/queue.sqlite3``, ``postgresql://…`` or ``redis://…``
  (Redis needs the ``redis`` package) to choose.

Its settings (``QUEUE_URL``, ``QUEUE_IMMEDIATE``, ``RENDER_*``, ``WORKER_*``,
``STALE_SECONDS``) are described in ``kiosk/clinic/settings.py``.

The periodic tasks (the sweep, the purge) are all here: a plain function
decorated with :func:`periodic` runs in the worker, inside an app context, on
the Huey ``crontab`` given.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import psycopg
from flask import Flask, current_app
from huey import Huey, PostgresHuey, RedisHuey, SqliteHuey, crontab
from huey.storage import SqliteStorage
from sqlalchemy.engine import make_url

from kiosk.clinic import saved_settings
from kiosk.core.files import FILE_MODE, create_private_file, restrict
from kiosk.core.statuses import COPIES

log = logging.getLogger(__name__)

QUEUE_NAME = "kiosk"
# The task's name as the queue stores it: kept, so that jobs queued by an
# earlier version are still found.
RENDER_TASK = "render_summaries"
PREVIEW_TASK = "render_settings_preview"
MAIL_TASK = "send_summary_email"

IDLE_POLL_SECONDS = 0.1

# (schedule, function) pairs registered with :func:`periodic`.
PERIODIC_TASKS: list[tuple[Callable[[dt.datetime], bool], Callable[[], Any]]] = []


def periodic(schedule: Callable[[dt.datetime], bool]):
    """Run the decorated function in the worker on ``schedule`` (a Huey ``crontab``)."""

    def register(function: Callable[[], Any]) -> Callable[[], Any]:
        PERIODIC_TASKS.append((schedule, function))
        return function

    return register


class PrivateSqliteStorage(SqliteStorage):
    """Huey's SQLite storage in a file created 0600 (it holds consultation ids)."""

    def _create_connection(self):
        path = Path(self.filename)
        with contextlib.suppress(FileExistsError):
            create_private_file(path, b"")
        restrict(path, FILE_MODE)
        return super()._create_connection()


class PrivateSqliteHuey(SqliteHuey):
    storage_class = PrivateSqliteStorage


class Jobs:
    """One app's queue and its tasks."""

    def __init__(self, app: Flask):
        self.app = app
        self.huey = make_huey(app)
        config = app.config
        self.render = self.huey.task(
            retries=config["RENDER_RETRIES"],
            retry_delay=config["RENDER_RETRY_DELAY"],
            retry_backoff=2,
            timeout=config["RENDER_TIMEOUT"],
            context=True,
            name=RENDER_TASK,
        )(self._render)
        # The patient's copy e-mailed (summary_email.py): tried again while the
        # copy is not ready or the mail server cannot take it yet.
        self.mail = self.huey.task(
            retries=config["MAIL_RETRIES"],
            retry_delay=config["MAIL_RETRY_DELAY"],
            retry_backoff=2,
            context=True,
            name=MAIL_TASK,
        )(self._mail)
        # A settings preview's sample PDF: once, no retry (the admin asks again).
        self.preview = self.huey.task(timeout=config["RENDER_TIMEOUT"], name=PREVIEW_TASK)(
            self._preview
        )
        for schedule, function in PERIODIC_TASKS:
            self.huey.periodic_task(schedule, name=function.__name__)(self._in_app(function))

    def enqueue_render(
        self, consultation_id: str, *, retries: int | None = None, copy: str | None = None
    ) -> None:
        """Queue the render of one ``copy`` (or of every copy not ready: a job
        queued by an earlier version); ``retries``: how many times the queue
        tries it again (default RENDER_RETRIES; 0 for the sweep's later tries
        of a failed PDF, each one attempt)."""
        task = self.render.s(consultation_id, copy) if copy else self.render.s(consultation_id)
        if retries is not None:
            task.retries = retries
        if self.huey.immediate:
            # Retries run at once too, so that a failure is final by the time
            # the request that queued the job returns.
            task.retry_delay = 0
        self.huey.enqueue(task)

    def _render(self, consultation_id: str, copy: str | None = None, task=None) -> None:
        from kiosk.records.stored_pdfs import render

        final = task is None or not task.retries
        with self.app.app_context():
            saved_settings.refresh(self.app)
            render(consultation_id, final=final, copies=(copy,) if copy else COPIES)
            if copy in (None, "patient"):
                # A clinic that e-mails the patient's copy at once: now it is ready.
                from kiosk.records.summary_email import after_render

                after_render(consultation_id)

    def enqueue_mail(self, consultation_id: str) -> None:
        task = self.mail.s(consultation_id)
        if self.huey.immediate:
            task.retry_delay = 0  # as for renders: a failure is final when the request returns
        self.huey.enqueue(task)

    def _mail(self, consultation_id: str, task=None) -> None:
        from kiosk.records import summary_email

        with self.app.app_context():
            saved_settings.refresh(self.app)
            summary_email.send(consultation_id, final=task is None or not task.retries)

    def enqueue_preview(self, token: str) -> None:
        self.huey.enqueue(self.preview.s(token))

    def _preview(self, token: str) -> None:
        from kiosk.records import settings_preview

        with self.app.app_context():
            saved_settings.refresh(self.app)
            settings_preview.render(self.app, token)

    def _in_app(self, function: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with self.app.app_context():
                saved_settings.refresh(self.app)
                return function()

        run.__name__ = function.__name__
        return run

    def queued_consultations(self) -> set[str]:
        """Consultation ids with a render job waiting in the queue or scheduled for retry."""
        tasks = [*self.huey.pending(), *self.huey.scheduled()]
        return {t.args[0] for t in tasks if type(t).__name__ == RENDER_TASK and t.args}


def make_huey(app: Flask) -> Huey:
    url = queue_url(app)
    options = {
        "name": QUEUE_NAME,
        "results": False,
        # Only when asked, TESTING or not: a test that wants its PDFs rendered
        # where they are queued says so (tests/conftest.py, the render mark).
        "immediate": bool(app.config["QUEUE_IMMEDIATE"]),
    }
    if url.startswith("sqlite:///"):
        return PrivateSqliteHuey(filename=url.removeprefix("sqlite:///"), **options)
    if url.startswith(("postgresql:", "postgres:")):
        return _postgres_huey(url, options)
    if url.startswith(("redis:", "rediss:", "unix:")):
        return RedisHuey(url=url, **options)
    raise ValueError(f"QUEUE_URL: use sqlite:///, postgresql:// or redis://, not {url!r}")


# Any number that names "making the queue's tables" among the advisory locks.
QUEUE_SCHEMA_LOCK = 0x6B696F736B  # "kiosk"


def _postgres_huey(url: str, options: dict[str, Any]) -> Huey:
    """Huey on PostgreSQL. It makes its tables with CREATE TABLE IF NOT EXISTS,
    which PostgreSQL does not guard against itself: the servers and workers of a
    chain starting at the same moment would fail on each other's tables. They
    take turns, under an advisory lock."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (QUEUE_SCHEMA_LOCK,))
        try:
            return PostgresHuey(dsn=url, **options)
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (QUEUE_SCHEMA_LOCK,))


def queue_url(app: Flask) -> str:
    """The queue's address: QUEUE_URL, the PostgreSQL database, or a file in the instance."""
    if app.config["QUEUE_URL"]:
        return app.config["QUEUE_URL"]
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if database.get_backend_name() == "postgresql":
        # The same database, as the libpq address psycopg takes (no +driver).
        return database.set(drivername="postgresql").render_as_string(hide_password=False)
    return f"sqlite:///{Path(app.instance_path) / 'queue.sqlite3'}"


def init_app(app: Flask) -> None:
    app.extensions["kiosk.records.jobs"] = Jobs(app)


def enqueue_render(consultation_id: str, *, retries: int | None = None) -> bool:
    """Queue the render of a consultation's PDFs that are not ready: a job for
    each copy, the patient's first, so that the worker's processes render the
    two at once and the copy handed to the patient comes first when they wait
    in line.

    Never raises: when the queue cannot be reached the PDFs stay pending
    and the periodic sweep queues them again.
    """
    from kiosk.records.stored_pdfs import copies_to_render

    jobs: Jobs = current_app.extensions["kiosk.records.jobs"]
    try:
        for copy in copies_to_render(consultation_id):
            jobs.enqueue_render(consultation_id, retries=retries, copy=copy)
    except Exception:
        log.exception("could not queue the render of %s; the sweep will", consultation_id)
        return False
    return True


def enqueue_mail(consultation_id: str) -> bool:
    """Queue the send of a consultation's summary e-mail. Never raises: when the
    queue cannot be reached, the e-mail stays queued on the consultation page."""
    jobs: Jobs = current_app.extensions["kiosk.records.jobs"]
    try:
        jobs.enqueue_mail(consultation_id)
    except Exception:
        log.exception("could not queue the summary e-mail of %s", consultation_id)
        return False
    return True


@periodic(crontab())  # every minute
def sweep() -> None:
    """Queue again what a dead worker left pending, and failed PDFs whose next
    try has come (backing off up to a day: see stored_pdfs.next_try); remove
    half-written and orphaned files, and settings previews past their time."""
    from kiosk.records import settings_preview
    from kiosk.records.stored_pdfs import due_for_another_try, remove_orphan_files, stale_pending

    jobs: Jobs = current_app.extensions["kiosk.records.jobs"]
    seconds = current_app.config["STALE_SECONDS"]
    waiting = jobs.queued_consultations()
    for consultation_id in stale_pending(seconds) - waiting:
        log.warning("PDFs of %s were left pending: queued again", consultation_id)
        enqueue_render(consultation_id)
    due = due_for_another_try(current_app.config["RENDER_RETRIES"]) - waiting
    for consultation_id in sorted(due):
        log.info("failed PDFs of %s: tried again", consultation_id)
        enqueue_render(consultation_id, retries=0)
    remove_orphan_files()
    settings_preview.remove_old(current_app._get_current_object())


@periodic(crontab(minute="*/30"))
def purge_expired() -> None:
    """What has outlived its retention period goes (``retention.purge``)."""
    from kiosk.records import retention

    retention.purge()


# The worker ------------------------------------------------------------------


def worker_processes(app: Flask, requested: int | None = None) -> int:
    count = requested or app.config["WORKER_PROCESSES"]
    return count if count > 0 else os.cpu_count() or 1


def run_worker(app: Flask, processes: int | None = None) -> None:
    """Run the Huey consumer: render workers (processes) and the periodic scheduler."""
    jobs: Jobs = app.extensions["kiosk.records.jobs"]
    huey = jobs.huey
    if huey.immediate:
        raise click.ClickException("QUEUE_IMMEDIATE is on: jobs run where they are queued")
    nice = app.config["WORKER_NICE"]

    @huey.on_startup()
    def prepare_worker_process() -> None:
        # Each worker process: lower priority, its own database connections,
        # and WeasyPrint warmed up (fonts, print CSS, templates) before any job.
        if nice:
            os.nice(nice)
        with app.app_context():
            from kiosk.data.database import db

            db.engine.dispose(close=False)
            warm_up(app)

    count = worker_processes(app, processes)
    consumer = huey.create_consumer(
        workers=count,
        worker_type="process",
        periodic=True,
        check_worker_health=True,
        # An idle worker looks at a SQLite queue every tenth of a second (an
        # indexed read of a small file): a job waits 50 ms for it on average
        # (Huey's default backs off to 10 s: PDFs ready up to 10 s late).
        # PostgreSQL and Redis queues wake the worker as a job arrives.
        max_delay=IDLE_POLL_SECONDS,
    )
    log.info("render worker: %d process(es) at nice %d, queue %s", count, nice, queue_name(huey))
    consumer.run()


def queue_name(huey: Huey) -> str:
    """Where the queue is, for the log: "SQLite /path/queue.sqlite3", "PostgreSQL"."""
    kind = type(huey.storage).__name__.removesuffix("Storage").removeprefix("Private")
    kind = {"Sqlite": "SQLite", "Postgres": "PostgreSQL"}.get(kind, kind)
    filename = getattr(huey.storage, "filename", None)
    return f"{kind} {filename}" if filename else kind


def warm_up(app: Flask) -> None:
    """Render a small document once, so the first patient's PDFs wait for nothing."""
    from kiosk.core.pdf import render_pdf
    from kiosk.core.statuses import COPIES
    from kiosk.records.stored_pdfs import build_document

    language = app.config["CLINIC_LANGUAGE"]
    document = build_document(
        app, {}, language=language, reference="WARM-UP", submitted_at=dt.datetime.now().astimezone()
    )
    for copy in COPIES:
        render_pdf(document, copy)


def start_worker_process(processes: int | None = None) -> subprocess.Popen:
    """``flask --app kiosk worker`` as a child of this process (``serve`` uses it).

    The child is told to stop if this process dies without stopping it.
    """
    command = [sys.executable, "-m", "flask", "--app", "kiosk", "worker"]
    if processes:
        command += ["--processes", str(processes)]
    # Its own process group, so that a worker that will not stop is killed
    # with every render process it started, leaving none behind.
    return subprocess.Popen(command, preexec_fn=_stop_with_parent, start_new_session=True)


def stop_worker_process(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is None:
        # SIGINT: the consumer lets a render in progress finish, then exits.
        process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    # Whatever is left of the group: render processes of a consumer that had
    # to be killed, or that died before stopping them.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class WorkerSupervisor:
    """``serve``'s render worker, started again when it dies.

    One thread starts the worker, watches it, and stops it: the worker is told
    to stop when the thread that started it ends (``PR_SET_PDEATHSIG``), so it
    must be the thread that lives as long as ``serve``. A worker that died
    (killed, crashed) is started again with a line on ``serve``'s error
    output, at most ``restarts`` times in ``window`` seconds; past that it is
    left stopped, said so, and the web server goes on (the PDFs wait, and
    ``pdfs retry`` or a restart of ``serve`` renders them).
    """

    def __init__(
        self,
        processes: int | None = None,
        *,
        restarts: int = 5,
        window: float = 600,
        say: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
        poll: float = 1.0,
    ):
        self.processes, self.restarts, self.window = processes, restarts, window
        self.say, self.poll = say, poll
        self.process: subprocess.Popen | None = None
        self.restarted_at: list[float] = []
        self._stopping = threading.Event()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="render-worker", daemon=True)

    def start(self) -> WorkerSupervisor:
        self._thread.start()
        self._started.wait()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        self.process = start_worker_process(self.processes)
        self._started.set()
        while not self._stopping.wait(self.poll):
            status = self.process.poll()
            if status is None:
                continue
            stop_worker_process(self.process)  # whatever of its group is left
            moment = time.monotonic()
            self.restarted_at = [t for t in self.restarted_at if moment - t < self.window]
            if len(self.restarted_at) >= self.restarts:
                self.say(
                    f"render worker (pid {self.process.pid}) exited with status {status}; "
                    f"not started again: it died {self.restarts + 1} times within "
                    f"{self.window / 60:g} minutes. PDFs wait until `serve` is restarted."
                )
                self.process = None
                self._stopping.wait()
                return
            self.restarted_at.append(moment)
            old = self.process.pid
            self.process = start_worker_process(self.processes)
            self.say(
                f"render worker (pid {old}) exited with status {status}; started again "
                f"as pid {self.process.pid} ({len(self.restarted_at)} of {self.restarts} "
                f"restarts allowed within {self.window / 60:g} minutes)"
            )
        if self.process is not None:
            stop_worker_process(self.process)


def _stop_with_parent() -> None:
    """In the child, before exec: receive SIGTERM when the parent dies (Linux)."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
