"""The staff side's work without the views: the queue's days and filters, and
the review's changes, each saved with its audit entry."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk import review
from kiosk.extensions import db
from kiosk.models import AuditEvent, Consultation, StaffUser, utcnow
from kiosk.vocabulary import ConsultationStatus

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
    assert review.queue_days(date_from, date_to, TODAY) == days


def test_a_day_is_the_servers_local_day_in_stored_utc_times():
    start, end = review.day_bounds(TODAY)
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
        assert [row.consultation.id for row in review.queue()] == [reviewed.id, new.id]
        assert [row.consultation.id for row in review.queue(status="new")] == [new.id]
        assert review.queue(status="archived") == []
        assert [row.consultation.id for row in review.queue(text=" sof ")] == [new.id]
        assert [row.consultation.id for row in review.queue(text=new.reference.lower())] == [new.id]


def test_a_review_starts_once_and_each_change_is_saved_with_its_entry(app):
    record = add_consultation(app, "pregnant")
    with app.test_request_context():
        db.session.add(StaffUser(username="sam", display_name="Sam", password_hash="x"))
        db.session.commit()
    with app.test_request_context():
        consultation = db.session.get(Consultation, record.id)
        assert review.start_review(consultation) is True
        assert review.start_review(consultation) is False
    with app.test_request_context():
        consultation = db.session.get(Consultation, record.id)
        sam = db.session.scalar(db.select(StaffUser))
        review.add_note(consultation, sam, "  Call back after 3 pm  ")
        review.mark_reviewed(consultation, sam)
    with app.app_context():
        consultation = db.session.get(Consultation, record.id)
        assert consultation.status is ConsultationStatus.REVIEWED
        assert consultation.reviewed_by.username == "sam"
        assert utcnow() - consultation.reviewed_at < dt.timedelta(minutes=1)
        assert [note.text for note in consultation.notes] == ["Call back after 3 pm"]
        assert review.amended(consultation)
        entries = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))
        assert [(e.action, e.consultation_ref) for e in entries] == [
            ("start_review", record.reference),
            ("note", record.reference),
            ("mark_reviewed", record.reference),
        ]
