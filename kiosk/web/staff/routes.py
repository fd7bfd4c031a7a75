"""Staff views. Every URL here needs a signed-in account (see ``guard``)."""

from __future__ import annotations

import json

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_htmx import make_response as htmx_response
from flask_limiter import RateLimitExceeded
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from kiosk.clinic import locations
from kiosk.core import fhir
from kiosk.core.i18n import gettext as _
from kiosk.core.statuses import PdfStatus
from kiosk.data import audit
from kiosk.data.database import db
from kiosk.data.models import Consultation, local_time, utcnow
from kiosk.records import consents, consultations, fhir_export, stored_pdfs, summary_email
from kiosk.web import throttle
from kiosk.web.auth import (
    admin_required,
    authenticate,
    end_session,
    login_manager,
    session_expired,
    start_session,
)
from kiosk.web.forms import EmptyForm
from kiosk.web.htmx import htmx
from kiosk.web.redirects import local_path
from kiosk.web.staff import bp, location_choice
from kiosk.web.staff.forms import AuditFilter, ExportForm, LoginForm, NoteForm, QueueFilter
from kiosk.web.throttle import throttled

PUBLIC = {"staff.login"}
# Requests that do not count as activity for the idle time-out.
PASSIVE = {"staff.queue_rows", "staff.pdf_status", "staff.email_status"}


@bp.before_request
def guard():
    if request.endpoint in PUBLIC:
        return None
    if not current_user.is_authenticated:
        if htmx:
            return htmx_response(redirect=url_for("staff.login"))
        return login_manager.unauthorized()
    user = current_user._get_current_object()
    ended = session_expired(
        current_app.config["STAFF_IDLE_MINUTES"],
        current_app.config["STAFF_SESSION_HOURS"],
        touch=request.endpoint not in PASSIVE,
    )
    if ended:
        audit.add_entry("timeout" if ended == "idle" else "session_lifetime", user=user)
        db.session.commit()
        if ended == "idle":
            flash(_("You were signed out after a period of inactivity."))
        else:
            flash(
                _(
                    "You were signed out: a session lasts at most %(hours)s hours.",
                    hours=current_app.config["STAFF_SESSION_HOURS"],
                )
            )
        if htmx:
            return htmx_response(redirect=url_for("staff.login"))
        return redirect(url_for("staff.login"))
    return None


@bp.after_request
def private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("HX-Request")
    return response


# Signing in and out ------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@throttled
def login():
    form = LoginForm()
    if form.validate_on_submit():
        typed = form.username.data.strip()
        account, address = throttle.account_name(typed), request.remote_addr or ""
        if wait := throttle.wait_left(account, address):
            return _refused(form, wait)
        user = authenticate(typed, form.password.data)
        if user is None:
            g.sign_in_failed = True  # counts against this address (throttled)
            wait = throttle.record_failure(account, address)
            audit.add_entry("login_failed", username=typed[:60])
            db.session.commit()
            form.password.errors.append(
                _("Incorrect username or password. %(try_again)s", try_again=_try_again(wait))
                if wait
                else _("Incorrect username or password")
            )
        else:
            throttle.forget(account, address)
            start_session(user)
            user.last_login_at = utcnow()
            audit.add_entry("login", user=user)
            db.session.commit()
            next_page = local_path(request.args.get("next"), under="/staff/")
            return redirect(next_page or url_for("staff.queue"))
    status = 200 if request.method == "GET" or not form.errors else 422
    return render_template("staff/login.html", form=form), status


def _try_again(seconds: float) -> str:
    """When the refused may try again, in words: minutes from now and the clock time."""
    return _(
        "Too many failed sign-in attempts. Try again in %(wait)s, at %(time)s.",
        **throttle.wait_words(seconds),
    )


def _refused(form: LoginForm, seconds: float):
    """Sign-in refused for ``seconds`` more: the same words whether or not the
    account exists, and an entry in the audit log."""
    username = (form.username.data or "").strip()[:60]
    audit.add_entry("login_throttled", username=username or None)
    db.session.commit()
    form.username.errors, form.password.errors = [], [_try_again(seconds)]
    form.csrf_token.errors = []
    return render_template("staff/login.html", form=form), 429


@bp.errorhandler(RateLimitExceeded)
def sign_in_refused(error: RateLimitExceeded):
    """Too many failed sign-ins from this address, whatever the usernames."""
    form = LoginForm()
    form.validate()
    return _refused(form, throttle.retry_seconds())


@bp.route("/logout", methods=["POST"])
def logout():
    if EmptyForm().validate_on_submit():
        audit.add_entry("logout")
        end_session()
        db.session.commit()
    return redirect(url_for("staff.login"))


# The queue -----------------------------------------------------------------


def _queue_context():
    form = QueueFilter(request.form if request.method == "POST" else None)
    form.validate()
    # A filter the form refused (a search past 60 characters, a malformed
    # date, an unknown status) filters nothing; the form says why.
    accepted = {field.name: None if field.errors else field.data for field in form}
    if form.q.errors:
        form.q.data = form.q.data[:60]  # shown again cut short, not 60 KB of it
    # The locations the account sees, or the one chosen in the header.
    at = location_choice.queue_locations(current_user._get_current_object())
    rows = consultations.queue(
        text=accepted["q"],
        date_from=accepted["date_from"],
        date_to=accepted["date_to"],
        status=accepted["status"],
        location_ids=at,
    )
    more = consultations.earlier_not_shown(
        rows, text=accepted["q"], status=accepted["status"], location_ids=at
    )
    # The rows refresh faster while a PDF is being prepared.
    return {
        "filter": form,
        "rows": rows,
        "earlier_not_shown": more,
        "preparing": any(row.preparing for row in rows),
    }


@bp.route("/", methods=["GET", "POST"])
def queue():
    # Searches are POSTed: a patient's first name never lands in a URL.
    return render_template("staff/queue.html", **_queue_context())


@bp.route("/queue/rows", methods=["POST"])
def queue_rows():
    return render_template("staff/_queue_rows.html", **_queue_context())


# One consultation --------------------------------------------------------------


def find_consultation(consultation_id: str) -> Consultation:
    """The consultation of a staff URL, or a 404 page: also for one of a
    location the signed-in account does not see, as if there were none."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not consultations.may_see(
        current_user._get_current_object(), consultation
    ):
        abort(404)
    return consultation


@bp.route("/c/<consultation_id>")
def consultation(consultation_id: str):
    consultation = find_consultation(consultation_id)
    audit.add_entry(
        "view", consultation_ref=consultation.reference, location_id=consultation.location_id
    )
    db.session.commit()
    return _render_consultation(consultation, NoteForm())


def _render_consultation(consultation: Consultation, note_form: NoteForm, status: int = 200):
    signed = consents.last_signed(consultation)
    return render_template(
        "staff/consultation.html",
        consultation=consultation,
        **consultations.consultation_page(consultation).context(),
        note_form=note_form,
        local_time=local_time,
        consent_signed=signed,
        signature=consents.signature_of(signed) if signed else None,
        **_pdf_context(consultation),
        summary_email=summary_email.state(consultation),
    ), status


@bp.route("/c/<consultation_id>/review", methods=["POST"])
def start_review(consultation_id: str):
    consultation = find_consultation(consultation_id)
    if EmptyForm().validate_on_submit():
        consultations.start_review(consultation)
    return redirect(url_for("staff.consultation", consultation_id=consultation.id), 303)


@bp.route("/c/<consultation_id>/reviewed", methods=["POST"])
def mark_reviewed(consultation_id: str):
    consultation = find_consultation(consultation_id)
    if EmptyForm().validate_on_submit():
        consultations.mark_reviewed(consultation, current_user._get_current_object())
        flash(
            _(
                "Marked as reviewed. The patient's copy is being prepared again, "
                "naming you as the reviewer."
            )
        )
    return redirect(url_for("staff.consultation", consultation_id=consultation.id), 303)


@bp.route("/c/<consultation_id>/notes", methods=["POST"])
def add_note(consultation_id: str):
    consultation = find_consultation(consultation_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_consultation(consultation, form, 422)
    consultations.add_note(consultation, current_user._get_current_object(), form.text.data)
    return redirect(url_for("staff.consultation", consultation_id=consultation.id) + "#notes", 303)


@bp.route("/c/<consultation_id>/regenerate", methods=["POST"])
def regenerate(consultation_id: str):
    consultation = find_consultation(consultation_id)
    if EmptyForm().validate_on_submit():
        consultations.regenerate(consultation)
        flash(_("The PDFs are being prepared again."))
    return redirect(url_for("staff.consultation", consultation_id=consultation.id), 303)


def _send_pdf(consultation_id: str, copy: str, action: str, *, attachment: bool, name: str):
    consultation = find_consultation(consultation_id)
    pdf = consultation.pdf(copy)
    if pdf is not None and pdf.status != PdfStatus.READY:
        return _pdf_not_ready(consultation, copy)
    path = stored_pdfs.pdf_path(pdf) if pdf else None
    if pdf is None or pdf.status != PdfStatus.READY:
        abort(404)
    if path is None or not path.exists():
        flash(_missing_file_message(copy))
        return redirect(url_for("staff.consultation", consultation_id=consultation.id), 303)
    audit.add_entry(
        action, consultation_ref=consultation.reference, location_id=consultation.location_id
    )
    db.session.commit()
    return send_file(
        path,
        mimetype="application/pdf",
        as_attachment=attachment,
        download_name=f"{name}-{consultation.reference}.pdf",
        max_age=0,
    )


def _missing_file_message(copy: str) -> str:
    if copy == "patient":
        return _("The patient copy's file is missing: regenerate the PDFs.")
    return _("The staff copy's file is missing: regenerate the PDFs.")


def _pdf_not_ready(consultation: Consultation, copy: str):
    """A page saying the PDF is still being prepared (202, it updates itself) or
    could not be rendered (409), instead of a bare 404."""
    pending = consultation.pdf(copy).status == PdfStatus.PENDING
    return render_template(
        "staff/pdf_not_ready.html",
        consultation=consultation,
        copy=copy,
        **_pdf_context(consultation),
    ), (202 if pending else 409)


def _pdf_context(consultation: Consultation) -> dict:
    return {
        "pdf_states": consultations.pdf_states(consultation),
        "next_try": consultations.next_try(consultation),
        "action_form": EmptyForm(),
    }


@bp.route("/c/<consultation_id>/pdfs")
def pdf_status(consultation_id: str):
    """The PDFs component: polls itself while a copy is being prepared."""
    consultation = find_consultation(consultation_id)
    return render_template(
        "staff/_pdfs.html", consultation=consultation, **_pdf_context(consultation)
    )


@bp.route("/c/<consultation_id>/patient.pdf")
def patient_pdf(consultation_id: str):
    # Inline, so that the browser opens it ready to print.
    return _send_pdf(consultation_id, "patient", "print_patient", attachment=False, name="summary")


@bp.route("/c/<consultation_id>/staff.pdf")
def staff_pdf(consultation_id: str):
    return _send_pdf(consultation_id, "staff", "download_staff", attachment=True, name="staff-copy")


@bp.route("/c/<consultation_id>/fhir.json")
def consultation_fhir(consultation_id: str):
    consultation = find_consultation(consultation_id)
    flow = current_app.extensions["kiosk.core.flow"]
    resource = fhir.response_resource(
        flow.questionnaire,
        flow,
        response_id=fhir.response_uuid(consultation.id),
        answers=consultation.answers,
        language=consultation.language,
        authored=consultation.submitted_at,
        amended=consultations.amended(consultation),
        reference=consultation.reference,
    )
    audit.add_entry(
        "export_fhir",
        consultation_ref=consultation.reference,
        location_id=consultation.location_id,
    )
    db.session.commit()
    return _json(resource, f"questionnaire-response-{consultation.reference}.json")


@bp.route("/c/<consultation_id>/consent.json")
def consent_fhir(consultation_id: str):
    """The consent as it stands, as a FHIR R4 Consent: 404 where none was signed."""
    consultation = find_consultation(consultation_id)
    signed = fhir_export.signed_consent(consultation)
    if signed is None:
        abort(404)
    # The same ids as in the consultation's Bundle.
    resource = fhir.consent_resource(
        consent_id=fhir.part_uuid(consultation.id, f"consent:{signed.record_id}"),
        response_id=fhir.response_uuid(consultation.id),
        text=signed.text,
        title=signed.title,
        version=signed.version,
        language=signed.language,
        signed_at=signed.signed_at,
        signature=signed.signature,
        typed_name=signed.typed_name,
        photos=signed.photos,
        withdrawn_at=signed.withdrawn_at,
    )
    audit.add_entry(
        "export_fhir",
        consultation_ref=consultation.reference,
        detail="consent",
        location_id=consultation.location_id,
    )
    db.session.commit()
    return _json(resource, f"consent-{consultation.reference}.json")


@bp.route("/c/<consultation_id>/fhir-bundle.json")
def consultation_bundle(consultation_id: str):
    """The consultation with its flags, review, notes and consent: a FHIR R4
    collection Bundle (see kiosk/core/fhir.py)."""
    consultation = find_consultation(consultation_id)
    bundle = fhir_export.consultation_bundle(consultation)
    audit.add_entry(
        "export_fhir_bundle",
        consultation_ref=consultation.reference,
        detail=f"{len(bundle['entry'])} resources",
        location_id=consultation.location_id,
    )
    db.session.commit()
    return _json(bundle, f"consultation-{consultation.reference}.json")


# Exporting a period: admins only. A period's export takes every patient's
# answers out of the kiosk at once, which a clinic decides on, as it does who
# reads the audit log; one consultation's export is part of a review.
@bp.route("/exports")
@admin_required
def exports():
    form = ExportForm(request.args)
    if "format" not in request.args:  # the page, not yet a download
        period = form.period()
        form.date_from.data = form.date_from.data or period.first
        form.date_to.data = form.date_to.data or period.last
        return _exports_page(form, period, 422 if form.errors else 200)
    if not form.validate():
        return _exports_page(form, None, 422)
    period = form.period()
    place = form.place()
    total = period.count()
    audit.add_entry(
        "export_fhir_period",
        detail=f"{period.first.isoformat()} to {period.last.isoformat()}; "
        f"{f'{place.slug}; ' if place else ''}{total} consultations; {form.kind.data}",
        location_id=period.location_id,
    )
    db.session.commit()
    at = f"-{place.slug}" if place else ""
    name = f"consultations{at}-{period.first.isoformat()}-to-{period.last.isoformat()}"
    if form.kind.data == "ndjson":
        # Streamed: a year of consultations is never held in memory whole.
        response = Response(
            stream_with_context(fhir_export.period_lines(period)),
            mimetype="application/fhir+ndjson",
        )
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.ndjson"'
        return response
    return _json(fhir_export.period_bundle(period), f"{name}.json")


def _exports_page(form: ExportForm, period, status: int = 200):
    return render_template(
        "staff/exports.html",
        form=form,
        period=period,
        total=period.count() if period else None,
    ), status


@bp.route("/questionnaire.json")
def questionnaire_fhir():
    flow = current_app.extensions["kiosk.core.flow"]
    resource = fhir.questionnaire_resource(
        flow.questionnaire, current_app.config["CLINIC_LANGUAGE"]
    )
    return _json(resource, "questionnaire.json")


def _json(resource: dict, filename: str) -> Response:
    response = Response(
        json.dumps(resource, indent=2, ensure_ascii=False), mimetype="application/fhir+json"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/c/<consultation_id>/delete", methods=["GET", "POST"])
@admin_required
def delete(consultation_id: str):
    consultation = find_consultation(consultation_id)
    form = EmptyForm()
    if form.validate_on_submit():
        reference = consultation.reference
        consultations.delete(consultation)
        flash(_("Consultation %(reference)s and its PDFs were deleted.", reference=reference))
        return redirect(url_for("staff.queue"), 303)
    return render_template("staff/delete.html", consultation=consultation, form=form)


# The audit log -----------------------------------------------------------------


def audit_filter() -> tuple[AuditFilter, dict]:
    """The audit log's filters from the URL (the page and its CSV export), and
    those the form accepted."""
    form = AuditFilter(request.args)
    form.action.choices = [
        SelectChoice("", _("Any action")),
        *(SelectChoice(code, words) for code, words in audit.ACTIONS.items()),
    ]
    form.validate()
    # A filter the form refused (an unknown action, a malformed date) filters nothing.
    accepted = {
        field.name: None if field.errors else field.data
        for field in form
        if field.name != "location"
    }
    if form.chain:
        accepted["location_id"] = form.location_id()
    return form, accepted


@bp.route("/audit")
@admin_required
def audit_log():
    form, accepted = audit_filter()
    return audit_page(form, accepted, 422 if form.chain and form.location.errors else 200)


def audit_page(form: AuditFilter, accepted: dict, status: int = 200):
    """The newest entries the filters accepted match; in a chain, with each
    entry's location where it has one."""
    return render_template(
        "staff/audit.html",
        filter=form,
        events=consultations.audit_entries(**accepted),
        actions=audit.ACTIONS,
        local_time=local_time,
    ), status


@bp.app_context_processor
def clinic_details_missing() -> dict:
    """For the staff pages' banner: the clinic details the patient's copy
    needs and that are not set yet (in a chain, those of the location shown)."""
    if request.blueprint != "staff":
        return {}
    place = locations.current()
    return {
        "clinic_missing": stored_pdfs.clinic_profile(place.config).missing_details(),
        # Where an admin adds them: a location's own page, or the settings' clinic part.
        "clinic_details_url": url_for("staff.settings_section", key="clinic")
        if place.first
        else url_for("staff.location_page", location_id=place.id),
    }
