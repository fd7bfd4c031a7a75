"""The database file: migrations, and what survives a restart."""

from __future__ import annotations

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models import Draft

from .patient_client import PatientClient


def test_migrations_build_exactly_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


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

    restarted = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance")})
    client = restarted.test_client()
    client.set_cookie(restarted.config["SESSION_COOKIE_NAME"], cookie)
    page = client.get("/step/concerns")
    assert page.status_code == 200
    assert 'value="fine_lines" checked' in page.get_data(as_text=True)
    with restarted.app_context():
        [draft] = db.session.scalars(db.select(Draft)).all()
        assert draft.answers["first_name"] == "Maya"
