"""Backups of the database and the PDFs, and restoring one.

A backup is a new folder (0700, files 0600) holding ``kiosk.sqlite3``, a copy
made with SQLite's online backup API (consistent while the app writes, in WAL
mode), ``pdfs/`` with every PDF that copy names, the clinic's own files from
the instance folder (``branding/``, its uploaded logos, and ``wording.yaml``),
and ``manifest.json``: when it was made, the app's version, the database's
Alembic revision and each file's size and SHA-256.

With PostgreSQL (``DATABASE_URL``) the folder holds the PDFs and the manifest
only: the database is dumped by ``pg_dump``, whose command (without the
password) ``pg_dump_command`` gives, and restored by ``pg_restore``.

Restoring checks every file against the manifest before anything is written,
refuses a database that is not this application's (a migration revision it
does not know, or tables missing for that revision) even when forced, and one
that holds data unless forced. Before it replaces anything it makes a backup
of what is there (the "undo" backup, under ``instance/backups/``) and says
where. It then copies the PDFs into ``PDF_DIR`` and the clinic's files into
the instance folder, replaces the database and migrates it to the current
revision, so a backup made by an older version works. The app should be
stopped meanwhile.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shlex
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import flask_migrate
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from kiosk.core.files import FILE_MODE, FOLDER_MODE, create_private_file, private_folder, restrict
from kiosk.core.paths import MIGRATIONS_DIR
from kiosk.core.wording import WORDING_FILE
from kiosk.data import audit
from kiosk.data.database import db
from kiosk.data.models import ConsultationPdf, utcnow
from kiosk.records.stored_pdfs import PDF_NAME

MANIFEST = "manifest.json"
DATABASE_FILE = "kiosk.sqlite3"
PDF_FOLDER = "pdfs"
DUMP_FILE = "database.dump"
BRANDING_FOLDER = "branding"
# Where restore keeps what it replaced, in the instance folder.
UNDO_FOLDER = "backups"
FORMAT = 1


class BackupError(Exception):
    """A backup that cannot be made or restored; the message says why."""


@dataclass
class Backup:
    folder: Path
    manifest: dict[str, Any]
    # PDFs the database names that were not on disk (already gone when copied).
    missing: list[str] = field(default_factory=list)
    # PostgreSQL: the command that dumps the database into the folder.
    pg_dump: str | None = None


@dataclass
class Restored:
    manifest: dict[str, Any]
    pdfs: int
    revision: str | None
    # PostgreSQL: the command that restores the database from its dump.
    pg_restore: str | None = None
    # The backup of what was there before, made before anything was replaced.
    undo: Backup | None = None
    # The clinic's own files restored into the instance folder (logo, wording).
    instance_files: int = 0


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


# Making a backup -----------------------------------------------------------------


def create_backup(
    parent: Path, now: dt.datetime | None = None, *, suffix: str = "", record: bool = True
) -> Backup:
    """Back up the database (SQLite), the PDFs and the clinic's own files
    into a new folder under ``parent``. ``record``: with an entry in the
    audit log (not for the undo backup of a restore, whose database may have
    no tables)."""
    now = now or utcnow()
    name = f"kiosk-backup-{now:%Y%m%dT%H%M%SZ}{suffix}"
    folder = _new_folder(private_folder(parent), name)
    entries: list[dict[str, Any]] = []
    if is_sqlite():
        copy = folder / DATABASE_FILE
        _sqlite_snapshot(copy)
        names, revision = _snapshot_contents(copy)
        entries.append(_entry(folder, copy))
    else:
        names = set(db.session.scalars(select(ConsultationPdf.filename)))
        with db.engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
    pdfs = private_folder(folder / PDF_FOLDER)
    source = Path(current_app.config["PDF_DIR"])
    missing, copied = [], 0
    for name in sorted(n for n in names if n):
        try:
            data = (source / name).read_bytes()
        except FileNotFoundError:
            missing.append(name)
            continue
        create_private_file(pdfs / name, data)
        entries.append(_entry(folder, pdfs / name))
        copied += 1
    for path in instance_files(Path(current_app.instance_path)):
        relative = path.relative_to(current_app.instance_path)
        copy = folder / relative
        private_folder(copy.parent)
        create_private_file(copy, path.read_bytes())
        entries.append(_entry(folder, copy))
    manifest = {
        "format": FORMAT,
        "created": now.replace(microsecond=0).isoformat() + "Z",
        "app_version": _app_version(),
        "alembic_revision": revision,
        "database": "sqlite" if is_sqlite() else "postgresql",
        "files": entries,
        "missing_pdfs": missing,
    }
    create_private_file(folder / MANIFEST, json.dumps(manifest, indent=2).encode())
    what = "database and " if is_sqlite() else ""
    if record:
        audit.add_entry("backup", detail=f"{folder.name}: {what}{copied} PDF(s)")
        db.session.commit()
    command = None if is_sqlite() else pg_dump_command(db.engine.url, folder / DUMP_FILE)
    return Backup(folder, manifest, missing, command)


def instance_files(instance: Path) -> list[Path]:
    """The clinic's own files in the instance folder that a backup keeps: its
    uploaded logos (``branding/``) and its wording file."""
    files = sorted(p for p in (instance / BRANDING_FOLDER).glob("*") if _is_branding(p.name))
    wording = instance / WORDING_FILE
    return [p for p in [*files, wording] if p.is_file()]


def _is_branding(name: str) -> bool:
    from kiosk.clinic.branding import KEPT_LOGO

    return bool(KEPT_LOGO.fullmatch(name))


def _new_folder(parent: Path, name: str) -> Path:
    for attempt in range(1, 100):
        folder = parent / (name if attempt == 1 else f"{name}-{attempt}")
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue
        restrict(folder, FOLDER_MODE)
        return folder
    raise BackupError(f"could not make a new folder named {name} in {parent}")


def _sqlite_snapshot(target: Path) -> None:
    """A consistent copy of the app's SQLite database, taken while it may be written."""
    create_private_file(target, b"")
    with db.engine.connect() as connection, closing(sqlite3.connect(target)) as copy:
        connection.connection.driver_connection.backup(copy)
        # One self-contained file: no -wal or -shm beside it.
        copy.execute("PRAGMA journal_mode = DELETE").fetchall()


def _snapshot_contents(path: Path) -> tuple[set[str], str | None]:
    """The PDF names and the Alembic revision held by a copy of the database."""
    with closing(sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)) as copy:
        try:
            names = {row[0] for row in copy.execute("SELECT filename FROM summary_pdfs")}
        except sqlite3.OperationalError:  # a database older than the PDF table
            names = set()
        try:
            revision = copy.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            revision = None
    return names, revision[0] if revision else None


def _entry(folder: Path, path: Path) -> dict[str, Any]:
    return {
        "path": path.relative_to(folder).as_posix(),
        "size": path.stat().st_size,
        "sha256": _sha256(path),
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _app_version() -> str:
    try:
        return metadata.version("kiosk")
    except metadata.PackageNotFoundError:
        return "unknown"


def _postgres_url(url: URL) -> str:
    """``url`` as libpq reads it: no driver name, no password."""
    # URL.set() reads None as "unchanged": the password is dropped with _replace.
    plain = url._replace(drivername=url.get_backend_name(), password=None)
    return plain.render_as_string(hide_password=False)


def pg_dump_command(url: URL, output: Path) -> str:
    """The ``pg_dump`` command that dumps the database at ``url`` into ``output``.

    The password is left out: pg_dump takes it from ``PGPASSWORD`` or ``~/.pgpass``.
    """
    return shlex.join(["pg_dump", "--format=custom", f"--file={output}", _postgres_url(url)])


def pg_restore_command(url: URL, dump: Path) -> str:
    options = ["--clean", "--if-exists", "--no-owner", f"--dbname={_postgres_url(url)}"]
    return shlex.join(["pg_restore", *options, str(dump)])


# Restoring one -----------------------------------------------------------------


def restore_backup(folder: Path, *, force: bool = False) -> Restored:
    """Restore the backup in ``folder`` into the configured database and PDF folder."""
    manifest = read_manifest(folder)
    verify(folder, manifest)
    paths = [entry["path"] for entry in manifest["files"]]
    has_database = DATABASE_FILE in paths
    if has_database and not is_sqlite():
        raise BackupError(
            "this backup holds a SQLite database, but this instance uses the database at "
            f"{_postgres_url(db.engine.url)} (DATABASE_URL); nothing was restored"
        )
    if not has_database and is_sqlite():
        raise BackupError(
            f"this backup holds no database (it was made from {manifest.get('database')}); "
            "nothing was restored"
        )
    # Not this application's database: refused, --force or not.
    if has_database:
        check_is_ours(folder / DATABASE_FILE)
    elif manifest.get("alembic_revision") not in known_revisions():
        raise BackupError(
            f"this backup was made at migration revision {manifest.get('alembic_revision')!r}, "
            "which this application does not know; nothing was restored"
        )
    if is_sqlite() and not force:
        held = _rows_held()
        if held:
            listed = ", ".join(f"{table} {count}" for table, count in held.items())
            raise BackupError(
                f"the database already holds data ({listed}); use --force to replace it "
                "with the backup's. Nothing was restored"
            )
    target = private_folder(current_app.config["PDF_DIR"])
    pdfs = [p for p in paths if p.startswith(f"{PDF_FOLDER}/")]
    if not force:
        clashes = [
            p
            for p in pdfs
            if (target / Path(p).name).exists()
            and _sha256(target / Path(p).name) != _sha256(folder / p)
        ]
        if clashes:
            raise BackupError(
                f"{len(clashes)} PDF(s) of the backup would replace different files in "
                f"{target}; use --force to replace them. Nothing was restored"
            )
    # What is there now is kept before anything is replaced.
    undo = _undo_backup()
    for path in pdfs:
        _replace_file(target / Path(path).name, folder / path)
    instance = Path(current_app.instance_path)
    own = [p for p in paths if p == WORDING_FILE or p.startswith(f"{BRANDING_FOLDER}/")]
    for path in own:
        private_folder((instance / path).parent)
        _replace_file(instance / path, folder / path)
    if not is_sqlite():
        command = pg_restore_command(db.engine.url, folder / DUMP_FILE)
        return Restored(
            manifest, len(pdfs), manifest.get("alembic_revision"), command, undo, len(own)
        )

    _sqlite_replace(folder / DATABASE_FILE)
    flask_migrate.upgrade()
    with db.engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    audit.add_entry(
        "restore",
        detail=f"backup made {manifest.get('created')} by version {manifest.get('app_version')}"
        f" at revision {manifest.get('alembic_revision')}; now at {revision}",
    )
    db.session.commit()
    return Restored(manifest, len(pdfs), revision, None, undo, len(own))


def _replace_file(target: Path, source: Path) -> None:
    """``target`` becomes a private copy of ``source``, whole or not at all."""
    partial = target.with_name(f".{target.name}.part")
    partial.unlink(missing_ok=True)
    create_private_file(partial, source.read_bytes())
    partial.replace(target)


def _undo_backup() -> Backup | None:
    """A backup of the database, PDFs and clinic files there now, under the
    instance folder's ``backups/``, made before a restore replaces them; None
    when there is nothing to keep (a new instance)."""
    instance = Path(current_app.instance_path)
    pdf_dir = Path(current_app.config["PDF_DIR"])
    has_pdfs = pdf_dir.is_dir() and any(pdf_dir.iterdir())
    if not (_rows_held() or has_pdfs or instance_files(instance)):
        return None
    return create_backup(instance / UNDO_FOLDER, suffix="-before-restore", record=False)


def known_revisions() -> dict[str, set[str]]:
    """Every migration revision of this application, with the tables the
    database has at it (created by the migrations up to it, less those dropped)."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    order = list(reversed(list(script.walk_revisions())))  # base first
    tables: set[str] = set()
    known: dict[str, set[str]] = {}
    for revision in order:
        upgrade = Path(revision.path).read_text(encoding="utf-8").split("def downgrade", 1)[0]
        tables |= set(_CREATED.findall(upgrade))
        tables -= set(_DROPPED.findall(upgrade))
        known[revision.revision] = set(tables)
    return known


_CREATED = re.compile(r"op\.create_table\(\s*['\"](\w+)['\"]")
_DROPPED = re.compile(r"op\.drop_table\(\s*['\"](\w+)['\"]")


def check_is_ours(path: Path) -> None:
    """The SQLite file at ``path`` is this application's database: a known
    migration revision, and every table the migrations made by then."""
    try:
        with closing(sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)) as copy:
            tables = {
                row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            revision = None
            if "alembic_version" in tables:
                row = copy.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            f"the backup's {DATABASE_FILE} cannot be read as a database ({exc}); "
            "nothing was restored"
        ) from None
    known = known_revisions()
    if revision not in known:
        said = "has no migration revision" if revision is None else f"is at revision {revision!r}"
        raise BackupError(
            f"the backup's database {said}, which this application does not know: it is not "
            "this application's database. Nothing was restored (--force does not change this)"
        )
    missing = sorted(known[revision] - tables)
    if missing:
        raise BackupError(
            f"the backup's database lacks tables this application has at revision {revision} "
            f"({', '.join(missing)}): it is not this application's database. Nothing was "
            "restored (--force does not change this)"
        )


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{path} not found: {folder} is not a kiosk backup") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} cannot be read ({exc})") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("files"), list)
    ):
        raise BackupError(f"{path} is not a manifest this version can read")
    return manifest


def verify(folder: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there, with its size and SHA-256."""
    problems = []
    for entry in manifest["files"]:
        path = entry.get("path") if isinstance(entry, dict) else None
        if not _allowed(path):
            problems.append(f"{path!r}: not a file a kiosk backup holds")
            continue
        actual = folder / path
        if not actual.is_file():
            problems.append(f"{path}: missing")
        elif actual.stat().st_size != entry.get("size") or _sha256(actual) != entry.get("sha256"):
            problems.append(f"{path}: does not match its size and SHA-256 in {MANIFEST}")
    if problems:
        raise BackupError(
            f"the backup in {folder} is damaged; nothing was restored:\n  " + "\n  ".join(problems)
        )


def _allowed(path: Any) -> bool:
    if path in (DATABASE_FILE, WORDING_FILE):
        return True
    if isinstance(path, str) and path.startswith(f"{BRANDING_FOLDER}/"):
        return _is_branding(path.removeprefix(f"{BRANDING_FOLDER}/"))
    if not isinstance(path, str) or not path.startswith(f"{PDF_FOLDER}/"):
        return False
    return bool(PDF_NAME.fullmatch(path.removeprefix(f"{PDF_FOLDER}/")))


# Rows the migrations themselves make: a database holding only these holds no data.
MADE_BY_MIGRATIONS = {"locations": 1}  # the first location


def _rows_held() -> dict[str, int]:
    """The app's tables that hold rows, with their counts."""
    existing = set(db.inspect(db.engine).get_table_names())
    held = {}
    for table in db.metadata.sorted_tables:
        if table.name in existing:
            count = db.session.scalar(select(func.count()).select_from(table))
            if count > MADE_BY_MIGRATIONS.get(table.name, 0):
                held[table.name] = count
    db.session.rollback()
    return held


def _sqlite_replace(backup: Path) -> None:
    """Replace the app's SQLite database, page by page, with the backup's."""
    db.session.remove()
    target = Path(db.engine.url.database)
    db.engine.dispose()
    if not target.exists():
        create_private_file(target, b"")
    restrict(target, FILE_MODE)
    with (
        closing(sqlite3.connect(backup.as_uri() + "?mode=ro", uri=True)) as source,
        closing(sqlite3.connect(target, timeout=5)) as destination,
    ):
        source.backup(destination)
