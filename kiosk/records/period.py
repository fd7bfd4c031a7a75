"""A period of days chosen by staff (the statistics, the CSV and FHIR exports):
its stored-time bounds and the consultations sent within it; in a chain, at
one location or at all of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func

from kiosk.data.database import db
from kiosk.data.models import Consultation
from kiosk.records.consultations import day_bounds

DEFAULT_DAYS = 30  # a period not chosen: the last 30 days, today included


@dataclass(frozen=True)
class Period:
    """The server's local days ``first`` to ``last``, both included; with a
    ``location_id``, only the consultations sent at that location."""

    first: dt.date
    last: dt.date
    location_id: int | None = None

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period ends on or after its first day")

    @classmethod
    def chosen(
        cls,
        first: dt.date | None,
        last: dt.date | None,
        today: dt.date | None = None,
        *,
        location_id: int | None = None,
    ) -> Period:
        """The period staff asked for. A missing end is today (or the first day, when
        that is later); a missing start is DEFAULT_DAYS before the end."""
        today = today or dt.date.today()
        last = last or max(first or today, today)
        first = first or last - dt.timedelta(days=DEFAULT_DAYS - 1)
        return cls(first, last, location_id)

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Stored times (naive UTC): the first day's start, and the start of the
        day after the last."""
        return day_bounds(self.first)[0], day_bounds(self.last)[1]

    @property
    def days(self) -> list[dt.date]:
        return [
            self.first + dt.timedelta(days=offset)
            for offset in range((self.last - self.first).days + 1)
        ]

    @property
    def sent_within(self) -> ColumnElement[bool]:
        """The condition of a consultation sent within the period (at its
        location, if it has one)."""
        start, end = self.bounds
        within = and_(Consultation.submitted_at >= start, Consultation.submitted_at < end)
        if self.location_id is None:
            return within
        return and_(within, Consultation.location_id == self.location_id)

    def query(self) -> Select:
        """The consultations sent within the period, oldest first."""
        return (
            db.select(Consultation)
            .where(self.sent_within)
            .order_by(Consultation.submitted_at, Consultation.id)
        )

    def count(self) -> int:
        """How many consultations were sent within the period."""
        return db.session.scalar(db.select(func.count(Consultation.id)).where(self.sent_within))

    def consultations(self) -> list[Consultation]:
        return list(db.session.scalars(self.query()))
