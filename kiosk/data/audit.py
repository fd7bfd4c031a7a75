"""The audit log: who viewed, printed, changed or deleted what, and when."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from kiosk.core.i18n import lazy_gettext
from kiosk.data.database import db
from kiosk.data.models import AuditEvent, StaffUser

ACTIONS = {
    "login": lazy_gettext("Signed in"),
    "login_failed": lazy_gettext("Failed sign-in"),
    "login_throttled": lazy_gettext("Sign-in refused: too many failed attempts"),
    "limit_lifted": lazy_gettext("Sign-in limit lifted"),
    "logout": lazy_gettext("Signed out"),
    "timeout": lazy_gettext("Signed out after inactivity"),
    "session_lifetime": lazy_gettext("Signed out at the end of the session's lifetime"),
    "view": lazy_gettext("Viewed consultation"),
    "returning_patient": lazy_gettext("Patient back for a later session started from it"),
    "print_patient": lazy_gettext("Opened patient copy"),
    "download_staff": lazy_gettext("Downloaded staff copy"),
    "export_fhir": lazy_gettext("Exported FHIR"),
    "export_fhir_bundle": lazy_gettext("Exported a consultation as a FHIR bundle"),
    "export_fhir_period": lazy_gettext("Exported a period's consultations as FHIR"),
    "export_csv": lazy_gettext("Exported a period's consultations as CSV"),
    "export_audit": lazy_gettext("Exported the audit log as CSV"),
    "start_review": lazy_gettext("Started review"),
    "mark_reviewed": lazy_gettext("Marked reviewed"),
    "note": lazy_gettext("Added note"),
    "regenerate": lazy_gettext("Regenerated PDFs"),
    "delete": lazy_gettext("Deleted consultation"),
    "consent_signed": lazy_gettext("Consent signed on the kiosk"),
    "consent_signed_again": lazy_gettext("Consent signed again on a staff device"),
    "consent_withdrawn": lazy_gettext("Consent withdrawn"),
    "email_sent": lazy_gettext("Sent the summary e-mail"),
    "email_failed": lazy_gettext("Summary e-mail failed"),
    "email_again": lazy_gettext("Asked for the summary e-mail again"),
    "purge": lazy_gettext("Deleted what outlived the retention period"),
    "backup": lazy_gettext("Backed up"),
    "restore": lazy_gettext("Restored from a backup"),
    "account_created": lazy_gettext("Account created"),
    "account_disabled": lazy_gettext("Account disabled"),
    "account_enabled": lazy_gettext("Account enabled"),
    "password_reset": lazy_gettext("Password reset"),
    "password_changed": lazy_gettext("Own password changed"),
    "password_change_refused": lazy_gettext("Own password change refused: wrong current password"),
    "role_changed": lazy_gettext("Role changed"),
    "account_locations_changed": lazy_gettext("Account's locations changed"),
    "setting_changed": lazy_gettext("Changed a clinic setting"),
    "location_added": lazy_gettext("Added a location"),
    "location_changed": lazy_gettext("Changed a location"),
}


def add_entry(
    action: str,
    *,
    consultation_ref: str | None = None,
    detail: str | None = None,
    user: StaffUser | None = None,
    username: str | None = None,
    location_id: int | None = None,
) -> AuditEvent:
    """Add one entry to the session, by default on behalf of the signed-in staff
    member. It is saved with the change it records: whoever owns that change (a
    view, a service, a command) commits, so that the entry and the change are
    saved together or not at all. ``location_id``: the location it concerns
    (a consultation's), for the log's location filter."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    event = AuditEvent(
        action=action,
        user_id=user.id if user else None,
        username=user.username if user else username,
        consultation_ref=consultation_ref,
        detail=detail,
        ip=request.remote_addr if has_request_context() else None,
        location_id=location_id,
    )
    db.session.add(event)
    return event
