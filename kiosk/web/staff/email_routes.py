"""The consultation page's "Summary e-mail" line and its "Send again" button
(``kiosk/records/summary_email.py`` does the work)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from kiosk.core.i18n import gettext as _
from kiosk.records import summary_email
from kiosk.web.forms import EmptyForm
from kiosk.web.staff import bp
from kiosk.web.staff.routes import find_consultation


@bp.route("/c/<consultation_id>/email")
def email_status(consultation_id: str):
    """The line alone: it asks for itself again while the e-mail is on its way."""
    consultation = find_consultation(consultation_id)
    return render_template(
        "staff/_summary_email.html",
        consultation=consultation,
        summary_email=summary_email.state(consultation),
        action_form=EmptyForm(),
    )


@bp.route("/c/<consultation_id>/email", methods=["POST"])
def send_email_again(consultation_id: str):
    consultation = find_consultation(consultation_id)
    if EmptyForm().validate_on_submit():
        if summary_email.send_again(consultation):
            flash(_("The summary e-mail is queued: it is sent to the address the patient gave."))
        else:
            flash(_("The summary e-mail cannot be sent now: see the line “Summary e-mail”."))
    return redirect(url_for("staff.consultation", consultation_id=consultation.id) + "#email", 303)
