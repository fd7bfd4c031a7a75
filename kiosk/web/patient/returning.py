"""A patient back for a later session of their course: "I have been here
before" on Welcome.

They type the reference code on their summary and their first name. When the
pair matches a consultation, their new draft carries over its answers to the
questions that do not change between sessions and asks only the others again
(kiosk/records/returning.py). When it does not, one message says so without
telling whether the code exists, and they may answer as a new patient (staff
are then told the code they gave). Wrong codes are throttled as staff sign-in
is (kiosk/web/throttle.py): a growing wait per code and tablet, and a limit per
tablet. The code and name travel only in the body of a POST; the session holds
only the draft's id, as ever.
"""

from __future__ import annotations

import hashlib

from flask import current_app, g, render_template, request, url_for
from flask_limiter import RateLimitExceeded
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from kiosk.core.i18n import current_language, lazy_gettext
from kiosk.core.i18n import gettext as _
from kiosk.core.returning import tidy_code
from kiosk.data import audit
from kiosk.data.models import Draft
from kiosk.records.returning import find_earlier, returning_draft, unmatched_draft
from kiosk.web import throttle
from kiosk.web.forms import clean_text
from kiosk.web.patient import bp
from kiosk.web.patient.routes import (
    begin,
    current_draft,
    go,
    patient_error,
    resume_url,
    whole_flow,
)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ReturningForm(FlaskForm):
    code = StringField(
        lazy_gettext("Reference code"),
        description=lazy_gettext("It is on your summary, for example K7P-4QX."),
        filters=[clean_text, _strip],
        # A tablet's keyboard: capitals, nothing corrected.
        render_kw={"autocapitalize": "characters", "autocorrect": "off", "spellcheck": "false"},
    )
    first_name = StringField(
        lazy_gettext("Your first name"),
        filters=[clean_text, _strip],
        render_kw={"autocapitalize": "words", "autocorrect": "off", "spellcheck": "false"},
    )

    def check(self) -> bool:
        """The CSRF token, and both boxes filled in, the code of the right length."""
        ok = self.validate()
        if not self.code.data:
            self.code.errors = [_("Enter the reference code from your summary")]
        elif len(tidy_code(self.code.data)) != 7 or len(self.code.data) > 20:
            self.code.errors = [
                _("Enter the code as it is on your summary: 6 letters and numbers, like K7P-4QX")
            ]
        if not self.first_name.data:
            self.first_name.errors = [_("Enter your first name")]
        elif len(self.first_name.data) > 60:
            self.first_name.errors = [_("Enter your first name as you gave it last time")]
        return ok and not self.code.errors and not self.first_name.errors


class NewPatientForm(FlaskForm):
    """Answer every question as a new patient, after a code that matched
    nothing: ``given`` is that code, for staff."""

    given = HiddenField(filters=[clean_text])


NOT_FOUND = lazy_gettext(
    "We could not find a summary with that code and first name. Check the code on your "
    "summary, or answer all the questions as a new patient."
)


def lookup_failed(_response) -> bool:
    return g.get("returning_lookup_failed", False)


def _key(code: str) -> str:
    """The throttle's name for a code: never the code itself."""
    return "summary:" + hashlib.sha256(code.encode()).hexdigest()[:20]


def _address() -> str:
    return request.remote_addr or ""


@bp.route("/returning", methods=["GET", "POST"])
@throttle.limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"],
    key_func=throttle.client_address,
    methods=["POST"],
    deduct_when=lookup_failed,
)
def returning():
    if current_draft() is not None:
        # Answers in progress on this tablet: Welcome asks what to do with them.
        return go(url_for("patient.welcome"))
    form = ReturningForm()
    if request.method == "GET":
        return _page(form)
    if not form.check():
        return _page(form, status=422)
    code = tidy_code(form.code.data)
    if wait := throttle.wait_left(_key(code), _address()):
        return _refused(form, wait)
    earlier = find_earlier(code, form.first_name.data)
    if earlier is None:
        g.returning_lookup_failed = True  # counts against this tablet (the limit above)
        wait = throttle.record_failure(_key(code), _address())
        form.code.errors = [f"{NOT_FOUND} {_wait_words(wait)}" if wait else str(NOT_FOUND)]
        return _page(form, given=code, offer_new=True, status=429 if wait else 422)
    throttle.forget(_key(code), _address())
    draft = returning_draft(earlier, whole_flow(), current_language())
    audit.add_entry(
        "returning_patient", consultation_ref=earlier.reference, location_id=earlier.location_id
    )
    return _begin(draft)


@bp.route("/returning/new", methods=["POST"])
def returning_as_new():
    """Answer every question as a new patient, after a code that matched nothing."""
    form = NewPatientForm()
    if not form.validate() or current_draft() is not None:
        return go(url_for("patient.welcome"))
    given = tidy_code(form.given.data)
    draft = unmatched_draft(given, current_language()) if given else None
    if draft is None:
        draft = Draft(answers={}, asked=[], language=current_language())
    return _begin(draft)


def _begin(draft: Draft):
    begin(draft)
    return go(resume_url(draft))


def _page(form: ReturningForm, *, given: str = "", offer_new: bool = False, status: int = 200):
    """The page; ``offer_new``: with a button to answer as a new patient,
    ``given`` the code that matched nothing, for staff."""
    return render_template(
        "patient/returning.html",
        form=form,
        new_form=NewPatientForm(given=given),
        offer_new=offer_new,
    ), status


def _wait_words(seconds: float) -> str:
    return _(
        "Too many codes did not match. Please wait %(wait)s (until %(time)s) before you try again.",
        **throttle.wait_words(seconds),
    )


def _refused(form: ReturningForm, seconds: float):
    """A lookup refused for ``seconds`` more: the form as it was sent, and the wait."""
    form.code.errors, form.first_name.errors = [_wait_words(seconds)], []
    form.csrf_token.errors = []
    # Not looked up: nothing to tell staff about the code.
    return _page(form, offer_new=True, status=429)


@bp.errorhandler(RateLimitExceeded)
def lookups_refused(error: RateLimitExceeded):
    """Too many codes that matched nothing from this tablet, whatever the codes."""
    if request.endpoint != "patient.returning":
        return patient_error(error)
    form = ReturningForm()
    form.validate()
    return _refused(form, throttle.retry_seconds())
