"""The audit log: who viewed, printed, changed or deleted what, and when."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from .extensions import db
from .models import AuditEvent, StaffUser

ACTIONS = {
    "login": "Signed in",
    "login_failed": "Failed sign-in",
    "logout": "Signed out",
    "timeout": "Signed out after inactivity",
    "view": "Viewed consultation",
    "print_patient": "Opened patient copy",
    "download_staff": "Downloaded staff copy",
    "export_fhir": "Exported FHIR",
    "start_review": "Started review",
    "mark_reviewed": "Marked reviewed",
    "note": "Added note",
    "regenerate": "Regenerated PDFs",
    "delete": "Deleted consultation",
    "account_created": "Account created",
    "account_disabled": "Account disabled",
    "password_reset": "Password reset",
}


def record(
    action: str,
    *,
    consultation_ref: str | None = None,
    detail: str | None = None,
    user: StaffUser | None = None,
    username: str | None = None,
    commit: bool = True,
) -> AuditEvent:
    """Add one entry; by default on behalf of the signed-in staff member."""
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
    )
    db.session.add(event)
    if commit:
        db.session.commit()
    return event
