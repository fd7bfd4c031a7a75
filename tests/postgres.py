"""A throwaway PostgreSQL server for the test run.

Debian's ``postgresql`` package provides the programs (``make test`` installs
it when missing); this module makes a new cluster in a temporary folder (in
memory, under /dev/shm, when there is room), starts it on a free port on
127.0.0.1 with durability switched off (the data is thrown away), and stops it
by its own process id at the end. PostgreSQL
refuses to run as root, so under root the cluster belongs to the ``postgres``
account the package creates.

Each test gets its own database, cloned from a template that was migrated once
with Alembic, and dropped afterwards: tests never see each other's rows.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from .ports import free_port

USER = "kiosk"
TEMPLATE = "kiosk_template"
START_TIMEOUT = 60

# Copying the template creates about a thousand small files: a few tenths of a
# second on a busy disk, a few hundredths in memory. The cluster goes there when
# the memory file system has room for it (its WAL is kept small, see start()).
MEMORY_FOLDER = Path("/dev/shm")
MEMORY_NEEDED = 1 << 30


class PostgresUnavailable(RuntimeError):
    pass


def _programs() -> Path:
    for initdb in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(initdb).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PostgresUnavailable(
        "PostgreSQL's programs (initdb, pg_ctl) are not installed: `make test` installs "
        "Debian's postgresql package, or set KIOSK_TEST_DATABASES=sqlite to test SQLite only."
    )


class Cluster:
    """One PostgreSQL server in a temporary folder."""

    def __init__(self) -> None:
        self.bin = _programs()
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="kiosk-pg-", dir=_parent_folder()))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.owner = "postgres" if os.geteuid() == 0 else None
        self.pid: int | None = None
        self._numbers = itertools.count(1)

    # -- life cycle --------------------------------------------------------------

    def start(self) -> None:
        if self.owner:
            account = pwd.getpwnam(self.owner)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self._run(
            "initdb",
            "--pgdata",
            str(self.data),
            "--username",
            USER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--no-sync",
        )
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.folder}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
                "-c max_wal_size=64MB",
            ]
        )
        self._run(
            "pg_ctl",
            "start",
            "--pgdata",
            str(self.data),
            "--log",
            str(self.log),
            "--options",
            options,
            "--wait",
            "--timeout",
            str(START_TIMEOUT),
        )
        self.pid = int((self.data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                # SIGINT is PostgreSQL's "fast" shutdown: end sessions, stop.
                os.kill(self.pid, signal.SIGINT)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and _alive(self.pid):
                time.sleep(0.1)
            if _alive(self.pid):
                os.kill(self.pid, signal.SIGKILL)
            self.pid = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run(
            [str(self.bin / program), *args],
            user=self.owner,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT + 30,
            cwd=self.folder,
            check=False,
        )
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise PostgresUnavailable(
                f"{program} failed ({result.returncode}):\n{result.stdout}{result.stderr}{log}"
            )

    # -- databases ---------------------------------------------------------------

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def execute(self, statement: sql.Composable) -> None:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(statement)

    def create_database(self, template: str | None = None, name: str | None = None) -> str:
        name = name or f"test_{next(self._numbers)}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        self.execute(statement)
        return name

    def drop_database(self, name: str) -> None:
        self.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _parent_folder() -> Path | None:
    """Where the cluster's folder goes: memory when it has room, else the
    system's temporary folder (None)."""
    try:
        if shutil.disk_usage(MEMORY_FOLDER).free >= MEMORY_NEEDED:
            return MEMORY_FOLDER
    except OSError:
        pass
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A stopped child of ours would linger as a zombie; it is not a child here
    # (pg_ctl starts the server detached), so existence means running.
    return True
