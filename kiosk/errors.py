"""Friendly error pages."""

from flask import Flask, Response, abort, render_template, request
from werkzeug.exceptions import HTTPException


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


def error_page(error: HTTPException, back: str | None = None) -> Response:
    """The error's page in the request's language. ``back``: where its button
    returns a patient to, the screen they were on; else it goes to Welcome."""
    response = error.get_response()
    response.data = render_template("error.html", error=error, back=back)
    response.content_type = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response
