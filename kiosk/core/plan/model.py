"""What the plan engine hands to the summaries: plain data, already in the
patient's language (the staff copy's flag texts in the clinic's language)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from kiosk.core.i18n import day_date
from kiosk.core.i18n import gettext as _
from kiosk.core.plan.dates import OpenDays

# no_rf: RF microneedling is contraindicated (an implant, a gold allergy); a
# treatment without RF may still be possible, as the clinician decides.
SEVERITIES = ("do_not_treat", "no_rf", "review", "note")


@dataclass(frozen=True)
class Trigger:
    """One answer that made a flag fire."""

    question_id: str
    question: str  # the question's short wording
    answer: str  # the answer as the patient gave it, in words


@dataclass(frozen=True)
class Flag:
    id: str
    severity: str  # one of SEVERITIES; its words: kiosk/core/statuses.py
    staff_text: str
    patient_text: str
    triggers: tuple[Trigger, ...]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Benefit:
    concern_id: str
    concern: str  # "Acne scars"
    may_help: str
    course: str | None  # "Usually 3 to 6 sessions, about 4 weeks apart"; None: not known
    results: str  # when results show


@dataclass(frozen=True)
class TimedLine:
    when: str  # "2 weeks before", "First 24 hours", "Day 0"
    text: str
    glance: bool = False  # one of the few points in the overview on page 1


# The day-by-day strip of the first week: day 0 (the treatment day) to day 7.
STRIP_DAYS = 8


@dataclass(frozen=True)
class DayBar:
    """One thing on the strip, from day ``first`` to day ``last``."""

    first: int
    last: int
    label: str  # a few words
    level: int = 0  # what may be seen: how visible, 3 most; 0 for aftercare
    continues: bool = False  # it goes on after day 7


@dataclass(frozen=True)
class Recovery:
    """The first week at a glance: what may be seen, what to avoid, what to do."""

    see: tuple[DayBar, ...] = ()
    avoid: tuple[DayBar, ...] = ()
    do: tuple[DayBar, ...] = ()
    redness: tuple[str, ...] = ()  # how long the redness usually lasts, in words

    def __bool__(self) -> bool:
        return bool(self.see or self.avoid or self.do)


@dataclass(frozen=True)
class SessionPlan:
    min_sessions: int | None  # None: "up to max_sessions"
    max_sessions: int
    spacing_weeks: int
    text: str


# dated: sessions can be dated from ``earliest``; provisional: the same, if
# the clinician agrees (a clinician-review flag fired); clinician: a
# do-not-treat flag fired, so no dates at all: the clinician plans them.
SCHEDULE_STATUSES = ("dated", "provisional", "clinician")


@dataclass(frozen=True)
class Schedule:
    status: str  # one of SCHEDULE_STATUSES
    # The first session date the copy offers (page 1, "Your sessions", the
    # event plan): on an open day, after every window and hold, and after the
    # event when no session fits before it (kiosk/core/plan/dates.py).
    earliest: dt.date | None
    waits_for: tuple[str, ...]  # why it is not sooner, in the patient's words
    lines: tuple[str, ...]
    waits_heading: str = ""  # "This date leaves time for:"

    @property
    def provisional(self) -> bool:
        return self.status == "provisional"


@dataclass(frozen=True)
class EventPlan:
    event_date: dt.date
    # fits: the whole typical course fits before the event; partial: some
    # sessions fit; too_close: none fits, start after the event; past: the
    # date has gone; clinician_plans: a do-not-treat flag fired, no dates;
    # no_course: no chosen concern has a known course, only the deadline.
    status: str
    last_session_by: dt.date | None
    sessions_that_fit: int
    session_dates: tuple[dt.date, ...]
    lines: tuple[str, ...]
    provisional: bool = False  # the dates hold if the clinician agrees
    # too_close: the first open day after the event (the schedule's earliest),
    # and the one sentence saying so, the same wherever the copy says it.
    first_after: dt.date | None = None
    none_fits: str = ""
    # The days the clinic is open, for the calendar to mark its closed days.
    open_days: OpenDays = field(default_factory=OpenDays)


@dataclass(frozen=True)
class HoldWords:
    """What a copy on hold says in place of a plan, in the patient's language."""

    lead: str = ""
    sessions: str = ""
    rf_not_now: str = ""
    if_later: str = ""


@dataclass(frozen=True)
class Plan:
    language: str
    first_name: str
    made_on: dt.date
    concerns: tuple[str, ...]  # the concerns in words
    areas: tuple[str, ...]
    device: str  # pen, rf or not_sure
    benefits: tuple[Benefit, ...]
    sessions: SessionPlan | None
    schedule: Schedule
    event: EventPlan | None
    preparation: tuple[TimedLine, ...]
    day_of: tuple[str, ...]
    downtime: tuple[TimedLine, ...]
    aftercare: tuple[TimedLine, ...]
    call_clinic: tuple[str, ...]
    device_notes: tuple[str, ...]
    flags: tuple[Flag, ...] = field(default=())
    recovery: Recovery = field(default_factory=Recovery)
    # What microneedling is, can and cannot do, its common effects and rare
    # risks: ``when`` is the point ("What it is"), ``text`` the words.
    about: tuple[TimedLine, ...] = ()
    # A do-not-treat flag fired, or RF (the only treatment chosen) is
    # contraindicated: no dates, no session count, nothing that presumes a
    # treatment until the clinician has talked it through.
    on_hold: bool = False
    # RF was chosen or considered but is contraindicated: what RF would have
    # meant, shown only as "not for you now".
    rf_not_now: tuple[str, ...] = ()
    hold_words: HoldWords = field(default_factory=HoldWords)

    def flags_of(self, severity: str) -> tuple[Flag, ...]:
        return tuple(f for f in self.flags if f.severity == severity)

    @property
    def can_treat_today(self) -> bool:
        return not self.flags_of("do_not_treat")


@dataclass(frozen=True)
class ConsentPart:
    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ConsentText:
    """The consent a patient reads and signs, in their language and for their
    treatments: the words that are kept, as they were, with the signature."""

    version: str  # the content's version of the consent (plan.yaml)
    language: str
    title: str
    intro: str
    parts: tuple[ConsentPart, ...]
    agreement: str  # what signing says
    photos: str  # the separate photo choice, in the patient's words

    def as_text(self) -> str:
        """The whole consent as plain text: what is kept and printed as signed."""
        blocks = [self.title, self.intro]
        for part in self.parts:
            blocks.append("\n".join([part.heading, *(f"- {line}" for line in part.lines)]))
        blocks += [self.agreement, self.photos]
        return "\n\n".join(blocks) + "\n"

    @property
    def digest(self) -> str:
        """SHA-256 of :meth:`as_text`: tells apart any two wordings signed."""
        return hashlib.sha256(self.as_text().encode()).hexdigest()

    @property
    def label(self) -> str:
        """The version as staff read it: the content's, and the wording's digest
        (a clinic's own wording signs under the same content version)."""
        return f"{self.version} ({self.digest[:8]})"


def first_session(schedule: Schedule, *, rf_only_stop: bool = False) -> str:
    """The earliest first session, as staff read it on the page and the staff
    copy. ``rf_only_stop``: no dates because RF, the only treatment the patient
    chose, is contraindicated (No RF), not because of a do-not-treat flag."""
    if schedule.status == "clinician" or schedule.earliest is None:
        if rf_only_stop:
            return _("Not dated: No RF, and RF was the only treatment chosen: the clinician plans")
        return _("Not dated: a do-not-treat flag fired, so the clinician plans the dates")
    day = day_date(schedule.earliest)
    if schedule.provisional:
        return _("%(day)s or later, if the clinician agrees after the review", day=day)
    return _("%(day)s or later", day=day)
