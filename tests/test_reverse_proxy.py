"""The kiosk behind Debian's nginx, configured by deploy/nginx-kiosk.conf, over
HTTPS with a certificate made here: `flask --app kiosk serve` in its own
process, nginx in its own (tests/nginx.py: its own prefix, pid, logs and ports
under the test's folder; the system's nginx is never used).

Several clients are told apart as a clinic's network tells them apart: each
connects from its own loopback address (127.0.0.2, 127.0.0.3, ...), and no
test sets an X-Forwarded-For of its own, except to check that it is not
believed.
"""

from __future__ import annotations

import http.client
import re
import sqlite3
import ssl
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from kiosk import create_app

from .browser.conftest import LiveServer
from .nginx import NGINX, Nginx
from .patient_client import csrf_token
from .staff_helpers import create_account

REFUSED = "Too many failed sign-in attempts. Try again in"


class Client:
    """A browser on its own computer: HTTPS from its own source address, its
    own cookies, no Referer (the kiosk's Referrer-Policy is no-referrer)."""

    def __init__(self, proxy: Nginx, address: str):
        self.proxy, self.address = proxy, address
        self.context = ssl.create_default_context(cafile=str(proxy.cert))
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[str] = []

    def request(self, method: str, path: str, form: dict | None = None, headers=None):
        connection = http.client.HTTPSConnection(
            "127.0.0.1",
            self.proxy.https_port,
            source_address=(self.address, 0),
            context=self.context,
            timeout=30,
        )
        sent = dict(headers or {})
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.set_cookies.append(header)
            for name, morsel in SimpleCookie(header).items():
                if not morsel.value or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response, text

    def sign_in(self, username: str, password: str, headers=None):
        _, page = self.request("GET", "/staff/login")
        form = {"username": username, "password": password, "csrf_token": csrf_token(page)}
        return self.request("POST", "/staff/login", form, headers)


@pytest.fixture
def proxied(tmp_path, migrated_instance):
    """serve behind nginx; the passwords of "sam" (staff) and "ada" (admin)."""
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: `make test` installs Debian's nginx-light package")
    instance = migrated_instance(tmp_path / "instance")
    app = create_app({"INSTANCE_PATH": str(instance), "TESTING": True})
    passwords = {"sam": create_account(app, "sam"), "ada": create_account(app, "ada", "admin")}
    server = LiveServer(
        instance,
        KIOSK_TRUSTED_PROXIES="1",
        KIOSK_SESSION_COOKIE_SECURE="true",
    )
    proxy = Nginx(tmp_path / "nginx", server.port)
    server.start()
    try:
        proxy.start()
        try:
            yield proxy, server, passwords
        finally:
            proxy.stop()
    finally:
        server.stop()


def audit(server: LiveServer) -> list[tuple[str | None, str, str | None]]:
    with sqlite3.connect(server.database) as db:
        rows = db.execute("select username, action, ip from audit_events order by id")
        return [row for row in rows if row[1] != "account_created"]  # made before serve


def test_each_clients_own_address_reaches_the_audit_log(proxied):
    proxy, server, passwords = proxied
    sam, stranger = Client(proxy, "127.0.0.2"), Client(proxy, "127.0.0.3")
    response, _ = stranger.sign_in("sam", "wrong")
    assert response.status == 422
    response, _ = sam.sign_in("sam", passwords["sam"])
    assert response.status == 302, response.headers
    assert response.headers["Location"] == "/staff/"
    response, page = sam.request("GET", "/staff/")
    assert response.status == 200
    assert "Sign out" in page
    assert audit(server) == [("sam", "login_failed", "127.0.0.3"), ("sam", "login", "127.0.0.2")]


def test_cookies_are_secure_and_hsts_is_sent(proxied):
    proxy, _, passwords = proxied
    sam = Client(proxy, "127.0.0.2")
    response, _ = sam.request("GET", "/")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    response, _ = sam.sign_in("sam", passwords["sam"])
    assert response.status == 302
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert sam.set_cookies
    for cookie in sam.set_cookies:
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert "secure" in attributes, cookie
        assert "httponly" in attributes, cookie
    # Plain HTTP only sends the browser to HTTPS.
    connection = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=10)
    connection.request("GET", "/staff/login")
    plain = connection.getresponse()
    connection.close()
    assert plain.status == 301
    assert plain.headers["Location"] == "https://127.0.0.1/staff/login"


def test_a_strangers_guesses_do_not_refuse_the_user_at_their_desk(proxied):
    proxy, server, passwords = proxied
    stranger, sam = Client(proxy, "127.0.0.3"), Client(proxy, "127.0.0.2")
    for _ in range(5):
        stranger.sign_in("sam", "wrong")
    response, page = stranger.sign_in("sam", passwords["sam"])
    assert response.status == 429
    assert re.search(REFUSED + r" 1 minute, at \d{1,2}:\d\d\.", page)
    response, _ = sam.sign_in("sam", passwords["sam"])
    assert response.status == 302
    assert audit(server)[-2:] == [
        ("sam", "login_throttled", "127.0.0.3"),
        ("sam", "login", "127.0.0.2"),
    ]


def test_the_per_address_limit_refuses_one_address_only(proxied):
    proxy, _, passwords = proxied
    guesser = Client(proxy, "127.0.0.4")
    for n in range(20):
        response, _ = guesser.sign_in(f"guess{n}", "wrong")
        assert response.status == 422
    response, page = guesser.sign_in("sam", passwords["sam"])
    assert response.status == 429
    assert REFUSED in page
    for address in ("127.0.0.2", "127.0.0.5"):
        response, _ = Client(proxy, address).sign_in("sam", passwords["sam"])
        assert response.status == 302


def test_an_admin_lifts_a_limit_through_the_proxy(proxied):
    proxy, server, passwords = proxied
    stranger, ada = Client(proxy, "127.0.0.3"), Client(proxy, "127.0.0.2")
    for _ in range(5):
        stranger.sign_in("sam", "wrong")
    assert ada.sign_in("ada", passwords["ada"])[0].status == 302
    _, page = ada.request("GET", "/staff/accounts")
    assert "sam from 127.0.0.3" in page
    key = re.search(r'name="limit" value="([^"]*)"', page).group(1)
    response, _ = ada.request(
        "POST", "/staff/accounts/limits/lift", {"limit": key, "csrf_token": csrf_token(page)}
    )
    assert response.status == 303
    assert stranger.sign_in("sam", passwords["sam"])[0].status == 302
    assert ("ada", "limit_lifted", "127.0.0.2") in audit(server)


def test_a_forwarded_for_header_from_a_client_is_not_believed(proxied):
    """Neither through nginx (it replaces the header) nor straight to serve
    (the connection is not the proxy's)."""
    proxy, server, _ = proxied
    spoofed = {"X-Forwarded-For": "198.51.100.7", "Forwarded": "for=198.51.100.8"}
    response, _ = Client(proxy, "127.0.0.3").sign_in("nobody", "wrong", spoofed)
    assert response.status == 422

    direct = http.client.HTTPConnection(
        "127.0.0.1", server.port, source_address=("127.0.0.6", 0), timeout=10
    )
    try:
        direct.request("GET", "/staff/login", headers=spoofed)
        login = direct.getresponse()
        page = login.read().decode()
        cookie = SimpleCookie()
        for header in login.headers.get_all("Set-Cookie"):
            cookie.load(header)
        form = {"username": "nobody", "password": "wrong", "csrf_token": csrf_token(page)}
        direct.request(
            "POST",
            "/staff/login",
            body=urllib.parse.urlencode(form),
            headers={
                **spoofed,
                "X-Forwarded-Proto": "https",
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{k}={m.value}" for k, m in cookie.items()),
            },
        )
        posted = direct.getresponse()
        answer = posted.read().decode()
    finally:
        direct.close()
    # Plain HTTP straight to serve: the session cookie is Secure, so a
    # browser would not send it back; this client does, to reach the check.
    assert posted.status == 422
    assert "Incorrect username or password" in answer
    assert audit(server)[-2:] == [
        ("nobody", "login_failed", "127.0.0.3"),
        ("nobody", "login_failed", "127.0.0.6"),
    ]
