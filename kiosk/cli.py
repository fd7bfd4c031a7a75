"""Command-line tools: ``flask --app kiosk content check`` and ``flask --app kiosk serve``.

Both are registered as Flask plugin commands, so they run even when the app
itself cannot start (a broken content file is exactly what ``content check``
is for).
"""

from __future__ import annotations

import os
import socket
import sys

import click
from flask import Flask


def init_app(app: Flask) -> None:
    """App-bound commands (none yet besides the plugins below)."""


@click.group("content", help="Check the questionnaire content files.")
def content_cli() -> None:
    pass


@content_cli.command("check")
@click.argument("folder", required=False, type=click.Path(file_okay=False, exists=True))
def content_check(folder: str | None) -> None:
    """Validate FOLDER/questionnaire.yaml (default: KIOSK_CONTENT_DIR or the built-in content)."""
    from .content import ContentError, load_questionnaire

    folder = folder or os.environ.get("KIOSK_CONTENT_DIR")
    try:
        questionnaire = load_questionnaire(folder)
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s) found.", err=True)
        sys.exit(1)
    questions = sum(len(s.questions) for s in questionnaire.steps)
    click.echo(
        f"OK: {questionnaire.id} {questionnaire.version}: {len(questionnaire.steps)} steps, "
        f"{questions} questions, languages {', '.join(questionnaire.languages)}"
    )


@click.command("serve", help="Run the kiosk with the production server (waitress).")
@click.option("--host", default=None, help="Address to listen on (default: HOST setting, 0.0.0.0).")
@click.option("--port", default=None, type=int, help="Port (default: PORT setting, 8000).")
@click.option("--threads", default=8, show_default=True, help="Worker threads.")
def serve_command(host: str | None, port: int | None, threads: int) -> None:
    from waitress import serve

    from . import create_app
    from .content import ContentError

    try:
        app = create_app()
    except ContentError as exc:
        click.echo("The content files have problems; the kiosk cannot start:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    host = host or app.config["HOST"]
    port = port or int(app.config["PORT"])
    for url in _urls(host, port):
        click.echo(f"Kiosk: {url}")
    sys.stdout.flush()
    serve(app, host=host, port=port, threads=threads, ident="kiosk")


def _urls(host: str, port: int) -> list[str]:
    if host not in ("0.0.0.0", "::"):
        return [f"http://{host}:{port}/"]
    urls = [f"http://127.0.0.1:{port}/"]
    try:
        # The machine's own address, for the tablets on the clinic's network.
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        return urls
    if not address.startswith("127."):
        urls.append(f"http://{address}:{port}/")
    return urls
