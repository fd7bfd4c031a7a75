"""Backups: made while the app runs, checked, restored into a new instance."""

from __future__ import annotations

import json
import re
import shlex
import sqlite3
import stat
import subprocess
from contextlib import closing
from pathlib import Path

import flask_migrate
import pytest
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url

from kiosk import create_app
from kiosk.data.database import db
from kiosk.data.models import AuditEvent, ClinicSettings, Consultation, Note, StaffUser
from kiosk.records import stored_pdfs
from kiosk.records.backup import create_backup, pg_dump_command, pg_restore_command

from .conftest import another_process
from .patient_client import PatientClient
from .staff_helpers import StaffClient, add_consultation, create_account


def revision(app) -> str | None:
    with app.app_context(), db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@pytest.fixture
def populated(app, shared_pdfs):
    """A consultation with both PDFs ready, a note, and a staff account."""
    password = create_account(app, "sam", "staff", "Sam Carter")
    stored = add_consultation(app, "pregnant")
    with app.app_context():
        consultation = db.session.get(Consultation, stored.id)
        results = stored_pdfs.generate(consultation)
        assert [r.status for r in results] == ["ready", "ready"]
        pdfs = {r.copy: stored_pdfs.pdf_path(r).read_bytes() for r in results}
        sam = db.session.scalars(db.select(StaffUser)).one()
        db.session.add(Note(consultation=consultation, author=sam, text="Due date in March"))
        db.session.commit()
    return {"password": password, "consultation": stored, "pdfs": pdfs}


def back_up(app, parent: Path) -> Path:
    result = app.test_cli_runner().invoke(args=["backup", str(parent)])
    assert result.exit_code == 0, result.output
    [folder] = parent.iterdir()
    return folder


def fresh_instance(tmp_path: Path, name: str = "restored"):
    """A new instance folder and PDF folder, database not even created yet."""
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / f"{name}-instance"),
            "PDF_DIR": str(tmp_path / f"{name}-pdfs"),
        }
    )


@pytest.mark.database("sqlite")  # the database is in the backup
def test_a_backup_restored_into_a_new_instance_has_everything(app, populated, tmp_path):
    folder = back_up(app, tmp_path / "backups")
    restored = fresh_instance(tmp_path)

    result = restored.test_cli_runner().invoke(args=["restore", str(folder)])
    assert result.exit_code == 0, result.output
    assert (
        "Restored 2 PDF(s) and 0 file(s) of the clinic's (logo, wording) from the backup made "
        in result.output
    )
    assert f"migrated it to revision {revision(app)}" in result.output

    staff = StaffClient(restored.test_client())
    assert staff.login("sam", populated["password"]).status_code == 302
    consultation_id = populated["consultation"].id
    page = staff.get(f"/staff/c/{consultation_id}")
    assert page.status_code == 200
    assert "Due date in March" in staff.html
    patient_pdf = staff.client.get(f"/staff/c/{consultation_id}/patient.pdf")
    staff_pdf = staff.client.get(f"/staff/c/{consultation_id}/staff.pdf")
    assert (patient_pdf.status_code, staff_pdf.status_code) == (200, 200)
    assert patient_pdf.data == populated["pdfs"]["patient"]
    assert staff_pdf.data == populated["pdfs"]["staff"]
    with restored.app_context():
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "restore" in actions


@pytest.mark.database("sqlite")  # the database is in the backup
def test_the_backup_folder_holds_the_database_pdfs_and_a_manifest(app, populated, tmp_path):
    folder = back_up(app, tmp_path / "backups")
    assert folder.name.startswith("kiosk-backup-")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == 1
    assert manifest["database"] == "sqlite"
    assert manifest["alembic_revision"] == revision(app)
    assert manifest["app_version"] == "0.1.0"
    assert manifest["created"].endswith("Z")
    with app.app_context():
        names = sorted(
            s.filename for s in db.session.get(Consultation, populated["consultation"].id).pdfs
        )
    paths = [entry["path"] for entry in manifest["files"]]
    assert paths == ["kiosk.sqlite3", *(f"pdfs/{name}" for name in names)]
    for entry in manifest["files"]:
        assert (folder / entry["path"]).stat().st_size == entry["size"]
        assert len(entry["sha256"]) == 64
    # A single self-contained database file.
    assert sorted(p.name for p in folder.iterdir()) == ["kiosk.sqlite3", "manifest.json", "pdfs"]


@pytest.mark.database("sqlite")  # the database is in the backup
def test_backup_files_and_folders_are_private(app, populated, tmp_path):
    parent = tmp_path / "backups"
    folder = back_up(app, parent)

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(parent) == mode(folder) == mode(folder / "pdfs") == 0o700
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert len(files) == 4
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


@pytest.mark.database("sqlite")  # the database is in the backup
def test_a_damaged_file_in_the_backup_is_refused_and_nothing_is_restored(app, populated, tmp_path):
    folder = back_up(app, tmp_path / "backups")
    [damaged, _other] = sorted((folder / "pdfs").iterdir())
    data = bytearray(damaged.read_bytes())
    data[100] ^= 0xFF
    damaged.write_bytes(bytes(data))
    restored = fresh_instance(tmp_path)

    result = restored.test_cli_runner().invoke(args=["restore", str(folder)])
    assert result.exit_code == 1
    assert f"the backup in {folder} is damaged; nothing was restored" in result.output
    assert f"pdfs/{damaged.name}: does not match its size and SHA-256 in manifest.json" in (
        result.output
    )
    assert list((tmp_path / "restored-pdfs").glob("*")) == []  # nothing restored into it
    with restored.app_context():
        assert db.inspect(db.engine).get_table_names() == []


@pytest.mark.database("sqlite")  # the database is in the backup
def test_a_file_missing_from_the_backup_is_refused(app, populated, tmp_path):
    folder = back_up(app, tmp_path / "backups")
    (folder / "kiosk.sqlite3").unlink()
    result = fresh_instance(tmp_path).test_cli_runner().invoke(args=["restore", str(folder)])
    assert result.exit_code == 1
    assert "kiosk.sqlite3: missing" in result.output


def test_a_folder_without_a_manifest_is_not_a_backup(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'manifest.json'} not found: {tmp_path} is not a kiosk backup" in (
        result.output
    )


@pytest.mark.database("sqlite")  # the database is in the backup
def test_a_database_that_holds_data_is_replaced_only_with_force(
    app, populated, tmp_path, migrated_instance
):
    folder = back_up(app, tmp_path / "backups")
    migrated_instance(tmp_path / "busy-instance")
    target = fresh_instance(tmp_path, "busy")
    create_account(target, "other", "admin")

    result = target.test_cli_runner().invoke(args=["restore", str(folder)])
    assert result.exit_code == 1
    assert (
        "the database already holds data (audit_events 1, staff_users 1, staff_locations 1)"
        in result.output
    )
    assert "use --force to replace it" in result.output
    with target.app_context():
        assert db.session.scalars(db.select(StaffUser.username)).all() == ["other"]

    result = target.test_cli_runner().invoke(args=["restore", "--force", str(folder)])
    assert result.exit_code == 0, result.output
    with target.app_context():
        assert db.session.scalars(db.select(StaffUser.username)).all() == ["sam"]
        assert db.session.get(Consultation, populated["consultation"].id) is not None


@pytest.mark.database("sqlite")  # the database is in the backup
def test_a_backup_made_at_an_older_revision_is_migrated_to_the_current_one(
    app, populated, tmp_path
):
    head = revision(app)
    with app.app_context():
        flask_migrate.downgrade(revision="72c2bbde3ab2")  # before the throttling counters
        # As the older version made it: without this version's audit entry,
        # whose columns the older tables have not all got.
        folder = create_backup(tmp_path / "backups", record=False).folder
    assert json.loads((folder / "manifest.json").read_text())["alembic_revision"] == "72c2bbde3ab2"

    restored = fresh_instance(tmp_path)
    result = restored.test_cli_runner().invoke(args=["restore", str(folder)])
    assert result.exit_code == 0, result.output
    assert revision(restored) == head
    with restored.app_context():
        assert "rate_limit_counters" in db.inspect(db.engine).get_table_names()
        assert db.session.get(Consultation, populated["consultation"].id) is not None


def test_postgresql_commands_name_the_database_without_its_password():
    url = make_url("postgresql+psycopg://kiosk:s3cret@db.example:5432/kiosk?sslmode=require")
    assert pg_dump_command(url, Path("/backups/kiosk-backup-1/database.dump")) == (
        "pg_dump --format=custom --file=/backups/kiosk-backup-1/database.dump "
        "'postgresql://kiosk@db.example:5432/kiosk?sslmode=require'"
    )
    assert pg_restore_command(url, Path("/backups/kiosk-backup-1/database.dump")) == (
        "pg_restore --clean --if-exists --no-owner "
        "'--dbname=postgresql://kiosk@db.example:5432/kiosk?sslmode=require' "
        "/backups/kiosk-backup-1/database.dump"
    )


@pytest.mark.database("postgresql")
def test_a_postgresql_backup_is_restored_with_the_commands_it_prints(
    app, populated, tmp_path, postgres
):
    def run_printed(output: str, program: str) -> None:
        [line] = [ln.strip() for ln in output.splitlines() if ln.strip().startswith(program)]
        command = shlex.split(line)
        subprocess.run([str(postgres.bin / program), *command[1:]], check=True, timeout=120)

    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    run_printed(result.output, "pg_dump")
    [folder] = (tmp_path / "backups").iterdir()

    target = postgres.create_database()
    try:
        restored = create_app(
            {
                "TESTING": True,
                "INSTANCE_PATH": str(tmp_path / "restored-instance"),
                "PDF_DIR": str(tmp_path / "restored-pdfs"),
                "SQLALCHEMY_DATABASE_URI": postgres.url(target),
            }
        )
        result = restored.test_cli_runner().invoke(args=["restore", str(folder)])
        assert result.exit_code == 0, result.output
        run_printed(result.output, "pg_restore")

        staff = StaffClient(restored.test_client())
        assert staff.login("sam", populated["password"]).status_code == 302
        consultation_id = populated["consultation"].id
        staff.get(f"/staff/c/{consultation_id}")
        assert "Due date in March" in staff.html
        for copy in ("patient", "staff"):
            response = staff.client.get(f"/staff/c/{consultation_id}/{copy}.pdf")
            assert response.status_code == 200
            assert response.data == populated["pdfs"][copy]
        with restored.app_context():
            db.engine.dispose()
    finally:
        postgres.drop_database(target)


# A PDF row that says ready but has no file ---------------------------------------------


@pytest.mark.database("sqlite")  # the database is in the backup
def test_a_restored_pdf_whose_file_is_missing_says_so_and_can_be_regenerated(
    app, populated, tmp_path
):
    consultation_id = populated["consultation"].id
    with app.app_context():
        patient_copy = db.session.get(Consultation, consultation_id).pdf("patient")
        stored_pdfs.pdf_path(patient_copy).unlink()
    backup = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backups")])
    assert backup.exit_code == 0
    assert "Warning: PDF " in backup.output
    [folder] = (tmp_path / "backups").iterdir()
    restored = fresh_instance(tmp_path)
    assert restored.test_cli_runner().invoke(args=["restore", str(folder)]).exit_code == 0

    staff = StaffClient(restored.test_client())
    staff.login("sam", populated["password"])
    staff.get(f"/staff/c/{consultation_id}")
    assert "Patient: file missing" in staff.html
    assert "Open patient copy to print" not in staff.html
    assert "Download staff copy" in staff.html
    response = staff.get(f"/staff/c/{consultation_id}/patient.pdf")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/staff/c/{consultation_id}"
    staff.get(f"/staff/c/{consultation_id}")
    assert staff.html.count("The patient copy&#39;s file is missing: regenerate the PDFs.") == 2

    result = restored.test_cli_runner().invoke(args=["pdfs", "retry"])
    assert result.exit_code == 0
    assert "1 of 1 summaries rendered" in result.output  # only the copy whose file is gone
    response = staff.client.get(f"/staff/c/{consultation_id}/patient.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")


# Restores that can be undone -------------------------------------------------------


def rewrite_manifest(folder: Path) -> None:
    """The manifest made to match the backup's files again after a test changed one."""
    from kiosk.records.backup import _entry

    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"] = [_entry(folder, folder / entry["path"]) for entry in manifest["files"]]
    (folder / "manifest.json").write_text(json.dumps(manifest))


def another_applications_database(path: Path) -> None:
    path.unlink()
    with closing(sqlite3.connect(path)) as other:
        other.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT)")
        other.execute("INSERT INTO orders (item) VALUES ('lamp')")
        other.commit()


def made_up_revision(path: Path) -> None:
    with closing(sqlite3.connect(path)) as copy:
        copy.execute("UPDATE alembic_version SET version_num = 'ab12cd34ef56'")
        copy.commit()


def notes_table_dropped(path: Path) -> None:
    with closing(sqlite3.connect(path)) as copy:
        copy.execute("DROP TABLE notes")
        copy.commit()


@pytest.mark.database("sqlite")  # the database is in the backup
@pytest.mark.parametrize(
    ("change", "said"),
    [
        (another_applications_database, "has no migration revision"),
        (made_up_revision, "is at revision 'ab12cd34ef56', which this application does not know"),
        (notes_table_dropped, "lacks tables this application has at revision"),
    ],
)
def test_a_database_that_is_not_this_applications_is_refused_even_with_force(
    app, populated, tmp_path, migrated_instance, change, said
):
    folder = back_up(app, tmp_path / "backups")
    change(folder / "kiosk.sqlite3")
    rewrite_manifest(folder)
    migrated_instance(tmp_path / "kept-instance")
    target = fresh_instance(tmp_path, "kept")
    create_account(target, "other", "admin")

    result = target.test_cli_runner().invoke(args=["restore", "--force", str(folder)])
    assert result.exit_code == 1
    assert said in result.output
    assert "Nothing was restored (--force does not change this)" in result.output
    with target.app_context():
        assert db.session.scalars(db.select(StaffUser.username)).all() == ["other"]
    assert not (tmp_path / "kept-instance" / "backups").exists()  # nothing even begun
    assert not any((tmp_path / "kept-pdfs").glob("*.pdf"))


@pytest.mark.database("sqlite")  # the database is in the backup
def test_a_forced_restore_keeps_what_was_there_and_can_be_undone(
    app, populated, tmp_path, migrated_instance
):
    folder = back_up(app, tmp_path / "backups")
    migrated_instance(tmp_path / "kept-instance")
    target = fresh_instance(tmp_path, "kept")
    create_account(target, "other", "admin")
    (tmp_path / "kept-instance" / "wording.yaml").write_text(WORDING, encoding="utf-8")

    result = target.test_cli_runner().invoke(args=["restore", "--force", str(folder)])
    assert result.exit_code == 0, result.output
    [undo] = (tmp_path / "kept-instance" / "backups").iterdir()
    assert f"What was here before is kept in {undo}" in result.output
    assert undo.name.endswith("-before-restore")
    assert stat.S_IMODE(undo.stat().st_mode) == 0o700
    with target.app_context():
        assert db.session.scalars(db.select(StaffUser.username)).all() == ["sam"]
        # The undo backup is no event of the database it replaced, nor of this one.
        assert not db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "backup")
        ).all()
    assert (undo / "wording.yaml").read_text() == WORDING

    # Undone: the account that was there, and nothing of the backup's.
    result = target.test_cli_runner().invoke(args=["restore", "--force", str(undo)])
    assert result.exit_code == 0, result.output
    with target.app_context():
        assert db.session.scalars(db.select(StaffUser.username)).all() == ["other"]
        assert db.session.get(Consultation, populated["consultation"].id) is None


WORDING = """\
steps:
  about: {title: {en: "A little about you"}}
"""


@pytest.mark.database("sqlite")  # the database is in the backup
def test_the_logo_and_wording_come_back_in_another_instance_folder(app, admin, tmp_path):
    from .logos import png_logo
    from .test_branding import upload

    assert upload(admin, app, png_logo(), "logo.png").status_code == 303
    (Path(app.instance_path) / "wording.yaml").write_text(WORDING, encoding="utf-8")
    with app.app_context():
        stored = db.session.get(ClinicSettings, 1).values["CLINIC_LOGO"]
    # Kept relative to the instance folder, wherever that is.
    assert re.fullmatch(r"branding/logo-[0-9a-f]{16}\.png", stored), stored

    folder = back_up(app, tmp_path / "backups")
    paths = [e["path"] for e in json.loads((folder / "manifest.json").read_text())["files"]]
    assert stored in paths
    assert "wording.yaml" in paths

    restored = fresh_instance(tmp_path, "elsewhere")
    result = restored.test_cli_runner().invoke(args=["restore", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Restored 0 PDF(s) and 2 file(s) of the clinic's (logo, wording)" in result.output
    assert "What was here before" not in result.output  # a new instance: nothing to keep

    # The restored kiosk, started again as after a restore.
    again = fresh_instance(tmp_path, "elsewhere")
    welcome = again.test_client().get("/").get_data(as_text=True)
    logo = Path(again.config["CLINIC_LOGO"])  # the stored settings, applied on a request
    assert logo == tmp_path / "elsewhere-instance" / stored
    assert logo.read_bytes() == png_logo()
    served = re.search(r'<img class="welcome__logo" src="([^"]+)"', welcome).group(1)
    assert again.test_client().get(served).get_data() == png_logo()
    patient = PatientClient(again.test_client())
    patient.start()
    assert "A little about you" in patient.get("/step/about").get_data(as_text=True)


@pytest.mark.database("sqlite")
def test_a_logo_kept_as_an_absolute_path_by_an_older_version_is_found_after_a_move(
    app, admin, tmp_path
):
    """Older versions kept the logo's absolute path: read, it is this
    instance's copy of the file when the old path is gone."""
    from .logos import png_logo
    from .test_branding import upload

    assert upload(admin, app, png_logo(), "logo.png").status_code == 303
    with app.app_context():
        row = db.session.get(ClinicSettings, 1)
        name = Path(row.values["CLINIC_LOGO"]).name
        row.values = {**row.values, "CLINIC_LOGO": f"/srv/old-kiosk/instance/branding/{name}"}
        db.session.commit()
    again = another_process(app)
    assert again.test_client().get("/").status_code == 200
    assert Path(again.config["CLINIC_LOGO"]) == Path(app.instance_path) / "branding" / name
