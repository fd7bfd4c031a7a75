"""The staff area over HTTP: sign-in, protection, queue, review, notes, audit."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from kiosk.data.database import db
from kiosk.data.models import AuditEvent, Consultation, ConsultationPdf, Note, StaffUser
from kiosk.records import consultations

from .patient_client import PatientClient, csrf_token
from .staff_helpers import StaffClient, add_consultation, create_account


def audit_actions(app) -> list[tuple[str | None, str, str | None]]:
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(e.username, e.action, e.consultation_ref) for e in events]


def staff_urls(app, consultation_id: str) -> list[tuple[str, str]]:
    """Every (method, URL) of the staff blueprint, from the app's URL map."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("staff.") or rule.endpoint == "staff.login":
            continue
        # Any id will do: the guard answers before the view looks it up.
        values = {
            arg: 1 if arg in ("user_id", "location_id") else consultation_id
            for arg in rule.arguments
        }
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        urls += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return urls


def test_every_staff_url_refuses_anonymous_access(app, client):
    consultation = add_consultation(app, "pregnant")
    urls = staff_urls(app, consultation.id)
    assert len(urls) >= 14, urls
    for method, url in urls:
        response = client.open(url, method=method)
        assert response.status_code in (302, 400), (method, url, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/staff/login"), (method, url)
        body = response.get_data(as_text=True)
        assert "Sofia" not in body
        assert consultation.reference not in body
        htmx = client.open(url, method=method, headers={"HX-Request": "true"})
        assert htmx.headers.get("HX-Redirect", "/staff/login").startswith("/staff/login")


def test_a_patients_kiosk_session_never_reaches_staff_pages(app, client):
    consultation = add_consultation(app, "pregnant")
    patient = PatientClient(client)
    patient.walk()
    for method, url in staff_urls(app, consultation.id):
        response = client.open(url, method=method)
        assert response.status_code in (302, 400)
        assert "Sofia" not in response.get_data(as_text=True)


def test_pdfs_are_never_served_without_login(app, client, shared_pdfs):
    from kiosk.records import stored_pdfs

    consultation = add_consultation(app, "pregnant")
    with app.app_context():
        results = stored_pdfs.generate(db.session.get(Consultation, consultation.id))
        assert [r.status for r in results] == ["ready", "ready"]
        names = [r.filename for r in results]
    for url in (f"/staff/c/{consultation.id}/patient.pdf", f"/staff/c/{consultation.id}/staff.pdf"):
        response = client.get(url)
        assert response.status_code == 302
        assert not response.get_data().startswith(b"%PDF")
    # The files are not under static/ or anywhere the app serves without a login.
    for name in names:
        assert client.get(f"/static/{name}").status_code == 404
        assert client.get(f"/pdfs/{name}").status_code == 404


def test_sign_in_failures_and_successes_are_audited(app, client, accounts):
    member = StaffClient(client)
    failed = member.login("sam", "wrong password")
    assert failed.status_code == 422
    assert "Incorrect username or password" in member.html
    assert member.html.count('value="sam"') == 1, "the username is kept"
    assert "wrong password" not in member.html, "the password is never sent back"
    member.login("nobody", "whatever")
    assert member.login("sam", accounts["sam"]).headers["Location"] == "/staff/"
    member.post("/staff/logout")
    assert member.get("/staff/").status_code == 302
    assert [(u, a) for u, a, _ in audit_actions(app) if a.startswith("log")] == [
        ("sam", "login_failed"),
        ("nobody", "login_failed"),
        ("sam", "login"),
        ("sam", "logout"),
    ]


def test_sign_in_redirects_only_to_staff_pages(client, accounts):
    member = StaffClient(client)
    member.get("/staff/login?next=//evil.example/")
    response = client.post(
        "/staff/login?next=//evil.example/",
        data={
            "username": "sam",
            "password": accounts["sam"],
            "csrf_token": csrf_token(member.html),
        },
    )
    assert response.headers["Location"] == "/staff/"


def test_disabled_account_cannot_sign_in_and_loses_its_session(app, staff, accounts):
    assert staff.get("/staff/").status_code == 200
    result = app.test_cli_runner().invoke(args=["staff", "disable", "sam"])
    assert result.exit_code == 0
    assert staff.get("/staff/").status_code == 302
    assert staff.login("sam", accounts["sam"]).status_code == 422


def test_password_reset_ends_sessions_and_prints_a_new_password(app, staff, accounts):
    result = app.test_cli_runner().invoke(args=["staff", "reset", "sam"])
    new_password = result.output.rsplit(" ", 1)[-1].strip()
    assert new_password
    assert new_password != accounts["sam"]
    assert staff.get("/staff/").status_code == 302
    assert staff.login("sam", accounts["sam"]).status_code == 422
    assert staff.login("sam", new_password).status_code == 302


def test_passwords_are_stored_as_argon2_hashes(app, accounts):
    with app.app_context():
        user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "sam"))
        assert user.password_hash.startswith("$argon2id$")
        assert accounts["sam"] not in user.password_hash


def test_production_hashes_passwords_with_argon2s_recommended_parameters(tmp_path):
    from argon2 import profiles

    from kiosk import create_app

    production = create_app({"INSTANCE_PATH": str(tmp_path / "production")})
    hasher = production.extensions["kiosk.passwords"].hasher
    assert not production.config["TESTING"]
    assert hasher.time_cost == profiles.RFC_9106_LOW_MEMORY.time_cost == 3
    assert hasher.memory_cost == profiles.RFC_9106_LOW_MEMORY.memory_cost == 64 * 1024
    assert hasher.parallelism == profiles.RFC_9106_LOW_MEMORY.parallelism
    assert hasher.hash("x").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_tests_hash_cheaply_and_production_rehashes_a_cheap_hash_on_sign_in(app, tmp_path):
    from kiosk import create_app

    assert app.extensions["kiosk.passwords"].hasher.memory_cost == 8
    password = create_account(app, "sam")
    with app.app_context():
        cheap = db.session.scalar(db.select(StaffUser.password_hash))
    assert cheap.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    production = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "production"),
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        }
    )
    assert StaffClient(production.test_client()).login("sam", password).status_code == 302
    with production.app_context():
        assert db.session.scalar(db.select(StaffUser.password_hash)).startswith(
            "$argon2id$v=19$m=65536,t=3,p=4$"
        )


def test_ensure_admin_creates_one_admin_on_an_empty_database_only(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["staff", "ensure-admin"])
    assert "Created admin account 'admin'. Password (shown only now):" in first.output
    second = runner.invoke(args=["staff", "ensure-admin"])
    assert second.output == ""
    with app.app_context():
        assert [u.role for u in db.session.scalars(db.select(StaffUser))] == ["admin"]


def test_idle_staff_session_is_signed_out(app, staff):
    assert staff.get("/staff/").status_code == 200
    with staff.client.session_transaction() as session:
        session["staff_seen"] = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)).timestamp()
    response = staff.get("/staff/")
    assert response.headers["Location"] == "/staff/login"
    assert staff.get("/staff/").status_code == 302
    assert ("sam", "timeout", None) in audit_actions(app)


def test_queue_polling_does_not_keep_an_idle_session_alive(app, staff):
    with staff.client.session_transaction() as session:
        seen = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)).timestamp()
        session["staff_seen"] = seen
    assert staff.client.post("/staff/queue/rows").status_code == 200
    with staff.client.session_transaction() as session:
        assert session["staff_seen"] == seen


def test_queue_lists_todays_consultations_newest_first_with_flags(app, staff):
    older = add_consultation(app, "fine-lines-no-flags")
    newer = add_consultation(app, "pregnant")
    staff.get("/staff/")
    html = staff.html
    assert html.index(newer.reference) < html.index(older.reference)
    assert "Do not treat today: 1" in html
    assert "No flags" in html
    assert 'hx-trigger="every 2s"' in html  # its PDFs are still being prepared
    assert 'hx-include="#queue-filter"' in html


def test_the_queue_keeps_earlier_days_unreviewed_consultations_oldest_first(app, staff):
    today = add_consultation(app, "fine-lines-no-flags", first_name="Tess")
    waiting = {days: add_consultation(app, "pregnant") for days in (1, 3)}
    in_review = add_consultation(app, "pregnant", first_name="Iris")
    reviewed = add_consultation(app, "numbing-allergy", first_name="Rhea")
    with app.app_context():
        for stored, days in [*((s, d) for d, s in waiting.items()), (in_review, 2), (reviewed, 2)]:
            db.session.get(Consultation, stored.id).submitted_at -= dt.timedelta(days=days)
        consultations.start_review(db.session.get(Consultation, in_review.id))
        reviewer = db.session.scalar(db.select(StaffUser).filter_by(username="sam"))
        consultations.mark_reviewed(db.session.get(Consultation, reviewed.id), reviewer)
        db.session.commit()
    staff.get("/staff/")
    html = staff.html
    order = [waiting[3].reference, in_review.reference, waiting[1].reference, today.reference]
    assert [html.index(reference) for reference in order] == sorted(
        html.index(reference) for reference in order
    )
    assert reviewed.reference not in html  # reviewed: done with, not waiting
    assert html.index("Earlier days, not reviewed yet") < html.index(order[0])
    assert html.index(order[2]) < html.index(">Today<") < html.index(order[3])
    assert 'class="queue__day"' in html
    # A status chosen: today's and earlier days' of that status.
    staff.post("/staff/queue/rows", {"status": "in_review"})
    assert in_review.reference in staff.html
    assert today.reference not in staff.html
    assert waiting[1].reference not in staff.html
    # Days chosen: exactly those days, reviewed or not, newest first, no groups.
    two_days_ago = f"{dt.date.today() - dt.timedelta(days=2):%d/%m/%Y}"
    staff.post("/staff/queue/rows", {"date_from": two_days_ago, "date_to": two_days_ago})
    assert in_review.reference in staff.html
    assert reviewed.reference in staff.html
    assert waiting[3].reference not in staff.html
    assert today.reference not in staff.html
    assert "Earlier days" not in staff.html
    # Nothing waiting from earlier days: no group headings at all.
    with app.app_context():
        for stored in [*waiting.values(), in_review]:
            consultations.mark_reviewed(db.session.get(Consultation, stored.id), reviewer)
    staff.get("/staff/")
    assert "Earlier days" not in staff.html
    assert ">Today<" not in staff.html
    assert today.reference in staff.html


def test_the_queue_lists_the_oldest_waiting_and_counts_the_rest(app, staff, monkeypatch):
    monkeypatch.setattr(consultations, "EARLIER_SHOWN", 2)
    today = add_consultation(app, "fine-lines-no-flags")
    waiting = [add_consultation(app, "pregnant") for _ in range(3)]
    with app.app_context():
        for days, stored in zip((5, 4, 3), waiting, strict=True):
            db.session.get(Consultation, stored.id).submitted_at -= dt.timedelta(days=days)
        db.session.commit()
    staff.get("/staff/")
    html = staff.html
    assert waiting[0].reference in html
    assert waiting[1].reference in html
    assert waiting[2].reference not in html  # the newest of them: counted instead
    more = "And 1 more from earlier days not reviewed yet: choose their dates to see them."
    assert html.index(waiting[1].reference) < html.index(more) < html.index(">Today<")
    assert today.reference in html
    # A search narrows the count as it narrows the rows.
    staff.post("/staff/queue/rows", {"q": waiting[2].reference})
    assert waiting[2].reference in staff.html
    assert "more from earlier days" not in staff.html


def test_queue_and_consultation_page_label_an_rf_only_contraindication_no_rf(app, staff):
    pacemaker = add_consultation(app, "fitzpatrick-6-rf-pacemaker")
    staff.get("/staff/")
    assert "No RF: 2" in staff.html
    assert "Do not treat today: " not in staff.html
    staff.get(f"/staff/c/{pacemaker.id}")
    assert "No RF (2)" in staff.html
    assert "Do not treat today" not in staff.html


def test_queue_search_and_filters_are_posted_not_put_in_urls(app, staff):
    maya = add_consultation(app, "fine-lines-no-flags")
    sofia = add_consultation(app, "pregnant")
    staff.post("/staff/queue/rows", {"q": "sof"})
    assert sofia.reference in staff.html
    assert maya.reference not in staff.html
    staff.post("/staff/queue/rows", {"q": maya.reference.replace("-", "").lower()})
    assert maya.reference in staff.html
    assert sofia.reference not in staff.html
    staff.post("/staff/", {"status": "reviewed"})
    assert "No consultations match." in staff.html
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    staff.post("/staff/queue/rows", {"date_from": yesterday, "date_to": yesterday})
    assert "No consultations match." in staff.html


def test_the_queue_dates_are_typed_day_month_year_and_a_wrong_one_is_explained(app, staff):
    maya = add_consultation(app, "fine-lines-no-flags")
    today, yesterday = dt.date.today(), dt.date.today() - dt.timedelta(days=1)
    staff.post("/staff/", {"date_from": f"{yesterday:%d/%m/%Y}", "date_to": f"{today:%d/%m/%Y}"})
    assert maya.reference in staff.html
    assert f'value="{yesterday:%d/%m/%Y}"' in staff.html  # shown as typed
    staff.post(
        "/staff/queue/rows",
        {"date_from": yesterday.strftime("%d/%m/%Y"), "date_to": yesterday.strftime("%d/%m/%Y")},
    )
    assert "No consultations match." in staff.html
    # A US-style date is not a day of the month: said so, and the queue shows today.
    staff.post("/staff/", {"date_from": "12/31/2026"})
    assert "Enter a date like 21/11/2026" in staff.html
    assert 'value="12/31/2026"' in staff.html
    assert maya.reference in staff.html
    assert f'value="{today:%d/%m/%Y}"' not in staff.html


def test_consultation_page_puts_flags_first_with_their_triggers(app, staff):
    sent = add_consultation(app, "isotretinoin-2-months-ago")
    staff.get(f"/staff/c/{sent.id}")
    html = staff.html
    flags, answers = html.index('id="flags-title"'), html.index('id="answers-title"')
    assert flags < answers
    assert "Isotretinoin stopped 6 months ago or less (the clinic&#39;s window)" in html
    assert "Months since stopping isotretinoin: <strong>2 months</strong>" in html
    assert ("sam", "view", sent.reference) in audit_actions(app)


def test_review_notes_and_status_changes_are_recorded(app, staff):
    sent = add_consultation(app, "pregnant")
    url = f"/staff/c/{sent.id}"
    staff.post(f"{url}/review", token_from=url)
    empty = staff.post(f"{url}/notes", {"text": "   "}, token_from=url)
    assert empty.status_code == 422
    assert "Write the note before saving it" in staff.html
    staff.post(
        f"{url}/notes",
        {"text": "Rebook after breastfeeding; <b>no</b> numbing cream."},
        token_from=url,
    )
    staff.post(f"{url}/reviewed", token_from=url)
    staff.get(url)
    assert "Sam Carter" in staff.html
    assert "&lt;b&gt;no&lt;/b&gt; numbing cream" in staff.html
    with app.app_context():
        stored = db.session.get(Consultation, sent.id)
        assert stored.status == "reviewed"
        assert stored.reviewed_by.username == "sam"
        assert stored.reviewed_at is not None
        [note] = db.session.scalars(db.select(Note)).all()
        assert note.author.username == "sam"
    actions = [a for u, a, ref in audit_actions(app) if ref == sent.reference and a != "view"]
    assert actions == ["start_review", "note", "mark_reviewed"]


def test_admin_only_actions_are_refused_to_staff(app, staff):
    sent = add_consultation(app)
    assert staff.get("/staff/audit").status_code == 403
    assert staff.get(f"/staff/c/{sent.id}/delete").status_code == 403
    assert staff.post(f"/staff/c/{sent.id}/delete").status_code == 403
    with app.app_context():
        assert db.session.get(Consultation, sent.id) is not None


def test_admin_deletes_a_consultation_with_its_files_after_confirming(app, admin, shared_pdfs):
    from kiosk.records import stored_pdfs

    sent = add_consultation(app, "pregnant")
    with app.app_context():
        stored = db.session.get(Consultation, sent.id)
        stored_pdfs.generate(stored)
        paths = [stored_pdfs.pdf_path(s) for s in stored.pdfs]
    assert all(p.exists() for p in paths)
    admin.get(f"/staff/c/{sent.id}/delete")
    assert "Yes, delete it" in admin.html
    response = admin.post(f"/staff/c/{sent.id}/delete", token_from=f"/staff/c/{sent.id}/delete")
    assert response.headers["Location"] == "/staff/"
    assert not any(p.exists() for p in paths)
    with app.app_context():
        assert db.session.get(Consultation, sent.id) is None
        assert db.session.scalars(db.select(ConsultationPdf)).all() == []
    assert ("ada", "delete", sent.reference) in audit_actions(app)


def test_audit_log_answers_who_looked_at_a_record(app, staff, admin):
    sent = add_consultation(app)
    staff.get(f"/staff/c/{sent.id}")
    admin.get(f"/staff/audit?reference={sent.reference}&action=view")
    assert "sam" in admin.html
    assert "Viewed consultation" in admin.html
    assert admin.html.count('<tr role="row">') == 2  # header and one entry
    admin.get("/staff/audit?action=login")
    assert admin.html.count("Signed in") >= 2


def test_staff_pages_speak_the_clinics_language(tmp_path, migrated_instance):
    from kiosk import create_app

    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(migrated_instance(tmp_path / "es")),
            "CLINIC_LANGUAGE": "es",
            "PDF_DIR": str(tmp_path / "pdfs"),
        }
    )
    password = create_account(app, "lola", "admin", "Lola Ruiz")
    sent = add_consultation(app, "isotretinoin-2-months-ago")
    member = StaffClient(app.test_client())
    failed = member.login("lola", "no")
    assert failed.status_code == 422
    assert 'lang="es"' in member.html
    member.login("lola", password)
    member.get("/staff/")
    assert "Consultas" in member.html
    assert "Cerrar sesión" in member.html
    assert "Sign out" not in member.html
    member.get(f"/staff/c/{sent.id}")
    assert "Revisión clínica" in member.html
    assert "Español (es)" not in member.html  # the patient answered in English
    assert "English (en)" in member.html


def test_a_file_sent_in_a_staff_text_field_counts_as_nothing_sent(app, client, accounts):
    consultation = add_consultation(app)
    member = StaffClient(client)
    member.get("/staff/login")
    refused = client.post(
        "/staff/login",
        data={
            "username": (io.BytesIO(b"sam"), "name.txt"),
            "password": accounts["sam"],
            "csrf_token": csrf_token(member.html),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "Enter your username" in refused.get_data(as_text=True)

    member.login("sam", accounts["sam"])
    member.get(f"/staff/c/{consultation.id}")
    note = client.post(
        f"/staff/c/{consultation.id}/notes",
        data={"text": (io.BytesIO(b"x"), "note.txt"), "csrf_token": csrf_token(member.html)},
        content_type="multipart/form-data",
    )
    assert note.status_code == 422
    assert "Write the note before saving it" in note.get_data(as_text=True)
    search = client.post(
        "/staff/queue/rows",
        data={"q": (io.BytesIO(b"x"), "q.txt")},
        content_type="multipart/form-data",
    )
    assert search.status_code == 200
    assert consultation.reference in search.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(Note)).all() == []


@pytest.mark.parametrize(
    ("example", "changes", "says", "never"),
    [
        ("fine-lines-no-flags", {}, " or later", "if the clinician agrees"),
        (
            "fine-lines-no-flags",
            {"nsaids": True},
            " or later, if the clinician agrees after the review",
            "Not dated",
        ),
        (
            "pregnant",
            {},
            "Not dated: a do-not-treat flag fired, so the clinician plans the dates",
            " or later",
        ),
    ],
    ids=["no flags", "review flag", "do-not-treat flag"],
)
def test_staff_see_the_earliest_first_session_as_the_patient_was_told(
    app, staff, example, changes, says, never
):
    from pypdf import PdfReader

    from kiosk.records import stored_pdfs

    stored = add_consultation(app, example, **changes)
    staff.get(f"/staff/c/{stored.id}")
    dates = staff.html[staff.html.index('id="dates-title"') :]
    assert "Earliest first session" in dates
    assert says in dates
    assert never not in dates

    with app.app_context():
        [_, staff_copy] = stored_pdfs.generate(db.session.get(Consultation, stored.id))
        reader = PdfReader(stored_pdfs.pdf_path(staff_copy))
        text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "EARLIEST FIRST SESSION" in text  # key-fact labels are set in capitals
    assert " ".join(says.split()) in text


# Each change is committed by the view or command that owns it -------------------------


def test_an_audit_entry_alone_is_not_saved(app):
    from kiosk.data import audit

    with app.app_context():
        audit.add_entry("backup", detail="made in a transaction that is then abandoned")
        db.session.rollback()
        assert db.session.scalars(db.select(AuditEvent)).all() == []


def saved_state(app, consultation_id: str) -> dict:
    with app.app_context():
        stored = db.session.get(Consultation, consultation_id)
        sam = db.session.scalar(db.select(StaffUser).where(StaffUser.username == "sam"))
        return {
            "status": stored.status,
            "notes": [note.text for note in stored.notes],
            "last_login_at": sam.last_login_at,
            "password_hash": sam.password_hash,
        }


def test_changes_are_saved_even_when_no_audit_entry_follows_them(app, staff, password, monkeypatch):
    """With the audit log silenced, every change is still saved: its owner
    commits it, not the audit call that happens to come last."""
    from kiosk.data import audit

    sent = add_consultation(app, "pregnant")
    url = f"/staff/c/{sent.id}"
    staff.get(url)  # the page whose CSRF token the forms below carry
    monkeypatch.setattr(audit, "add_entry", lambda *args, **kwargs: None)
    before = saved_state(app, sent.id)

    staff.post(f"{url}/review", token_from=url)
    assert saved_state(app, sent.id)["status"] == "in_review"
    staff.post(f"{url}/notes", {"text": "Saved without an audit entry"}, token_from=url)
    assert saved_state(app, sent.id)["notes"] == ["Saved without an audit entry"]
    staff.post(f"{url}/reviewed", token_from=url)
    assert saved_state(app, sent.id)["status"] == "reviewed"

    assert StaffClient(app.test_client()).login("sam", password).status_code == 302
    assert saved_state(app, sent.id)["last_login_at"] != before["last_login_at"]
    assert app.test_cli_runner().invoke(args=["staff", "reset", "sam"]).exit_code == 0
    assert saved_state(app, sent.id)["password_hash"] != before["password_hash"]


# One word for each severity and status ---------------------------------------------


def test_every_severity_and_status_has_one_label_in_each_language():
    from kiosk.core.i18n import language
    from kiosk.core.plan.model import SEVERITIES
    from kiosk.core.statuses import (
        SEVERITY_LABELS,
        STATUS_LABELS,
        ConsultationStatus,
        severity_label,
    )

    assert tuple(SEVERITY_LABELS) == SEVERITIES
    assert set(STATUS_LABELS) == set(ConsultationStatus)
    assert [severity_label(s) for s in SEVERITIES] == [
        "Do not treat today",
        "No RF",
        "Clinician review",
        "Note",
    ]
    assert [s.label for s in ConsultationStatus] == ["New", "In review", "Reviewed"]
    with language("es"):
        assert [severity_label(s) for s in SEVERITIES] == [
            "No tratar hoy",
            "Sin RF",
            "Revisión clínica",
            "Nota",
        ]
        assert [s.label for s in ConsultationStatus] == ["Nueva", "En revisión", "Revisada"]
    assert [s.value for s in ConsultationStatus] == ["new", "in_review", "reviewed"]


def test_a_severity_reads_the_same_in_the_queue_on_the_page_and_in_the_staff_copy(app, staff):
    from pypdf import PdfReader

    from kiosk.records import stored_pdfs

    sent = add_consultation(app, "pregnant", nsaids=True)  # do not treat, and a review
    staff.get("/staff/")
    row = staff.html[staff.html.index(sent.reference) :]
    assert "Do not treat today: 1" in row
    assert "Clinician review: 1" in row
    staff.get(f"/staff/c/{sent.id}")
    flags = staff.html[staff.html.index('id="flags-title"') : staff.html.index('id="dates-title"')]
    assert "Do not treat today (1)" in flags
    assert "Clinician review (1)" in flags
    with app.app_context():
        [_, staff_copy] = stored_pdfs.generate(db.session.get(Consultation, sent.id))
        reader = PdfReader(stored_pdfs.pdf_path(staff_copy))
        text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Do not treat today (1)" in text
    assert "Clinician review (1)" in text


def test_staff_pages_say_while_the_patients_copy_has_no_way_to_contact_the_clinic(app, staff):
    def banner() -> str | None:
        page = staff.get("/staff/").get_data(as_text=True)
        found = re.search(r'<div[^>]*id="clinic-details-missing".*?</div>', page, re.S)
        return " ".join(found.group(0).split()) if found else None

    assert "phone number and address are not set" in banner()
    assert "An administrator adds them in the clinic settings" in banner()
    app.config["CLINIC_PHONE"] = "020 7946 0000"
    assert "Its address is not set." in banner()
    app.config["CLINIC_ADDRESS"] = "1 High Street, Leeds"
    assert banner() is None


def test_an_admin_is_led_from_the_banner_to_the_missing_setting(app, admin):
    page = admin.get("/staff/").get_data(as_text=True)
    assert (
        'href="/staff/settings/clinic#setting-CLINIC_PHONE">Add them in the clinic settings</a>'
        in page
    )


def test_the_sign_in_page_does_not_show_the_clinic_details_banner(client):
    page = client.get("/staff/login").get_data(as_text=True)
    assert "clinic-details-missing" not in page
