"""Shared fixtures: an app on a real database, migrated with Alembic.

Every test that uses the ``app`` fixture runs twice: on a SQLite file in its
own folder and on its own database in a throwaway PostgreSQL server (see
``tests/postgres.py``). ``KIOSK_TEST_DATABASES=sqlite`` runs SQLite only, for a
quick run while working; a test about one database's own behaviour is marked
``@pytest.mark.database("sqlite")``.
"""

from __future__ import annotations

import os
import socket
from collections import Counter
from pathlib import Path

import flask_migrate
import pytest

from kiosk import create_app
from kiosk.content import load_questionnaire
from kiosk.flow import Flow

from .patient_client import PatientClient
from .staff_helpers import StaffClient, create_account

ARTIFACTS = Path(__file__).parent / "artifacts"


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


def pytest_terminal_summary(terminalreporter):
    """One line per database: the proof that the suite ran on each."""
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
def postgres():
    """The throwaway server, and a template database migrated to the newest revision."""
    from .postgres import TEMPLATE, Cluster

    cluster = Cluster()
    try:
        cluster.start()
        cluster.create_database(name=TEMPLATE)
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": cluster.url(TEMPLATE)})
        with app.app_context():
            flask_migrate.upgrade()
            from kiosk.extensions import db

            db.engine.dispose()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def database(request, tmp_path):
    """The SQLAlchemy URL of this test's own, freshly migrated database."""
    name = getattr(request, "param", "sqlite")
    if name == "sqlite":
        yield None  # the app's default: kiosk.sqlite3 in its instance folder
        return
    from .postgres import TEMPLATE

    cluster = request.getfixturevalue("postgres")
    database = cluster.create_database(template=TEMPLATE)
    try:
        yield cluster.url(database)
    finally:
        cluster.drop_database(database)


@pytest.fixture
def app(tmp_path, database):
    settings = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PDF_DIR": str(tmp_path / "pdfs"),
        "CLINIC_NAME": "Test Clinic",
    }
    if database:
        settings["SQLALCHEMY_DATABASE_URI"] = database
    app = create_app(settings)
    with app.app_context():
        if database is None:
            flask_migrate.upgrade()
    yield app
    with app.app_context():
        from kiosk.extensions import db

        db.engine.dispose()


def free_port() -> int:
    """A port nothing listens on, on 127.0.0.1, for a server a test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def another_process(app, **settings):
    """A second app on the same instance folder and database, as another server
    process (or the same one after a restart) would be."""
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": app.instance_path,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            **settings,
        }
    )


def assert_queue_is_private(app) -> None:
    """The render queue is where it belongs: a 0600 file beside a SQLite
    database, or Huey's own tables in the app's PostgreSQL database."""
    from sqlalchemy import inspect

    from kiosk.extensions import db

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
# passwords with Argon2's cheapest parameters (see kiosk/auth.py), so an
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
