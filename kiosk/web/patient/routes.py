"""The patient's questionnaire on the kiosk.

Every screen works as a plain POST + redirect; with htmx the same forms post
in the background and only the ``#step`` container is swapped. The session
cookie holds nothing but the id of the server-side draft.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, NamedTuple

from flask import (
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_htmx import make_response as htmx_response
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, NotFound

from kiosk.clinic import locations
from kiosk.core import copy_covers
from kiosk.core.answer_text import AnswerGroup, check_lines
from kiosk.core.answers import answer_problems
from kiosk.core.content import Step
from kiosk.core.flow import Flow
from kiosk.core.i18n import current_language, own_name
from kiosk.data.database import db
from kiosk.data.models import Consultation, Draft, local_time, utcnow
from kiosk.records import jobs
from kiosk.records.consents import Signing
from kiosk.records.returning import forget_stale
from kiosk.records.submission import submit_draft
from kiosk.web import errors
from kiosk.web.forms import EmptyForm
from kiosk.web.htmx import htmx
from kiosk.web.patient import bp
from kiosk.web.patient.forms import LanguageForm, StepForm, TextSizeForm, step_form
from kiosk.web.redirects import local_path

# The Done screen follows the sending of the answers at once, and is shown
# once: its token (in the tablet's session and on the consultation) is used up.
DONE_SHOWN_FOR = dt.timedelta(minutes=5)


@bp.after_request
def keep_out_of_caches(response: Response) -> Response:
    # Patient pages hold answers: never stored by the browser or a proxy, and
    # the same URL answers differently for htmx, so caches must tell them apart.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    response.vary.add("HX-Request")
    return response


@bp.context_processor
def kiosk_pages() -> dict[str, Any]:
    # Patient pages carry the idle warning and reset ("quiet": a reset with no
    # warning, for Welcome; see idle.js).
    return {
        "kiosk_idle": "warn",
        "large_text": session.get("large_text", False),
        "patient_page": True,
        "this_screen": this_screen(),
    }


def this_screen() -> str:
    """This page's address as the app itself makes it (a screen's, with the
    question being changed): where Larger text and an error page's button
    come back to. Nothing else that was sent in the address is put into it."""
    if request.endpoint == "patient.step":
        return url_for(
            "patient.step", step_id=request.view_args["step_id"], change=changing_question()
        )
    return request.script_root + request.path  # under a location's address, with it


def offered_languages() -> list[str]:
    """The languages patients may choose: those the location offers that the
    questionnaire has (all of its languages, should none be left)."""
    has = list(whole_flow().questionnaire.languages)
    chosen = locations.current().config["PATIENT_LANGUAGES"]
    offered = [code for code in has if code in chosen]
    return offered or has


def starting_language() -> str:
    """The language Welcome starts in: the location's choice, if offered."""
    offered = offered_languages()
    chosen = locations.current().config["PATIENT_LANGUAGE"]
    return chosen if chosen in offered else offered[0]


def page_language() -> str:
    """The language of a patient page: on Done the one the answers were sent
    in, on every other page their draft's, or the one picked on Welcome."""
    if request.endpoint == "patient.done":
        consultation = sent_consultation()
        if consultation is not None:
            return consultation.language
    offered = offered_languages()
    draft = current_draft()
    chosen = draft.language if draft else session.get("language")
    return chosen if chosen in offered else starting_language()


def whole_flow() -> Flow:
    """The questionnaire's flow: every screen."""
    return current_app.extensions["kiosk.core.flow"]


def flow() -> Flow:
    """The flow of this session's draft: for a patient back for a later
    session (kiosk/web/patient/returning.py), only the screens asked again."""
    draft = current_draft()
    return whole_flow().for_returning() if draft is not None and draft.returning else whole_flow()


def current_draft() -> Draft | None:
    """The session's draft. A session whose draft is gone (reset, restarted or
    sent from another copy of the cookie) ends with it: nothing of the patient,
    not even their language or text size, outlives the draft."""
    draft_id = session.get("draft")
    if not draft_id:
        return None
    draft = db.session.get(Draft, draft_id)
    if draft is None:
        session.clear()
    return draft


def wants_fragment() -> bool:
    """htmx swaps a fragment in; a history restore needs the whole page."""
    return bool(htmx) and not htmx.history_restore_request


class Templates(NamedTuple):
    """A screen's whole page, and the fragment of it that fills ``#step`` (the
    page includes it)."""

    page: str
    fragment: str


STEP = Templates("patient/step.html", "patient/_step.html")
CHECK = Templates("patient/check.html", "patient/_check.html")


def render(templates: Templates, **context: Any) -> Response:
    fragment = wants_fragment()
    name = templates.fragment if fragment else templates.page
    response = make_response(render_template(name, fragment=fragment, **context))
    if fragment and request.method == "POST":
        # The same screen again, with its errors: not a new history entry.
        response.headers["HX-Push-Url"] = "false"
    return response


def go(url: str) -> Response:
    """Leave the step container: a full page load, for htmx too."""
    if htmx:
        return htmx_response(redirect=url)
    return redirect(url, 303)


def changing_question() -> str | None:
    """The question whose Change the patient pressed on Check your answers
    (``?change=<question id>``): the screens it leads through come back to
    Check at its row. Only a question of the questionnaire counts, so nothing
    else that is sent in the address is ever put into another."""
    question_id = request.args.get("change")
    return question_id if question_id and flow().question(question_id) else None


def step_url(step: Step | None, change: str | None = None) -> str:
    """A screen's address, or Check your answers' when ``step`` is None. During
    a change (``change``, the question whose Change was pressed) Check's address
    names the row to come back to: a question id, never an answer."""
    if step is None:
        return url_for("patient.check", _anchor=f"answer-{change}" if change else None)
    return url_for("patient.step", step_id=step.id, change=change)


def resume_url(draft: Draft) -> str:
    """Where a patient carries on: the first screen not yet done, else the check."""
    return step_url(flow().first_incomplete(draft.answers, set(draft.asked)))


@bp.route("/")
def welcome():
    """Welcome greets a new patient. A patient who comes back to it with answers
    in progress (Back from the first screen, an error page's button, a typed
    address) is asked whether to start again; "Continue my answers" comes
    first, and nothing of the answers is shown. They are deleted only when the
    patient says so, or by the idle reset, which Welcome then runs with its
    warning: a draft belongs to this browser session, and whoever picks the
    tablet up after the reset finds none. On a Welcome with no answers the
    language and text size chosen stay for the same person; if nobody touches
    the tablet they are quietly reset."""
    in_progress = current_draft() is not None
    chosen = bool(session.get("language") or session.get("large_text"))
    return render_template(
        "patient/welcome.html",
        start_form=EmptyForm(),
        language_form=language_form(),
        in_progress=in_progress,
        # Nobody has started: no "Are you still there?" on an untouched tablet.
        kiosk_idle="warn" if in_progress else "quiet" if chosen else None,
    )


def language_form() -> LanguageForm:
    return LanguageForm.offering((code, own_name(code)) for code in offered_languages())


@bp.route("/language", methods=["POST"])
def choose_language():
    """The patient's language, for this patient only: the reset wipes it."""
    form = language_form()
    if form.validate_on_submit():
        code = form.language.data
        session["language"] = code
        draft = current_draft()
        if draft is not None:
            draft.language = code
            db.session.commit()
    return go(url_for("patient.welcome"))


@bp.route("/text-size", methods=["POST"])
def text_size():
    """Larger text for this patient, on every screen until the reset. With
    htmx the page changes size in place (kiosk.js, told the size now chosen),
    so what is typed on the screen stays; without, the browser goes back to
    the page the button was pressed on, drawn again from the saved answers."""
    form = TextSizeForm()
    if form.validate_on_submit():
        session["large_text"] = not session.get("large_text", False)
    if htmx:
        chosen = {"kiosk:text-size": {"large": session.get("large_text", False)}}
        return htmx_response("", 204, trigger=chosen)
    return redirect(local_path(form.back.data) or url_for("patient.welcome"), 303)


@bp.route("/start", methods=["POST"])
def start():
    """Start, or on a Welcome with answers in progress, Continue my answers."""
    if not EmptyForm().validate_on_submit():
        return go(url_for("patient.welcome"))
    draft = current_draft()
    if draft is None:
        draft = Draft(answers={}, asked=[], language=current_language())
        begin(draft)
    return go(resume_url(draft))


def begin(draft: Draft) -> None:
    """Save a new patient's draft and make it this session's only content,
    but for the text size chosen on Welcome. It is the location's whose
    address the tablet opened."""
    draft.location_id = locations.current().id
    db.session.add(draft)
    db.session.commit()
    large_text = session.get("large_text", False)
    session.clear()
    session["draft"] = draft.id
    if large_text:
        session["large_text"] = True


def forget_patient() -> None:
    """Delete the draft and clear the session: nothing of the patient is left."""
    draft = current_draft()
    if draft is not None:
        db.session.delete(draft)
        db.session.commit()
    session.clear()


@bp.route("/start-again", methods=["POST"])
def start_again():
    """The patient on Welcome chose to start again: their answers are deleted;
    the language and text size they chose stay for them, as on any Welcome."""
    if EmptyForm().validate_on_submit():
        draft = current_draft()
        language = draft.language if draft else session.get("language")
        large_text = session.get("large_text", False)
        forget_patient()
        if language:
            session["language"] = language
        if large_text:
            session["large_text"] = True
    return go(url_for("patient.welcome"))


@bp.route("/reset", methods=["POST"])
def reset():
    """The idle time-out (static/js/idle.js): wipe the draft and the session.

    No CSRF check: the only effect is forgetting the patient, which a forged
    request could do no harm with, and the page may be older than any token.
    """
    forget_patient()
    return "", 204


@bp.route("/step/<step_id>", methods=["GET", "POST"])
def step(step_id: str):
    draft = current_draft()
    if draft is None:
        return go(url_for("patient.welcome"))
    screen = flow().step(step_id)
    if screen is None:
        raise NotFound()
    asked = set(draft.asked)
    if not flow().may_visit(screen, draft.answers, asked):
        # A typed, forged or out-of-date URL: back to where the patient is.
        return redirect(resume_url(draft), 303)

    change = changing_question()
    if request.method == "POST":
        questions = flow().enabled_questions(screen, draft.answers)
        form = step_form(questions, draft.language, checklist=screen.checklist)
        if form.validate():
            draft.keep_answers(form.answers(), mark_asked=True)
            draft.current_step = screen.id
            following = (
                flow().first_incomplete(draft.answers, set(draft.asked))
                if change
                else flow().next_step(screen.id, draft.answers)
            )
            destination = step_url(following, change)
            if wants_fragment():
                # htmx: the next screen, or Check your answers, comes in this
                # response (one round trip per Continue) and the address bar
                # shows its own address, fragment included.
                if following is None:
                    response = show_check(draft)
                else:
                    response = show_step(draft, following, change)
                response.headers["HX-Push-Url"] = destination
            else:
                response = redirect(destination, 303)
            # Committed once the response is made, from the draft as it is in
            # memory: a commit expires it, and reading it again costs a query.
            db.session.commit()
            return response
        if not form.csrf_token.errors:
            # Keep every answer that was fine, so a reload loses nothing. A post
            # without this session's token saves nothing: the page shows what
            # was sent, for the patient to press Continue again.
            draft.keep_answers(form.answers(), mark_asked=False)
            db.session.commit()
        return render_step(draft, screen, form, questions, change)
    return show_step(draft, screen, change)


def show_step(draft: Draft, screen: Step, change: str | None) -> Response:
    """A screen as the patient left it: their stored answers filled in."""
    questions = flow().enabled_questions(screen, draft.answers)
    form = step_form(questions, draft.language, stored=draft.answers, checklist=screen.checklist)
    return render_step(draft, screen, form, questions, change)


def render_step(
    draft: Draft,
    screen: Step,
    form: StepForm,
    questions,
    change: str | None,
    *,
    busy: bool = False,
):
    """A screen; during a change (``change``, the question whose Change was
    pressed) its Back and Continue lead back to Check your answers, and the
    question to answer has the focus unless the screen shows problems."""
    previous = flow().previous_step(screen.id, draft.answers)
    if change:
        back = step_url(None, change)
    else:
        back = step_url(previous) if previous else url_for("patient.welcome")
    focus = None
    if change and not form.errors:
        focus = flow().change_focus(screen, change, draft.answers, set(draft.asked))
    return render(
        STEP,
        screen=screen,
        form=form,
        questions=questions,
        lang=draft.language,
        progress=flow().progress(screen),
        topic=next(t for t in flow().topics if t.id == screen.topic),
        action=step_url(screen, change),
        back=back,
        back_leaves_steps=previous is None and not change,
        focus=focus,
        busy=busy,
    )


@bp.route("/check", methods=["GET", "POST"])
def check():
    draft = current_draft()
    if draft is None:
        return go(url_for("patient.welcome"))
    if flow().first_incomplete(draft.answers, set(draft.asked)) is not None:
        return redirect(resume_url(draft), 303)

    form = EmptyForm()
    if request.method == "POST" and form.validate():
        problem = screen_with_a_problem(draft)
        if problem is not None:
            return problem
        if consent_asked():
            return go(url_for("patient.consent"))
        return send(draft)
    return show_check(draft, form)


def consent_asked() -> bool:
    """The clinic asks patients to sign the consent before sending (CONSENT_ON)."""
    return current_app.config["CONSENT_ON"]


def screen_with_a_problem(draft: Draft) -> Response | None:
    """Before sending, every answer checked again (a date may have passed, the
    content may have changed): the first screen with a problem, showing it,
    or None when all is well."""
    if draft.returning and forget_stale(draft, flow()):
        # A carried-over answer that no longer holds is left out (a screen it
        # leaves without a required answer is asked next).
        db.session.commit()
        return go(resume_url(draft))
    problems = answer_problems(flow(), draft.answers, dt.date.today())
    if not problems:
        return None
    question_id = next(iter(problems))
    screen = flow().step_of(question_id)
    questions = flow().enabled_questions(screen, draft.answers)
    form = step_form(questions, draft.language, stored=draft.answers, checklist=screen.checklist)
    form.show_problems(problems)
    response = render_step(draft, screen, form, questions, change=question_id)
    if wants_fragment():
        response.headers["HX-Push-Url"] = step_url(screen, question_id)
    return response


def send(draft: Draft, signing: Signing | None = None) -> Response:
    """Send the answers (with the consent signed, where it is asked for) and
    go to Done."""
    done_token = secrets.token_urlsafe(32)
    consultation = submit_draft(draft, flow(), done_token=done_token, signing=signing)
    # Saved first; the worker renders the PDFs, so Done waits for nothing.
    jobs.enqueue_render(consultation.id)
    large_text = session.get("large_text", False)
    session.clear()
    session["done"] = done_token
    if large_text:
        session["large_text"] = True  # for Done; Done forgets it
    return go(url_for("patient.done"))


def show_check(draft: Draft, form: EmptyForm | None = None) -> Response:
    """Check your answers: every answer that applies, each row with a Change
    link to its question (its fragment, ``answer-<question id>``, is where a
    change comes back to)."""
    groups = check_lines(flow(), draft.answers, draft.language)
    if draft.returning:
        # Only the answers given today: nothing of the earlier visit is shown.
        groups = asked_again(groups)
    return render(
        CHECK,
        form=form or EmptyForm(),
        returning=draft.returning,
        groups=groups,
        lang=draft.language,
        progress=flow().progress(None),
        back=step_url(flow().last_step(draft.answers)),
        consent_next=consent_asked(),
    )


def asked_again(groups: tuple[AnswerGroup, ...]) -> tuple[AnswerGroup, ...]:
    """The rows of ``groups`` of the screens asked again of a returning patient."""
    again = {step.id for step in flow().asked_again()}
    kept = (AnswerGroup(g.title, tuple(r for r in g.lines if r.step_id in again)) for g in groups)
    return tuple(group for group in kept if group.lines)


def sent_consultation() -> Consultation | None:
    """The consultation this tablet's session has just sent, while its Done
    page has not been shown."""
    token = session.get("done")
    if not isinstance(token, str):
        return None
    return db.session.scalar(db.select(Consultation).where(Consultation.done_token == token))


@bp.route("/done")
def done():
    """Done, once, for the tablet that sent the answers (a copy of its cookie
    finds the token used up), in the text size the patient chose; whoever
    comes next starts with the clinic's."""
    consultation = sent_consultation()
    large_text = session.get("large_text", False)
    if consultation is None or utcnow() - consultation.submitted_at > DONE_SHOWN_FOR:
        forget_done()
        return redirect(url_for("patient.welcome"), 303)
    page = render_template(
        "patient/done.html",
        consultation=consultation,
        covers=copy_covers.covers(
            locations.place(consultation.location_id).engine.build(
                consultation.answers,
                language=consultation.language,
                today=local_time(consultation.submitted_at).date(),
            )
        ),
        seconds=current_app.config["DONE_SECONDS"],
        lang=consultation.language,
        large_text=large_text,
    )
    consultation.done_token = None
    db.session.commit()
    # Only now: were the commit refused as busy, the view's retry finds the token.
    forget_done()
    return page


def forget_done() -> None:
    session.pop("done", None)
    session.pop("large_text", None)


@bp.errorhandler(errors.DatabaseBusy)
def patient_busy(error: errors.DatabaseBusy) -> Response:
    """The database was busy past its timeout, twice: nothing of this press
    was saved. A screen comes back as it was sent, its answers filled in, and
    says to press Continue again; elsewhere the error page says to try again
    (a patient's earlier answers are saved in their draft)."""
    try:
        db.session.rollback()
        draft = current_draft()
        step_id = (request.view_args or {}).get("step_id", "")
        screen = flow().step(step_id) if draft else None
    except SQLAlchemyError:
        draft = screen = None
    if draft is not None and request.method == "POST" and request.endpoint == "patient.consent":
        from kiosk.web.patient.consent import consent_busy  # the module imports this one

        return consent_busy(draft, error.code)
    if draft is None or screen is None or request.method != "POST":
        return errors.error_page(error, back=screen_to_return_to(error))
    questions = flow().enabled_questions(screen, draft.answers)
    form = step_form(questions, draft.language, checklist=screen.checklist)
    form.validate()  # reads what was sent into the fields; its problems are shown too
    response = render_step(draft, screen, form, questions, changing_question(), busy=True)
    response.status_code = error.code
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(HTTPException)
def patient_error(error: HTTPException) -> Response:
    """An error on a patient's page: its button takes a patient with answers in
    progress back to the screen they were on (the same address, asked for
    afresh), else to Welcome."""
    return errors.error_page(error, back=screen_to_return_to(error))


def screen_to_return_to(error: HTTPException) -> str | None:
    try:
        db.session.rollback()  # whatever failed may have left a transaction open
        draft = current_draft()
    except SQLAlchemyError:
        return None
    if draft is None:
        return None
    # A screen that failed, or refused what was sent as too long, is asked for
    # again; an address that is no screen leads to where the patient is.
    failed = error.code is not None and (error.code >= 500 or error.code == 413)
    if failed and request.endpoint in ("patient.step", "patient.check", "patient.consent"):
        return this_screen()
    return resume_url(draft)
