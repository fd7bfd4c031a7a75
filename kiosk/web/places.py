"""Which location a request is for.

A tablet of a chain's location opens ``/at/<slug>/``. :class:`LocationPaths`
moves that prefix from the path to the script name, so that the app's routes
are the same for every location and every address the app makes
(``url_for``) keeps the prefix: the tablet stays at its location through
every screen, the Done page and the idle reset. Without the prefix a request
is for the first location, as in an installation with one.

Under a location's prefix only the patient's pages, their static files and
the location's logo and colour are served; staff pages are at the root.
"""

from __future__ import annotations

from flask import Flask, abort, g, request

from kiosk.clinic import locations

ENVIRON_KEY = "kiosk.location"
# What a tablet at a location may ask for under its prefix.
AT_A_LOCATION = ("patient", "static", "brand_css", "brand_logo")


class LocationPaths:
    """WSGI middleware: ``/at/<slug>/rest`` is ``/rest`` under the script name
    ``…/at/<slug>``."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(locations.PREFIX):
            slug, _, rest = path.removeprefix(locations.PREFIX).partition("/")
            if locations.SLUG.fullmatch(slug):
                prefix = locations.PREFIX + slug
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "").rstrip("/") + prefix
                environ["PATH_INFO"] = "/" + rest
                environ[ENVIRON_KEY] = slug
        return self.app(environ, start_response)


def init_app(app: Flask) -> None:
    app.wsgi_app = LocationPaths(app.wsgi_app)

    @app.before_request
    def location_of_the_request() -> None:
        slug = request.environ.get(ENVIRON_KEY)
        if slug is None:
            return
        place = locations.by_slug(slug)
        if place is None:
            abort(404)
        # Set first: the page saying an address under it is not found is its own.
        g.place = place
        endpoint = request.endpoint or ""
        if endpoint.partition(".")[0] not in AT_A_LOCATION:
            abort(404)
