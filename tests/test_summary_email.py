"""The patient's copy e-mailed through the clinic's mail server: a real SMTP
server (aiosmtpd) on 127.0.0.1 takes it, refuses it, or never answers.

Tests marked ``render`` run the queue where it is fed (QUEUE_IMMEDIATE), the
send job included: what the worker would do is done by the time the request
that queued it returns.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from kiosk.data.database import db
from kiosk.data.models import AuditEvent, Consultation, Draft, EmailStatus, SummaryEmail
from kiosk.records import consultations, jobs, retention, stored_pdfs, summary_email
from kiosk.records.submission import submit_draft

from .conftest import app_on
from .mail_server import SENDER, Handler, mail_settings, silent_server, smtp_server
from .staff_helpers import StaffClient, create_account, example_answers, settings_form_data

ADDRESS = "maya.patient@example.org"


def add_patient(app, *, consent=True, email=ADDRESS, language="en", example="pregnant"):
    """A sent consultation whose patient agreed to be contacted (or not) and gave ``email``."""
    answers = {**example_answers(example), "contact_consent": consent, "phone": "07700 900123"}
    if email is not None:
        answers["email"] = email
    with app.app_context():
        draft = Draft(answers=answers, asked=[], language=language)
        db.session.add(draft)
        db.session.flush()
        consultation = submit_draft(draft, app.extensions["kiosk.core.flow"])
        return consultation.id, consultation.reference


def staff_of(app) -> StaffClient:
    member = StaffClient(app.test_client())
    assert member.login("sam", create_account(app, "sam", "staff", "Sam Carter")).status_code == 302
    return member


def mark_reviewed(member: StaffClient, consultation_id: str):
    page = f"/staff/c/{consultation_id}"
    return member.post(f"{page}/reviewed", token_from=page)


def email_line(member: StaffClient, consultation_id: str) -> str:
    """The consultation page's "Summary e-mail" line, as text."""
    html = member.get(f"/staff/c/{consultation_id}").get_data(as_text=True)
    block = re.search(r'<div class="summary-email".*?</div>', html, re.S)
    assert block, "no Summary e-mail line on the page"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", block.group(0))).split())


def audit_entries(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def stored_email(app, consultation_id: str) -> SummaryEmail | None:
    with app.app_context():
        row = db.session.scalar(
            db.select(SummaryEmail).where(SummaryEmail.consultation_id == consultation_id)
        )
        if row is not None:
            db.session.expunge(row)
        return row


def patient_copy(app, consultation_id: str) -> bytes:
    with app.app_context():
        pdf = db.session.get(Consultation, consultation_id).pdf("patient")
        return stored_pdfs.pdf_path(pdf).read_bytes()


# Sent ---------------------------------------------------------------------------------


@pytest.mark.render
def test_the_patients_copy_is_sent_once_staff_mark_the_consultation_reviewed(
    tmp_path, database_url
):
    with (
        smtp_server() as (port, server),
        app_on(tmp_path, database_url, **mail_settings(port)) as app,
    ):
        consultation_id, reference = add_patient(app)
        member = staff_of(app)
        assert "waiting for review" in email_line(member, consultation_id)
        assert server.messages == []

        mark_reviewed(member, consultation_id)

        [message] = server.messages
        assert server.envelopes == [(SENDER, [ADDRESS])]
        assert server.logins == ["kiosk"]
        assert message["To"] == ADDRESS
        assert message["Subject"] == "Your consultation summary from Test Clinic"
        assert message["From"].addresses[0].addr_spec == SENDER
        assert message["Content-Language"] == "en"
        body = message.get_body(("plain",)).get_content()
        assert "Your consultation summary is attached" in body
        assert reference in body
        # Nothing of the answers or the screening: not the name, the concern,
        # the pregnancy, nor any flag.
        for word in ("Sofia", "pregnan", "breastfeed", "fine lines", "flag", "treat", "review"):
            assert word.lower() not in body.lower(), word
        [attachment] = list(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename() == f"summary-{reference}.pdf"
        data = attachment.get_content()
        assert data.startswith(b"%PDF")
        assert data == patient_copy(app, consultation_id)  # the copy naming the reviewer

        line = email_line(member, consultation_id)
        assert re.search(r"Summary e-mail: sent at \S+", line), line
        assert "Send again" in line
        [sent] = audit_entries(app, "email_sent")
        assert sent.consultation_ref == reference
        assert sent.detail == "to the address the patient gave (attempt 1)"


@pytest.mark.render
def test_at_once_the_copy_is_sent_as_soon_as_it_is_rendered_in_the_patients_language(
    tmp_path, database_url, shared_pdfs
):
    settings = mail_settings(1, MAIL_SEND="at_once")
    with smtp_server() as (port, server):
        settings["MAIL_PORT"] = port
        with app_on(tmp_path, database_url, **settings) as app:
            consultation_id, reference = add_patient(
                app, language="es", example="fine-lines-no-flags"
            )
            with app.app_context():
                jobs.enqueue_render(consultation_id)  # as sending the answers does

            [message] = server.messages
            assert message["Subject"] == "Su resumen de la consulta de Test Clinic"
            body = message.get_body(("plain",)).get_content()
            assert "Adjuntamos a este correo el resumen de su consulta en PDF." in body
            assert reference in body
            [attachment] = list(message.iter_attachments())
            assert attachment.get_content() == shared_pdfs["patient"]

            # Marking it reviewed later sends nothing more: once per consultation.
            member = staff_of(app)
            mark_reviewed(member, consultation_id)
            assert len(server.messages) == 1
            assert "Summary e-mail: sent at" in email_line(member, consultation_id)


@pytest.mark.render
@pytest.mark.parametrize(
    ("consent", "email"),
    [(False, ADDRESS), (True, None), (True, "")],
    ids=["no consent", "no address", "empty address"],
)
def test_nothing_is_sent_without_consent_and_an_address(
    tmp_path, database_url, shared_pdfs, consent, email
):
    with (
        smtp_server() as (port, server),
        app_on(tmp_path, database_url, **mail_settings(port)) as app,
    ):
        consultation_id, _reference = add_patient(app, consent=consent, email=email)
        member = staff_of(app)
        mark_reviewed(member, consultation_id)
        assert server.messages == []
        assert server.logins == []
        assert stored_email(app, consultation_id) is None
        line = email_line(member, consultation_id)
        assert "Summary e-mail: not asked for" in line
        assert "Send" not in line
        # Nor by pressing the button's URL.
        page = f"/staff/c/{consultation_id}"
        member.post(f"{page}/email", token_from=page)
        assert server.messages == []
        assert stored_email(app, consultation_id) is None


@pytest.mark.render
def test_with_no_mail_server_nothing_is_queued_and_the_page_says_so(
    tmp_path, database_url, shared_pdfs
):
    with app_on(tmp_path, database_url) as app:  # MAIL_SERVER empty: the default
        consultation_id, _reference = add_patient(app)
        member = staff_of(app)
        mark_reviewed(member, consultation_id)
        assert stored_email(app, consultation_id) is None
        assert "Summary e-mail: not set up" in email_line(member, consultation_id)


# Refused, retried, sent again ----------------------------------------------------------


@pytest.mark.render
def test_a_refused_recipient_is_recorded_without_the_address_and_shown(
    tmp_path, database_url, shared_pdfs
):
    refusing = Handler(refuse={"RCPT": "550 5.1.1 <{address}>: Recipient address rejected"})
    with (
        smtp_server(refusing) as (port, server),
        app_on(tmp_path, database_url, **mail_settings(port, MAIL_RETRIES=3)) as app,
    ):
        consultation_id, reference = add_patient(app)
        member = staff_of(app)
        mark_reviewed(member, consultation_id)

        assert server.messages == []
        row = stored_email(app, consultation_id)
        assert row.status is EmailStatus.FAILED
        assert row.attempts == 1  # refused for good (5xx): not tried again
        assert ADDRESS not in row.error
        line = email_line(member, consultation_id)
        assert (
            "Summary e-mail: failed: The mail server refused the recipient address "
            "(550 5.1.1 <<the address the patient gave>>: Recipient address rejected): "
            "check the address. Tried 1 time."
        ) in line
        assert "Send again" in line
        [failed] = audit_entries(app, "email_failed")
        assert failed.consultation_ref == reference
        assert "refused the recipient address" in failed.detail
        assert ADDRESS not in failed.detail


@pytest.mark.render
def test_refused_credentials_fail_at_once_and_the_audit_log_shows_it(
    tmp_path, database_url, shared_pdfs
):
    wrong = Handler(password="another-password")
    with (
        smtp_server(wrong) as (port, server),
        app_on(tmp_path, database_url, **mail_settings(port, MAIL_RETRIES=3)) as app,
    ):
        consultation_id, reference = add_patient(app)
        member = staff_of(app)
        mark_reviewed(member, consultation_id)
        assert server.connections == 1  # one try: a refused password stays refused
        assert set(server.logins) == {"kiosk"}
        assert "check MAIL_USERNAME and MAIL_PASSWORD. Tried 1 time." in email_line(
            member, consultation_id
        )
        admin = StaffClient(app.test_client())
        admin.login("ada", create_account(app, "ada", "admin", "Ada Okafor"))
        log = admin.get(f"/staff/audit?reference={reference}").get_data(as_text=True)
        assert "Summary e-mail failed" in log
        assert "535" in log
        assert ADDRESS not in log


@pytest.mark.render
def test_a_server_saying_try_later_is_tried_again_then_staff_send_again(
    tmp_path, database_url, shared_pdfs
):
    busy = Handler(refuse={"DATA": "451 4.3.0 Mailbox busy, try again later"})
    with (
        smtp_server(busy) as (port, server),
        app_on(tmp_path, database_url, **mail_settings(port, MAIL_RETRIES=2)) as app,
    ):
        consultation_id, _reference = add_patient(app)
        member = staff_of(app)
        mark_reviewed(member, consultation_id)

        assert server.data_tries == 3  # the first try and two retries
        assert server.messages == []
        line = email_line(member, consultation_id)
        assert "Summary e-mail: failed: The mail server refused the message (451 4.3.0" in line
        assert "Tried 3 times." in line
        failures = audit_entries(app, "email_failed")
        assert [e.detail.split(":")[0] for e in failures] == ["attempt 1", "attempt 2", "attempt 3"]
        assert failures[0].detail.endswith("(tried again later)")

        # The server takes mail again; staff press "Send again".
        busy.refuse.clear()
        page = f"/staff/c/{consultation_id}"
        member.post(f"{page}/email", token_from=page)
        assert len(server.messages) == 1
        assert "Summary e-mail: sent at" in email_line(member, consultation_id)
        assert stored_email(app, consultation_id).attempts == 1
        [again] = audit_entries(app, "email_again")
        assert again.username == "sam"
        # And once more, on purpose: a second copy.
        member.post(f"{page}/email", token_from=page)
        assert len(server.messages) == 2


@pytest.mark.render
def test_a_server_that_never_answers_times_out_and_is_tried_again(
    tmp_path, database_url, shared_pdfs
):
    with (
        silent_server() as (port, taken),
        app_on(tmp_path, database_url, **mail_settings(port, MAIL_RETRIES=1)) as app,
    ):
        consultation_id, _reference = add_patient(app)
        member = staff_of(app)
        mark_reviewed(member, consultation_id)
        assert len(taken) == 2
        line = email_line(member, consultation_id)
        assert f"The mail server at 127.0.0.1:{port} did not answer within 1 seconds" in line
        assert "Tried 2 times." in line


def test_the_job_waits_for_the_patients_copy_and_never_sends_without_it(tmp_path, database_url):
    with (
        smtp_server() as (port, server),
        app_on(tmp_path, database_url, **mail_settings(port, MAIL_SEND="at_once")) as app,
    ):
        consultation_id, _reference = add_patient(app)  # its PDFs pending: no worker here
        with app.test_request_context():
            consultation = db.session.get(Consultation, consultation_id)
            assert summary_email.state(consultation).kind == "waiting_copy"
            assert summary_email.send_again(consultation) is True  # staff asked for it
            with pytest.raises(summary_email.NotSentYet):
                summary_email.send(consultation_id, final=False)  # tried again later
            assert stored_email(app, consultation_id).status is EmailStatus.QUEUED
            summary_email.send(consultation_id, final=True)  # its tries spent
        assert server.messages == []
        assert server.logins == []
        row = stored_email(app, consultation_id)
        assert (row.status, row.attempts) == (EmailStatus.FAILED, 0)
        assert row.error == "The patient's copy was not ready in time."


def test_the_line_updates_itself_while_the_email_is_on_its_way(tmp_path, database_url):
    with app_on(tmp_path, database_url, **mail_settings(25, MAIL_SEND="at_once")) as app:
        consultation_id, _reference = add_patient(app)  # its PDFs pending: no worker here
        member = staff_of(app)
        fragment = member.get(f"/staff/c/{consultation_id}/email").get_data(as_text=True)
        assert "waiting for the patient&#39;s copy" in fragment
        assert f'hx-get="/staff/c/{consultation_id}/email"' in fragment
        assert 'hx-trigger="every 3s"' in fragment
        with app.app_context():
            db.session.add(SummaryEmail(consultation_id=consultation_id, status=EmailStatus.SENT))
            db.session.commit()
        fragment = member.get(f"/staff/c/{consultation_id}/email").get_data(as_text=True)
        assert "sent at" in fragment
        assert "hx-trigger" not in fragment


# Kept no longer than the consultation ---------------------------------------------------


def test_the_emails_state_goes_with_the_consultation(app):
    kept, _ref = add_patient(app)
    purged, _ref = add_patient(app)
    deleted, _ref = add_patient(app)
    with app.app_context():
        for consultation_id in (kept, purged, deleted):
            db.session.add(SummaryEmail(consultation_id=consultation_id, status=EmailStatus.SENT))
        old = db.session.get(Consultation, purged)
        old.submitted_at = old.submitted_at.replace(year=old.submitted_at.year - 1)
        db.session.commit()
    with app.test_request_context():
        consultations.delete(db.session.get(Consultation, deleted))
        assert retention.purge().consultations == 1
    with app.app_context():
        left = db.session.scalars(db.select(SummaryEmail.consultation_id)).all()
    assert left == [kept]


# The test message -------------------------------------------------------------------


def mail_test(app, address: str = ADDRESS):
    return app.test_cli_runner().invoke(args=["mail", "test", address])


def test_mail_test_sends_a_message_that_arrives(tmp_path, database_url):
    with (
        smtp_server() as (port, server),
        app_on(tmp_path, database_url, **mail_settings(port)) as app,
    ):
        result = mail_test(app)
        assert result.exit_code == 0, result.output
        assert f"Sent to {ADDRESS} from {SENDER}" in result.output
        [message] = server.messages
        assert message["Subject"] == "Test message from the kiosk of Test Clinic"
        assert message["To"] == ADDRESS


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (
            Handler(password="another-password"),
            "refused the user name or password (535 5.7.8 Authentication credentials invalid): "
            "check MAIL_USERNAME and MAIL_PASSWORD.",
        ),
        (
            Handler(refuse={"MAIL": "553 5.7.1 Sender address not owned by user"}),
            f"refused the sender address {SENDER} (553 5.7.1 Sender address not owned by user): "
            "check MAIL_DEFAULT_SENDER",
        ),
        (
            Handler(refuse={"RCPT": "550 5.1.1 No such user"}),
            "refused the recipient address (550 5.1.1 No such user): check the address.",
        ),
    ],
    ids=["password refused", "sender refused", "recipient refused"],
)
@pytest.mark.database("sqlite")
def test_mail_test_says_what_the_server_refused_and_what_to_check(
    tmp_path, database_url, handler, expected
):
    with (
        smtp_server(handler) as (port, server),
        app_on(tmp_path, database_url, **mail_settings(port)) as app,
    ):
        result = mail_test(app)
        assert result.exit_code == 1
        assert f"Error: Not sent. The mail server {expected}" in result.output
        assert server.messages == []


@pytest.mark.database("sqlite")
def test_mail_test_says_when_the_server_cannot_be_reached(tmp_path, database_url):
    from .conftest import free_port

    closed = free_port()
    with app_on(tmp_path, database_url, **mail_settings(closed)) as app:
        result = mail_test(app)
        assert result.exit_code == 1
        assert (
            f"The mail server at 127.0.0.1:{closed} refused the connection: check MAIL_SERVER "
            "and MAIL_PORT, and that the server is running."
        ) in result.output
    with app_on(tmp_path, database_url, **mail_settings(25, MAIL_SERVER="mail.invalid")) as app:
        result = mail_test(app)
        assert result.exit_code == 1
        assert "The mail server's name mail.invalid could not be found: check MAIL_SERVER" in (
            result.output
        )
    with (
        silent_server() as (port, taken),
        app_on(tmp_path, database_url, **mail_settings(port)) as app,
    ):
        result = mail_test(app)
        assert result.exit_code == 1
        assert (
            f"The mail server at 127.0.0.1:{port} did not answer within 1 seconds: check "
            "MAIL_SERVER, MAIL_PORT and MAIL_USE_SSL"
        ) in result.output
        assert len(taken) == 1
    with app_on(tmp_path, database_url) as app:
        result = mail_test(app)
        assert result.exit_code == 1
        assert "E-mail is not set up: set the mail server (MAIL_SERVER" in result.output


# The settings ---------------------------------------------------------------------------

SETTINGS_URL = "/staff/settings/mail"  # the settings page's mail section


def test_the_settings_page_shows_the_mail_settings_and_never_the_password(app, admin):
    html = admin.get(SETTINGS_URL).get_data(as_text=True)
    assert "Summary e-mail" in html
    for name in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_SEND"):
        assert f'id="{name}"' in html, name
    assert "Once staff mark the consultation reviewed" in html
    secret = "s3cret-Mail-pass"
    data = settings_form_data(
        app, MAIL_SERVER="mail.clinic.example", MAIL_USERNAME="kiosk", MAIL_USE_TLS=True
    ) | {"MAIL_PASSWORD": secret, "MAIL_SEND": "at_once"}
    assert admin.post(SETTINGS_URL, data, token_from=SETTINGS_URL).status_code == 303
    assert app.config["MAIL_PASSWORD"] == secret
    assert app.config["MAIL_SEND"] == "at_once"

    html = admin.get(SETTINGS_URL).get_data(as_text=True)
    field = re.search(r'<input[^>]*id="MAIL_PASSWORD"[^>]*>', html).group(0)
    assert 'type="password"' in field
    assert not re.search(r'value="[^"]', field)  # an empty value at most
    assert secret not in html
    with app.app_context():
        details = [
            e.detail
            for e in db.session.scalars(
                db.select(AuditEvent).where(AuditEvent.action == "setting_changed")
            )
        ]
    assert "Summary e-mail – MAIL_PASSWORD: (empty) → (hidden)" in details
    assert "Summary e-mail – MAIL_SERVER: (empty) → mail.clinic.example" in details
    assert not any(secret in detail for detail in details)
    log = admin.get("/staff/audit").get_data(as_text=True)
    assert secret not in log

    # Saved again with the password left empty: the saved one stays.
    data = settings_form_data(app, MAIL_PORT=2525) | {"MAIL_PASSWORD": ""}
    assert admin.post(SETTINGS_URL, data, token_from=SETTINGS_URL).status_code == 303
    assert (app.config["MAIL_PORT"], app.config["MAIL_PASSWORD"]) == (2525, secret)


def test_the_settings_page_refuses_tls_and_ssl_together(app, admin):
    data = settings_form_data(app, MAIL_USE_TLS=True, MAIL_USE_SSL=True)
    response = admin.post(SETTINGS_URL, data, token_from=SETTINGS_URL)
    assert response.status_code == 422
    assert "Choose TLS or SSL, not both" in response.get_data(as_text=True)
    assert (app.config["MAIL_USE_TLS"], app.config["MAIL_USE_SSL"]) == (True, False)


def test_tls_and_ssl_together_stop_the_app_with_a_clear_message(tmp_path, monkeypatch):
    from kiosk import create_app
    from kiosk.clinic.settings import SettingError

    monkeypatch.setenv("KIOSK_MAIL_USE_SSL", "true")
    with pytest.raises(SettingError) as refused:
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert (
        "MAIL_USE_TLS (KIOSK_MAIL_USE_TLS) and MAIL_USE_SSL (KIOSK_MAIL_USE_SSL) are both on"
        in (refused.value.message)
    )
    assert "set KIOSK_MAIL_USE_TLS=false" in refused.value.message
