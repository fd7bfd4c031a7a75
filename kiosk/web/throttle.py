"""Sign-in throttling, with its counts in the app's own database.

Two limits, neither of which lets a stranger refuse the real user at their
own desk:

- **Per account and address together** (``SIGN_IN_FAILURES``): after that many
  failed sign-ins for one typed username from one address, that address must
  wait before trying that username again, 1 minute at first, doubling with
  each further failure up to ``SIGN_IN_LONGEST_WAIT_MINUTES``; meanwhile
  sign-in is refused, even with the right password. The same username from
  another address is not affected. A right password forgets the count, and so
  does a day without failures.
- **Per address** (``SIGN_IN_LIMIT_PER_ADDRESS``, Flask-Limiter): failed
  sign-ins from one address across every username, until the window ends.

Unknown usernames are counted like real ones, so a refusal says nothing about
which accounts exist. An admin can lift either (:func:`lift`, the accounts
page).

The counts live in the ``rate_limit_counters`` table (storage URI
``kioskdb://``, the default of ``RATELIMIT_STORAGE_URI``): every process and
every app server sharing the database sees the same counts, with nothing more
to run. The per-address limit may be kept in any storage Flask-Limiter knows
(``redis://…``) instead; the per-account-and-address waits always live in the
database.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from limits.storage import Storage
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from kiosk.core.i18n import ngettext, short_time
from kiosk.data.database import db
from kiosk.data.models import RateLimitCounter
from kiosk.web.forms import clean_text


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
    # Behind a trusted proxy, the client's own address (kiosk/web/proxies.py).
    return f"address:{request.remote_addr or ''}"


def account_name(typed: str | None) -> str:
    """The name as the sign-in form reads it, so "sam" and "sam\x00" (and
    "Sam") count together."""
    return (clean_text(typed) or "").strip().casefold()[:60]


def sign_in_failed(_response) -> bool:
    """Only a wrong password (or unknown or disabled account) uses up a count,
    never a form error or a missing CSRF token."""
    return g.get("sign_in_failed", False)


limiter = Limiter(key_func=client_address)


def throttled(view):
    """The sign-in view with the per-address limit (the per-account-and-address
    waits are checked by the view: :func:`wait_left`)."""
    return limiter.limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"],
        key_func=client_address,
        methods=["POST"],
        deduct_when=sign_in_failed,
    )(view)


def init_app(app: Flask) -> None:
    limiter.init_app(app)


# Per account and address: a wait that grows ---------------------------------------

FAILURES, WAIT = "failures:", "wait:"
# A count of failures is forgotten this long after the last one.
FORGET_AFTER = 24 * 3600
FIRST_WAIT = 60


def _pair(account: str, address: str) -> str:
    return f"{account}|{address}"


def _table():
    return RateLimitCounter.__table__


def _upsert(connection, key: str, expires_at: float, *, add: int):
    """Count ``add`` more for ``key`` (set to 0 with ``add=0``), its expiry
    moved to ``expires_at``; the new count."""
    dialect = connection.engine.dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
    columns = _table().c
    statement = (
        insert(_table())
        .values(key=key, count=add, expires_at=expires_at)
        .on_conflict_do_update(
            index_elements=[columns.key],
            set_={"count": columns.count + add if add else 0, "expires_at": expires_at},
        )
        .returning(columns.count)
    )
    return connection.execute(statement).scalar_one()


def wait_left(account: str, address: str) -> float:
    """Seconds this address must still wait before trying ``account`` again (0: none)."""
    table = _table()
    query = select(table.c.expires_at).where(
        table.c.key == WAIT + _pair(account, address), table.c.expires_at > now()
    )
    with db.engine.connect() as connection:
        until = connection.execute(query).scalar()
    return max(0.0, until - now()) if until else 0.0


def wait_after(failures: int, config) -> float:
    """Seconds to wait after the ``failures``-th failure in a row (0: none yet)."""
    over = failures - config["SIGN_IN_FAILURES"]
    if over < 0:
        return 0.0
    longest = config["SIGN_IN_LONGEST_WAIT_MINUTES"] * 60
    return float(min(FIRST_WAIT * 2 ** min(over, 30), longest))


def record_failure(account: str, address: str) -> float:
    """One more failed sign-in for ``account`` from ``address``; the seconds
    it must now wait before the next attempt (0: none)."""
    moment, pair = now(), _pair(account, address)
    with db.engine.begin() as connection:
        connection.execute(delete(_table()).where(_table().c.expires_at <= moment))
        failures = _upsert(connection, FAILURES + pair, moment + FORGET_AFTER, add=1)
        wait = wait_after(failures, current_app.config)
        if wait:
            _upsert(connection, WAIT + pair, moment + wait, add=0)
    return wait


def forget(account: str, address: str) -> None:
    """A right password: the count for this account and address starts again."""
    pair = _pair(account, address)
    with db.engine.begin() as connection:
        connection.execute(
            delete(_table()).where(_table().c.key.in_([FAILURES + pair, WAIT + pair]))
        )


# What an admin sees and lifts ------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """A limit refusing sign-ins now: ``account`` from ``address``, or any
    username from ``address`` (``account`` None), until ``until`` (epoch seconds)."""

    key: str
    account: str | None
    address: str
    until: float

    @property
    def until_time(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.until).astimezone()


def _address_limit():
    from limits import parse_many

    return parse_many(current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"])[0]


def refusals() -> list[Refusal]:
    """Every limit refusing sign-ins now, soonest to end first.

    The per-address limit is found in the database only when its counts are
    kept there (``kioskdb://``)."""
    table, moment = _table(), now()
    found: list[Refusal] = []
    query = select(table.c.key, table.c.count, table.c.expires_at).where(
        table.c.expires_at > moment,
        table.c.key.like(WAIT + "%") | table.c.key.like("LIMITER/address:%"),
    )
    with db.engine.connect() as connection:
        rows = connection.execute(query).all()
    amount = _address_limit().amount
    for key, count, until in rows:
        if key.startswith(WAIT):
            account, address = key[len(WAIT) :].rsplit("|", 1)
            found.append(Refusal(key, account, address, until))
        elif count >= amount:
            address = key.split("/")[1].removeprefix("address:")
            found.append(Refusal(key, None, address, until))
    return sorted(found, key=lambda refusal: refusal.until)


def lift(key: str) -> Refusal | None:
    """End the refusal named ``key`` (its count starts again); the refusal, or
    None when it had ended already."""
    refusal = next((r for r in refusals() if r.key == key), None)
    if refusal is None:
        return None
    keys = [key]
    if refusal.account is not None:
        keys.append(FAILURES + _pair(refusal.account, refusal.address))
    with db.engine.begin() as connection:
        connection.execute(delete(_table()).where(_table().c.key.in_(keys)))
    return refusal


def wait_words(seconds: float) -> dict[str, str]:
    """A wait of ``seconds`` in words, for a refusal's message: ``wait``, whole
    minutes from now ("4 minutes", at least 1), and ``time``, the clock time
    it ends ("10:42"), in the language in force."""
    minutes = max(1, math.ceil(seconds / 60))
    at = dt.datetime.now().astimezone() + dt.timedelta(seconds=seconds)
    return {
        "wait": ngettext("%(num)d minute", "%(num)d minutes", minutes),
        "time": short_time(at),
    }


def retry_seconds() -> float:
    """Seconds until the breached per-address limit lets the next attempt through."""
    breached = limiter.current_limit
    return breached.reset_at - now() if breached else 60.0
