"""Free ports on 127.0.0.1, for the servers tests and benchmarks start.

A module of its own, with nothing but the standard library, so that the
benchmarks (bench/) can use it, and tests/postgres.py with it, without pytest.
"""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on, on 127.0.0.1, for a server a test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
