"""Request size limits: oversized bodies are refused before they are read."""

from __future__ import annotations

import io

import pytest

from .patient_client import PLAIN, PatientClient, csrf_token
from .staff_helpers import StaffClient, add_consultation, create_account

HUGE = 200 * 1024 * 1024


class CountingBody(io.RawIOBase):
    """A request body of ``size`` bytes that counts what the app reads of it."""

    def __init__(self, size: int):
        self.size, self.read_bytes = size, 0

        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # the test client measures the body by seeking
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = offset if whence == io.SEEK_SET else self.size + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = b"a" * count
        self.position += count
        self.read_bytes += count
        return count


@pytest.mark.parametrize("url", ["/start", "/staff/login", "/step/about", "/text-size"])
def test_an_oversized_form_post_is_refused_unread(client, url):
    PatientClient(client).start()  # so that the step reads its form
    body = CountingBody(HUGE)
    response = client.post(
        url,
        input_stream=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert body.read_bytes == 0
    html = response.get_data(as_text=True)
    assert "Too much to send" in html
    assert "Go back and shorten it" in html


def test_a_body_of_unknown_length_is_read_only_up_to_the_limit(app, client):
    # waitress measures every body before the app sees it; a server that
    # streams one without a length gets it cut at the limit, never read whole.
    body = CountingBody(HUGE)
    response = client.post(
        "/start",
        input_stream=body,
        content_type="application/x-www-form-urlencoded",
        # As a chunked body arrives: no Content-Length, the server marks the end.
        environ_overrides={"CONTENT_LENGTH": "", "wsgi.input_terminated": True},
    )
    assert response.status_code < 500
    assert body.read_bytes <= app.config["MAX_CONTENT_LENGTH"]


def test_a_multipart_post_with_too_many_parts_is_refused(client):
    data = {f"field{n}": "x" for n in range(150)}
    response = client.post("/start", data=data, content_type="multipart/form-data")
    assert response.status_code == 413


def test_the_largest_honest_requests_fit_under_the_limit(app, client):
    # A patient's longest answer and a staff member's longest note, every
    # character a four-byte emoji: the worst case for urlencoded size.
    patient = PatientClient(client)
    patient.walk(until="event")
    notes = "😀" * 1000
    response = patient.answer("event", {**PLAIN["event"], "notes": notes})
    assert response.status_code == 303

    consultation = add_consultation(app)
    member = StaffClient(app.test_client())
    member.login("sam", create_account(app, "sam"))
    member.get(f"/staff/c/{consultation.id}")
    response = member.client.post(
        f"/staff/c/{consultation.id}/notes",
        data={"text": "😀" * 4000, "csrf_token": csrf_token(member.html)},
    )
    assert response.status_code == 303
