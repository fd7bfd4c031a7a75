"""A chain under load: 100 tablets on two app servers sharing one PostgreSQL.

Starts, on 127.0.0.1 and free ports, everything a chain of clinics runs
(docs/operations.md, "A chain of servers"):

- a throw-away PostgreSQL cluster (tests/postgres.py), migrated, with three
  locations: the first (Welcome "/") and two more (``LOCATIONS``, Welcome
  "/at/<slug>/"), each with its own name, address and colour;
- two ``flask --app kiosk serve --no-worker`` app servers, each with its own
  instance folder, sharing the database, the secret key and one PDF folder;
- one render worker, ``flask --app kiosk worker`` (one render process per
  core), its queue in the same PostgreSQL (Huey's tables: the default when
  DATABASE_URL is PostgreSQL);
- nginx over HTTPS with the project's own site file (deploy/nginx-kiosk.conf,
  through tests/nginx.py), its upstream the two servers, taken in turn.

Then locust (headless, in a subprocess; bench/locustfile.py) drives 100
tablets at about 3 s a screen for 60 s, all through nginx, each walking the
questionnaire, signing the consent and sending; and a prober times a static
file (the floor). The tablets are given out in turn to the three locations'
Welcomes, and each stays under its own location's address. It waits (at most
--ready-timeout seconds) for every PDF, prints step, send and
Send-to-both-PDFs-ready figures, errors, how the requests split between the
two servers (nginx's log of each request's upstream), and PASS or FAIL for
each target; writes the figures as JSON.

Then it checks, from the database, that each location's consultations came
from its own tablets: every location got some; each consultation carries the
first name its location's tablets give (locustfile.patient_name); and each
location holds at least the consultations locust saw its tablets send, and no
more than one more per tablet (a Send still in flight when locust stopped
its tablets). It prints each location's counts, and fails (exit status 1) on
a mismatch.

Everything it starts it stops by process id or process group, on Ctrl-C,
SIGTERM or an error too, and it checks that none of them is left.

The tablets start from the Welcome addresses given with --welcome (default:
every location's, "/", "/at/north/" and "/at/south/"), in turn.

Run: make bench-chain   (or: .venv/bin/python bench/chain_bench.py [--tablets 100]
     [--seconds 60] [--think 3] [--json FILE])
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402

from bench.load_bench import locust_command, percentile  # noqa: E402
from kiosk import create_app  # noqa: E402
from kiosk.clinic import locations  # noqa: E402
from kiosk.core.statuses import PdfStatus  # noqa: E402
from kiosk.data.database import db  # noqa: E402
from kiosk.data.models import FIRST_LOCATION, Consultation, Location  # noqa: E402
from tests.nginx import NGINX, Nginx  # noqa: E402
from tests.ports import free_port  # noqa: E402
from tests.postgres import Cluster  # noqa: E402
from tests.processes import descendants, stop_group  # noqa: E402

DATABASE = "kiosk"
START_TIMEOUT = 60  # seconds for a server to answer its first request

# The chain's locations besides the first (whose Welcome is "/"): slug, own settings.
LOCATIONS = {
    "north": {
        "CLINIC_NAME": "Bench Clinic North",
        "CLINIC_ADDRESS": "1 North Street\nLeeds LS1 1AA",
        "BRAND_COLOUR": "#6b2d5c",
    },
    "south": {
        "CLINIC_NAME": "Bench Clinic South",
        "CLINIC_ADDRESS": "2 South Street\nBrighton BN1 1AA",
        "BRAND_COLOUR": "#1f5c3a",
    },
}

# The targets (issue 26): what a chain's tablets must get.
TARGETS = {
    "step_p95_ms": 100,
    "send_p95_ms": 300,
    "errors": 0,
    "all_ready_after_last_send_s": 60,
}


class Process:
    """A ``flask --app kiosk ...`` command in its own process group, its output in ``log``."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path):
        self.name, self.args, self.env, self.log = name, args, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "kiosk", *self.args],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )

    def check_running(self) -> None:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited:\n{self.log.read_text()}")

    def stop(self) -> None:
        """SIGINT (the kiosk's Ctrl-C: a render in progress finishes), then
        SIGKILL to whatever of its group is left."""
        if self.process is not None:
            stop_group(self.process, timeout=20, first=signal.SIGINT)


class AppServer(Process):
    def __init__(self, name: str, env: dict[str, str], folder: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = ["serve", "--no-worker", "--host", "127.0.0.1", "--port", str(self.port)]
        super().__init__(name, args, env, folder / f"{name}.log")

    def wait_until_answering(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self.check_running()
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer within {START_TIMEOUT} s")


class Chain:
    """The database, two app servers, the worker and nginx; stopped by ``stop``."""

    def __init__(self, folder: Path, worker_processes: int | None):
        self.folder = folder
        self.cluster = Cluster()
        self.pdfs = folder / "pdfs"  # one folder, as a chain's shared mount
        self.servers: list[AppServer] = []
        self.worker: Process | None = None
        self.nginx: Nginx | None = None
        self.worker_processes = worker_processes
        self.started: dict[str, int] = {}  # name: pid (each its own process group)
        self.secret = secrets.token_hex(32)  # every server's: a session works on both
        self.app = None

    def environment(self, instance: str) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.cluster.url(DATABASE),
            "KIOSK_INSTANCE_PATH": str(self.folder / instance),
            "KIOSK_PDF_DIR": str(self.pdfs),
            "KIOSK_SECRET_KEY": self.secret,
            "KIOSK_CLINIC_NAME": "Bench Clinic",
            # Behind nginx over HTTPS, as deploy/nginx-kiosk.conf says.
            "KIOSK_TRUSTED_PROXIES": "1",
            "KIOSK_SESSION_COOKIE_SECURE": "true",
        }

    def start(self) -> None:
        if not Path(NGINX).exists():
            raise SystemExit(
                "nginx is missing: `make bench-chain` installs Debian's nginx-light package "
                "(the Makefile's nginx target)."
            )
        self.cluster.start()
        self.started["postgresql"] = self.cluster.pid
        self.cluster.create_database(name=DATABASE)
        self.app = create_app(
            {
                "INSTANCE_PATH": str(self.folder / "bench-instance"),
                "SQLALCHEMY_DATABASE_URI": self.cluster.url(DATABASE),
                "PDF_DIR": str(self.pdfs),
            }
        )
        with self.app.app_context():
            flask_migrate.upgrade()
            for slug, values in LOCATIONS.items():
                locations.add(self.app, slug, values)
        # One after the other: the first creates the first admin account.
        for name in ("server-1", "server-2"):
            server = AppServer(name, self.environment(f"{name}-instance"), self.folder)
            self.servers.append(server)
            server.start()
            self.started[name] = server.process.pid
            server.wait_until_answering()
        args = ["worker"]
        if self.worker_processes:
            args += ["--processes", str(self.worker_processes)]
        self.worker = Process(
            "worker", args, self.environment("worker-instance"), self.folder / "worker.log"
        )
        self.worker.start()
        self.started["worker"] = self.worker.process.pid
        self.nginx = Nginx(self.folder / "nginx", [s.port for s in self.servers], connections=1024)
        self.nginx.start()
        self.started["nginx"] = self.nginx.process.pid
        time.sleep(3)  # the worker's render processes warm up, as in a clinic

    def stop(self) -> None:
        """Each in turn, whatever went wrong with the one before."""
        steps = [self.nginx.stop] if self.nginx else []
        steps += [s.stop for s in self.servers]
        steps += [self.worker.stop] if self.worker else []
        if self.app is not None:
            steps.append(lambda: dispose(self.app))
        steps.append(self.cluster.stop)
        for step in steps:
            try:
                step()
            except Exception as error:  # go on: the next one must stop too
                print(f"while stopping: {error!r}", file=sys.stderr)

    def requests_per_server(self) -> dict[str, int]:
        counts = self.nginx.requests_per_upstream()
        named = {server.name: counts.pop(f"127.0.0.1:{server.port}", 0) for server in self.servers}
        if counts:
            named["nginx itself"] = sum(counts.values())
        return named


def dispose(app) -> None:
    with app.app_context():
        db.engine.dispose()


def left_behind(started: dict[str, int]) -> list[str]:
    """Processes still alive of those started: this process's children and
    their children, and any member of a started process group (PostgreSQL's
    server runs detached: its own pid)."""
    found = [f"pid {pid} (a child)" for pid in sorted(descendants(os.getpid()))]
    groups = set(started.values())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        state, group = fields[0], int(fields[2])
        pid = int(stat.parent.name)
        if state != "Z" and (group in groups or pid in groups):
            name = next(n for n, p in started.items() if p in (group, pid))
            found.append(f"pid {pid} ({name})")
    return sorted(set(found))


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def readiness(app, since: dt.datetime, pdfs: Path) -> dict:
    """Consultations sent since ``since``: Send-to-both-PDFs-ready seconds of
    those ready, how many are not (yet), and the last Send and last PDF
    (epoch seconds)."""
    seconds, unfinished, failed = [], 0, 0
    last_send = last_pdf = None
    with app.app_context():
        consultations = db.session.scalars(
            db.select(Consultation).where(Consultation.submitted_at >= since)
        ).all()
        for consultation in consultations:
            sent = consultation.submitted_at.replace(tzinfo=dt.UTC).timestamp()
            last_send = max(last_send or sent, sent)
            stored = consultation.pdfs
            failed += sum(s.status == PdfStatus.FAILED for s in stored)
            if len(stored) < 2 or any(s.status != PdfStatus.READY for s in stored):
                unfinished += 1
                continue
            done = max((pdfs / s.filename).stat().st_mtime for s in stored)
            seconds.append(done - sent)
            last_pdf = max(last_pdf or done, done)
        db.session.rollback()
    return {
        "sent": len(consultations),
        "ready_seconds": seconds,
        "unfinished": unfinished,
        "failed_pdfs": failed,
        "last_send": last_send,
        "last_pdf": last_pdf,
    }


def welcome_paths() -> list[str]:
    """Each location's Welcome address, the first's ("/") first."""
    return ["/", *(f"/at/{slug}/" for slug in LOCATIONS)]


def patient_name(welcome: str) -> str:
    """The first name bench/locustfile.py's tablets at ``welcome`` give (its
    ``patient_name``; the locustfile is not imported here: locust's gevent
    patches whatever imports it)."""
    slug = welcome.rstrip("/").rpartition("/")[2]
    return f"Maya {slug}"[:40] if slug else "Maya"


def by_location(app, since: dt.datetime, sent: dict[str, dict[str, int]]) -> dict:
    """Each Welcome's tablets, what locust saw them send, and what the database
    holds of its location since ``since``: how many consultations, and how
    many of them carry another location's tablets' first name. Also the
    consultations at a location no tablet opened (``elsewhere``)."""
    with app.app_context():
        ids = {
            "/" if row.id == FIRST_LOCATION else f"/at/{row.slug}/": row.id
            for row in db.session.scalars(db.select(Location)).all()
        }
        rows = db.session.execute(
            db.select(Consultation.location_id, Consultation.first_name, db.func.count())
            .where(Consultation.submitted_at >= since)
            .group_by(Consultation.location_id, Consultation.first_name)
        ).all()
        db.session.rollback()
    found: dict[str, dict] = {}
    for welcome, counts in sent.items():
        location_id = ids.get(welcome)
        here = [(name, count) for at, name, count in rows if at == location_id]
        found[welcome] = {
            "location_id": location_id,
            "tablets": counts["tablets"],
            "sent_by_locust": counts["sent"],
            "consultations": sum(count for _, count in here),
            "of_other_tablets": sum(count for name, count in here if name != patient_name(welcome)),
        }
    opened = {place["location_id"] for place in found.values()}
    return {
        "locations": found,
        "elsewhere": sum(count for at, _, count in rows if at not in opened),
    }


def locations_match(places: dict) -> bool:
    """Every location with tablets got consultations, all from its own
    tablets; none went anywhere else; each holds what locust saw its tablets
    send and at most one more per tablet (a Send in flight when locust
    stopped its tablets)."""
    return places["elsewhere"] == 0 and all(
        place["location_id"] is not None
        and place["consultations"] > 0
        and place["of_other_tablets"] == 0
        and place["sent_by_locust"]
        <= place["consultations"]
        <= place["sent_by_locust"] + place["tablets"]
        for place in places["locations"].values()
    )


class Locust:
    """locust, headless, in its own process group."""

    def __init__(self, chain: Chain, args, out: Path):
        self.out = out
        self.command = locust_command(
            chain.nginx.url,
            users=args.tablets + 1,  # and the prober
            spawn_rate=args.spawn_rate,
            seconds=args.seconds,
            csv_prefix=out / "chain",
        )
        self.env = {
            **os.environ,
            "BENCH_THINK_SECONDS": str(args.think),
            "BENCH_WELCOME_PATHS": ",".join(args.welcome),
            "BENCH_CA_FILE": str(chain.nginx.cert),  # nginx's own certificate
            "BENCH_SENT_FILE": str(out / "sent.json"),
        }
        self.seconds = args.seconds
        self.process: subprocess.Popen | None = None

    def run(self, started: dict[str, int]) -> None:
        with (self.out / "locust.log").open("wb") as log:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        started["locust"] = self.process.pid
        self.process.wait(timeout=self.seconds + 120)

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process, timeout=15)

    def sent(self) -> dict[str, dict[str, int]]:
        """For each Welcome: its tablets, and the consultations locust saw them send."""
        counts = self.out / "sent.json"
        if not counts.exists():
            raise RuntimeError(f"locust wrote no counts:\n{(self.out / 'locust.log').read_text()}")
        return json.loads(counts.read_text())

    def figures(self) -> dict:
        stats = self.out / "chain_stats.csv"
        if not stats.exists():
            raise RuntimeError(f"locust wrote no figures:\n{(self.out / 'locust.log').read_text()}")
        rows = {r["Name"]: r for r in csv.DictReader(stats.open())}
        rows.pop("Aggregated", None)

        def figure(row: str, column: str) -> float | None:
            value = rows.get(row, {}).get(column)
            return float(value) if value not in (None, "", "N/A") else None

        exceptions = 0
        with contextlib.suppress(FileNotFoundError):
            exceptions = sum(
                int(r["Count"]) for r in csv.DictReader((self.out / "chain_exceptions.csv").open())
            )
        messages = []
        with contextlib.suppress(FileNotFoundError):
            for row in csv.DictReader((self.out / "chain_failures.csv").open()):
                messages.append(f"{row['Name']}: {row['Error']} ({row['Occurrences']}x)")
        with contextlib.suppress(FileNotFoundError):
            for row in csv.DictReader((self.out / "chain_exceptions.csv").open()):
                messages.append(f"{row['Message']} ({row['Count']}x)")
        return {
            "failure_messages": messages[:20],
            "requests": int(sum(float(r["Request Count"]) for r in rows.values())),
            "failed_requests": int(sum(float(r["Failure Count"]) for r in rows.values())),
            "exceptions": exceptions,
            "failures_by_name": {
                name: int(float(r["Failure Count"]))
                for name, r in rows.items()
                if float(r["Failure Count"])
            },
            "step_ms": {p: figure("step", f"{p}%") for p in (50, 95, 99)},
            "send_ms": {p: figure("send", f"{p}%") for p in (50, 95)},
            "floor_ms": {p: figure("floor", f"{p}%") for p in (50, 95)},
        }


def measure(chain: Chain, args, out: Path) -> dict:
    since = utc_now()
    locust = Locust(chain, args, out)
    try:
        locust.run(chain.started)
    finally:
        locust.stop()
    figures = locust.figures()
    sent = locust.sent()
    # Every PDF, or the bounded wait's end.
    deadline = time.monotonic() + args.ready_timeout
    while True:
        ready = readiness(chain.app, since, chain.pdfs)
        if not ready["unfinished"] or time.monotonic() > deadline:
            break
        for process in (*chain.servers, chain.worker):
            process.check_running()
        time.sleep(0.5)
    after_last = None
    if not ready["unfinished"] and ready["last_send"] is not None:
        after_last = round(max(0.0, ready["last_pdf"] - ready["last_send"]), 1)
    errors = figures["failed_requests"] + figures["exceptions"] + ready["failed_pdfs"]
    seconds = ready["ready_seconds"]
    return {
        **figures,
        "errors": errors,
        "consultations_sent": ready["sent"],
        "send_to_ready_s": {
            p: round(percentile(seconds, share), 2) if seconds else None
            for p, share in ((50, 0.5), (95, 0.95))
        },
        "pdfs_failed": ready["failed_pdfs"],
        "consultations_unfinished_after_wait": ready["unfinished"],
        "ready_timeout_s": args.ready_timeout,
        "all_ready_after_last_send_s": after_last,
        "requests_per_server": chain.requests_per_server(),
        "by_location": by_location(chain.app, since, sent),
    }


def verdicts(run: dict) -> dict[str, bool]:
    step, send, after = run["step_ms"][95], run["send_ms"][95], run["all_ready_after_last_send_s"]
    return {
        "step_p95_ms": step is not None and step <= TARGETS["step_p95_ms"],
        "send_p95_ms": send is not None and send <= TARGETS["send_p95_ms"],
        "errors": run["errors"] == TARGETS["errors"],
        "all_ready_after_last_send_s": (
            after is not None and after <= TARGETS["all_ready_after_last_send_s"]
        ),
    }


def command_line() -> str:
    python = Path(sys.executable)
    with contextlib.suppress(ValueError):
        python = python.relative_to(Path.cwd())
    script = Path(sys.argv[0]).resolve()
    with contextlib.suppress(ValueError):
        script = script.relative_to(Path.cwd())
    return shlex.join([str(python), str(script), *sys.argv[1:]])


def _exit_on_signal(signum, _frame) -> None:
    raise SystemExit(128 + signum)  # the finally blocks stop everything


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tablets", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60, help="length of the load run")
    parser.add_argument("--think", type=float, default=3.0, help="seconds on each screen")
    parser.add_argument("--spawn-rate", type=float, default=10, help="tablets started a second")
    parser.add_argument(
        "--welcome",
        action="append",
        default=None,
        help="a Welcome address the tablets start from (repeat: tablets given out in turn); "
        "default every location's: " + ", ".join(welcome_paths()),
    )
    parser.add_argument(
        "--ready-timeout",
        type=float,
        default=300,
        help="seconds to wait after the run for every PDF",
    )
    parser.add_argument("--worker-processes", type=int, default=None, help="worker --processes")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "chain.json")
    args = parser.parse_args()
    args.welcome = args.welcome or welcome_paths()
    unknown = [path for path in args.welcome if path not in welcome_paths()]
    if args.tablets < len(args.welcome):
        parser.error(
            f"--tablets {args.tablets}: at least one for each Welcome ({len(args.welcome)})"
        )
    if unknown:
        parser.error(
            f"no location has the Welcome {', '.join(unknown)}: "
            f"the chain's are {', '.join(welcome_paths())}"
        )
    signal.signal(signal.SIGTERM, _exit_on_signal)

    load = os.getloadavg()
    results: dict = {
        "command": command_line(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": (
            f"{os.cpu_count()} cores, {platform.machine()}, python {platform.python_version()}"
        ),
        "load_average_at_start": [round(v, 2) for v in load],
        "tablets": args.tablets,
        "think_seconds": args.think,
        "seconds": args.seconds,
        "welcome_paths": args.welcome,
        "targets": TARGETS,
    }
    with tempfile.TemporaryDirectory(prefix="kiosk-chain-bench-") as folder:
        chain = Chain(Path(folder), args.worker_processes)
        try:
            chain.start()
            results["run"] = measure(chain, args, Path(folder))
        finally:
            chain.stop()
            left = left_behind(chain.started)
            results["processes_started"] = chain.started
            results["processes_left"] = left
            if left:
                print(f"LEFT BEHIND: {', '.join(left)}", file=sys.stderr)
    results["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    results["verdicts"] = verdicts(results["run"])
    results["locations_match"] = locations_match(results["run"]["by_location"])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"\nJSON: {args.json}")
    print(f"command: {results['command']}")
    return 1 if left or not results["locations_match"] else 0


def print_table(r: dict) -> None:
    run = r["run"]

    def ms(values: dict, *keys) -> str:
        return " / ".join("–" if values.get(k) is None else f"{values[k]:.0f}" for k in keys)

    def s(values: dict, *keys) -> str:
        return " / ".join("–" if values.get(k) is None else f"{values[k]}" for k in keys)

    if run["consultations_unfinished_after_wait"]:
        after = (
            f"{run['consultations_unfinished_after_wait']} consultations not ready "
            f"{run['ready_timeout_s']:.0f} s after the run"
        )
    elif run["all_ready_after_last_send_s"] is None:
        after = "– (nothing sent)"
    else:
        after = f"{run['all_ready_after_last_send_s']} s"
    load = r["load_average_at_start"]
    print(
        f"# bench/chain_bench.py  ({r['machine']}; load average at start "
        f"{load[0]} / {load[1]} / {load[2]})"
    )
    print(
        f"{r['tablets']} tablets at {len(r['welcome_paths'])} "
        f"location{'s' if len(r['welcome_paths']) > 1 else ''}, "
        f"~{r['think_seconds']:g} s a screen for {r['seconds']} s, "
        "through nginx to two app servers, one worker, one PostgreSQL"
    )
    print("| figure | value |")
    print("|---|---|")
    print(f"| step p50 / p95 / p99 | {ms(run['step_ms'], 50, 95, 99)} ms |")
    print(f"| send p50 / p95 | {ms(run['send_ms'], 50, 95)} ms |")
    print(f"| floor (static file) p50 / p95 | {ms(run['floor_ms'], 50, 95)} ms |")
    print(f"| Send → both PDFs ready p50 / p95 | {s(run['send_to_ready_s'], 50, 95)} s |")
    print(f"| every PDF ready after the last Send | {after} |")
    failures = ", ".join(f"{k} {v}" for k, v in run["failures_by_name"].items()) or "none"
    print(
        f"| errors | {run['errors']} (failed requests: {failures}; exceptions "
        f"{run['exceptions']}; PDFs failed {run['pdfs_failed']}) |"
    )
    print(f"| consultations sent | {run['consultations_sent']} |")
    split = ", ".join(f"{name} {count}" for name, count in run["requests_per_server"].items())
    print(f"| requests per app server (nginx's log) | {split} |")
    end = r["load_average_at_end"]
    print(f"| load average at the end | {end[0]} / {end[1]} / {end[2]} |")
    print()
    labels = {
        "step_p95_ms": f"step p95 ≤ {TARGETS['step_p95_ms']} ms",
        "send_p95_ms": f"send p95 ≤ {TARGETS['send_p95_ms']} ms",
        "errors": f"{TARGETS['errors']} errors",
        "all_ready_after_last_send_s": (
            f"every PDF ready within {TARGETS['all_ready_after_last_send_s']} s of the last Send"
        ),
    }
    for key, passed in r["verdicts"].items():
        print(f"{'PASS' if passed else 'FAIL'}  {labels[key]}")
    print_locations(r)


def print_locations(r: dict) -> None:
    places = r["run"]["by_location"]
    print()
    print(
        "| location's Welcome | tablets | sent (locust) | consultations there "
        "| of another location's tablets |"
    )
    print("|---|---|---|---|---|")
    for welcome, place in places["locations"].items():
        print(
            f"| {welcome} | {place['tablets']} | {place['sent_by_locust']} "
            f"| {place['consultations']} | {place['of_other_tablets']} |"
        )
    if places["elsewhere"]:
        print(f"| (a location no tablet opened) | 0 | 0 | {places['elsewhere']} | – |")
    print()
    print(
        f"{'PASS' if r['locations_match'] else 'FAIL'}  each location's consultations "
        "came from its own tablets, at least as many as locust saw sent"
    )


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted: everything it started is stopped", file=sys.stderr)
        sys.exit(130)
