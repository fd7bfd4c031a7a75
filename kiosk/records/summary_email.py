"""The patient's copy e-mailed to the patient, through the clinic's own mail server.

A patient who agreed to be contacted (``contact_consent``) and gave an address
(``email``) is sent the patient's copy once: after staff mark the consultation
reviewed (``MAIL_SEND = after_review``, the default: the copy then names the
reviewer), or as soon as the patient's copy is rendered (``at_once``). Staff
may send it again from the consultation page. With no ``MAIL_SERVER`` nothing
is queued.

The send is a job of the render worker (``jobs.enqueue_mail``), tried again
with a growing delay (``MAIL_RETRIES``, ``MAIL_RETRY_DELAY``) while the mail
server cannot be reached or answers "try later" (4xx), and while the patient's
copy is not ready yet: it is never sent without it. A refusal for good (wrong
password, a refused sender or recipient: 5xx) is final at once. Its state is
one ``SummaryEmail`` row per consultation, deleted with it; every send and
every failure has an entry in the audit log.

The e-mail says nothing of the patient's health: the clinic's name, that the
summary is attached, the reference code and the clinic's contact details, in
the patient's language. The address is read from the answers when the e-mail
is sent, never copied elsewhere: the audit log and the errors shown to staff
say "the address the patient gave".
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email import errors
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask import current_app

from kiosk.clinic import locations
from kiosk.core.content.contract import CONTACT_CONSENT, EMAIL
from kiosk.core.i18n import clinic_name, language
from kiosk.core.i18n import gettext as _
from kiosk.core.statuses import ConsultationStatus, PdfStatus
from kiosk.data import audit
from kiosk.data.database import db
from kiosk.data.models import Consultation, EmailStatus, SummaryEmail, local_time, utcnow
from kiosk.records import jobs, stored_pdfs

log = logging.getLogger(__name__)

AFTER_REVIEW, AT_ONCE = "after_review", "at_once"
HIDDEN_ADDRESS = "<the address the patient gave>"


# The mail server -------------------------------------------------------------------


@dataclass(frozen=True)
class MailServer:
    """The clinic's mail server, as the settings describe it."""

    host: str
    port: int
    use_tls: bool
    use_ssl: bool
    username: str
    password: str
    sender: str
    timeout: float

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> MailServer:
        return cls(
            host=config["MAIL_SERVER"].strip(),
            port=config["MAIL_PORT"],
            use_tls=config["MAIL_USE_TLS"],
            use_ssl=config["MAIL_USE_SSL"],
            username=config["MAIL_USERNAME"],
            password=config["MAIL_PASSWORD"],
            sender=(config["MAIL_DEFAULT_SENDER"] or config["CLINIC_EMAIL"]).strip(),
            timeout=config["MAIL_TIMEOUT"],
        )

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


class MailProblem(Exception):
    """A message not sent: ``message`` says why and what to check; ``transient``:
    worth trying again later (the server unreachable, or it said "try later")."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.message, self.transient = message, transient


def deliver(server: MailServer, message: EmailMessage) -> None:
    """Send ``message`` through ``server``, or raise :class:`MailProblem`."""
    if not server.host:
        raise MailProblem(_("E-mail is not set up: no mail server (MAIL_SERVER)."), transient=False)
    if server.use_tls and server.use_ssl:
        raise MailProblem(
            _("MAIL_USE_TLS and MAIL_USE_SSL are both on: choose one."), transient=False
        )
    if not server.sender:
        raise MailProblem(
            _("No sender address: set MAIL_DEFAULT_SENDER or the clinic's email address."),
            transient=False,
        )
    context = ssl.create_default_context()
    try:
        if server.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        with smtp:
            if server.use_tls:
                smtp.starttls(context=context)
            if server.username:
                smtp.login(server.username, server.password)
            smtp.send_message(message, from_addr=Address(addr_spec=_bare(server.sender)).addr_spec)
    except Exception as exc:
        raise _problem(server, exc) from exc


def _bare(sender: str) -> str:
    """The address of a sender written "Name <address>" or as the address alone."""
    if "<" in sender and sender.rstrip().endswith(">"):
        return sender.rsplit("<", 1)[1].rstrip().removesuffix(">").strip()
    return sender


def _said(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{exc.smtp_code} {' '.join(text.split())}"


def _problem(server: MailServer, exc: Exception) -> MailProblem:
    """What went wrong, in words that say what to check."""
    where, timeout = server.where, f"{server.timeout:g}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailProblem(
            _(
                "The mail server refused the user name or password (%(said)s): check "
                "MAIL_USERNAME and MAIL_PASSWORD.",
                said=_said(exc),
            ),
            transient=False,
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return MailProblem(
            _(
                "The mail server refused the sender address %(sender)s (%(said)s): check "
                "MAIL_DEFAULT_SENDER; many servers accept only their own account's address.",
                sender=_bare(server.sender),
                said=_said(exc),
            ),
            transient=exc.smtp_code < 500,
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, said = next(iter(exc.recipients.values()), (550, b""))
        reply = smtplib.SMTPResponseException(code, said)
        return MailProblem(
            _(
                "The mail server refused the recipient address (%(said)s): check the address.",
                said=_said(reply),
            ),
            transient=code < 500,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        if "STARTTLS" in str(exc):
            text = _(
                "The mail server at %(where)s does not offer TLS (STARTTLS): check MAIL_PORT, "
                "MAIL_USE_TLS and MAIL_USE_SSL.",
                where=where,
            )
        else:
            text = _(
                "The mail server at %(where)s does not offer sign-in: check MAIL_PORT, or leave "
                "MAIL_USERNAME empty if it needs none.",
                where=where,
            )
        return MailProblem(text, transient=False)
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailProblem(
            _("The mail server refused the message (%(said)s).", said=_said(exc)),
            transient=exc.smtp_code < 500,
        )
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        return MailProblem(
            _(
                "The mail server at %(where)s did not answer within %(seconds)s seconds: check "
                "MAIL_SERVER, MAIL_PORT and MAIL_USE_SSL (a port for SSL waits for it), and "
                "that the network lets the kiosk reach the server.",
                where=where,
                seconds=timeout,
            ),
            transient=True,
        )
    if isinstance(exc, socket.gaierror):
        return MailProblem(
            _(
                "The mail server's name %(host)s could not be found: check MAIL_SERVER (and "
                "that the kiosk's network can look names up).",
                host=server.host,
            ),
            transient=True,
        )
    if isinstance(exc, ConnectionRefusedError):
        return MailProblem(
            _(
                "The mail server at %(where)s refused the connection: check MAIL_SERVER and "
                "MAIL_PORT, and that the server is running.",
                where=where,
            ),
            transient=True,
        )
    if isinstance(exc, ssl.SSLError):
        return MailProblem(
            _(
                "The secure connection to %(where)s failed (%(reason)s): check MAIL_PORT, "
                "MAIL_USE_TLS and MAIL_USE_SSL, and that the server's certificate is valid "
                "for %(host)s.",
                where=where,
                reason=exc.reason or type(exc).__name__,
                host=server.host,
            ),
            transient=False,
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
        return MailProblem(
            _(
                "The connection to the mail server at %(where)s failed (%(reason)s): check "
                "MAIL_SERVER and MAIL_PORT.",
                where=where,
                reason=str(exc) or type(exc).__name__,
            ),
            transient=True,
        )
    return MailProblem(f"{type(exc).__name__}: {exc}", transient=False)


# The messages ----------------------------------------------------------------------


def _message(server: MailServer, to: str, subject: str, body: str, config) -> EmailMessage:
    if not server.sender:
        raise MailProblem(
            _("No sender address: set MAIL_DEFAULT_SENDER or the clinic's email address."),
            transient=False,
        )
    message = EmailMessage()
    message["Subject"] = subject
    name = clinic_name(config["CLINIC_NAME"])
    try:
        message["From"] = (
            server.sender if "<" in server.sender else Address(name, addr_spec=server.sender)
        )
    except (ValueError, IndexError, errors.HeaderParseError):
        raise MailProblem(
            _(
                "The sender address %(sender)s is not an e-mail address: check "
                "MAIL_DEFAULT_SENDER or the clinic's email address.",
                sender=server.sender,
            ),
            transient=False,
        ) from None
    message["To"] = to
    clinic_email = config["CLINIC_EMAIL"].strip()
    if clinic_email and clinic_email != _bare(server.sender):
        message["Reply-To"] = clinic_email
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=_bare(server.sender).rpartition("@")[2] or None)
    message.set_content(body)
    return message


def summary_message(
    consultation: Consultation, address: str, pdf: bytes, config: Mapping[str, Any]
) -> EmailMessage:
    """The e-mail to the patient: no health information, the patient's copy attached."""
    profile = stored_pdfs.clinic_profile(config)
    with language(consultation.language):
        name = clinic_name(profile.name)
        lines = [
            _("Hello,"),
            "",
            _("Thank you for visiting %(clinic)s.", clinic=name),
            _("Your consultation summary is attached to this e-mail as a PDF."),
            "",
            _(
                "Your reference code is %(reference)s. Please give it if you contact us about "
                "your consultation.",
                reference=consultation.reference,
            ),
            "",
            name,
            *contact_lines(profile),
            "",
            _(
                "You receive this e-mail because you gave this address at our kiosk and "
                "agreed that we contact you about your consultation."
            ),
        ]
        subject = _("Your consultation summary from %(clinic)s", clinic=name)
        message = _message(MailServer.of(config), address, subject, "\n".join(lines), config)
        message.add_attachment(
            pdf,
            maintype="application",
            subtype="pdf",
            filename=f"summary-{consultation.reference}.pdf",
        )
        message["Content-Language"] = consultation.language
    return message


def contact_lines(profile) -> list[str]:
    lines = [line.strip() for line in profile.address.splitlines() if line.strip()]
    if profile.phone:
        lines.append(_("Phone: %(phone)s", phone=profile.phone))
    if profile.email:
        lines.append(_("Email: %(email)s", email=profile.email))
    if profile.booking_url:
        lines.append(_("Book online: %(url)s", url=profile.booking_url))
    return lines


def check_message(address: str, config: Mapping[str, Any]) -> EmailMessage:
    """A message that says only that the clinic's mail settings work."""
    with language(config["CLINIC_LANGUAGE"]):
        name = clinic_name(config["CLINIC_NAME"])
        return _message(
            MailServer.of(config),
            address,
            _("Test message from the kiosk of %(clinic)s", clinic=name),
            _(
                "The kiosk's mail settings work: patients who ask for their summary by "
                "e-mail receive it from this address."
            ),
            config,
        )


# Who is sent what ------------------------------------------------------------------


def patient_address(consultation: Consultation) -> str | None:
    """The address the patient gave, if they agreed to be contacted."""
    answers = consultation.answers or {}
    address = answers.get(EMAIL)
    if answers.get(CONTACT_CONSENT) is not True or not isinstance(address, str):
        return None
    return address.strip() or None


def _hidden(text: str, address: str | None) -> str:
    """``text`` (a server's reply may quote the address) without the patient's address."""
    if address:
        text = re.sub(re.escape(address), HIDDEN_ADDRESS, text, flags=re.IGNORECASE)
    return text[:2000]


def after_review(consultation: Consultation) -> bool:
    """Queue the e-mail when the clinic sends it after review (the caller
    committed the review and queued the render first)."""
    if current_app.config["MAIL_SEND"] != AFTER_REVIEW:
        return False
    return _queue_first(consultation)


def after_render(consultation_id: str) -> bool:
    """Queue the e-mail once the patient's copy is ready, when the clinic sends it at once."""
    if current_app.config["MAIL_SEND"] != AT_ONCE:
        return False
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        return False
    pdf = consultation.pdf("patient")
    if pdf is None or pdf.status != PdfStatus.READY:
        return False
    return _queue_first(consultation)


def _queue_first(consultation: Consultation) -> bool:
    """Queue the first e-mail of a consultation: never a second one by itself."""
    if consultation.summary_email is not None or not _can_send(consultation):
        return False
    consultation.summary_email = SummaryEmail(status=EmailStatus.QUEUED, attempts=0)
    db.session.commit()
    jobs.enqueue_mail(consultation.id)
    return True


def _can_send(consultation: Consultation) -> bool:
    return bool(current_app.config["MAIL_SERVER"].strip()) and bool(patient_address(consultation))


def send_again(consultation: Consultation) -> bool:
    """Staff asked for the e-mail (again): queued, unless it is queued already
    or cannot be sent (no consent, no address, no mail server). Commits."""
    row = consultation.summary_email
    if not _can_send(consultation):
        return False
    if row is not None and row.status == EmailStatus.QUEUED and not _stuck(row):
        return False
    if row is None:
        row = consultation.summary_email = SummaryEmail()
    row.status, row.attempts, row.error, row.queued_at = EmailStatus.QUEUED, 0, None, utcnow()
    audit.add_entry(
        "email_again",
        consultation_ref=consultation.reference,
        location_id=consultation.location_id,
    )
    db.session.commit()
    jobs.enqueue_mail(consultation.id)
    return True


def _stuck(row: SummaryEmail) -> bool:
    """Queued for longer than all its tries could take: its job was lost (the
    queue unreachable, a worker killed), and staff may queue it again."""
    config = current_app.config
    tries = config["MAIL_RETRY_DELAY"] * (2 ** config["MAIL_RETRIES"] - 1)
    longest = tries + (config["MAIL_RETRIES"] + 1) * config["MAIL_TIMEOUT"] * 4 + 600
    return utcnow() - row.queued_at > dt.timedelta(seconds=longest)


class NotSentYet(Exception):
    """This try did not send the e-mail; the queue tries again later."""


def send(consultation_id: str, *, final: bool = True) -> None:
    """The job: send the queued e-mail of a consultation, recording the result.

    Raises :class:`NotSentYet` when it should be tried again (the patient's
    copy not ready, the server unreachable or saying "try later"), unless
    ``final``: then it is recorded as failed.
    """
    app = current_app._get_current_object()
    consultation = db.session.get(Consultation, consultation_id)
    row = consultation.summary_email if consultation else None
    if row is None or row.status != EmailStatus.QUEUED:
        return  # deleted, or sent or given up since it was queued
    address = patient_address(consultation)
    if address is None:
        return _failed(consultation, _("The patient gave no address, or no consent."), None)
    with language(app.config["CLINIC_LANGUAGE"]):  # the staff's words, for the page
        pdf = consultation.pdf("patient")
        path = stored_pdfs.pdf_path(pdf) if pdf and pdf.status == PdfStatus.READY else None
        if path is None or not path.exists():
            if not final:
                raise NotSentYet("the patient's copy is not ready yet")
            return _failed(consultation, _("The patient's copy was not ready in time."), None)
        # From the location it was sent at: its name, address and e-mail.
        config = locations.place(consultation.location_id, app).config
        message = summary_message(consultation, address, path.read_bytes(), config)
        row.attempts = (row.attempts or 0) + 1
        db.session.commit()  # the attempt is on record, even if this process dies now
        try:
            deliver(MailServer.of(app.config), message)
        except MailProblem as problem:
            reason = _hidden(problem.message, address)
            log.warning("summary e-mail of %s not sent: %s", consultation.reference, reason)
            if problem.transient and not final:
                row.error = reason
                audit.add_entry(
                    "email_failed",
                    consultation_ref=consultation.reference,
                    location_id=consultation.location_id,
                    detail=f"attempt {row.attempts}: {reason} (tried again later)",
                )
                db.session.commit()
                raise NotSentYet(reason) from None
            return _failed(consultation, reason, row.attempts)
    row.status, row.error, row.sent_at = EmailStatus.SENT, None, utcnow()
    audit.add_entry(
        "email_sent",
        consultation_ref=consultation.reference,
        location_id=consultation.location_id,
        detail=f"to the address the patient gave (attempt {row.attempts})",
    )
    db.session.commit()


def _failed(consultation: Consultation, reason: str, attempt: int | None) -> None:
    row = consultation.summary_email
    row.status, row.error = EmailStatus.FAILED, reason
    detail = f"attempt {attempt}: {reason}" if attempt else reason
    audit.add_entry(
        "email_failed",
        consultation_ref=consultation.reference,
        detail=detail,
        location_id=consultation.location_id,
    )
    db.session.commit()


# What the consultation page says ---------------------------------------------------


@dataclass(frozen=True)
class EmailState:
    """The consultation page's "Summary e-mail" line."""

    # not_asked, not_set_up, waiting_review, waiting_copy, not_sent, queued, sent, failed
    kind: str
    attempts: int = 0
    error: str | None = None
    sent_at: dt.datetime | None = None  # local time
    can_send: bool = False  # the "Send" / "Send again" button

    @property
    def polling(self) -> bool:
        """The line asks for itself again while something is under way."""
        return self.kind in ("queued", "waiting_copy")


def state(consultation: Consultation) -> EmailState:
    row = consultation.summary_email
    can_send = _can_send(consultation)
    if row is not None:
        return EmailState(
            kind=row.status.value,
            attempts=row.attempts or 0,
            error=row.error,
            sent_at=local_time(row.sent_at) if row.sent_at else None,
            can_send=can_send and (row.status != EmailStatus.QUEUED or _stuck(row)),
        )
    if patient_address(consultation) is None:
        return EmailState("not_asked")
    if not current_app.config["MAIL_SERVER"].strip():
        return EmailState("not_set_up")
    if current_app.config["MAIL_SEND"] == AFTER_REVIEW:
        if consultation.status != ConsultationStatus.REVIEWED:
            return EmailState("waiting_review")
    else:
        pdf = consultation.pdf("patient")
        if pdf is not None and pdf.status == PdfStatus.PENDING:
            return EmailState("waiting_copy")
    return EmailState("not_sent", can_send=True)
