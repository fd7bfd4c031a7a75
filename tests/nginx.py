"""Debian's nginx in front of the kiosk, configured by deploy/nginx-kiosk.conf
(its ports, certificate paths and upstream replaced), in its own process with
everything it writes under one folder: the system's nginx is never used.

tests/test_reverse_proxy.py runs it in front of one `serve`; bench/chain_bench.py
in front of a chain's app servers (round-robin). Nothing here needs pytest.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

from .ports import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = Path(__file__).parents[1] / "deploy" / "nginx-kiosk.conf"
# Each request's line in access.log: which app server answered it first.
LOG_FORMAT = '$status $request_time "$request" upstream=$upstream_addr'


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the test's own CA too)."""
    cert, key = folder / "kiosk.crt", folder / "kiosk.key"
    subprocess.run(
        [
            *(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
            ),
            *("-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out"),
            *(str(cert), "-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


def site_config(
    *, http_port: int, https_port: int, upstream: int | list[int], cert: Path, key: Path
) -> str:
    """deploy/nginx-kiosk.conf as it is, but for its ports and certificate paths;
    several upstream ports are one ``upstream`` group, taken in turn (round-robin)."""
    text = SITE.read_text()
    ports = [upstream] if isinstance(upstream, int) else list(upstream)
    if len(ports) == 1:
        proxy_pass = f"proxy_pass http://127.0.0.1:{ports[0]};"
    else:
        proxy_pass = "proxy_pass http://kiosk_servers;"
        servers = "".join(f"    server 127.0.0.1:{port};\n" for port in ports)
        text = f"upstream kiosk_servers {{\n{servers}}}\n\n{text}"
    replacements = [
        ("    listen [::]:80;\n", ""),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("/etc/kiosk/tls/kiosk.crt", str(cert)),
        ("/etc/kiosk/tls/kiosk.key", str(key)),
        ("proxy_pass http://127.0.0.1:8000;", proxy_pass),
    ]
    for old, new in replacements:
        if text.count(old) != 1:
            raise AssertionError(f"deploy/nginx-kiosk.conf no longer has {old!r}")
        text = text.replace(old, new)
    return text


class Nginx:
    """nginx in the foreground (``daemon off``), everything it writes in ``folder``."""

    def __init__(self, folder: Path, upstream: int | list[int], connections: int = 64):
        self.folder = folder
        folder.mkdir()
        self.http_port, self.https_port = free_port(), free_port()
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.cert, key = make_certificate(folder)
        (folder / "site.conf").write_text(
            site_config(
                http_port=self.http_port,
                https_port=self.https_port,
                upstream=upstream,
                cert=self.cert,
                key=key,
            )
        )
        temp = "\n".join(
            f"  {name}_temp_path {folder / name};"
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (folder / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'} info;\n"
            f"events {{ worker_connections {connections}; }}\n"
            f"http {{\n  log_format upstreams '{LOG_FORMAT}';\n"
            f"  access_log {folder / 'access.log'} upstreams;\n{temp}\n"
            f"  include {folder / 'site.conf'};\n}}\n"
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [NGINX, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf")]
        check = subprocess.run(
            [*command, "-e", str(self.folder / "error.log"), "-t"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if check.returncode != 0:
            raise AssertionError(check.stderr)
        with (self.folder / "nginx.out").open("ab") as out:
            self.process = subprocess.Popen(
                [*command, "-e", str(self.folder / "error.log")],
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError((self.folder / "error.log").read_text())
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.https_port), timeout=0.2),
            ):
                return
            time.sleep(0.1)
        raise AssertionError(f"nginx did not start: {(self.folder / 'error.log').read_text()}")

    def stop(self) -> None:
        """SIGTERM to the master by its own pid; then nothing of its group is left."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # a worker left behind
        self.process = None

    def requests_per_upstream(self) -> Counter:
        """How many requests each app server answered ("127.0.0.1:PORT"), from
        access.log; a request nginx answered itself counts under "-"."""
        counts: Counter = Counter()
        log = self.folder / "access.log"
        if log.exists():
            for line in log.read_text().splitlines():
                # A request retried on the next server logs "A, B": the last answered.
                upstream = line.rsplit(" upstream=", 1)[-1]
                counts[upstream.split(",")[-1].strip()] += 1
        return counts
