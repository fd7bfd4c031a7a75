"""Whose address a request comes from, behind a reverse proxy.

With ``TRUSTED_PROXIES`` at 0 (the default) the address is the connection's
own, and any ``X-Forwarded-*`` header a client sends is dropped. Set to the
number of proxies in front of the app, the client's address and scheme are
read from ``X-Forwarded-For`` and ``X-Forwarded-Proto``, but only on
connections from ``TRUSTED_PROXY_ADDRESS`` (the nearest proxy, 127.0.0.1 when
it runs on the same box): anybody else who sends those headers straight to the
app has them removed, so no one can claim someone else's address.

Under ``flask --app kiosk serve`` waitress does this itself (its
``trusted_proxy`` settings; without them it removes every ``X-Forwarded-*``
header, which is why a ProxyFix alone saw none). Under any other WSGI server
:class:`TrustedProxyFix`, installed by ``create_app``, does the same. Under
waitress both run; the second finds the client's address already in place and
changes nothing.
"""

from __future__ import annotations

from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

# The headers a proxy may set (waitress's list), as WSGI environ keys.
PROXY_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_BY",
    "HTTP_FORWARDED",
)


def waitress_settings(config: dict[str, Any]) -> dict[str, Any]:
    """waitress's proxy settings for the app's configuration."""
    hops = config["TRUSTED_PROXIES"]
    if not hops:
        # Every X-Forwarded-* header removed (waitress's default, said aloud).
        return {"clear_untrusted_proxy_headers": True}
    return {
        "trusted_proxy": config["TRUSTED_PROXY_ADDRESS"],
        "trusted_proxy_count": hops,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        "clear_untrusted_proxy_headers": True,
    }


class TrustedProxyFix:
    """ProxyFix for requests from the trusted proxy only; every other request
    loses its ``X-Forwarded-*`` headers."""

    def __init__(self, app, hops: int, proxy_address: str):
        self.app = app
        self.proxy_address = proxy_address
        self.hops = hops
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops) if hops else app

    def __call__(self, environ, start_response):
        if self.hops and environ.get("REMOTE_ADDR") == self.proxy_address:
            return self.fixed(environ, start_response)
        for header in PROXY_HEADERS:
            environ.pop(header, None)
        return self.app(environ, start_response)
