"""A patient coming back for a later session of their course.

A course of microneedling is several sessions some weeks apart. A patient who
comes back types the reference code on their summary and their first name;
they answer again only what may change between sessions (the steps marked
``returning`` in the questionnaire) and the rest is carried over from their
earlier consultation. Staff see what changed since.

What a draft and its consultation keep of the earlier visit is an
:class:`Earlier`, stored as JSON beside the link to the earlier consultation
(which retention may delete first): its reference, when it was sent, and its
answers to the questions asked again, so that what changed can still be told
once the earlier consultation is gone. A patient who said they had been here
before, but whose code and first name matched nothing, and who then answered
as a new patient, has an :class:`Earlier` with ``matched`` false and the code
they gave.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk.core import reference
from kiosk.core.answer_text import display_answer
from kiosk.core.flow import Flow
from kiosk.core.i18n import gettext as _
from kiosk.core.i18n import local

# The longest code kept of one that matched nothing (as typed, tidied).
GIVEN_CODE_LENGTH = 12


def tidy_code(typed: str | None) -> str:
    """A code as a patient types it or reads it aloud ("k7p 4qx", "K7P-4QX")
    in its stored form."""
    return reference.normalise(typed or "")[:GIVEN_CODE_LENGTH]


def same_name(typed: str | None, stored: str | None) -> bool:
    """Whether two first names are the same, whatever their case, accents and
    surrounding spaces ("josé " and "Jose")."""
    return bool(_plain(typed)) and _plain(typed) == _plain(stored)


def _plain(name: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", (name or "").strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Earlier:
    """The earlier visit a draft or consultation follows (``matched``), or the
    code a patient gave that matched none (not ``matched``)."""

    reference: str
    matched: bool = True
    submitted_at: dt.datetime | None = None  # local time it was sent, when matched
    answers: Mapping[str, Any] = field(default_factory=dict)  # to the questions asked again

    def to_json(self) -> dict[str, Any]:
        if not self.matched:
            return {"reference": self.reference, "matched": False}
        return {
            "reference": self.reference,
            "matched": True,
            "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
            "answers": dict(self.answers),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Earlier | None:
        if not data:
            return None
        sent = data.get("submitted_at")
        return cls(
            reference=str(data.get("reference", "")),
            matched=bool(data.get("matched", True)),
            submitted_at=dt.datetime.fromisoformat(sent) if sent else None,
            answers=dict(data.get("answers") or {}),
        )


def earlier_visit(
    flow: Flow, answers: Mapping[str, Any], code: str, submitted_at: dt.datetime
) -> Earlier:
    """What a returning patient's draft keeps of their earlier consultation
    (its ``answers``, sent at ``submitted_at``, local time)."""
    again = {q.id for s in flow.asked_again() for q in s.questions}
    kept = {k: v for k, v in flow.effective_answers(answers).items() if k in again}
    return Earlier(reference=code, submitted_at=submitted_at, answers=kept)


@dataclass(frozen=True)
class Change:
    """A question asked again whose answer differs from the earlier one."""

    question_id: str
    question: str  # its short wording
    before: str  # the earlier answer in words
    now: str


def changes(
    flow: Flow, earlier: Earlier, answers: Mapping[str, Any], language: str
) -> tuple[Change, ...]:
    """Each question asked again whose answer now differs from the earlier
    visit's, in staff wording, in questionnaire order. A follow-up that did not
    apply then (or now) reads "Not asked"."""
    again = [q for s in flow.asked_again() for q in s.questions]
    carried = flow.carried_over(answers)
    before_walk = {i.question.id: i.value for i in flow.walk({**carried, **earlier.answers})}
    now_walk = {i.question.id: i.value for i in flow.walk(answers)}
    found = []
    for question in again:
        before = before_walk.get(question.id, _NOT_ASKED)
        now = now_walk.get(question.id, _NOT_ASKED)
        if _same(before, now):
            continue
        found.append(
            Change(
                question.id,
                local(question.summary_label or question.label, language),
                _words(question, before, language),
                _words(question, now, language),
            )
        )
    return tuple(found)


@dataclass(frozen=True)
class FollowUp:
    """What staff are told of the visit a consultation follows."""

    earlier: Earlier
    earlier_id: str | None  # the earlier consultation's id while it exists
    changes: tuple[Change, ...]

    @property
    def changed(self) -> frozenset[str]:
        """The ids of the questions whose answer changed."""
        return frozenset(change.question_id for change in self.changes)


_NOT_ASKED = object()


def _same(before: Any, now: Any) -> bool:
    empty = (None, "", [])
    if before is _NOT_ASKED or now is _NOT_ASKED:
        # Not asked, and not answered, tell the same when the other is empty.
        other = now if before is _NOT_ASKED else before
        return other is _NOT_ASKED or other in empty
    if isinstance(before, list) and isinstance(now, list):
        return sorted(before) == sorted(now)
    return before == now or (before in empty and now in empty)


def _words(question, value: Any, language: str) -> str:
    if value is _NOT_ASKED:
        return _("Not asked")
    return display_answer(question, value, language, staff=True)
