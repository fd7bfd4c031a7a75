"""Shared fixtures: an app on a real database, migrated with Alembic.

Every test that uses the ``app`` fixture runs twice: on a SQLite file in its
own folder and on its own database in a throwaway PostgreSQL server (see
``tests/postgres.py``). ``KIOSK_TEST_DATABASES=sqlite`` runs SQLite only, for a
quick run while working; a test about one database's own behaviour is marked
``@pytest.mark.database("sqlite")``.

Alembic runs once per database per session, on a template: each test's
database is a copy of it (a file copy on SQLite, ``CREATE DATABASE … TEMPLATE``
on PostgreSQL). ``tests/test_storage.py`` runs the migrations themselves on an
empty database of each kind.

PDFs: a test app queues its renders and leaves them there, as the kiosk does
with no worker running. A test that wants them rendered where they are queued
is marked ``@pytest.mark.render`` (its apps get ``QUEUE_IMMEDIATE``); one
that needs *a* consultation's real PDFs, not its own rendering, also asks for
``shared_pdfs``: every render then gives the same real PDF of each copy,
rendered once per session (per xdist worker).

Under pytest-xdist (``-n``) each worker is its own session: its own template
databases, PostgreSQL cluster, servers and free ports.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import flask_migrate
import pytest

from kiosk import create_app
from kiosk.core.content_folder import load_questionnaire
from kiosk.core.files import FILE_MODE, private_folder
from kiosk.core.flow import Flow

from .patient_client import PatientClient
from .ports import free_port as free_port  # the tests import it from here
from .staff_helpers import StaffClient, create_account

ARTIFACTS = Path(__file__).parent / "artifacts"


def write_artifact(path: Path, data: bytes | str) -> Path:
    """Write ``path`` under tests/artifacts whole or not at all: into a file of
    this process's own, then renamed over it. Two xdist workers writing the
    same picture leave one of them complete, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    if isinstance(data, str):
        part.write_text(data, encoding="utf-8")
    else:
        part.write_bytes(data)
    part.replace(path)
    return path


@contextlib.contextmanager
def artifact_lock(path: Path):
    """Hold ``path``'s lock (a ``.lock`` file beside it) while reading, changing
    and writing it again: xdist workers take turns, no one's update is lost."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(f".{path.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


DATABASES = ("sqlite", "postgresql")


def test_databases() -> tuple[str, ...]:
    chosen = os.environ.get("KIOSK_TEST_DATABASES")
    if not chosen:
        return DATABASES
    names = tuple(name.strip() for name in chosen.split(",") if name.strip())
    unknown = set(names) - set(DATABASES)
    if unknown or not names:
        raise pytest.UsageError(f"KIOSK_TEST_DATABASES: choose from {', '.join(DATABASES)}")
    return names


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "database(*names): run this test on these databases only (sqlite, postgresql)"
    )


# Rendering ---------------------------------------------------------------------------

# Whether the running test is marked ``render``: app_on and another_process
# then give its apps QUEUE_IMMEDIATE (one test at a time in each process).
_render_at_once = False


@pytest.fixture(autouse=True)
def _render_mark(request):
    global _render_at_once
    _render_at_once = request.node.get_closest_marker("render") is not None
    yield
    _render_at_once = False


def immediate_settings() -> dict:
    """QUEUE_IMMEDIATE for a test marked ``render``, else nothing (the app's default: off)."""
    return {"QUEUE_IMMEDIATE": True} if _render_at_once else {}


# The folder every xdist worker of this run shares (tmp_path_factory's
# pytest-N/, whose popen-gwK/ are the workers' own); without xdist, this
# session's own base folder.
_run_folder: Path | None = None


@pytest.fixture(scope="session", autouse=True)
def _shared_run_folder(tmp_path_factory):
    global _run_folder
    base = tmp_path_factory.getbasetemp()
    _run_folder = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def rendered_once(key: str, render: Callable[[], bytes]) -> bytes:
    """``render()``'s PDF, rendered once in this test run whichever xdist
    worker asks first: the others wait for it and read the same file. ``key``
    names what is rendered (every argument that changes the PDF)."""
    import hashlib

    assert _run_folder is not None, "rendered_once is for use inside a test"
    folder = _run_folder / "rendered-pdfs"
    folder.mkdir(exist_ok=True)
    path = folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.pdf"
    with artifact_lock(path):
        if path.exists():
            return path.read_bytes()
        data = render()
        write_artifact(path, data)
        return data


@pytest.fixture(scope="session")
def _shared_pdf_bytes() -> dict[str, bytes]:
    return {}


@pytest.fixture
def shared_pdfs(monkeypatch, _shared_pdf_bytes) -> dict[str, bytes]:
    """Every PDF this test renders is the same real PDF of its copy, rendered
    once per session: the hand-built sample of tests/pdf_samples.py
    (``no_flags``, A4). Everything else about storing it is the kiosk's own
    (``.part`` file, rename, size, status); only WeasyPrint's work is shared.
    For a test that needs a consultation's PDFs but never reads what they say.
    Returns copy -> bytes."""
    import kiosk.core.pdf

    from .pdf_samples import no_flags

    real = kiosk.core.pdf.render_pdf

    def render_pdf(document, copy, **options):
        if copy not in _shared_pdf_bytes:
            _shared_pdf_bytes[copy] = real(no_flags("A4"), copy)
        return _shared_pdf_bytes[copy]

    monkeypatch.setattr(kiosk.core.pdf, "render_pdf", render_pdf)
    return _shared_pdf_bytes


def pytest_generate_tests(metafunc):
    if "database" not in metafunc.fixturenames or "tests/browser/" in metafunc.definition.nodeid:
        return
    marker = metafunc.definition.get_closest_marker("database")
    allowed = marker.args if marker else DATABASES
    chosen = [name for name in test_databases() if name in allowed]
    if chosen:
        metafunc.parametrize("database", chosen, indirect=True)


def pytest_collection_modifyitems(config, items):
    # A test for a database this run leaves out (KIOSK_TEST_DATABASES) is not
    # collected at all, rather than reported as skipped.
    chosen = set(test_databases())
    left_out = [
        item
        for item in items
        if (marker := item.get_closest_marker("database")) and not chosen & set(marker.args)
    ]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]


def pytest_sessionfinish(session, exitstatus):
    """A run that collected no test has tested nothing: it fails (exit status
    1), never ends as pytest's "no tests collected" (5), which a caller could
    take for something other than a failure."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus):
    """One line per database: the proof that the suite ran on each."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        terminalreporter.write_line("no test ran: this run fails (exit status 1)", red=True)
    counts = {name: Counter() for name in DATABASES}
    for outcome in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            params = report.nodeid.rpartition("[")[2].rstrip("]").split("-")
            for name in DATABASES:
                if name in params:
                    counts[name][outcome] += 1
    for name, tally in counts.items():
        if tally:
            words = ", ".join(f"{n} {outcome}" for outcome, n in tally.items())
            terminalreporter.write_line(f"database {name}: {words}")


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """The throwaway server, and a template database migrated to the newest revision."""
    from .postgres import TEMPLATE, Cluster

    cluster = Cluster()
    try:
        cluster.start()
        cluster.create_database(name=TEMPLATE)
        settings = {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path_factory.mktemp("postgres-template")),
            "SQLALCHEMY_DATABASE_URI": cluster.url(TEMPLATE),
            # The queue in memory: the template holds what the migrations make,
            # not Huey's tables (each test's app makes them in its own copy).
            "QUEUE_IMMEDIATE": True,
        }
        migrate(create_app(settings))
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite database file migrated to the newest revision, to be copied."""
    instance = tmp_path_factory.mktemp("sqlite-template") / "instance"
    migrate(create_app({"TESTING": True, "INSTANCE_PATH": str(instance)}))
    template = instance / "kiosk.sqlite3"
    # The app keeps its databases in WAL mode: fold the log back into the file
    # (and leave no -wal or -shm file), so that the file alone is the database.
    with contextlib.closing(sqlite3.connect(template)) as connection:
        connection.execute("PRAGMA journal_mode = DELETE").fetchall()
    return template


def migrate(app) -> None:
    """Alembic's upgrade to the newest revision, leaving no connection open."""
    from kiosk.data.database import db

    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture
def migrated_instance(sqlite_template) -> Callable[[Path], Path]:
    """Makes an instance folder whose SQLite database is already migrated
    (a copy of the template), for an app a test makes itself."""

    def make(folder: Path) -> Path:
        database = private_folder(folder) / "kiosk.sqlite3"
        shutil.copyfile(sqlite_template, database)
        database.chmod(FILE_MODE)
        return folder

    return make


@pytest.fixture
def database(request) -> str:
    """The database this test runs on, "sqlite" or "postgresql" (see pytest_generate_tests)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(request, database, tmp_path):
    """The SQLAlchemy URL of this test's own database, a copy of the migrated template."""
    if database == "sqlite":
        request.getfixturevalue("migrated_instance")(tmp_path / "instance")
        yield None  # the app's default: kiosk.sqlite3 in its instance folder (app_on)
        return
    from .postgres import TEMPLATE

    with postgres_database(request.getfixturevalue("postgres"), TEMPLATE) as url:
        yield url


@pytest.fixture
def empty_database_url(request, database):
    """The SQLAlchemy URL of a database of this test's own with no tables at all."""
    if database == "sqlite":
        yield None  # the app's default: made in the instance folder on first use
        return
    with postgres_database(request.getfixturevalue("postgres")) as url:
        yield url


@contextlib.contextmanager
def postgres_database(cluster, template: str | None = None):
    """A new database on the test cluster (a copy of ``template``), dropped afterwards."""
    name = cluster.create_database(template=template)
    try:
        yield cluster.url(name)
    finally:
        cluster.drop_database(name)


@contextlib.contextmanager
def app_on(tmp_path: Path, database_url: str | None, **more):
    """The test app on ``database_url`` (None: the SQLite file in its instance
    folder), with the settings ``more``."""
    settings = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PDF_DIR": str(tmp_path / "pdfs"),
        "CLINIC_NAME": "Test Clinic",
        **immediate_settings(),
        **more,
    }
    if database_url:
        settings["SQLALCHEMY_DATABASE_URI"] = database_url
    app = create_app(settings)
    yield app
    with app.app_context():
        from kiosk.data.database import db

        db.engine.dispose()


@pytest.fixture
def app(tmp_path, database_url):
    with app_on(tmp_path, database_url) as app:
        yield app


def another_process(app, **settings):
    """A second app on the same instance folder, database and PDF folder, as
    another server process (or the same one after a restart) would be."""
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": app.instance_path,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PDF_DIR": app.config["PDF_DIR"],
            **immediate_settings(),
            **settings,
        }
    )


def assert_queue_is_private(app) -> None:
    """The render queue is where it belongs: a 0600 file beside a SQLite
    database, or Huey's own tables in the app's PostgreSQL database."""
    from sqlalchemy import inspect

    from kiosk.data.database import db

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            queue_file = Path(app.instance_path) / "queue.sqlite3"
            assert queue_file.stat().st_mode & 0o777 == 0o600
        else:
            assert "huey_task" in inspect(db.engine).get_table_names()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def patient(client):
    return PatientClient(client)


# Staff accounts and signed-in browsers -------------------------------------------------
# Made with the CLI, as a clinic makes them. Under TESTING the app hashes
# passwords with Argon2's cheapest parameters (see kiosk/web/auth.py), so an
# account costs milliseconds, not a tenth of a second per hash.


@pytest.fixture
def password(app) -> str:
    """The password of "sam", a staff member (Sam Carter)."""
    return create_account(app, "sam", "staff", "Sam Carter")


@pytest.fixture
def accounts(app, password) -> dict[str, str]:
    """Passwords of "sam" (staff, Sam Carter) and "ada" (admin, Ada Okafor)."""
    return {"sam": password, "ada": create_account(app, "ada", "admin", "Ada Okafor")}


@pytest.fixture
def staff(client, password) -> StaffClient:
    """Sam, signed in on the ``client`` browser."""
    member = StaffClient(client)
    assert member.login("sam", password).status_code == 302
    return member


@pytest.fixture
def admin(app, accounts) -> StaffClient:
    """Ada, signed in on a browser of her own."""
    member = StaffClient(app.test_client())
    assert member.login("ada", accounts["ada"]).status_code == 302
    return member


@pytest.fixture(scope="session")
def questionnaire():
    return load_questionnaire()


@pytest.fixture(scope="session")
def flow(questionnaire):
    return Flow(questionnaire)
