"""The production server itself refuses a huge body before the app sees it."""

from __future__ import annotations

import socket


def test_waitress_refuses_a_huge_body_without_waiting_for_it(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /start HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 209715200\r\n\r\nabc"
        )
        status_line = sock.recv(200).split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large"
