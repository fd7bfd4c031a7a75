"""Everything a consultation's two PDFs say, gathered before rendering."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.core.answer_text import AnswerGroup, AnswerLine
from kiosk.core.i18n import clinic_name
from kiosk.core.plan.model import Plan
from kiosk.core.returning import FollowUp
from kiosk.core.signature import Signature

__all__ = ["AnswerGroup", "AnswerLine", "Clinic", "PdfDocument", "PrintedConsent", "PrintedNote"]


@dataclass(frozen=True)
class Clinic:
    name: str
    address: str = ""
    phone: str = ""
    email: str = ""
    booking_url: str = ""  # shown as a QR code on the patient copy
    logo: str = ""  # the path of a checked PNG or SVG file (kiosk/clinic/branding.py)
    colour: str = "#1d4f6e"  # the brand colour of the headings

    @property
    def shown_name(self) -> str:
        """The name as a copy shows it, in the language in force."""
        return clinic_name(self.name)

    def missing_details(self) -> list[str]:
        """The settings the patient's copy needs and that are not set: the
        phone number to call about a warning sign, and the address."""
        details = (("CLINIC_PHONE", self.phone), ("CLINIC_ADDRESS", self.address))
        return [name for name, value in details if not value.strip()]


@dataclass(frozen=True)
class PrintedNote:
    """A staff note as the staff copy prints it."""

    author: str
    written_at: dt.datetime  # local time
    text: str


@dataclass(frozen=True)
class PrintedConsent:
    """The consent as it stands, as both copies print it: the words last
    signed, exactly as kept, and how; or that it was withdrawn since."""

    text: str  # the words signed (ConsentText.as_text), in ``language``
    language: str
    version: str  # "2026-12 (1f6b7836)": the content's version and the words' digest
    signed_at: dt.datetime  # local time
    signature: Signature | None  # drawn; None where a full name was typed
    typed_name: str | None
    photos: bool
    witness: str | None = None  # staff, where the patient signed again on their device
    withdrawn_at: dt.datetime | None = None  # local time
    withdrawn_reason: str | None = None

    @property
    def title(self) -> str:
        return self.text.split("\n\n", 1)[0].strip()

    @property
    def blocks(self) -> tuple[tuple[str | None, tuple[str, ...]], ...]:
        """The words after the title: each part as (heading, its lines), each
        paragraph as (None, (paragraph,))."""
        blocks = []
        for block in self.text.strip().split("\n\n")[1:]:
            first, *rest = block.split("\n")
            if rest and all(line.startswith("- ") for line in rest):
                blocks.append((first, tuple(line[2:] for line in rest)))
            else:
                blocks.append((None, (block,)))
        return tuple(blocks)


@dataclass(frozen=True)
class PdfDocument:
    """What the patient's copy and the staff copy of one set of answers say."""

    plan: Plan  # in the patient's language
    reference: str  # "K7P-4QX"
    submitted_at: dt.datetime  # local time of submission
    clinic: Clinic
    paper: str = "A4"  # "A4" or "Letter"
    # For the staff copy: every answer, grouped as in the questionnaire, in
    # the clinic's language; the staff copy notes the patient's language.
    answers: tuple[AnswerGroup, ...] = ()
    glance: tuple[AnswerLine, ...] = ()  # the staff copy's at-a-glance rows
    staff_flags_plan: Plan | None = None  # the plan in the clinic's language, for its flags
    clinic_language: str = "en"
    reviewer: str | None = None  # the staff member who reviewed, once reviewed
    reviewed_at: dt.datetime | None = None
    notes: tuple[PrintedNote, ...] = ()  # the staff notes, oldest first
    # The staff copy's legend: each source its flags cite, and what it is.
    sources: tuple[tuple[str, str], ...] = ()
    # A follow-up visit: the earlier one and what changed since (staff copy).
    follow_up: FollowUp | None = None
    consent: PrintedConsent | None = None  # None: no consent was asked for
