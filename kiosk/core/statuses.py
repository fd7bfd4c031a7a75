"""The staff side's fixed values and words: a consultation's status and a
screening flag's severity, each value with its one label, and flags grouped by
severity; a PDF's copy and status; where a consent stands.

The queue, the consultation page, the queue's status filter and the staff copy
all take their words from here, translated with the interface catalogue when
they are shown, so that a severity or a status reads the same everywhere.
Plain Python: the PDFs use it without Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from kiosk.core.i18n import LazyString, lazy_gettext
from kiosk.core.plan.model import SEVERITIES, Flag


class ConsultationStatus(StrEnum):
    """Where a consultation is in its review. Stored as these strings."""

    NEW = "new"
    IN_REVIEW = "in_review"
    REVIEWED = "reviewed"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def can_start_review(self) -> bool:
        return self is ConsultationStatus.NEW

    @property
    def can_mark_reviewed(self) -> bool:
        return self is not ConsultationStatus.REVIEWED


STATUS_LABELS: dict[ConsultationStatus, LazyString] = {
    ConsultationStatus.NEW: lazy_gettext("New"),
    ConsultationStatus.IN_REVIEW: lazy_gettext("In review"),
    ConsultationStatus.REVIEWED: lazy_gettext("Reviewed"),
}


class ConsentAction(StrEnum):
    """One step of a consultation's consent. Stored as these strings."""

    SIGNED = "signed"
    WITHDRAWN = "withdrawn"


class ConsentState(StrEnum):
    """A consultation's consent as it stands, for the queue. Stored as these
    strings; a consultation sent with no consent asked for has none."""

    GIVEN = "given"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return str(CONSENT_LABELS[self])


CONSENT_LABELS: dict[ConsentState, LazyString] = {
    ConsentState.GIVEN: lazy_gettext("Consent signed"),
    ConsentState.WITHDRAWN: lazy_gettext("Consent withdrawn"),
}


# A consultation's two PDFs: the patient's take-home copy, in their language,
# and the staff copy, in the clinic's.
COPIES = ("patient", "staff")


class PdfStatus(StrEnum):
    """Where one of a consultation's PDFs is. Stored as these strings."""

    PENDING = "pending"  # the render worker has yet to make it
    READY = "ready"
    FAILED = "failed"  # after its retries; staff can have it rendered again


# Shown on the staff pages, never stored: a ready PDF whose file is gone (a
# backup restored without it, a file removed by hand).
FILE_MISSING = "file_missing"

# Most serious first, in the plan engine's order (plan/model.py).
SEVERITY_LABELS: dict[str, LazyString] = {
    "do_not_treat": lazy_gettext("Do not treat today"),
    # RF contraindicated; a treatment without RF may still be possible.
    "no_rf": lazy_gettext("No RF"),
    "review": lazy_gettext("Clinician review"),
    "note": lazy_gettext("Note"),
}


def severity_label(severity: str) -> str:
    """A severity in words, in the language in force: "Clinician review"."""
    label = SEVERITY_LABELS.get(severity)
    return str(label) if label is not None else severity


@dataclass(frozen=True)
class FlagCount:
    """How many flags of one severity fired, as the queue shows it."""

    severity: str
    count: int

    @property
    def label(self) -> str:
        return severity_label(self.severity)


@dataclass(frozen=True)
class FlagGroup:
    """The flags of one severity, as the staff page and the staff copy list them."""

    severity: str
    flags: tuple[Flag, ...]

    @property
    def label(self) -> str:
        return severity_label(self.severity)


def flag_groups(flags: Iterable[Flag]) -> tuple[FlagGroup, ...]:
    """Flags by severity, most serious first (an unknown severity comes last);
    severities without a flag are left out."""
    flags = tuple(flags)
    order = list(SEVERITIES) + sorted({f.severity for f in flags} - set(SEVERITIES))
    groups = (FlagGroup(s, tuple(f for f in flags if f.severity == s)) for s in order)
    return tuple(group for group in groups if group.flags)
