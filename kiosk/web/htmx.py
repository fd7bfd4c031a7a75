"""htmx's request and response headers (flask-htmx), for the pages that swap
a fragment: the patient's screens and the staff queue."""

from flask import Flask
from flask_htmx import HTMX

htmx = HTMX()


def init_app(app: Flask) -> None:
    htmx.init_app(app)
