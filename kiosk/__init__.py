"""Consultation kiosk for aesthetic clinics.

``create_app`` builds the Flask application; importing this package does
nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from kiosk.core.paths import STATIC_DIR, TEMPLATES_DIR
from kiosk.web.proxies import TrustedProxyFix


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, content, blueprints.

    ``config`` overrides every other source of settings (tests use it).
    """
    from kiosk import cli
    from kiosk.clinic import branding, locations, saved_settings, settings
    from kiosk.core.content_folder import load_content
    from kiosk.core.wording import WORDING_FILE, interface_texts
    from kiosk.data import database
    from kiosk.records import jobs
    from kiosk.web import auth, errors, headers, htmx, language, places, templating, throttle
    from kiosk.web.patient import bp as patient_bp
    from kiosk.web.staff import bp as staff_bp

    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=settings.instance_path(config),
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
    )
    settings.configure(app, config)
    # The client's own address and scheme: from X-Forwarded-For/-Proto only
    # on connections from the trusted proxy (kiosk/web/proxies.py).
    app.wsgi_app = TrustedProxyFix(
        app.wsgi_app, app.config["TRUSTED_PROXIES"], app.config["TRUSTED_PROXY_ADDRESS"]
    )
    database.init_app(app)
    htmx.init_app(app)
    auth.init_app(app)
    # First of the before_request hooks: the clinic's settings as last changed
    # on the settings page (its default language included).
    saved_settings.init_app(app, settings.forced(config))
    # Then the location whose address the request is for (its languages are
    # the patient's choices).
    locations.init_app(app)
    places.init_app(app)
    # Then every later hook, view and error page speaks the request's language.
    language.init_app(app)

    # The content is validated once, here, as `flask content check` does: a
    # broken file stops the app.
    content = app.extensions["kiosk.core.content"] = load_content(
        app.config["CONTENT_DIR"], Path(app.instance_path) / WORDING_FILE
    )
    if content.wording:
        language.use_wording(app, interface_texts(content.wording))
    saved_settings.use_engines(app)

    app.register_blueprint(patient_bp)
    app.register_blueprint(staff_bp)
    errors.init_app(app)
    headers.init_app(app)
    templating.init_app(app)
    branding.init_app(app)
    # After request_language: the sign-in limits are checked once the
    # request's language is set, so a refusal is in the clinic's language.
    throttle.init_app(app)
    cli.init_app(app)
    jobs.init_app(app)
    return app
