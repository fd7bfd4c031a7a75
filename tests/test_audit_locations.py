"""The audit log in a chain of clinics: filtered by location on the page and
in its CSV, each entry's location shown where it has one; an installation
with one location sees its log as before."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from kiosk.data.database import db
from kiosk.data.models import AuditEvent
from kiosk.records.consultations import day_bounds

from .test_locations import add_locations

pytestmark = pytest.mark.database("sqlite", "postgresql")

NAMES = {"main": "Test Clinic", "harley-street": "Glow Harley Street", "madrid": "Glow Madrid"}


def add_entries(app, ids: dict[str, int]) -> dict[str, set[str]]:
    """Views of consultations on 2 November 2026: one at the first location,
    two at Harley Street, three in Madrid (those of ``ids``), and two with no
    location (a sign-in). Returns the references viewed at each location."""
    start = day_bounds(dt.date(2026, 11, 2))[0]
    made: dict[str, set[str]] = {slug: set() for slug in ids}
    with app.app_context():
        for n, slug in enumerate(["main", "harley-street", "madrid"] * 2 + ["madrid"]):
            if (slug == "main" and n) or slug not in ids:
                continue
            reference = f"AB{n}-CDE"
            db.session.add(
                AuditEvent(
                    at=start + dt.timedelta(minutes=n),
                    username="sam",
                    action="view",
                    consultation_ref=reference,
                    location_id=ids[slug],
                )
            )
            made[slug].add(reference)
        for n in range(2):
            db.session.add(AuditEvent(at=start, username=f"sam{n}", action="login"))
        db.session.commit()
    return made


@pytest.fixture
def chain(app, accounts):
    ids = {"main": 1, **add_locations(app)}
    return ids, add_entries(app, ids)


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize("slug", ["main", "harley-street", "madrid"])
def test_the_log_of_one_location(app, admin, chain, slug):
    ids, viewed = chain
    response = admin.get(f"/staff/audit?action=view&location={ids[slug]}")
    assert response.status_code == 200
    html = admin.html
    shown = set(re.findall(r"</span> (AB\d-CDE)</td>", html))
    assert shown == viewed[slug]
    assert len(viewed[slug]) == {"main": 1, "harley-street": 2, "madrid": 3}[slug]
    assert f'<option selected value="{ids[slug]}">{NAMES[slug]}</option>' in html
    cells = re.findall(r'<td role="cell" class="audit__location">(.*?)</td>', html)
    assert cells == [
        f'<span class="audit__label" aria-hidden="true">Location:</span> {NAMES[slug]}'
    ] * len(viewed[slug])
    # Its CSV: the same entries, and where each was.
    assert f'href="/staff/audit.csv?action=view&amp;location={ids[slug]}"' in html
    rows = rows_of(admin.get(f"/staff/audit.csv?action=view&location={ids[slug]}"))
    assert {row["consultation_ref"] for row in rows} == viewed[slug]
    assert {row["location"] for row in rows} == {slug}
    with app.app_context():
        [entry] = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "export_audit")
        ).all()
        assert entry.location_id == ids[slug]
        assert entry.detail == f"action=view, location_id={ids[slug]}; {len(rows)} rows"


def test_the_log_of_every_location(admin, chain):
    _ids, viewed = chain
    admin.get("/staff/audit?location=")
    html = admin.html
    assert set(re.findall(r"</span> (AB\d-CDE)</td>", html)) == set().union(*viewed.values())
    assert "sam0" in html  # entries of no location too
    assert "sam1" in html
    assert '<th scope="col" role="columnheader">Location</th>' in html
    # The locations added are entries of their own location.
    assert "Glow Madrid (madrid)" in html
    rows = rows_of(admin.get("/staff/audit.csv"))
    assert list(rows[0])[-1] == "location"
    where = {row["consultation_ref"]: row["location"] for row in rows if row["consultation_ref"]}
    assert where == {ref: slug for slug, refs in viewed.items() for ref in refs}
    assert {row["location"] for row in rows if row["action"] == "login"} == {""}


@pytest.mark.parametrize("wrong", ["99", "madrid", "-1"])
def test_an_unknown_location_is_refused_with_the_other_filters_kept(app, admin, chain, wrong):
    for url in (
        f"/staff/audit?username=sam&action=view&date_from=02/11/2026&location={wrong}",
        f"/staff/audit.csv?username=sam&action=view&date_from=02/11/2026&location={wrong}",
    ):
        response = admin.get(url)
        assert response.status_code == 422, url
        assert response.mimetype == "text/html"
        html = admin.html
        assert "<title>Error: Audit log" in html
        assert "Choose a location from the list" in html
        assert 'value="sam"' in html
        assert '<option selected value="view">' in html
        assert 'value="02/11/2026"' in html
    with app.app_context():
        assert (
            db.session.scalars(
                db.select(AuditEvent).where(AuditEvent.action == "export_audit")
            ).all()
            == []
        )


def test_one_location_sees_its_log_as_before(app, admin):
    add_entries(app, {"main": 1})
    admin.get("/staff/audit")
    html = admin.html
    assert 'name="location"' not in html
    assert "Location" not in html.split("<main")[1]
    assert "AB0-CDE" in html
    response = admin.get("/staff/audit?location=4")
    assert response.status_code == 200
    rows = rows_of(admin.get("/staff/audit.csv?action=view"))
    assert "location" not in rows[0]
    assert [row["consultation_ref"] for row in rows] == ["AB0-CDE"]
