"""A consultation's consent on the staff side: the patient withdraws it (staff
record that, with the reason if one was given), or signs it again on a staff
device, e.g. where the clinic had it turned off when the answers were sent, or
after a withdrawal. Either way both PDFs are made again, to print the consent
as it now stands."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from kiosk.core.i18n import gettext as _
from kiosk.core.i18n import language as language_in_force
from kiosk.records import consents, consultations
from kiosk.web.signing import ConsentForm
from kiosk.web.staff import bp
from kiosk.web.staff.forms import WithdrawConsentForm
from kiosk.web.staff.routes import find_consultation


@bp.route("/c/<consultation_id>/consent/sign", methods=["GET", "POST"])
def sign_consent_again(consultation_id: str):
    """The consent in the patient's language, for the patient to sign on this
    (staff) device; the staff member signed in is recorded with it."""
    consultation = find_consultation(consultation_id)
    text = consents.consent_text(consultation.answers, consultation.language)
    form = ConsentForm()
    if form.is_submitted():
        # The form's messages are the patient's to read: in their language.
        with language_in_force(consultation.language):
            signing = form.signing(text)
        if signing is not None:
            consents.sign_again(consultation, signing, current_user._get_current_object())
            consultations.regenerate(consultation)
            flash(_("The consent is signed. Both PDFs are being prepared again to print it."))
            return redirect(url_for("staff.consultation", consultation_id=consultation.id), 303)
    with language_in_force(consultation.language):
        page = render_template(
            "staff/sign_consent.html", consultation=consultation, consent=text, form=form
        )
    return page, 422 if form.errors else 200


@bp.route("/c/<consultation_id>/consent/withdraw", methods=["GET", "POST"])
def withdraw_consent(consultation_id: str):
    consultation = find_consultation(consultation_id)
    if consultation.signed_consent is None:
        return redirect(url_for("staff.consultation", consultation_id=consultation.id), 303)
    form = WithdrawConsentForm()
    if form.validate_on_submit():
        consents.withdraw(consultation, form.reason.data or "", current_user._get_current_object())
        consultations.regenerate(consultation)
        flash(_("The withdrawal is recorded. Both PDFs are being prepared again to print it."))
        return redirect(url_for("staff.consultation", consultation_id=consultation.id), 303)
    status = 422 if form.errors else 200
    return render_template(
        "staff/withdraw_consent.html", consultation=consultation, form=form
    ), status
