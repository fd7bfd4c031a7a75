"""Backups of the database and the PDFs, and restoring one.

A backup is a new folder (0700, files 0600) holding ``kiosk.sqlite3``, a copy
made with SQLite's online backup API (consistent while the app writes, in WAL
mode), ``pdfs/`` with every PDF that copy names, and ``manifest.json``: when
it was made, the app's version, the database's Alembic revision and each
file's size and SHA-256.

With PostgreSQL (``DATABASE_URL``) the folder holds the PDFs and the manifest
only: the database is dumped by ``pg_dump``, whose command (without the
password) ``pg_dump_command`` gives, and restored by ``pg_restore``.

Restoring checks every file against the manifest before anything is written,
refuses a database that holds data unless forced, copies the PDFs into
``PDF_DIR``, replaces the database and migrates it to the current revision, so
a backup made by an older version works. The app should be stopped meanwhile.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shlex
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import flask_migrate
from alembic.migration import MigrationContext
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from . import audit
from .extensions import db
from .models import ConsultationPdf, utcnow
from .private import FILE_MODE, FOLDER_MODE, create_private_file, private_folder, restrict
from .stored_pdfs import PDF_NAME

MANIFEST = "manifest.json"
DATABASE_FILE = "kiosk.sqlite3"
PDF_FOLDER = "pdfs"
DUMP_FILE = "database.dump"
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


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


# Making a backup -----------------------------------------------------------------


def create_backup(parent: Path, now: dt.datetime | None = None) -> Backup:
    """Back up the database (SQLite) and the PDFs into a new folder under ``parent``."""
    now = now or utcnow()
    folder = _new_folder(private_folder(parent), f"kiosk-backup-{now:%Y%m%dT%H%M%SZ}")
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
    audit.add_entry("backup", detail=f"{folder.name}: {what}{copied} PDF(s)")
    db.session.commit()
    command = None if is_sqlite() else pg_dump_command(db.engine.url, folder / DUMP_FILE)
    return Backup(folder, manifest, missing, command)


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
    for path in pdfs:
        name = Path(path).name
        partial = target / f".{name}.part"
        partial.unlink(missing_ok=True)
        create_private_file(partial, (folder / path).read_bytes())
        partial.replace(target / name)
    if not is_sqlite():
        command = pg_restore_command(db.engine.url, folder / DUMP_FILE)
        return Restored(manifest, len(pdfs), manifest.get("alembic_revision"), command)

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
    return Restored(manifest, len(pdfs), revision)


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
    if path == DATABASE_FILE:
        return True
    if not isinstance(path, str) or not path.startswith(f"{PDF_FOLDER}/"):
        return False
    return bool(PDF_NAME.fullmatch(path.removeprefix(f"{PDF_FOLDER}/")))


def _rows_held() -> dict[str, int]:
    """The app's tables that hold rows, with their counts."""
    existing = set(db.inspect(db.engine).get_table_names())
    held = {}
    for table in db.metadata.sorted_tables:
        if table.name in existing:
            count = db.session.scalar(select(func.count()).select_from(table))
            if count:
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
