"""Command-line tools for the stored data: ``purge``, ``backup`` and ``restore``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def init_app(app: Flask) -> None:
    app.cli.add_command(purge_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Print what would be deleted; delete nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Delete drafts and consultations that outlived their retention period.

    Run it every 30 minutes or so (cron); see docs/operations.md, Retention.
    """
    from kiosk.clinic.saved_settings import refresh
    from kiosk.records.retention import purge

    refresh(current_app._get_current_object())  # the retention periods set on the page
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


@click.command("backup")
@click.argument("parent", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(parent: Path) -> None:
    """Back up the database and the PDFs into a new folder under PARENT."""
    from kiosk.records.backup import BackupError, create_backup

    try:
        made = create_backup(parent)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    files = made.manifest["files"]
    size = sum(entry["size"] for entry in files)
    click.echo(f"Backed up {len(files)} file(s), {size / 1024:.0f} KiB, into {made.folder}")
    for name in made.missing:
        click.echo(f"Warning: PDF {name} is named in the database but was not on disk", err=True)
    if made.pg_dump:
        click.echo(
            "The database is on PostgreSQL and is NOT in this backup. Dump it into the same "
            "folder now (pg_dump takes the password from PGPASSWORD or ~/.pgpass):"
        )
        click.echo(f"  {made.pg_dump}")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(folder: Path, force: bool) -> None:
    """Restore the backup in FOLDER into this instance (stop the app first)."""
    from kiosk.records.backup import BackupError, restore_backup

    try:
        restored = restore_backup(folder, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if restored.undo is not None:
        click.echo(
            f"What was here before is kept in {restored.undo.folder}: to undo this restore, "
            f"restore that folder with --force"
        )
        if restored.undo.pg_dump:
            click.echo(
                "  The database is on PostgreSQL: dump what it holds now into that folder "
                f"BEFORE running pg_restore below:\n  {restored.undo.pg_dump}"
            )
    click.echo(
        f"Restored {restored.pdfs} PDF(s) and {restored.instance_files} file(s) of the clinic's "
        f"(logo, wording) from the backup made {restored.manifest['created']}"
    )
    if restored.pg_restore:
        click.echo(
            "The database is on PostgreSQL: restore it from the dump made with pg_dump, "
            "then run `flask --app kiosk db upgrade`:"
        )
        click.echo(f"  {restored.pg_restore}")
    else:
        click.echo(f"Restored the database and migrated it to revision {restored.revision}")
