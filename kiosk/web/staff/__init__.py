"""The staff area: sign-in, live queue, review, notes, PDFs, audit, export."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from kiosk.web.staff import (  # noqa: E402,F401  (registers the views)
    accounts_page,
    consent_page,
    email_routes,
    location_choice,
    locations_page,
    own_password,
    routes,
    settings_page,
    statistics_page,
)
