"""The staff side's work without the views: the queue's days and filters, and
the review's changes, each saved with its audit entry."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kiosk.core.statuses import ConsultationStatus
from kiosk.data.database import db
from kiosk.data.models import AuditEvent, Consultation, StaffUser, utcnow
from kiosk.records import consultations

from .staff_helpers import add_consultation

TODAY = dt.date(2027, 3, 10)


@pytest.mark.parametrize(
    ("date_from", "date_to", "days"),
    [
        (None, None, (TODAY, TODAY)),
        (dt.date(2027, 3, 1), None, (dt.date(2027, 3, 1), dt.date(2027, 3, 1))),
        (None, dt.date(2027, 3, 12), (TODAY, dt.date(2027, 3, 12))),
        (dt.date(2027, 3, 1), dt.date(2027, 3, 5), (dt.date(2027, 3, 1), dt.date(2027, 3, 5))),
    ],
    ids=["nothing chosen: today", "from only: that day", "to only: today to then", "both"],
)
def test_the_queue_lists_the_days_chosen(date_from, date_to, days):
    assert consultations.queue_days(date_from, date_to, TODAY) == days


def test_a_day_is_the_servers_local_day_in_stored_utc_times():
    start, end = consultations.day_bounds(TODAY)
    assert (
        start.replace(tzinfo=dt.UTC).astimezone()
        == dt.datetime.combine(TODAY, dt.time.min).astimezone()
    )
    assert end.replace(tzinfo=dt.UTC).astimezone().date() == TODAY + dt.timedelta(days=1)


def test_queue_filters_by_status_and_refuses_an_unknown_one(app):
    new = add_consultation(app, "pregnant")
    reviewed = add_consultation(app, "fine-lines-no-flags")
    with app.test_request_context():
        db.session.get(Consultation, reviewed.id).status = ConsultationStatus.REVIEWED
        db.session.commit()
        assert [row.consultation.id for row in consultations.queue()] == [reviewed.id, new.id]
        assert [row.consultation.id for row in consultations.queue(status="new")] == [new.id]
        assert consultations.queue(status="archived") == []
        assert [row.consultation.id for row in consultations.queue(text=" sof ")] == [new.id]
        assert [row.consultation.id for row in consultations.queue(text=new.reference.lower())] == [
            new.id
        ]


def test_a_review_starts_once_and_each_change_is_saved_with_its_entry(app):
    sent = add_consultation(app, "pregnant")
    with app.test_request_context():
        db.session.add(StaffUser(username="sam", display_name="Sam", password_hash="x"))
        db.session.commit()
    with app.test_request_context():
        consultation = db.session.get(Consultation, sent.id)
        assert consultations.start_review(consultation) is True
        assert consultations.start_review(consultation) is False
    with app.test_request_context():
        consultation = db.session.get(Consultation, sent.id)
        sam = db.session.scalar(db.select(StaffUser))
        consultations.add_note(consultation, sam, "  Call back after 3 pm  ")
        consultations.mark_reviewed(consultation, sam)
    with app.app_context():
        consultation = db.session.get(Consultation, sent.id)
        assert consultation.status is ConsultationStatus.REVIEWED
        assert consultation.reviewed_by.username == "sam"
        assert utcnow() - consultation.reviewed_at < dt.timedelta(minutes=1)
        assert [note.text for note in consultation.notes] == ["Call back after 3 pm"]
        # Notes and the review leave the patient's answers as they were sent.
        assert not consultations.amended(consultation)
        entries = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))
        assert [(e.action, e.consultation_ref) for e in entries] == [
            ("start_review", sent.reference),
            ("note", sent.reference),
            ("mark_reviewed", sent.reference),
        ]


# Flags kept with each consultation ----------------------------------------------------


def kept_flags(app, consultation_id: str) -> dict | None:
    with app.app_context():
        return db.session.get(Consultation, consultation_id).flag_counts


def test_sending_keeps_how_many_flags_of_each_severity_fired(app):
    both = add_consultation(app, "pregnant", nsaids=True)
    none = add_consultation(app, "fine-lines-no-flags")
    assert kept_flags(app, both.id) == {"do_not_treat": 1, "no_rf": 0, "review": 1, "note": 0}
    assert kept_flags(app, none.id) == {"do_not_treat": 0, "no_rf": 0, "review": 0, "note": 0}


class CountingEngine:
    """The app's plan engine, counting the plans it builds."""

    def __init__(self, real):
        self.real, self.built = real, 0

    def build(self, *args, **kwargs):
        self.built += 1
        return self.real.build(*args, **kwargs)


def test_the_queue_shows_the_kept_flags_without_running_the_plan(app, staff, monkeypatch):
    for example in ("pregnant", "isotretinoin-2-months-ago", "fine-lines-no-flags"):
        add_consultation(app, example)
    engine = CountingEngine(app.extensions["kiosk.core.plan"])
    monkeypatch.setitem(app.extensions, "kiosk.core.plan", engine)
    response = staff.client.post("/staff/queue/rows")
    html = response.get_data(as_text=True)
    assert html.count('<tr role="row">') == 3
    assert "Do not treat today: 1" in html  # pregnant
    assert "Clinician review: 3" in html  # isotretinoin, active acne, cold sores
    assert "No flags" in html
    assert engine.built == 0


def test_flags_not_known_are_counted_from_the_plan_and_kept_again_with_new_pdfs(app, staff):
    sent = add_consultation(app, "pregnant")
    with app.app_context():
        consultation = db.session.get(Consultation, sent.id)
        consultation.flags_do_not_treat = None
        db.session.commit()
    staff.client.post("/staff/queue/rows")
    staff.post("/staff/queue/rows")
    assert "Do not treat today: 1" in staff.html
    assert kept_flags(app, sent.id) is None  # reading the queue changes nothing
    url = f"/staff/c/{sent.id}"
    staff.post(f"{url}/regenerate", token_from=url)
    assert kept_flags(app, sent.id) == {"do_not_treat": 1, "no_rf": 0, "review": 0, "note": 0}


BEFORE_FLAG_COUNTS = "557b686a1bac"
WITH_HIGHEST_SEVERITY = "5390751f5d33"


def test_the_migration_counts_the_flags_of_consultations_already_stored(app, monkeypatch):
    import flask_migrate
    import sqlalchemy as sa

    from .staff_helpers import example_answers

    with app.app_context():
        flask_migrate.downgrade(revision=BEFORE_FLAG_COUNTS)
        consultations = sa.table(
            "consultations",
            *(
                sa.column(name)
                for name in (
                    "id",
                    "reference",
                    "questionnaire_id",
                    "questionnaire_version",
                    "language",
                    "first_name",
                    "status",
                    "submitted_at",
                )
            ),
            sa.column("answers", sa.JSON),
        )
        sent = utcnow() - dt.timedelta(days=3)
        stored = {
            "AAA-AAA": example_answers("pregnant") | {"nsaids": True},
            "BBB-BBB": example_answers("fine-lines-no-flags"),
            "CCC-CCC": example_answers("isotretinoin-2-months-ago") | {"first_name": "Broken"},
        }
        with db.engine.begin() as connection:
            connection.execute(
                consultations.insert(),
                [
                    {
                        "id": reference.replace("-", "").lower() * 4,
                        "reference": reference,
                        "questionnaire_id": "microneedling",
                        "questionnaire_version": "1",
                        "language": "en",
                        "first_name": answers["first_name"],
                        "status": "new",
                        "submitted_at": sent,
                        "answers": answers,
                    }
                    for reference, answers in stored.items()
                ],
            )
        engine = app.extensions["kiosk.core.plan"]
        real_build = engine.build

        def build(answers, **kwargs):
            if answers.get("first_name") == "Broken":
                raise ValueError("a plan that cannot be made")
            return real_build(answers, **kwargs)

        monkeypatch.setattr(engine, "build", build)
        flask_migrate.upgrade()
        counts = {c.reference: c.flag_counts for c in db.session.scalars(db.select(Consultation))}
        # Going back to the revision that kept the most serious severity fills it from the counts.
        db.session.remove()
        flask_migrate.downgrade(revision=WITH_HIGHEST_SEVERITY)
        with db.engine.connect() as connection:
            query = sa.text("SELECT reference, highest_severity FROM consultations")
            highest = dict(connection.execute(query).all())
        flask_migrate.upgrade()
    assert counts == {
        "AAA-AAA": {"do_not_treat": 1, "no_rf": 0, "review": 1, "note": 0},
        "BBB-BBB": {"do_not_treat": 0, "no_rf": 0, "review": 0, "note": 0},
        "CCC-CCC": None,  # not known: the queue runs its plan
    }
    assert highest == {"AAA-AAA": "do_not_treat", "BBB-BBB": None, "CCC-CCC": None}


def pdf_text(path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


@pytest.mark.render
def test_a_note_is_printed_on_a_staff_copy_made_again_and_the_patient_copy_is_kept(app, staff):
    from kiosk.records import stored_pdfs

    sent = add_consultation(app)
    url = f"/staff/c/{sent.id}"
    staff.post(f"{url}/regenerate", token_from=url)  # both copies, rendered at once under TESTING
    with app.app_context():
        consultation = db.session.get(Consultation, sent.id)
        patient_file = consultation.pdf("patient").filename
        assert "Patch test booked for Tuesday" not in pdf_text(
            stored_pdfs.pdf_path(consultation.pdf("staff"))
        )
    note = "Patch test booked for Tuesday.\nBring the current retinol product."
    assert staff.post(f"{url}/notes", {"text": note}, token_from=url).status_code == 303
    with app.app_context():
        consultation = db.session.get(Consultation, sent.id)
        staff_copy = pdf_text(stored_pdfs.pdf_path(consultation.pdf("staff")))
        assert consultation.pdf("patient").filename == patient_file
    assert "Sam Carter ·" in staff_copy
    assert "Patch test booked for Tuesday. Bring the current retinol product." in staff_copy


@pytest.mark.render
def test_the_staff_page_and_copy_open_with_what_a_clinician_needs_at_a_glance(app, staff):
    from kiosk.records import stored_pdfs

    sent = add_consultation(app, "isotretinoin-2-months-ago")
    url = f"/staff/c/{sent.id}"
    staff.get(url)
    html = staff.html
    glance = html[html.index('id="glance-title"') : html.index('id="flags-title"')]
    glance = " ".join(re.sub(r"<[^>]+>", " ", glance).split())
    assert "Skin type Fitzpatrick II: usually burns, tans with difficulty" in glance
    assert "Isotretinoin: Yes, but has stopped" in glance
    assert "Months since stopping isotretinoin: 2 months" in glance
    assert "Allergies No" in glance
    staff.post(f"{url}/regenerate", token_from=url)
    with app.app_context():
        consultation = db.session.get(Consultation, sent.id)
        text = pdf_text(stored_pdfs.pdf_path(consultation.pdf("staff")))
    assert text.index("At a glance") < text.index("Flags Clinician review")
    assert "Skin type Fitzpatrick II: usually burns, tans with difficulty" in text
    # The flags' source keys are explained at the end.
    assert "Sources of the flags R8 SkinPen pre/post-care protocol" in text


def test_at_a_glance_names_the_allergies_and_leaves_out_a_row_the_clinic_does_not_ask():
    from kiosk.core.answer_text import at_a_glance
    from kiosk.core.content_folder import load_questionnaire
    from kiosk.core.flow import Flow

    from .staff_helpers import example_answers

    answers = example_answers("numbing-allergy")
    # A clinic without RF asks no treatment question: that row is left out.
    flow = Flow(load_questionnaire().as_offered(frozenset()))
    rows = {row.question: row.answer for row in at_a_glance(flow, answers, "en")}
    assert "Treatment of interest" not in rows
    # The allergy named, without the "Yes" before it.
    assert rows["Allergies"] == "Numbing cream or local anaesthetic"
    assert rows["Implants and tattoos"] == "No"


def test_at_a_glance_gives_the_age_band_and_the_patients_own_words_when_they_gave_some():
    from kiosk.core.answer_text import at_a_glance
    from kiosk.core.content_folder import load_questionnaire
    from kiosk.core.flow import Flow

    from .staff_helpers import example_answers

    flow = Flow(load_questionnaire())
    answers = example_answers("fitzpatrick-6-rf-pacemaker")
    said = "I have a wedding soon."
    rows = at_a_glance(flow, {**answers, "notes": said}, "en")
    assert (rows[0].question, rows[0].answer) == ("Age", "40 to 49")
    assert (rows[-1].question, rows[-1].answer) == ("In their words", said)
    # Nothing said: no row saying so (in Spanish too).
    for language in ["en", "es"]:
        words = {row.question for row in at_a_glance(flow, {**answers, "notes": ""}, language)}
        assert not words & {"In their words", "En sus palabras"}
