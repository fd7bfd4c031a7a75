"""Friendly error pages."""

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        response = error.get_response()
        response.data = render_template("error.html", error=error)
        response.content_type = "text/html; charset=utf-8"
        response.headers["Cache-Control"] = "no-store"
        return response
