"""The database file: migrations, and what survives a restart."""

from __future__ import annotations

import os
import stat

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kiosk import create_app
from kiosk.data.database import db
from kiosk.data.models import Consultation, Draft

from .conftest import another_process, app_on
from .patient_client import PatientClient
from .staff_helpers import add_consultation


@pytest.fixture
def empty_app(tmp_path, empty_database_url):
    """An app on a database that has no tables yet: no template copied. Its
    queue is in memory (QUEUE_IMMEDIATE): on PostgreSQL, a real queue would
    make Huey's own tables in it as the app starts."""
    with app_on(tmp_path, empty_database_url, QUEUE_IMMEDIATE=True) as app:
        yield app


def test_migrations_build_exactly_the_models_from_an_empty_database(empty_app):
    with empty_app.app_context():
        assert db.inspect(db.engine).get_table_names() == []
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


# The queue in memory: on PostgreSQL a real one has its own tables in the
# database, which are not the migrations' (see the queue test below).
@pytest.mark.render
def test_migrations_go_down_and_up_again(app):
    with app.app_context():
        flask_migrate.downgrade(revision="base")
        assert db.inspect(db.engine).get_table_names() == ["alembic_version"]
        flask_migrate.upgrade()
        tables = set(db.inspect(db.engine).get_table_names())
    assert {
        "drafts",
        "consultations",
        "summary_pdfs",
        "staff_users",
        "notes",
        "audit_events",
    } <= tables


@pytest.mark.database("sqlite")
def test_the_database_is_a_file_in_the_instance_folder(app, tmp_path):
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'instance' / 'kiosk.sqlite3'}"
    )
    assert (tmp_path / "instance" / "kiosk.sqlite3").stat().st_size > 0


def test_secret_key_is_made_once_and_kept(tmp_path):
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    again = create_app({"INSTANCE_PATH": str(tmp_path)})
    key = tmp_path / "secret_key"
    assert first.secret_key == again.secret_key == key.read_text().strip()
    assert len(first.secret_key) == 64
    assert key.stat().st_mode & 0o777 == 0o600


def test_a_draft_survives_a_new_app_on_the_same_files(app, tmp_path):
    patient = PatientClient(app.test_client())
    patient.walk(until="skin_type")
    cookie = patient.client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value

    restarted = another_process(app)
    client = restarted.test_client()
    client.set_cookie(restarted.config["SESSION_COOKIE_NAME"], cookie)
    page = client.get("/step/concerns")
    assert page.status_code == 200
    assert 'value="fine_lines" checked' in page.get_data(as_text=True)
    with restarted.app_context():
        [draft] = db.session.scalars(db.select(Draft)).all()
        assert draft.answers["first_name"] == "Maya"


@pytest.mark.database("sqlite")
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


@pytest.mark.database("sqlite")
def test_sqlite_syncs_every_commit(app):
    """synchronous = FULL (2): a power cut loses no answer a patient saw saved."""
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2


@pytest.fixture(params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def permissive_umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def test_data_files_are_private_whatever_the_umask(permissive_umask, tmp_path, shared_pdfs):
    from kiosk.records import stored_pdfs

    from .staff_helpers import add_consultation

    instance, pdfs = tmp_path / "instance", tmp_path / "pdfs"
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance), "PDF_DIR": str(pdfs)})
    with app.app_context():
        flask_migrate.upgrade()
    stored = add_consultation(app)
    with app.app_context():
        results = stored_pdfs.generate(db.session.get(Consultation, stored.id))
        assert [r.status for r in results] == ["ready", "ready"]

    def mode(path):
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(instance) == mode(pdfs) == 0o700
    database_files = sorted(instance.glob("kiosk.sqlite3*"))
    assert [p.name for p in database_files] == [
        "kiosk.sqlite3",
        "kiosk.sqlite3-shm",
        "kiosk.sqlite3-wal",
    ]
    files = [*database_files, instance / "secret_key", *pdfs.iterdir()]
    assert len(files) == 6
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


def test_folders_left_open_by_an_earlier_version_are_closed(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    create_app({"INSTANCE_PATH": str(instance)})
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700


@pytest.mark.database("postgresql")
@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_a_database_url_as_hosting_platforms_give_it_works(app, monkeypatch, tmp_path, scheme):
    """DATABASE_URL as a platform hands it out, without SQLAlchemy's driver name."""
    given = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg", scheme)
    monkeypatch.setenv("DATABASE_URL", given)
    other = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "other")})
    add_consultation(app)
    with other.app_context():
        assert db.engine.dialect.driver == "psycopg"
        assert len(db.session.scalars(db.select(Consultation)).all()) == 1
        db.engine.dispose()


@pytest.mark.database("postgresql")
def test_the_queue_tables_in_the_database_are_not_the_migrations_business(app):
    huey = app.extensions["kiosk.records.jobs"].huey
    huey.immediate = False
    huey.enqueue(app.extensions["kiosk.records.jobs"].render.s("no-such-consultation"))
    with app.app_context():
        assert "huey_task" in db.inspect(db.engine).get_table_names()
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
