"""Real mail servers for the e-mail tests, on 127.0.0.1 and a free port:
aiosmtpd speaking SMTP (accepting, or refusing as it is told), and a socket
that takes connections and never says a word."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from .conftest import free_port

USERNAME, PASSWORD = "kiosk", "mail-password-7f3"
SENDER = "kiosk@clinic.example"


@dataclass
class Handler:
    """What the server received, and how it answers: ``refuse`` maps an SMTP
    step ("MAIL", "RCPT", "DATA") to the reply it gets instead of 250;
    ``password``: the one it accepts (another gets 535)."""

    refuse: dict[str, str] = field(default_factory=dict)
    password: str = PASSWORD
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    connections: int = 0  # greetings answered (EHLO)
    data_tries: int = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (USERNAME, self.password)
        self.logins.append(auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "")
        return AuthResult(success=ok, handled=False)

    async def handle_MAIL(self, server, session, envelope, address, options):
        if "MAIL" in self.refuse:
            return self.refuse["MAIL"]
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        if "RCPT" in self.refuse:
            return self.refuse["RCPT"].replace("{address}", address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_tries += 1
        if "DATA" in self.refuse:
            return self.refuse["DATA"]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


@contextlib.contextmanager
def smtp_server(handler: Handler | None = None):
    """An SMTP server on 127.0.0.1 (sign-in allowed without TLS, as a test
    server may), stopped at the end. Yields (port, handler)."""
    handler = handler or Handler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=handler.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


@contextlib.contextmanager
def silent_server():
    """A socket on 127.0.0.1 that accepts connections and never sends a
    greeting: a server that never answers. Yields (port, connections taken)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    taken: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                connection, _address = listener.accept()
                taken.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield port, taken
    finally:
        stop.set()
        thread.join()
        for connection in taken:
            connection.close()
        listener.close()


def mail_settings(port: int, **more) -> dict:
    """The app's settings for a test server on ``port``: no TLS, a short
    timeout, one retry, no wait between tries."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": USERNAME,
        "MAIL_PASSWORD": PASSWORD,
        "MAIL_DEFAULT_SENDER": SENDER,
        "MAIL_TIMEOUT": 1,
        "MAIL_RETRIES": 1,
        "MAIL_RETRY_DELAY": 0,
        **more,
    }
