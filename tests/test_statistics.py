"""The admins' statistics page and the CSV exports (a period's consultations,
the audit log), on both databases."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from kiosk.data.database import db
from kiosk.data.models import AuditEvent, Consultation, StaffUser
from kiosk.records import statistics
from kiosk.records.consultations import day_bounds
from kiosk.records.exports import CONSULTATION_COLUMNS
from kiosk.records.period import Period

from .staff_helpers import add_consultation
from .test_locations import add_locations

FIRST, LAST = dt.date(2026, 11, 2), dt.date(2026, 11, 8)
PERIOD = "from=2026-11-02&to=2026-11-08"
MINUTE = dt.timedelta(minutes=1)


def local_noon(day: dt.date) -> dt.datetime:
    """Noon of the server's local ``day``, as stored (naive UTC)."""
    return day_bounds(day)[0] + dt.timedelta(hours=12)


def place(app, stored, *, sent, reviewed_after=None, flags=None, language=None, reviewer=None):
    """Give a stored consultation its times (``sent``: stored time), flags
    (do_not_treat, no_rf, review, note; None: not kept) and language."""
    with app.app_context():
        consultation = db.session.get(Consultation, stored.id)
        consultation.submitted_at = sent
        if reviewed_after is not None:
            consultation.reviewed_at = sent + reviewed_after
            consultation.status = "reviewed"
            consultation.reviewed_by = db.session.scalar(
                db.select(StaffUser).where(StaffUser.username == (reviewer or "ada"))
            )
        if flags == "unknown":
            for severity in ("do_not_treat", "no_rf", "review", "note"):
                setattr(consultation, f"flags_{severity}", None)
        elif flags is not None:
            for severity, count in zip(
                ("do_not_treat", "no_rf", "review", "note"), flags, strict=True
            ):
                setattr(consultation, f"flags_{severity}", count)
        if language:
            consultation.language = language
        db.session.commit()


@pytest.fixture
def week(app, accounts):
    """Six consultations in the week of 2 to 8 November 2026, with known waits
    for their review (10, 20, 30, 40 and 100 minutes; one not reviewed), flags,
    languages, treatments and answers about contact; one the day before the
    week and one the day after, which the week leaves out."""
    made = [
        add_consultation(app, device_interest="pen", contact_consent=True),
        add_consultation(app, device_interest="pen", contact_consent=False),
        add_consultation(app, device_interest="rf", contact_consent=True),
        add_consultation(app, device_interest="not_sure", contact_consent=True),
        add_consultation(app, "pregnant"),
        add_consultation(app, device_interest="pen", contact_consent=False),
    ]
    with app.app_context():
        # Neither the treatment question nor the one about contact asked of the last.
        consultation = db.session.get(Consultation, made[-1].id)
        consultation.answers = {
            k: v
            for k, v in consultation.answers.items()
            if k not in ("device_interest", "contact_consent")
        }
        db.session.commit()
    place(app, made[0], sent=local_noon(FIRST), reviewed_after=10 * MINUTE, flags=(0, 0, 0, 0))
    place(
        app,
        made[1],
        sent=local_noon(FIRST) + MINUTE,
        reviewed_after=20 * MINUTE,
        flags=(0, 0, 1, 2),
    )
    place(
        app,
        made[2],
        sent=local_noon(FIRST + dt.timedelta(days=2)),
        reviewed_after=30 * MINUTE,
        flags=(0, 1, 1, 0),
        language="es",
    )
    place(
        app,
        made[3],
        sent=day_bounds(LAST)[1] - MINUTE,  # 23:59 local on the last day
        reviewed_after=40 * MINUTE,
        flags=(0, 0, 0, 1),
        language="es",
    )
    # Flags not kept: the plan says (pregnant: do not treat today).
    place(app, made[4], sent=day_bounds(LAST)[0], reviewed_after=100 * MINUTE, flags="unknown")
    place(app, made[5], sent=local_noon(FIRST + dt.timedelta(days=3)), flags=(0, 0, 0, 0))
    outside = [add_consultation(app), add_consultation(app)]
    place(app, outside[0], sent=day_bounds(FIRST)[0] - MINUTE, reviewed_after=MINUTE)
    place(app, outside[1], sent=day_bounds(LAST)[1], reviewed_after=MINUTE)
    return made


def parts(found) -> dict[str, int]:
    return {part.key: part.count for part in found}


def test_the_figures_of_a_week(app, week):
    with app.app_context():
        found = statistics.figures_for(Period(FIRST, LAST))
    assert found.total == 6
    assert found.unit == "day"
    assert [b.count for b in found.buckets] == [2, 0, 1, 1, 0, 0, 2]
    assert parts(found.flags) == {
        "do_not_treat": 1,
        "no_rf": 1,
        "review": 2,
        "note": 2,
        "none": 2,
    }
    assert found.waits.reviewed == 5
    assert found.waits.not_reviewed == 1
    assert found.waits.median == 30 * 60
    assert found.waits.p90 == 76 * 60  # 40 + 0.6 × (100 − 40) minutes
    assert parts(found.languages) == {"en": 4, "es": 2}
    assert [p.key for p in found.languages] == ["en", "es"]
    assert parts(found.treatments) == {"pen": 3, "not_sure": 1, "rf": 1, "": 1}
    assert found.treatments[-1].key == ""  # not asked comes last
    assert parts(found.contact) == {"yes": 4, "no": 1, "": 1}
    assert [round(p.percent) for p in found.flags] == [17, 17, 33, 33, 33]


def test_the_statistics_page_shows_a_weeks_figures(admin, week):
    admin.get(f"/staff/statistics?{PERIOD}")
    html = admin.html
    assert "2 November 2026 to 8 November 2026: 6 consultations" in html
    assert '<svg class="chart"' in html
    assert 'role="img"' in html
    assert '<title id="chart-title">Consultations per day</title>' in html
    assert html.count('class="chart__bar"') == 7
    # The chart's figures in a table, for screen readers and a closer look.
    table = html.split('id="per-unit-table"')[1].split("</table>")[0]
    assert re.findall(r'<td class="numeric">(\d+)</td>', table) == [
        "2",
        "0",
        "1",
        "1",
        "0",
        "0",
        "2",
    ]
    waits = html.split('id="waits"')[1].split("</dl>")[0]
    assert "<dd>30 min</dd>" in waits
    assert "<dd>1 h 16 min</dd>" in waits
    assert re.search(r"Not reviewed yet</dt><dd>1</dd>", waits)
    flags = html.split('id="flags"')[1].split("</table>")[0]
    assert re.search(
        r"Do not treat today</th>\s*<td class=\"numeric\">1</td>\s*<td class=\"numeric\">17%", flags
    )
    assert re.search(
        r"No flags</th>\s*<td class=\"numeric\">2</td>\s*<td class=\"numeric\">33%", flags
    )
    treatments = html.split('id="treatments"')[1].split("</table>")[0]
    assert "Microneedling with a pen" in treatments
    assert "Not asked" in treatments
    assert "Español (es)" in html.split('id="languages"')[1].split("</table>")[0]
    contact = html.split('id="contact"')[1].split("</table>")[0]
    assert re.search(
        r"Yes</th>\s*<td class=\"numeric\">4</td>\s*<td class=\"numeric\">67%", contact
    )


def test_an_empty_period_says_so_without_a_chart(admin):
    admin.get("/staff/statistics")
    assert admin.html.count("No consultations in this period.") == 1
    assert "0 consultations" in admin.html
    assert "<svg" not in admin.html.split("<main")[1]
    # The default period: the last 30 days, today included.
    today = dt.date.today()
    assert f'value="{today.isoformat()}"' in admin.html  # the export's end


def test_one_consultation_today(app, admin):
    add_consultation(app)
    admin.get("/staff/statistics")
    assert ": 1 consultation</p>" in admin.html
    assert admin.html.count('class="chart__bar"') == 30
    assert "No consultations in this period." not in admin.html


def test_a_period_of_one_day(admin, week):
    admin.get("/staff/statistics?from=02/11/2026&to=02/11/2026")
    html = admin.html
    assert "2 November 2026 to 2 November 2026: 2 consultations" in html
    assert html.count('class="chart__bar"') == 1
    waits = html.split('id="waits"')[1].split("</dl>")[0]
    assert "<dd>15 min</dd>" in waits  # the median of 10 and 20 minutes
    assert "<dd>19 min</dd>" in waits  # 10 + 0.9 × 10
    assert re.search(r"Not reviewed yet</dt><dd>0</dd>", waits)


def test_a_year_is_charted_by_month(app, admin):
    sent = add_consultation(app)
    place(app, sent, sent=local_noon(dt.date(2026, 3, 15)))
    admin.get("/staff/statistics?from=2025-12-08&to=2026-12-07")
    assert '<title id="chart-title">Consultations per month</title>' in admin.html
    assert admin.html.count('class="chart__bar"') == 13
    assert '1 Mar 2026 – 31 Mar 2026</th><td class="numeric">1</td>' in admin.html


def test_malformed_dates_are_kept_with_their_error(admin):
    admin.get("/staff/statistics?from=31/02/2026&to=2026-11-30")
    html = admin.html
    assert html.startswith("<!DOCTYPE html>") or "<html" in html
    assert "<title>Error: Statistics" in html
    assert "Enter a date like 21/11/2026" in html
    assert 'value="31/02/2026"' in html, "what was typed is kept"
    assert 'aria-invalid="true"' in html
    # The day refused counts as not given: the 30 days to the end given.
    assert "1 November 2026 to 30 November 2026" in html
    admin.get("/staff/statistics?from=2026-11-30&to=2026-11-01")
    assert "Choose a day on or after the first day" in admin.html


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("from=0001-01-01&to=9999-12-31", "Choose a day from the year 2000 to 2099"),
        ("to=31/12/9999", "Choose a day from the year 2000 to 2099"),
        ("from=1999-12-31", "Choose a day from the year 2000 to 2099"),
        ("from=2001-01-01&to=2026-11-30", "Choose a period of 10 years or less"),
        ("from=2001-01-01", "Choose a period of 10 years or less"),
    ],
)
def test_a_period_out_of_reach_is_refused(app, admin, query, error):
    admin.get(f"/staff/statistics?{query}")
    assert error in admin.html
    assert "<title>Error: Statistics" in admin.html
    response = admin.get(f"/staff/export.csv?{query}")
    assert response.status_code == 303
    assert export_entries(app, "export_csv") == []


@pytest.mark.parametrize(
    "url", ["/staff/audit?date_from=01/01/0001", "/staff/audit.csv?date_to=31/12/9999"]
)
def test_the_audit_log_refuses_a_day_out_of_reach_too(admin, url):
    response = admin.get(url)
    assert response.status_code == 200
    if url.startswith("/staff/audit?"):
        assert "Choose a day from the year 2000 to 2099" in admin.html


def test_the_queue_refuses_a_day_out_of_reach_too(admin):
    response = admin.client.post("/staff/queue/rows", data={"date_from": "01/01/0001"})
    assert response.status_code in (200, 422)
    response = admin.post("/staff/", {"date_to": "9999-12-31"})
    assert "Choose a day from the year 2000 to 2099" in admin.html


def test_ten_years_are_charted_by_month(app, admin):
    place(app, add_consultation(app), sent=local_noon(dt.date(2020, 2, 29)))
    admin.get("/staff/statistics?from=2016-12-01&to=2026-11-30")
    assert ": 1 consultation</p>" in admin.html
    assert "Consultations per month" in admin.html
    assert admin.html.count('class="chart__bar"') == 120


def test_only_admins_see_the_statistics_and_exports(app, staff, admin):
    for url in ("/staff/statistics", f"/staff/export.csv?{PERIOD}", "/staff/audit.csv"):
        assert staff.get(url).status_code == 403, url
        assert "Sofia" not in staff.html
    staff.get("/staff/")
    assert "Statistics" not in staff.html
    admin.get("/staff/")
    assert '<a href="/staff/statistics">Statistics</a>' in admin.html
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "export_csv" not in actions
    assert "export_audit" not in actions


# The CSV of a period's consultations ---------------------------------------------------


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def export_entries(app, action: str) -> list[tuple[str, str]]:
    with app.app_context():
        events = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [(event.username, event.detail) for event in events]


def test_the_csv_has_a_row_per_consultation_of_the_period(app, admin, week):
    response = admin.get(f"/staff/export.csv?{PERIOD}")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="consultations-2026-11-02-to-2026-11-08.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response)
    assert list(rows[0]) == list(CONSULTATION_COLUMNS)
    assert [row["reference"] for row in rows] == [
        stored.reference for stored in (week[0], week[1], week[2], week[5], week[4], week[3])
    ]
    first = rows[0]
    sent = dt.datetime.fromisoformat(first["sent_local"])
    assert sent.utcoffset() is not None, "local time with its offset"
    assert sent.astimezone(dt.UTC).replace(tzinfo=None) == local_noon(FIRST)
    assert dt.datetime.fromisoformat(first["reviewed_local"]) - sent == 10 * MINUTE
    assert first["review_started_local"] == ""
    assert (first["status"], first["reviewer"]) == ("reviewed", "Ada Okafor")
    assert [rows[1][f"flags_{s}"] for s in ("do_not_treat", "no_rf", "review", "note")] == [
        "0",
        "0",
        "1",
        "2",
    ]
    pregnant = rows[4]
    assert pregnant["flags_do_not_treat"] == "1"  # not kept: the plan says
    assert "pregnan" in pregnant["flag_ids"]
    assert "regnan" in pregnant["flag_words"]
    assert rows[2]["language"] == "es"
    assert [row["contact_consent"] for row in rows[:4]] == ["yes", "no", "yes", ""]
    assert rows[3]["status"] == "new"
    assert rows[3]["reviewed_local"] == ""
    # No free text unless asked for.
    text = response.get_data(as_text=True)
    assert "Sofia" not in text
    assert "first_name" not in text
    assert "notes" not in text
    assert export_entries(app, "export_csv") == [
        ("ada", "2026-11-02 to 2026-11-08; 6 rows; free text left out")
    ]


def test_the_review_started_is_the_first_start_in_the_audit_log(app, admin):
    sent = add_consultation(app)
    admin.post(f"/staff/c/{sent.id}/review")
    with app.app_context():
        started = db.session.scalar(
            db.select(AuditEvent.at).where(AuditEvent.action == "start_review")
        )
    row = read_csv(admin.get("/staff/export.csv"))[0]
    assert row["status"] == "in_review"
    started_local = dt.datetime.fromisoformat(row["review_started_local"])
    assert started_local.astimezone(dt.UTC).replace(tzinfo=None) == started.replace(microsecond=0)


def test_free_text_only_when_ticked_and_formulas_stay_text(app, admin):
    sent = add_consultation(
        app,
        first_name='=HYPERLINK("http://evil.example","Click")',
        notes="+44 call me\n-- after six",
    )
    admin.post(f"/staff/c/{sent.id}/notes", {"text": "@reception: ring back"})
    plain = admin.get("/staff/export.csv").get_data(as_text=True)
    assert "HYPERLINK" not in plain
    assert "call me" not in plain
    assert "reception" not in plain
    rows = read_csv(admin.get("/staff/export.csv?free_text=y"))
    row = rows[0]
    assert row["first_name"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row["notes"] == "'+44 call me\n-- after six"
    assert row["staff_notes"].startswith("Ada Okafor, ")
    assert row["staff_notes"].endswith(": @reception: ring back")
    assert list(row)[: len(CONSULTATION_COLUMNS)] == list(CONSULTATION_COLUMNS)
    assert {"first_name", "notes", "allergy_details", "staff_notes"} <= set(row)
    assert "phone" not in row
    assert "email" not in row
    details = [detail for _, detail in export_entries(app, "export_csv")]
    assert details[0].endswith("1 rows; free text left out")
    assert details[1].endswith("1 rows; free text included")
    assert all("HYPERLINK" not in detail and "call me" not in detail for detail in details)


def test_an_export_of_malformed_dates_goes_back_to_the_page_with_the_error(app, admin):
    response = admin.get("/staff/export.csv?from=32/11/2026&to=2026-11-30")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/staff/statistics?")
    admin.get(response.headers["Location"])
    assert "The CSV was not made: correct the period first." in admin.html
    assert "Enter a date like 21/11/2026" in admin.html
    assert 'value="32/11/2026"' in admin.html
    assert export_entries(app, "export_csv") == []


def test_an_export_is_read_and_sent_a_page_at_a_time(app, admin, monkeypatch):
    from kiosk.records import exports

    monkeypatch.setattr(exports, "CHUNK", 2)  # pages of 2 rows, not 500
    made = [add_consultation(app) for _ in range(5)]
    # Three sent at the same second: the next page starts after the last row's time and id.
    for n, stored in enumerate(made):
        place(app, stored, sent=local_noon(FIRST) + MINUTE * min(n, 2))
    response = admin.client.get(f"/staff/export.csv?{PERIOD}", buffered=False)
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) == 4  # the header, then pages of 2, 2 and 1 rows
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))
    assert sorted(row["reference"] for row in rows) == sorted(s.reference for s in made)
    assert [row["sent_local"] for row in rows] == sorted(row["sent_local"] for row in rows)
    with app.app_context():
        at = day_bounds(FIRST)[0]
        db.session.add_all(AuditEvent(at=at, username="sam", action="view") for _ in range(5))
        db.session.commit()
    audit_rows = read_csv(admin.get("/staff/audit.csv?action=view"))
    assert len(audit_rows) == 5


# The audit log's CSV -------------------------------------------------------------------


def test_the_audit_csv_gives_every_matching_entry_and_is_audited(app, admin):
    with app.app_context():
        start = day_bounds(dt.date(2026, 10, 1))[0]
        for n in range(520):
            db.session.add(
                AuditEvent(
                    at=start + dt.timedelta(minutes=n),
                    username="sam",
                    action="view",
                    consultation_ref="ABC-DEF",
                    detail="=1+1" if n == 0 else None,
                )
            )
        db.session.add(AuditEvent(at=start, username="sam", action="login"))
        db.session.commit()
    admin.get("/staff/audit?action=view")
    assert "Showing the newest 500" in admin.html
    assert 'href="/staff/audit.csv?action=view"' in admin.html
    response = admin.get("/staff/audit.csv?action=view&date_from=01/10/2026")
    assert response.headers["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    rows = read_csv(response)
    assert len(rows) == 520
    assert list(rows[0]) == [
        "at_local",
        "username",
        "action",
        "action_words",
        "consultation_ref",
        "detail",
        "ip",
    ]
    assert {row["action"] for row in rows} == {"view"}
    assert rows[0]["action_words"] == "Viewed consultation"
    assert rows[-1]["detail"] == "'=1+1"  # the oldest, last
    assert export_entries(app, "export_audit") == [
        ("ada", "action=view, date_from=2026-10-01; 520 rows")
    ]
    # The export's own entry is in the next one.
    everything = read_csv(admin.get("/staff/audit.csv"))
    assert everything[0]["action"] == "export_audit"
    assert export_entries(app, "export_audit")[1][1].endswith(f"; {len(everything)} rows")


def test_the_statistics_page_links_its_periods_downloads(admin):
    admin.get(f"/staff/statistics?{PERIOD}")
    form = admin.html.split('<form class="export"')[1].split("</form>")[0]
    assert 'action="/staff/export.csv"' in form
    assert 'name="from" value="2026-11-02"' in form
    assert 'name="to" value="2026-11-08"' in form
    assert 'name="free_text"' in form
    assert "Include free text" in form
    assert "/staff/audit.csv?date_from=02/11/2026&amp;date_to=08/11/2026" in admin.html


def test_the_statistics_speak_the_clinics_language(tmp_path, migrated_instance):
    from kiosk import create_app

    from .staff_helpers import StaffClient, create_account

    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(migrated_instance(tmp_path / "es")),
            "CLINIC_LANGUAGE": "es",
            "PDF_DIR": str(tmp_path / "pdfs"),
        }
    )
    password = create_account(app, "lola", "admin", "Lola Ruiz")
    place(
        app, add_consultation(app, "pregnant"), sent=local_noon(FIRST), reviewed_after=MINUTE * 75
    )
    member = StaffClient(app.test_client())
    member.login("lola", password)
    member.get(f"/staff/statistics?{PERIOD}")
    html = member.html
    assert "<title>Estadísticas" in html
    assert "Del 2 de noviembre de 2026 al 8 de noviembre de 2026: 1 consulta" in html
    assert "Consultas por día" in html
    assert "<dd>1 h 15 min</dd>" in html
    assert "No tratar hoy" in html
    assert "Sí</th>" in html
    assert "Descargar CSV" in html
    response = member.get(f"/staff/export.csv?{PERIOD}")
    row = read_csv(response)[0]
    assert row["flags_do_not_treat"] == "1"
    assert "embaraz" in row["flag_words"].lower()  # the clinic's language
    member.get("/staff/audit.csv")
    assert "Exportó las consultas de un periodo en CSV" in member.html


# A chain of clinics: the same figures and CSV, at one location or at all --------------------


@pytest.fixture
def chain_week(app, accounts):
    """A chain of three and, in the week, one consultation sent at the first
    location, two at Harley Street (one in Spanish) and three in Madrid (two in
    Spanish, one reviewed); one more in Madrid after the week. Returns the
    location ids by slug and the references sent at each, oldest first."""
    ids = {"main": 1, **add_locations(app)}
    plan = [
        ("main", "fine-lines-no-flags", "en"),
        ("harley-street", "pregnant", "en"),
        ("harley-street", "fine-lines-no-flags", "es"),
        ("madrid", "fine-lines-no-flags", "es"),
        ("madrid", "pregnant", "es"),
        ("madrid", "fine-lines-no-flags", "en"),
    ]
    sent: dict[str, list[str]] = {slug: [] for slug in ids}
    for n, (slug, example, language) in enumerate(plan):
        stored = add_consultation(app, example, location_id=ids[slug])
        place(
            app,
            stored,
            sent=local_noon(FIRST) + n * MINUTE,
            reviewed_after=10 * MINUTE if n == 5 else None,
            language=language,
        )
        sent[slug].append(stored.reference)
    later = add_consultation(app, location_id=ids["madrid"])
    place(app, later, sent=day_bounds(LAST)[1] + MINUTE)
    return ids, sent


EACH = {"main": 1, "harley-street": 2, "madrid": 3}


def test_each_locations_figures_are_its_own(app, chain_week):
    ids, _sent = chain_week
    with app.app_context():
        everywhere = statistics.figures_for(Period(FIRST, LAST))
        at = {slug: statistics.figures_for(Period(FIRST, LAST, ids[slug])) for slug in ids}
    assert everywhere.total == 6
    assert {slug: found.total for slug, found in at.items()} == EACH
    assert parts(at["main"].languages) == {"en": 1}
    assert parts(at["harley-street"].languages) == {"en": 1, "es": 1}
    assert parts(at["madrid"].languages) == {"es": 2, "en": 1}
    assert parts(everywhere.languages) == {"en": 3, "es": 3}
    assert [parts(at[slug].flags)["do_not_treat"] for slug in ids] == [0, 1, 1]
    assert at["madrid"].waits.reviewed == 1
    assert at["harley-street"].waits.reviewed == 0
    assert sum(bucket.count for bucket in at["madrid"].buckets) == 3


@pytest.mark.parametrize("slug", ["main", "harley-street", "madrid"])
def test_the_statistics_page_at_one_location(admin, chain_week, slug):
    ids, _sent = chain_week
    response = admin.get(f"/staff/statistics?{PERIOD}&location={ids[slug]}")
    assert response.status_code == 200
    html = admin.html
    count = EACH[slug]
    assert f"2 November 2026 to 8 November 2026: {count} consultation" in html
    name = {"main": "Test Clinic", "harley-street": "Glow Harley Street", "madrid": "Glow Madrid"}
    assert f"Consultations sent at {name[slug]}." in html
    select = html.split('<select class="input" id="location" name="location">')[1]
    select = select.split("</select>")[0]
    assert re.findall(r"<option[^>]*>([^<]+)</option>", select) == [
        "All locations",
        "Test Clinic",
        "Glow Harley Street",
        "Glow Madrid",
    ]
    assert f'<option selected value="{ids[slug]}">' in select
    # Its downloads are of the same location.
    form = html.split('<form class="export"')[1].split("</form>")[0]
    assert f'name="location" value="{ids[slug]}"' in form
    assert f"date_to=08/11/2026&amp;location={ids[slug]}" in html


def test_the_statistics_page_of_every_location(admin, chain_week):
    admin.get(f"/staff/statistics?{PERIOD}&location=")
    assert "2 November 2026 to 8 November 2026: 6 consultations" in admin.html
    assert "Consultations sent at every location." in admin.html
    assert '<option selected value="">All locations</option>' in admin.html
    form = admin.html.split('<form class="export"')[1].split("</form>")[0]
    assert 'name="location"' not in form


@pytest.mark.parametrize("slug", ["main", "harley-street", "madrid"])
def test_the_csv_of_one_location(app, admin, chain_week, slug):
    ids, sent = chain_week
    response = admin.get(f"/staff/export.csv?{PERIOD}&location={ids[slug]}")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="consultations-{slug}-2026-11-02-to-2026-11-08.csv"'
    )
    rows = read_csv(response)
    assert [row["reference"] for row in rows] == sent[slug]
    assert {row["location"] for row in rows} == {slug}
    assert export_entries(app, "export_csv") == [
        ("ada", f"2026-11-02 to 2026-11-08; {slug}; {EACH[slug]} rows; free text left out")
    ]
    with app.app_context():
        entry = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "export_csv"))
        assert entry.location_id == ids[slug]


def test_the_csv_of_every_location_says_where_each_was_sent(app, admin, chain_week):
    _ids, sent = chain_week
    rows = read_csv(admin.get(f"/staff/export.csv?{PERIOD}&free_text=y"))
    assert list(rows[0])[:4] == ["reference", "location", "location_name", "sent_local"]
    assert list(rows[0])[3 : len(CONSULTATION_COLUMNS) + 2] == list(CONSULTATION_COLUMNS)[1:]
    where = {row["reference"]: (row["location"], row["location_name"]) for row in rows}
    names = {"main": "Test Clinic", "harley-street": "Glow Harley Street", "madrid": "Glow Madrid"}
    assert where == {
        reference: (slug, names[slug]) for slug, refs in sent.items() for reference in refs
    }
    assert "first_name" in rows[0]  # the free text after, as before


def test_an_unknown_location_is_refused_with_the_period_kept(app, admin, chain_week):
    response = admin.get("/staff/statistics?from=02/11/2026&to=08/11/2026&location=99")
    assert response.status_code == 422
    html = admin.html
    assert "<title>Error: Statistics" in html
    assert "Choose a location from the list" in html
    assert 'value="02/11/2026"' in html
    assert 'value="08/11/2026"' in html
    assert (
        'aria-invalid="true"'
        in html.split('id="location"')[0].rsplit("<select", 1)[1]
        + (html.split('id="location"')[1].split(">")[0])
    )
    # Until then, the period's figures at every location.
    assert "2 November 2026 to 8 November 2026: 6 consultations" in html
    assert "Consultations sent at every location." in html
    for wrong in ("99", "madrid", "1.5"):
        response = admin.get(f"/staff/export.csv?{PERIOD}&location={wrong}")
        assert response.status_code == 303
        page = admin.get(response.headers["Location"])
        assert page.status_code == 422
        assert "The CSV was not made: choose a location from the list first." in admin.html
        assert 'value="2026-11-02"' in admin.html
    assert export_entries(app, "export_csv") == []


def test_one_location_has_no_choice_of_location(app, admin, week):
    admin.get(f"/staff/statistics?{PERIOD}")
    assert 'name="location"' not in admin.html
    assert "All locations" not in admin.html
    assert "Consultations sent at" not in admin.html
    # A location in the address changes nothing where there is one.
    response = admin.get(f"/staff/statistics?{PERIOD}&location=5")
    assert response.status_code == 200
    assert "2 November 2026 to 8 November 2026: 6 consultations" in admin.html
    rows = read_csv(admin.get(f"/staff/export.csv?{PERIOD}&location=5"))
    assert list(rows[0]) == list(CONSULTATION_COLUMNS)
    assert len(rows) == 6


def test_the_location_chosen_in_the_header_is_the_pages_until_another_is_chosen(admin, chain_week):
    from .test_staff_locations import switch

    ids, sent = chain_week
    assert switch(admin, str(ids["madrid"])).status_code == 303
    admin.get("/staff/statistics?from=02/11/2026&to=08/11/2026")
    assert "Consultations sent at Glow Madrid." in admin.html
    assert "8 November 2026: 3 consultations" in admin.html
    csv = admin.get(f"/staff/export.csv?{PERIOD}").get_data(as_text=True)
    assert {line.split(",")[0] for line in csv.splitlines()[1:]} == set(sent["madrid"])
    admin.get("/staff/audit")
    assert f'<option selected value="{ids["madrid"]}">' in admin.html
    # "All locations" chosen on the page itself wins over the header.
    admin.get(f"/staff/statistics?{PERIOD}&location=")
    assert "8 November 2026: 6 consultations" in admin.html
