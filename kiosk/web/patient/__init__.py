"""The patient's questionnaire blueprint."""

from flask import Blueprint

bp = Blueprint("patient", __name__)

from kiosk.web.patient import consent, returning, routes  # noqa: E402,F401  (registers the views)
