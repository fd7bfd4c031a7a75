"""The database: SQLAlchemy and its migrations, bound to the app in ``init_app``;
SQLite connections set up for a clinic's data (``_sqlite_connection``)."""

from functools import partial
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase

from kiosk.core.files import FILE_MODE, restrict
from kiosk.core.paths import MIGRATIONS_DIR

# How long a SQLite connection waits for another's write lock before giving up
# (the SQLITE_BUSY_TIMEOUT_MS setting's default).
SQLITE_BUSY_TIMEOUT_MS = 5000


class Base(DeclarativeBase):
    # Named constraints, so that migrations can alter them on every database.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(directory=str(MIGRATIONS_DIR))


def init_app(app: Flask) -> None:
    # A failed statement's values (a patient's answers, a typed search) stay
    # out of exception messages, and so out of the log.
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "hide_parameters": True}
    db.init_app(app)
    timeout = app.config.get("SQLITE_BUSY_TIMEOUT_MS", SQLITE_BUSY_TIMEOUT_MS)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", partial(_sqlite_connection, timeout=timeout))
    migrate.init_app(app, db)


def _sqlite_connection(connection, _record, *, timeout: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
    """Each new SQLite connection: the file closed to other users, WAL, a busy
    timeout, and every commit synced to disk.

    WAL lets the staff queue read while a patient's answers are written; the
    WAL and shared-memory files take the database file's mode, so it is
    restricted first. ``synchronous = FULL`` syncs the WAL at every commit, so
    that a power cut loses no answer a patient saw accepted (under WAL, NORMAL
    may lose the last commits).
    """
    for _seq, name, filename in connection.execute("PRAGMA database_list").fetchall():
        if name == "main" and filename:
            restrict(Path(filename), FILE_MODE)
    connection.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    connection.execute("PRAGMA journal_mode = WAL").fetchall()
    connection.execute("PRAGMA synchronous = FULL")
