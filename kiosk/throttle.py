"""Sign-in throttling: Flask-Limiter, with its counts in the app's own database.

Failed sign-ins are counted per typed username and per client address
(``SIGN_IN_LIMIT_PER_ACCOUNT``, ``SIGN_IN_LIMIT_PER_ADDRESS``); once either
count is used up, sign-in is refused, even with the right password, until its
window ends. Unknown usernames are counted like real ones, so the refusal
says nothing about which accounts exist.

The counts live in the ``rate_limit_counters`` table (storage URI
``kioskdb://``, the default of ``RATELIMIT_STORAGE_URI``): every process and
every app server sharing the database sees the same counts, with nothing more
to run. Any storage Flask-Limiter knows (``redis://…``) may be set instead.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from limits.storage import Storage
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .forms import clean_text
from .models import RateLimitCounter


def now() -> float:
    """The clock the counters expire by."""
    return time.time()


class DatabaseStorage(Storage):
    """A ``limits`` storage (fixed-window strategy) in the app's database.

    Each count is a row with its expiry; an increment is one atomic upsert,
    so concurrent processes never lose a count.
    """

    STORAGE_SCHEME = ["kioskdb"]

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    @staticmethod
    def _engine():
        return db.engine  # the current app's: storage calls happen inside a request

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        engine, table, moment = self._engine(), RateLimitCounter.__table__, now()
        dialects = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
        if engine.dialect.name not in dialects:
            raise NotImplementedError(
                f"kioskdb:// counts need SQLite or PostgreSQL, not {engine.dialect.name}: "
                "set RATELIMIT_STORAGE_URI"
            )
        upsert = (
            dialects[engine.dialect.name](table)
            .values(key=key, count=amount, expires_at=moment + expiry)
            .on_conflict_do_update(
                index_elements=[table.c.key], set_={"count": table.c.count + amount}
            )
            .returning(table.c.count)
        )
        with engine.begin() as connection:
            connection.execute(delete(table).where(table.c.expires_at <= moment))
            return connection.execute(upsert).scalar_one()

    def _live(self, key: str, column):
        table = RateLimitCounter.__table__
        query = select(column).where(table.c.key == key, table.c.expires_at > now())
        with self._engine().connect() as connection:
            return connection.execute(query).scalar()

    def get(self, key: str) -> int:
        return self._live(key, RateLimitCounter.__table__.c.count) or 0

    def get_expiry(self, key: str) -> float:
        return self._live(key, RateLimitCounter.__table__.c.expires_at) or now()

    def check(self) -> bool:
        try:
            with self._engine().connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._engine().begin() as connection:
            return connection.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        table = RateLimitCounter.__table__
        with self._engine().begin() as connection:
            connection.execute(delete(table).where(table.c.key == key))


def client_address() -> str:
    # With TRUSTED_PROXIES set, ProxyFix has put the client's own address here.
    return f"address:{request.remote_addr or ''}"


def typed_account() -> str:
    # The name as the sign-in form reads it, so "sam" and "sam\x00" count together.
    name = (clean_text(request.form.get("username")) or "").strip()[:60]
    return f"account:{name}" if name else ""  # no name typed: only the address counts


def sign_in_failed(_response) -> bool:
    """Only a wrong password (or unknown or disabled account) uses up a count,
    never a form error or a missing CSRF token."""
    return g.get("sign_in_failed", False)


def retry_minutes() -> int:
    """Minutes until the breached sign-in limit lets the next attempt through."""
    breached = limiter.current_limit
    seconds = breached.reset_at - now() if breached else 60
    return max(1, -(-int(seconds) // 60))


limiter = Limiter(key_func=client_address)


def throttled(view):
    """The sign-in view with both limits: per typed account and per address."""
    for setting, key_func in (
        ("SIGN_IN_LIMIT_PER_ACCOUNT", typed_account),
        ("SIGN_IN_LIMIT_PER_ADDRESS", client_address),
    ):
        view = limiter.limit(
            lambda setting=setting: current_app.config[setting],
            key_func=key_func,
            methods=["POST"],
            deduct_when=sign_in_failed,
        )(view)
    return view


def init_app(app: Flask) -> None:
    limiter.init_app(app)
