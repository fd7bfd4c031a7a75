"""Figures at a glance for a period (the admins' statistics page): how many
consultations were sent each day, their flags, how long they waited for
their review, their languages, the treatment patients were interested in and
whether they may be contacted.

Counted by the database (a year's consultations are some 15,000 rows): one
query of counts and sums, a few GROUP BYs, and one query of two times per
consultation (each one's local day and its wait are worked out here, in the
server's time zone, summer time included). No consultation's answers are
loaded, but for the rare one whose flags were not kept (see
``consultations.keep_flags``).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Boolean, and_, case, func, or_, select

from kiosk.core import figures
from kiosk.core.content.contract import CONTACT_CONSENT, DEVICE_INTEREST
from kiosk.core.figures import Bucket
from kiosk.core.plan.model import SEVERITIES
from kiosk.data.database import db
from kiosk.data.models import Consultation
from kiosk.records import consultations
from kiosk.records.consultations import day_bounds
from kiosk.records.period import Period

NOT_ASKED = ""  # the key of the consultations that have no answer to a question


@dataclass(frozen=True)
class Part:
    """Some of the period's consultations: ``key`` (a severity, a language, an
    option's value) and how many."""

    key: str
    count: int
    of: int  # the period's consultations

    @property
    def percent(self) -> float:
        return figures.share(self.count, self.of)


@dataclass(frozen=True)
class Waits:
    """From Send to Marked reviewed, in seconds, for those reviewed."""

    reviewed: int
    not_reviewed: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Figures:
    period: Period
    total: int
    buckets: tuple[Bucket, ...]  # consultations per day, week or month
    flags: tuple[Part, ...]  # with at least one flag of each severity, then "none"
    waits: Waits
    languages: tuple[Part, ...]  # most used first
    treatments: tuple[Part, ...]  # device_interest's values; NOT_ASKED last
    contact: tuple[Part, ...]  # "yes", "no", NOT_ASKED

    @property
    def unit(self) -> str:
        return figures.unit_for(len(self.period.days))


def figures_for(period: Period) -> Figures:
    within = period.sent_within
    times = db.session.execute(
        select(Consultation.submitted_at, Consultation.reviewed_at).where(within)
    ).all()
    total = len(times)
    return Figures(
        period=period,
        total=total,
        buckets=tuple(figures.group_days(_per_day(period, [t.submitted_at for t in times]))),
        flags=_flags(within, total),
        waits=_waits(times),
        languages=_grouped(Consultation.language, within, total),
        treatments=_grouped(Consultation.answers[DEVICE_INTEREST].as_string(), within, total),
        contact=_contact(within, total),
    )


def _per_day(period: Period, sent: list[dt.datetime]) -> list[tuple[dt.date, int]]:
    """Each local day of the period with how many were sent in it: the stored
    times sorted, cut at each day's start."""
    days = period.days
    starts = [day_bounds(day)[0] for day in days] + [period.bounds[1]]
    sent = sorted(sent)
    cuts = [bisect.bisect_left(sent, start) for start in starts]
    return [(day, cuts[i + 1] - cuts[i]) for i, day in enumerate(days)]


def _waits(times) -> Waits:
    seconds = [
        (reviewed - sent).total_seconds() for sent, reviewed in times if reviewed is not None
    ]
    return Waits(
        reviewed=len(seconds),
        not_reviewed=len(times) - len(seconds),
        median=figures.percentile(seconds, 0.5),
        p90=figures.percentile(seconds, 0.9),
    )


def _flags(within, total: int) -> tuple[Part, ...]:
    columns = [getattr(Consultation, f"flags_{severity}") for severity in SEVERITIES]
    unknown = or_(*(column.is_(None) for column in columns))
    sums = db.session.execute(
        select(
            *(func.count(case((column > 0, 1))) for column in columns),
            func.count(case((and_(*(column == 0 for column in columns)), 1))),
        ).where(within, ~unknown)
    ).one()
    counts = dict(zip([*SEVERITIES, "none"], sums, strict=True))
    # Flags not kept (a consultation sent before they were): its plan says.
    for consultation in db.session.scalars(select(Consultation).where(within, unknown)):
        fired = consultations.flag_counts(consultation)
        for severity in SEVERITIES:
            counts[severity] += fired[severity] > 0
        counts["none"] += not any(fired.values())
    return tuple(Part(key, count, total) for key, count in counts.items())


def _grouped(column, within, total: int) -> tuple[Part, ...]:
    """How many consultations have each value of ``column``, most first; those
    with none (NOT_ASKED) last."""
    rows = db.session.execute(select(column, func.count()).where(within).group_by(column)).all()
    parts = sorted(
        (Part(value or NOT_ASKED, count, total) for value, count in rows),
        key=lambda part: (part.key == NOT_ASKED, -part.count, part.key),
    )
    merged: dict[str, int] = {}
    for part in parts:  # "" and NULL are both not asked
        merged[part.key] = merged.get(part.key, 0) + part.count
    return tuple(Part(key, count, total) for key, count in merged.items())


def _contact(within, total: int) -> tuple[Part, ...]:
    answer = Consultation.answers[CONTACT_CONSENT].as_boolean()
    yes, no = db.session.execute(
        select(
            func.count(case((answer.cast(Boolean).is_(True), 1))),
            func.count(case((answer.cast(Boolean).is_(False), 1))),
        ).where(within)
    ).one()
    parts = (Part("yes", yes, total), Part("no", no, total))
    unanswered = total - yes - no
    return (*parts, Part(NOT_ASKED, unanswered, total)) if unanswered else parts
