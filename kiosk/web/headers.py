"""Security headers on every response: one after-request hook.

A hook of a few lines rather than a library (Flask-Talisman and the like):
the policy is fixed, the app has no inline script or style to make
exceptions for, and HTTPS is ended by the reverse proxy, not redirected here.
"""

from __future__ import annotations

from flask import Flask, Response

# Everything from the app's own origin, and nothing inline: htmx is told not
# to add its indicator style or run scripts (meta htmx-config in base.html),
# and the templates carry no inline script, style or style attribute.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The kiosk needs none of these.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()" for feature in ("camera", "microphone", "geolocation", "payment", "usb")
)
HSTS = "max-age=31536000"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors, for browsers without CSP 2
}


def init_app(app: Flask) -> None:
    # HTTPS is on where the session cookie is marked Secure (see docs/operations.md).
    over_https = app.config["SESSION_COOKIE_SECURE"]

    @app.after_request
    def security_headers(response: Response) -> Response:
        # A response may carry a stricter policy of its own (the SVG logo).
        policy = response.headers.get("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.update(HEADERS)
        response.headers["Content-Security-Policy"] = policy
        if over_https:
            response.headers["Strict-Transport-Security"] = HSTS
        return response
