"""A chain on one machine: two app servers, each with its own instance folder,
and one render worker, sharing one PostgreSQL database and one PDF folder.

A patient sends their answers on one server; a staff member signs in on the
other, sees the consultation, waits for the worker's PDFs and opens them.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from .conftest import free_port
from .patient_client import PatientClient
from .staff_helpers import StaffClient, create_account
from .test_worker import PROCESS_TIMEOUT, flask, stop_group, wait_for


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the caller reads the Location, as the Flask test client does


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status_code = status
        self.headers = headers
        self.data = body

    def get_data(self, as_text: bool = False):
        return self.data.decode() if as_text else self.data


class HttpClient:
    """The little of the Flask test client's interface the test helpers use,
    over real HTTP to a server on 127.0.0.1, with its own cookies."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects()
        )

    def _open(self, request: urllib.request.Request) -> Response:
        try:
            with self.opener.open(request, timeout=PROCESS_TIMEOUT) as answer:
                return Response(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as answer:  # 3xx and 4xx arrive here
            return Response(answer.code, answer.headers, answer.read())

    def get(self, url: str, headers: dict | None = None) -> Response:
        return self._open(urllib.request.Request(self.base + url, headers=headers or {}))

    def post(self, url: str, data: dict | None = None, headers: dict | None = None) -> Response:
        body = urllib.parse.urlencode(data or {}, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + url, data=body, headers=headers or {}))


@pytest.mark.database("postgresql")
def test_a_consultation_sent_on_one_server_is_printed_from_another(app, tmp_path):
    shared_pdfs = tmp_path / "shared-pdfs"

    def own_folders(instance: str) -> dict[str, str]:
        # Each process its own instance folder; the database (the app
        # fixture's) and the PDF folder shared by all.
        return {"KIOSK_INSTANCE_PATH": str(tmp_path / instance), "KIOSK_PDF_DIR": str(shared_pdfs)}

    password = create_account(app, "sam", "staff", "Sam Carter")
    servers, processes = {}, []
    try:
        for name in ("front", "back"):
            port = free_port()
            log = tmp_path / f"{name}.log"
            command = ["serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)]
            process = flask(app, *command, log=log, **own_folders(f"{name}-instance"))
            processes.append(process)
            servers[name] = (f"http://127.0.0.1:{port}", process, log)
        worker_log = tmp_path / "worker.log"
        worker = flask(
            app, "worker", "--processes", "1", log=worker_log, **own_folders("worker-instance")
        )
        processes.append(worker)
        for base, process, log in servers.values():

            def up(base=base):
                try:
                    return HttpClient(base).get("/").status_code == 200 or None
                except OSError:
                    return None

            wait_for(up, f"{base} answering", process, log)

        # The patient, on the front server.
        patient = PatientClient(HttpClient(servers["front"][0]))
        patient.walk()
        assert patient.submit().headers["Location"] == "/done"
        patient.get("/done")
        assert "Thank you, Maya" in patient.last_html

        # The staff member, on the other server: a session of its own.
        back, back_process, back_log = servers["back"]
        staff = StaffClient(HttpClient(back))
        assert staff.login("sam", password).status_code == 302
        staff.post("/staff/", {"q": "Maya"})
        [consultation_id] = set(re.findall(r'href="/staff/c/([0-9a-f]{32})"', staff.html))

        def both_ready():
            staff.get(f"/staff/c/{consultation_id}/pdfs")
            links = ("Open patient copy to print", "Download staff copy")
            return all(link in staff.html for link in links) or None

        wait_for(both_ready, "both PDFs ready, seen from the other server", worker, worker_log)
        for copy in ("patient", "staff"):
            response = staff.client.get(f"/staff/c/{consultation_id}/{copy}.pdf")
            assert response.status_code == 200
            assert response.data.startswith(b"%PDF")
        # Nothing was written into either server's own folders.
        for name in ("front", "back"):
            assert not (tmp_path / f"{name}-instance" / "pdfs").exists()
        assert len(list(shared_pdfs.glob("*.pdf"))) == 2
        assert back_process.poll() is None, back_log.read_text()
    finally:
        for process in processes:
            stop_group(process)
