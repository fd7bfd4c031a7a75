"""Friendly error pages; a busy database; what an error leaves in the log."""

from __future__ import annotations

import functools
import logging
import sqlite3
import traceback
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from flask import Flask, Response, abort, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from kiosk.data.database import db

log = logging.getLogger(__name__)


class DatabaseBusy(ServiceUnavailable):
    """The database stayed locked by another writer past its busy timeout,
    twice: nothing was saved, and the page says to try again."""

    description = "The kiosk is busy; nothing was saved. Try again in a moment."


def is_busy(error: BaseException) -> bool:
    """``error`` is a write that waited for another's lock until it gave up:
    SQLite's "database is locked" (past its busy timeout), or PostgreSQL's
    lock_not_available (past a ``lock_timeout``)."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.orig
    if isinstance(cause, sqlite3.OperationalError):
        words = str(cause).lower()
        return "database is locked" in words or "database table is locked" in words
    return getattr(cause, "sqlstate", None) == "55P03"  # lock_not_available


def init_app(app: Flask) -> None:
    @app.before_request
    def no_control_characters_in_the_address():
        # No page's address holds a NUL or another control character; refused
        # here, such a path never reaches a view or a database query.
        if any(ord(c) < 32 or c == "\x7f" for c in request.path):
            abort(404)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_page(error)

    @app.errorhandler(OperationalError)
    def database_error(error: OperationalError):
        # A write refused as busy outside a view (a hook): the same page as a
        # view's. Any other database failure stays a server error.
        if not is_busy(error):
            raise error
        db.session.rollback()
        return app.handle_user_exception(DatabaseBusy())

    app.wsgi_app = HostCheck(app.wsgi_app)  # type: ignore[method-assign]
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = retried_once_when_busy(view)
    app.log_exception = functools.partial(log_exception, app)  # type: ignore[method-assign]


class HostCheck:
    """Refuses (400) a request whose ``Host`` is no host name: a label over 63
    characters, a name over 253, or one IDNA cannot encode. Werkzeug cannot
    match a URL for such a host, and nor could an error page link to one."""

    def __init__(self, wsgi_app: Callable[..., Any]):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or ""
        if not valid_host(host):
            body = b"Bad Request: not a host name\n"
            start_response(
                "400 Bad Request",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    ("Cache-Control", "no-store"),
                ],
            )
            return [body]
        return self.wsgi_app(environ, start_response)


def valid_host(host: str) -> bool:
    """``host`` (with its port, if any) is a name or address a URL can hold."""
    if host.startswith("["):  # an IPv6 address
        address, _bracket, rest = host[1:].partition("]")
        port = rest.removeprefix(":")
        return (
            bool(address)
            and all(c in "0123456789abcdefABCDEF:." for c in address)
            and (not rest or (rest.startswith(":") and port.isdigit()))
        )
    name, _colon, port = host.partition(":")
    if (port and not port.isdigit()) or not name or len(name) > 253:
        return False
    try:
        name.encode("idna")
    except UnicodeError:
        return False
    return True


def retried_once_when_busy(view: Callable[..., Any]) -> Callable[..., Any]:
    """``view``, run once more when the database was busy past its timeout
    (its transaction rolled back first); busy again, :class:`DatabaseBusy`."""

    @functools.wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            db.session.rollback()
            log.warning("database busy on %s %s: trying once more", request.method, request.path)
        try:
            return view(*args, **kwargs)
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            db.session.rollback()
            log.warning("database busy on %s %s again: answered 503", request.method, request.path)
            raise DatabaseBusy() from None

    return run


def log_exception(
    app: Flask,
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None]
    | tuple[None, None, None],
) -> None:
    """Flask's log of an unhandled exception, without any exception's message:
    a message can quote what a patient or staff member typed (a value that
    did not fit, a database statement's text). The path, the method, the
    exceptions' types and where they were raised are enough to find a bug."""
    _type, error, _tb = exc_info
    lines = [f"Exception on {request.path} [{request.method}]"]
    if error is not None:
        lines += _described(error)
    app.logger.error("\n".join(lines))


def _described(error: BaseException) -> Iterator[str]:
    chain = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    for position, exc in enumerate(reversed(chain)):
        if position:
            yield "which led to:"
        yield "Traceback (most recent call last):"
        yield from (
            line.rstrip("\n") for line in traceback.format_tb(exc.__traceback__) if line.strip()
        )
        yield f"{type(exc).__module__}.{type(exc).__qualname__} (message left out of the log)"


def error_page(error: HTTPException, back: str | None = None) -> Response:
    """The error's page in the request's language. ``back``: where its button
    returns a patient to, the screen they were on; else it goes to Welcome."""
    response = error.get_response()
    response.data = render_template("error.html", error=error, back=back)
    response.content_type = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response
