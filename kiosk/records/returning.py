"""A patient back for a later session: finding their earlier consultation,
starting their draft from it, and what staff are told of it.

See kiosk/core/returning.py for what is kept of the earlier visit and why.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from kiosk.core.answers import answer_problems
from kiosk.core.flow import Flow
from kiosk.core.returning import (
    Earlier,
    FollowUp,
    changes,
    earlier_visit,
    same_name,
    tidy_code,
)
from kiosk.data.database import db
from kiosk.data.models import Consultation, Draft, local_time


def find_earlier(code: str | None, first_name: str | None) -> Consultation | None:
    """The consultation with this reference code and first name, or None: a
    code of no consultation and a name that is not its patient's are the same
    to the caller."""
    reference = tidy_code(code)
    if not reference:
        return None
    found = db.session.scalar(select(Consultation).where(Consultation.reference == reference))
    return found if found is not None and same_name(first_name, found.first_name) else None


def returning_draft(earlier: Consultation, flow: Flow, language: str) -> Draft:
    """A new draft for the patient of ``earlier``, back for a later session:
    it holds their answers to the steps not asked again, as answered then,
    and none to those asked again (answers about today are given today). A
    carried-over answer that no longer passes its checks (an event date now
    past) is left out. The caller adds and commits it."""
    carried = flow.carried_over(earlier.answers)
    carried = {k: v for k, v in carried.items() if k not in _stale(flow, carried)}
    visit = earlier_visit(
        flow, earlier.answers, earlier.reference, local_time(earlier.submitted_at)
    )
    return Draft(
        answers=carried,
        asked=sorted(carried),
        language=language,
        previous_id=earlier.id,
        previous=visit.to_json(),
    )


def forget_stale(draft: Draft, flow: Flow) -> bool:
    """Leave out of a returning patient's draft the carried-over answers that
    no longer pass their checks (an event date passed while they answered):
    they are not asked those screens, so could not put them right. Whether
    any was left out; the caller commits."""
    carried = flow.carried_over(draft.answers)
    stale = _stale(flow, carried)
    if not stale:
        return False
    draft.answers = {k: v for k, v in draft.answers.items() if k not in stale}
    draft.asked = [q for q in draft.asked if q not in stale]
    return True


def _stale(flow: Flow, carried: dict) -> set[str]:
    return answer_problems(flow, carried, dt.date.today()).keys() & carried.keys()


def unmatched_draft(code: str | None, language: str) -> Draft:
    """A new patient's draft, for one who said they had been here before but
    whose code and first name matched nothing: staff are told the code."""
    given = Earlier(reference=tidy_code(code), matched=False)
    return Draft(answers={}, asked=[], language=language, previous=given.to_json())


def follow_up(consultation: Consultation, language: str) -> FollowUp | None:
    """The earlier visit of ``consultation`` and what changed since, in
    ``language``; None for a first visit."""
    earlier = Earlier.from_json(consultation.previous)
    if earlier is None:
        return None
    earlier_id = None
    if consultation.previous_id is not None:
        # Deleted by retention: on PostgreSQL the link is gone with it; on SQLite
        # (no foreign key checks) it may point at nothing.
        exists = select(Consultation.id).where(Consultation.id == consultation.previous_id)
        earlier_id = db.session.scalar(exists)
    found = ()
    if earlier.matched:
        flow: Flow = current_app.extensions["kiosk.core.flow"]
        found = changes(flow, earlier, consultation.answers, language)
    return FollowUp(earlier, earlier_id, found)
