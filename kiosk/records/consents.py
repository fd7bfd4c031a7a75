"""A consultation's consent: signed on the kiosk with the answers, signed again
on a staff device, or withdrawn. Each is a new row of ``consents`` and an
audit entry; the consultation's ``consent`` says where it stands, for the
queue. Nothing recorded is ever changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from kiosk.core.pdf.document import PrintedConsent
from kiosk.core.plan.model import ConsentText
from kiosk.core.signature import Signature
from kiosk.core.statuses import ConsentAction, ConsentState
from kiosk.data import audit
from kiosk.data.database import db
from kiosk.data.models import ConsentRecord, Consultation, StaffUser, local_time, utcnow


def consent_text(answers: Mapping[str, Any], language: str) -> ConsentText:
    """The consent for ``answers`` (its RF lines where RF is in question), in
    ``language``: what the kiosk, or a staff device signing again, shows."""
    return current_app.extensions["kiosk.core.plan"].consent(answers, language=language)


@dataclass(frozen=True)
class Signing:
    """What a patient gave on the consent screen: the words they read, and a
    drawn signature or their typed full name, and the photo choice."""

    consent: ConsentText
    signature: Signature | None
    typed_name: str | None
    photos: bool

    def describe(self) -> str:
        """For the audit log: how it was signed, never the name or the strokes."""
        how = "drawn signature" if self.signature is not None else "typed full name"
        photos = "photos agreed" if self.photos else "no photos"
        return f"{how}; {photos}; version {self.consent.label}; {self.consent.language}"


def record_signed(
    consultation: Consultation, signing: Signing, *, staff: StaffUser | None = None
) -> ConsentRecord:
    """Add the signing to ``consultation`` with its audit entry; the caller
    commits (with the consultation itself, when it is being sent). ``staff``:
    the staff member on whose device the patient signed again."""
    text = signing.consent
    record = ConsentRecord(
        action=ConsentAction.SIGNED,
        at=utcnow(),
        language=text.language,
        version=text.version,
        text=text.as_text(),
        text_sha256=text.digest,
        signature=signing.signature.stored() if signing.signature is not None else None,
        typed_name=signing.typed_name if signing.signature is None else None,
        photos=signing.photos,
        staff=staff,
    )
    consultation.consents.append(record)
    consultation.consent = ConsentState.GIVEN
    audit.add_entry(
        "consent_signed_again" if staff is not None else "consent_signed",
        consultation_ref=consultation.reference,
        location_id=consultation.location_id,
        detail=signing.describe(),
        user=staff,
    )
    return record


def sign_again(consultation: Consultation, signing: Signing, staff: StaffUser) -> None:
    record_signed(consultation, signing, staff=staff)
    db.session.commit()


def withdraw(consultation: Consultation, reason: str, staff: StaffUser) -> None:
    """Record that the patient withdrew their consent, as ``staff`` heard it."""
    consultation.consents.append(
        ConsentRecord(
            action=ConsentAction.WITHDRAWN, at=utcnow(), reason=reason or None, staff=staff
        )
    )
    consultation.consent = ConsentState.WITHDRAWN
    audit.add_entry(
        "consent_withdrawn",
        consultation_ref=consultation.reference,
        location_id=consultation.location_id,
        detail=f"reason given: {reason}" if reason else "no reason given",
        user=staff,
    )
    db.session.commit()


def last_signed(consultation: Consultation) -> ConsentRecord | None:
    """The consent last signed, withdrawn since or not."""
    signed = [r for r in consultation.consents if r.action == ConsentAction.SIGNED]
    return signed[-1] if signed else None


def signature_of(record: ConsentRecord) -> Signature | None:
    return Signature.from_stored(record.signature) if record.signature else None


def printed(consultation: Consultation) -> PrintedConsent | None:
    """The consent as both copies print it; None where none was ever signed."""
    record = last_signed(consultation)
    if record is None:
        return None
    last = consultation.consents[-1]
    withdrawn = last if last.action == ConsentAction.WITHDRAWN else None
    return PrintedConsent(
        text=record.text or "",
        language=record.language or consultation.language,
        version=f"{record.version} ({(record.text_sha256 or '')[:8]})",
        signed_at=local_time(record.at),
        signature=signature_of(record),
        typed_name=record.typed_name,
        photos=bool(record.photos),
        witness=record.staff.display_name if record.staff else None,
        withdrawn_at=local_time(withdrawn.at) if withdrawn else None,
        withdrawn_reason=withdrawn.reason if withdrawn else None,
    )
