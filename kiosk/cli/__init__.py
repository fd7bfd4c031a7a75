"""The command line: ``kiosk`` (``.venv/bin/kiosk``), the same as ``flask --app kiosk``.

Every command of the app is in this package: ``serve``, ``worker``, ``content
check``, ``staff``, ``summary`` and ``pdfs retry`` here, ``purge``, ``backup``
and ``restore`` in ``data.py``, ``mail test`` in ``mail.py``; Flask-Migrate
adds ``db``. ``serve`` and ``content`` are registered as Flask plugin
commands, so they run even when the app itself cannot start (a broken content
file is exactly what ``content check`` is for).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo, pass_script_info, with_appcontext

from kiosk.cli import data, locations, mail
from kiosk.clinic import saved_settings
from kiosk.core.statuses import COPIES, PdfStatus

WAITRESS_BODY_LIMIT = 1024 * 1024


def main() -> None:
    """The ``kiosk`` console script: Flask's command line for this app."""
    from flask.cli import FlaskGroup

    from kiosk import create_app

    FlaskGroup(name="kiosk", create_app=create_app).main()


def init_app(app: Flask) -> None:
    app.cli.add_command(preview_command)
    app.cli.add_command(pdfs_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(worker_command)
    data.init_app(app)
    locations.init_app(app)
    mail.init_app(app)


@click.group("staff", help="Staff accounts: one per person, role staff or admin.")
def staff_cli() -> None:
    pass


def _account(username: str):
    from kiosk.web import accounts

    user = accounts.find(username)
    if user is None:
        raise click.ClickException(f"no account named '{username}'")
    return user


@staff_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["staff", "admin"]), default="staff", show_default=True)
@click.option("--name", "display_name", default=None, help="Name shown on reviews and notes.")
@click.option(
    "--location",
    "slugs",
    multiple=True,
    metavar="SLUG",
    help="A location whose consultations it sees (repeat for more; default: the first "
    "location). Admins see every location's.",
)
@with_appcontext
def staff_create(
    username: str, role: str, display_name: str | None, slugs: tuple[str, ...]
) -> None:
    """Create an account and print its password, once."""
    username = username.strip()
    password = create_account(username, role, display_name, slugs)
    click.echo(f"Created {role} account '{username}'. Password (shown only now): {password}")


def create_account(
    username: str, role: str, display_name: str | None, slugs: tuple[str, ...] = ()
) -> str:
    """A new account, committed; its generated password. ``slugs``: its
    locations (none given: the first)."""
    from kiosk.web.accounts import AccountError, create, location_ids_of

    try:
        at = location_ids_of([slug.strip().lower() for slug in slugs]) if slugs else None
        return create(username, role, display_name, at)[1]
    except AccountError as exc:
        raise click.ClickException(exc.message) from None


@staff_cli.command("disable")
@click.argument("username")
@with_appcontext
def staff_disable(username: str) -> None:
    """Disable an account: it can no longer sign in, and its sessions end."""
    from kiosk.web.accounts import AccountError, disable

    try:
        disable(_account(username))
    except AccountError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Disabled '{username}'.")


@staff_cli.command("reset")
@click.argument("username")
@with_appcontext
def staff_reset(username: str) -> None:
    """Give an account a new password (printed once) and end its sessions."""
    from kiosk.web.accounts import reset_password

    password = reset_password(_account(username))
    click.echo(f"New password for '{username}' (shown only now): {password}")


@staff_cli.command("list")
@with_appcontext
def staff_list() -> None:
    """List the accounts."""
    from kiosk.clinic import locations
    from kiosk.web.accounts import everyone

    chain = locations.chain()
    for user in everyone():
        state = "active" if user.active else "disabled"
        line = f"{user.username:<20} {user.role:<6} {state:<9} {user.display_name}"
        if chain:  # which locations' consultations it sees
            at = "every location" if user.is_admin else ", ".join(p.slug for p in user.locations)
            line += f"  [{at}]"
        click.echo(line)


@staff_cli.command("ensure-admin")
@with_appcontext
def staff_ensure_admin() -> None:
    """On an empty database, create an 'admin' account and print its password once."""
    password = first_admin()
    if password is not None:
        click.echo(f"Created admin account 'admin'. Password (shown only now): {password}")


def first_admin() -> str | None:
    """On a database without accounts, an 'admin' account: its password.

    None when there are accounts already, or when another process (an app
    server of a chain starting at the same moment) created the first one.
    """
    from sqlalchemy.exc import IntegrityError

    from kiosk.data.database import db
    from kiosk.data.models import StaffUser

    if db.session.scalar(db.select(StaffUser.id).limit(1)) is not None:
        return None
    try:
        return create_account("admin", "admin", "Administrator")
    except (IntegrityError, click.ClickException):  # made by another process meanwhile
        db.session.rollback()
        return None


@click.command("summary")
@click.argument("answers_file", type=click.File("r", encoding="utf-8"))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="PDF to write.")
@click.option("--copy", type=click.Choice(COPIES), default="patient", show_default=True)
@click.option("--lang", default=None, help="Patient's language (default: the file's, or en).")
@with_appcontext
def preview_command(answers_file, out: str, copy: str, lang: str | None) -> None:
    """Render the PDF the kiosk would print for ANSWERS_FILE (JSON; see docs/content.md)."""
    import datetime as dt
    import json

    from kiosk.core.answers import stored_answer_problems
    from kiosk.core.pdf import render_pdf
    from kiosk.records.stored_pdfs import build_document
    from kiosk.web.patient.forms import problem_message

    app = current_app._get_current_object()
    saved_settings.refresh(app)  # the clinic's details and policy set on the page
    flow = app.extensions["kiosk.core.flow"]
    try:
        data = json.load(answers_file)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{answers_file.name}: not valid JSON ({exc})") from None
    answers = data.get("answers", data) if isinstance(data, dict) else None
    if not isinstance(answers, dict):
        raise click.ClickException(f"{answers_file.name}: expected a JSON object of answers")
    language = lang or data.get("language") or "en"
    if language not in flow.questionnaire.languages:
        offered = ", ".join(flow.questionnaire.languages)
        raise click.ClickException(f"language '{language}' is not offered ({offered})")
    today = dt.date.fromisoformat(data["today"]) if "today" in data else dt.date.today()

    problems = stored_answer_problems(flow, answers, today)
    if problems:
        for question_id, problem in problems.items():
            question = flow.question(question_id)
            words = (
                problem_message(question, problem, language)
                if question
                else "not a question of this questionnaire"
            )
            click.echo(f"{answers_file.name}: {question_id}: {words}", err=True)
        raise click.ClickException(f"{len(problems)} answer(s) need fixing")

    submitted = dt.datetime.combine(today, dt.time(9, 0)).astimezone()
    document = build_document(
        app,
        answers,
        language=language,
        reference=data.get("reference", "PRE-VIEW"),
        submitted_at=submitted,
        today=today,
    )
    pdf = render_pdf(document, copy)
    with open(out, "wb") as handle:
        handle.write(pdf)
    click.echo(f"Wrote {out}: {copy} copy, {len(pdf) // 1024} KiB")


@click.group("pdfs", help="The stored PDFs.")
def pdfs_cli() -> None:
    pass


@pdfs_cli.command("retry")
@with_appcontext
def pdfs_retry() -> None:
    """Render now every PDF that is pending, failed, or whose file is missing."""
    from kiosk.records.stored_pdfs import retry_unfinished

    results = retry_unfinished()
    ready = sum(1 for r in results if r.status == PdfStatus.READY)
    click.echo(f"{ready} of {len(results)} summaries rendered")
    if ready < len(results):
        sys.exit(1)


@click.group("content", help="Check the content files.")
def content_cli() -> None:
    pass


@content_cli.command("check")
@click.argument("folder", required=False, type=click.Path(file_okay=False, exists=True))
@click.option(
    "--wording",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The clinic's wording file (default: wording.yaml in the instance folder, if any).",
)
def content_check(folder: str | None, wording: Path | None) -> None:
    """Check every file the kiosk loads from the content FOLDER, as it loads
    them at start-up: questionnaire.yaml, with the questions the code reads;
    plan.yaml, against the questionnaire; sources.yaml, which its texts cite;
    and the clinic's wording.yaml over them.

    FOLDER defaults to the CONTENT_DIR setting, read as the app reads it
    (instance/config.py, KIOSK_CONTENT_DIR), else the built-in content.
    """
    from flask import Config

    from kiosk.clinic import settings
    from kiosk.core.content import ContentError
    from kiosk.core.content_folder import load_content
    from kiosk.core.plan.rules import PLAN_FILE
    from kiosk.core.wording import WORDING_FILE

    if folder is None:
        config = settings.read(Config(settings.instance_path(None)))
        folder = settings.SETTINGS["CONTENT_DIR"].parse(config["CONTENT_DIR"])
    wording = wording or Path(settings.instance_path(None)) / WORDING_FILE
    try:
        content = load_content(folder, wording)
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s) found.", err=True)
        sys.exit(1)
    questionnaire = content.questionnaire
    questions = sum(len(s.questions) for s in questionnaire.steps)
    click.echo(f"Content folder: {content.folder}")
    click.echo(
        f"OK: {questionnaire.id} {questionnaire.version}: {len(questionnaire.steps)} steps, "
        f"{questions} questions, languages {', '.join(questionnaire.languages)}"
    )
    click.echo(f"OK: {PLAN_FILE}: {len(content.rules.flags)} screening flags, every text sourced")
    if content.wording is not None:
        click.echo(f"OK: {wording}: {content.wording.count} text(s) in the clinic's own words")


@click.command("serve", help="Run the kiosk with the production server (waitress).")
@click.option("--host", default=None, help="Address to listen on (default: HOST setting, 0.0.0.0).")
@click.option("--port", default=None, type=int, help="Port (default: PORT setting, 8000).")
@click.option("--threads", default=8, show_default=True, help="Web server threads.")
@click.option(
    "--worker/--no-worker",
    default=True,
    show_default=True,
    help="Start the render worker too (--no-worker: it runs elsewhere, as `worker`).",
)
def serve_command(host: str | None, port: int | None, threads: int, worker: bool) -> None:
    from waitress import serve

    from kiosk import create_app
    from kiosk.core.content import ContentError
    from kiosk.records import jobs
    from kiosk.web.proxies import waitress_settings

    try:
        app = create_app()
    except ContentError as exc:
        click.echo("The content files have problems; the kiosk cannot start:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    host = host or app.config["HOST"]
    port = port or app.config["PORT"]
    with app.app_context():
        password = first_admin()
        missing = missing_clinic_details(app)
        welcomes = location_paths()
    click.echo(ready_message(_urls(host, port), password, missing, welcomes))
    sys.stdout.flush()
    # waitress reads a whole body before the app sees it: it refuses anything
    # over 1 MiB itself, and the app answers smaller oversized requests with
    # its own page (MAX_CONTENT_LENGTH).
    body_limit = max(app.config["MAX_CONTENT_LENGTH"], WAITRESS_BODY_LIMIT)
    # The render worker is a child process; SIGTERM (systemd, kill) ends the
    # server as Ctrl-C does, so that the worker is stopped with it.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    render_worker = (
        jobs.WorkerSupervisor(
            restarts=app.config["WORKER_RESTARTS"],
            say=lambda line: click.echo(line, err=True),
        ).start()
        if worker
        else None
    )
    try:
        serve(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="kiosk",
            max_request_body_size=body_limit,
            **waitress_settings(app.config),
        )
    except KeyboardInterrupt:
        pass
    finally:
        if render_worker is not None:
            render_worker.stop()


def _exit_on_signal(signum, _frame) -> None:
    raise SystemExit(128 + signum)


def missing_clinic_details(app: Flask) -> list[str]:
    """The clinic details a patient's copy needs and nobody has set: with what
    was saved on the settings page applied first (in an app context)."""
    from kiosk.clinic import saved_settings
    from kiosk.records.stored_pdfs import clinic_profile

    saved_settings.refresh(app)
    return clinic_profile(app.config).missing_details()


def location_paths() -> list[tuple[str, str]]:
    """Each location's name and the path its tablets open, in a chain; with
    one location, none (its tablets open the kiosk's own address). In an app
    context, after ``missing_clinic_details`` applied the saved settings."""
    from kiosk.clinic import locations

    if not locations.chain():
        return []
    return [(place.name, place.path) for place in locations.places().values()]


def ready_message(
    urls: list[str],
    password: str | None,
    missing: list[str],
    welcomes: list[tuple[str, str]] | None = None,
) -> str:
    """What `serve` (and so `make run`) ends with: where to go, and what to do
    first. ``welcomes``: in a chain, each location's name and its tablets' path."""
    if welcomes:
        lines = ["Kiosk, for the tablets of each location:"]
        lines += [f"  {name}: {urls[-1]}{path.lstrip('/')}" for name, path in welcomes]
        lines.append(f"Staff area:              {urls[-1]}staff/")
    else:
        lines = [
            f"Kiosk, for the tablets:  {urls[-1]}",
            f"Staff area:              {urls[-1]}staff/",
        ]
    if len(urls) > 1:
        lines.append(f"On this computer:        {urls[0]}")
    if password:
        lines += [
            "",
            "First sign-in (created now, shown only this once):",
            f"  username admin, password {password}",
        ]
    if missing:
        details = " and ".join(MISSING_WORDS[name] for name in missing)
        lines += [
            "",
            f"Before patients use it, set the clinic's {details}:",
            "the take-home copy tells patients when to contact the clinic.",
            f"  Staff area, Settings: {urls[-1]}staff/settings",
        ]
    lines += ["", "Stop with Ctrl-C."]
    rule = "-" * max(len(line) for line in lines)
    return "\n".join([rule, *lines, rule])


# The clinic details a patient's copy needs, as `serve` names them.
MISSING_WORDS = {"CLINIC_PHONE": "phone number", "CLINIC_ADDRESS": "address"}


def _urls(host: str, port: int) -> list[str]:
    """Loopback first; then, listening on every interface, the machine's
    addresses on its networks (the ones a tablet can open)."""
    if host not in ("0.0.0.0", "::"):
        return [f"http://{host}:{port}/"]
    return [f"http://{address}:{port}/" for address in ["127.0.0.1", *network_addresses()]]


def network_addresses() -> list[str]:
    """This machine's IPv4 addresses on its networks (not loopback).

    Read from ``ip`` (iproute2, on every Debian); without it, the address the
    machine would use for a route out (a UDP socket is connected, which sends
    nothing), else the address its host name resolves to.
    """
    found: list[str] = []
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        output = subprocess.run(
            ["ip", "-4", "-o", "addr", "show", "scope", "global"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
        found = [
            line.split()[3].split("/")[0] for line in output.splitlines() if len(line.split()) > 3
        ]
    if not found:
        with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.connect(("10.254.254.254", 1))
            found = [udp.getsockname()[0]]
    if not found:
        with contextlib.suppress(OSError):
            found = [socket.gethostbyname(socket.gethostname())]
    return [address for address in dict.fromkeys(found) if not address.startswith("127.")]


@click.command("worker", help="Run the render worker (the Huey consumer) alone.")
@click.option(
    "--processes",
    type=int,
    default=None,
    help="Worker processes (default: WORKER_PROCESSES, 0 = one per core).",
)
@pass_script_info
def worker_command(info: ScriptInfo, processes: int | None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # The worker's own lines (start, and every problem); Huey's and WeasyPrint's
    # progress on every job only when something goes wrong.
    for chatty in ("huey", "weasyprint"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    app = info.load_app()
    from kiosk.records import jobs

    jobs.run_worker(app, processes)
