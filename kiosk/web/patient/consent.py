"""The consent screen, after Check your answers where the clinic asks for it
(CONSENT_ON): the microneedling consent in the patient's language, signed
with a finger or a typed full name, and the separate photo choice. Signing
sends the answers with it."""

from __future__ import annotations

from flask import Response, redirect, url_for

from kiosk.core.plan.model import ConsentText
from kiosk.data.models import Draft
from kiosk.records.consents import consent_text
from kiosk.web.patient import bp
from kiosk.web.patient.routes import (
    Templates,
    consent_asked,
    current_draft,
    flow,
    go,
    render,
    resume_url,
    screen_with_a_problem,
    send,
)
from kiosk.web.signing import ConsentForm

CONSENT = Templates("patient/consent.html", "patient/_consent.html")


@bp.route("/consent", methods=["GET", "POST"])
def consent():
    draft = current_draft()
    if draft is None:
        return go(url_for("patient.welcome"))
    if flow().first_incomplete(draft.answers, set(draft.asked)) is not None:
        return redirect(resume_url(draft), 303)
    if not consent_asked():
        return redirect(url_for("patient.check"), 303)
    text = consent_text(draft.answers, draft.language)
    form = ConsentForm()
    if form.is_submitted():
        signing = form.signing(text)
        if signing is not None:
            problem = screen_with_a_problem(draft)
            return problem if problem is not None else send(draft, signing)
    return show_consent(draft, form, text)


def show_consent(
    draft: Draft, form: ConsentForm, text: ConsentText, *, busy: bool = False
) -> Response:
    return render(
        CONSENT,
        form=form,
        consent=text,
        lang=draft.language,
        # Part of the last item of the progress list, Check (see _macros.html).
        progress=flow().progress(None),
        back=url_for("patient.check"),
        busy=busy,
    )


def consent_busy(draft: Draft, status: int) -> Response:
    """The database was too busy to send: the consent screen again as it was
    sent (the signature drawn again from its field), saying to press the
    button again. Nothing was saved."""
    form = ConsentForm()
    form.validate()  # reads what was sent into the fields
    for field in (form.signature, form.typed_name, form.typed_confirm):
        field.errors = []
    response = show_consent(draft, form, consent_text(draft.answers, draft.language), busy=True)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
