"""``mail test ADDRESS``: a clinic checks its mail settings (``MAIL_*``)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def init_app(app: Flask) -> None:
    app.cli.add_command(mail_cli)


@click.group("mail", help="The patient's summary e-mailed through the clinic's mail server.")
def mail_cli() -> None:
    pass


@mail_cli.command("test")
@click.argument("address")
@with_appcontext
def mail_test(address: str) -> None:
    """Send a test message to ADDRESS with the mail settings in force."""
    from kiosk.clinic.saved_settings import refresh
    from kiosk.records.summary_email import MailProblem, MailServer, check_message, deliver

    app = current_app._get_current_object()
    refresh(app)  # the settings saved on the settings page
    server = MailServer.of(app.config)
    if not server.host:
        raise click.ClickException(
            "E-mail is not set up: set the mail server (MAIL_SERVER, or the settings page)."
        )
    try:
        message = check_message(address.strip(), app.config)
    except MailProblem as problem:
        raise click.ClickException(f"Not sent. {problem.message}") from None
    security = "SSL" if server.use_ssl else "STARTTLS" if server.use_tls else "no encryption"
    click.echo(f"Sending a test message through {server.where} ({security}) ...")
    try:
        deliver(server, message)
    except MailProblem as problem:
        raise click.ClickException(f"Not sent. {problem.message}") from None
    click.echo(f"Sent to {address.strip()} from {server.sender}: check that it arrived.")
