"""Command-line tools for the stored data: ``purge``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


def init_app(app: Flask) -> None:
    app.cli.add_command(purge_command)


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Print what would be deleted; delete nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Delete drafts and consultations that outlived their retention period.

    Run it every 30 minutes or so (cron); see README, Retention.
    """
    from .retention import purge

    report = purge(dry_run=dry_run)
    verb = "Would delete" if dry_run else "Deleted"
    drafts_before = f"{report.draft_cutoff:%Y-%m-%d %H:%M} UTC"
    click.echo(f"{verb} {report.drafts} draft(s) last changed before {drafts_before}")
    click.echo(
        f"{verb} {report.consultations} consultation(s) sent before "
        f"{report.consultation_cutoff:%Y-%m-%d %H:%M} UTC, "
        f"with {report.notes} note(s) and {report.pdfs} PDF(s)"
    )
    click.echo(f"{verb} {report.stray_files} stray file(s) in the PDF folder")
