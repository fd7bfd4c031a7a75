"""The served kiosk under load, as a clinic's tablets would use it.

Starts ``flask --app kiosk serve`` (web server and render worker) on
127.0.0.1 and a free port, with a fresh instance folder, and measures:

- restart: from starting ``serve`` again to its first successful response;
- 30 tablets with about 3 s on each screen, then 30 with no pause (locust,
  headless, in a subprocess; see bench/locustfile.py), each run with a prober
  timing a static file on the same server (the floor): step p50/p95/p99,
  sending p50/p95, floor p50/p95, journeys per second, submit-to-both-PDFs-ready
  p50/p95, and how long after the last submit every summary was ready;
- 5 patients sending at the same moment on an idle server: submit-to-ready;
- render throughput through the queue against raw WeasyPrint (the same
  documents rendered directly, one process per core), and the worker
  processes' memory after 30 and 300 renders.

Everything it starts it stops by process id (its own process group). Prints
one table and writes the figures as JSON.

Run: make bench   (or: .venv/bin/python bench/load_bench.py [--seconds 60] [--json FILE])
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402

from kiosk import create_app  # noqa: E402
from kiosk.core.statuses import PdfStatus  # noqa: E402
from kiosk.data.database import db  # noqa: E402
from kiosk.data.models import Consultation, ConsultationPdf, Draft  # noqa: E402
from tests.ports import free_port  # noqa: E402
from tests.processes import descendants, stop_group  # noqa: E402
from tests.staff_helpers import example_answers  # noqa: E402

EXAMPLE = "fitzpatrick-6-rf-pacemaker"
READY_TIMEOUT = 300  # seconds to wait for a backlog of renders to finish
STEADY_STAGGER = 50  # seconds: about one journey at 3 s a screen


def locust_command(
    host: str, *, users: int, spawn_rate: float, seconds: int, csv_prefix: Path
) -> list:
    """Locust, headless, running bench/locustfile.py's ``users`` (the tablets and
    the prober) against ``host`` for ``seconds``; its figures in ``csv_prefix``_*.csv."""
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{seconds}s",
        "--host",
        host,
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(len(ordered) * share) - 1))]


class Server:
    """``flask --app kiosk serve`` in its own process group."""

    def __init__(self, instance: Path, app_dir: Path, threads: int | None, workers: int | None):
        self.instance = instance
        self.app_dir = app_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.threads = threads
        self.env = {
            **os.environ,
            "KIOSK_INSTANCE_PATH": str(instance),
            "KIOSK_PDF_DIR": str(instance / "pdfs"),
            "KIOSK_CLINIC_NAME": "Bench Clinic",
        }
        if workers:
            self.env["KIOSK_WORKER_PROCESSES"] = str(workers)
        self.process: subprocess.Popen | None = None

    def start(self) -> float:
        """Start it; the seconds until the first successful response."""
        command = [sys.executable, "-m", "flask", "--app", "kiosk", "serve"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        if self.threads:
            command += ["--threads", str(self.threads)]
        log = (self.instance / "serve.log").open("ab")
        began = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            cwd=self.app_dir,
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - began
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("the server did not answer within 60 s")

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process, timeout=30)  # then SIGKILL to anything left behind
        self.process = None

    def worker_rss_mib(self) -> list[float]:
        """Resident memory of each process under the render worker (MiB)."""
        found = []
        for pid in descendants(self.process.pid):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue
            if b"worker" not in command:
                continue
            parent_is_worker = False
            for line in status.splitlines():
                if line.startswith("PPid:"):
                    parent = int(line.split()[1])
                    parent_is_worker = b"worker" in Path(f"/proc/{parent}/cmdline").read_bytes()
            if not parent_is_worker:
                continue  # the consumer itself: it renders nothing
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    found.append(int(line.split()[1]) / 1024)
        return sorted(found)


def bench_app(instance: Path):
    return create_app(
        {
            "INSTANCE_PATH": str(instance),
            "PDF_DIR": str(instance / "pdfs"),
            "QUEUE_IMMEDIATE": False,
        }
    )


def ready_times(app, since: dt.datetime) -> tuple[list[float], int, float | None]:
    """Submit-to-both-PDFs-ready seconds of consultations submitted since ``since``,
    the number not ready, and the newest PDF file's time (epoch seconds)."""
    folder = Path(app.config["PDF_DIR"])
    seconds, unfinished, newest = [], 0, None
    with app.app_context():
        consultations = db.session.scalars(
            db.select(Consultation).where(Consultation.submitted_at >= since)
        ).all()
        for consultation in consultations:
            stored = consultation.pdfs
            if len(stored) < 2 or any(s.status != PdfStatus.READY for s in stored):
                unfinished += 1
                continue
            done = max((folder / s.filename).stat().st_mtime for s in stored)
            submitted = consultation.submitted_at.replace(tzinfo=dt.UTC).timestamp()
            seconds.append(done - submitted)
            newest = max(newest or 0, done)
        db.session.rollback()
    return seconds, unfinished, newest


def wait_until_ready(app, since: dt.datetime, timeout: float = READY_TIMEOUT) -> int:
    """Wait for every summary since ``since``; the number of consultations still unfinished."""
    deadline = time.monotonic() + timeout
    while (unfinished := ready_times(app, since)[1]) and time.monotonic() < deadline:
        time.sleep(0.25)
    return unfinished


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def send_window(app, since: dt.datetime) -> float | None:
    """Seconds between the first and the last Send of consultations since ``since``."""
    with app.app_context():
        first, last = db.session.execute(
            db.select(
                db.func.min(Consultation.submitted_at), db.func.max(Consultation.submitted_at)
            ).where(Consultation.submitted_at >= since)
        ).one()
        db.session.rollback()
    return round((last - first).total_seconds(), 1) if first else None


def locust_run(
    server: Server,
    app,
    name: str,
    think: float,
    seconds: int,
    out: Path,
    wait: float,
    stagger: float = 0,
) -> dict:
    """30 tablets and the prober for ``seconds``, the tablets' starts spread over
    ``stagger`` seconds (0: together); the figures of that run, after waiting
    at most ``wait`` seconds for the PDFs of its consultations."""
    since = utc_now()
    prefix = out / name
    command = locust_command(
        server.url, users=31, spawn_rate=10, seconds=seconds, csv_prefix=prefix
    )
    env = {**os.environ, "BENCH_THINK_SECONDS": str(think), "BENCH_STAGGER_SECONDS": str(stagger)}
    with (out / f"{name}.log").open("wb") as log:
        subprocess.run(command, env=env, stdout=log, stderr=log, timeout=seconds + 120, check=False)
    rows = {r["Name"]: r for r in csv.DictReader((out / f"{name}_stats.csv").open())}
    last_submit = time.time()
    unfinished = wait_until_ready(app, since, wait)
    ready, _, newest = ready_times(app, since)

    def figure(row: str, column: str) -> float | None:
        value = rows.get(row, {}).get(column)
        return float(value) if value not in (None, "", "N/A") else None

    return {
        "tablets": 30,
        "think_seconds": think,
        "stagger_seconds": stagger,
        "seconds": seconds,
        "sends_within_s": send_window(app, since),
        "requests": int(
            sum(float(r["Request Count"]) for n, r in rows.items() if n != "Aggregated")
        ),
        "failures": int(
            sum(float(r["Failure Count"]) for n, r in rows.items() if n != "Aggregated")
        ),
        "step_ms": {p: figure("step", f"{p}%") for p in (50, 95, 99)},
        "send_ms": {p: figure("send", f"{p}%") for p in (50, 95)},
        "floor_ms": {p: figure("floor", f"{p}%") for p in (50, 95)},
        "journeys": len(ready) + unfinished,
        "journeys_per_second": round((len(ready) + unfinished) / seconds, 3),
        "pdfs_unfinished_after_wait": unfinished,
        "wait_s": wait,
        "submit_to_ready_s": {
            50: round(percentile(ready, 0.5) or 0, 2),
            95: round(percentile(ready, 0.95) or 0, 2),
        },
        "all_ready_after_last_submit_s": (
            None if unfinished else round(max(0.0, (newest or last_submit) - last_submit), 1)
        ),
    }


def burst(server: Server, app, patients: int = 5) -> dict:
    """``patients`` walk to Check and on to the consent, then all sign and
    send at the same moment."""
    import requests

    from tests.patient_client import DRAWN_SIGNATURE, PLAIN, csrf_token

    sessions, pages = [], []
    for _ in range(patients):
        session = requests.Session()
        page = session.get(server.url + "/")
        response = session.post(server.url + "/start", data={"csrf_token": csrf_token(page.text)})
        while response.url.split(server.url, 1)[1].startswith("/step/"):
            step_id = response.url.rsplit("/", 1)[1]
            response = session.post(
                response.url, data={**PLAIN[step_id], "csrf_token": csrf_token(response.text)}
            )
        # Continue on Check: on to the consent, which sends when signed.
        token = {"csrf_token": csrf_token(response.text)}
        response = session.post(server.url + "/check", data=token)
        sessions.append(session)
        pages.append(response.text)
    since = utc_now()
    barrier = threading.Barrier(patients)
    sent: list[float] = []

    def send(session, page):
        barrier.wait()
        began = time.perf_counter()
        sign = {"signature": DRAWN_SIGNATURE, "csrf_token": csrf_token(page)}
        session.post(server.url + "/consent", data=sign)
        sent.append((time.perf_counter() - began) * 1000)

    pairs = zip(sessions, pages, strict=True)
    threads = [threading.Thread(target=send, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_until_ready(app, since)
    ready, _, _ = ready_times(app, since)
    return {
        "patients": patients,
        "send_ms_max": round(max(sent), 1),
        "submit_to_ready_s": {
            50: round(percentile(ready, 0.5), 2),
            95: round(percentile(ready, 0.95), 2),
        },
    }


def enqueue(app, count: int) -> dt.datetime:
    """Store ``count`` consultations as the kiosk does and queue their renders."""
    from kiosk.records import jobs
    from kiosk.records.submission import submit_draft

    since = utc_now()
    answers = example_answers(EXAMPLE)
    with app.app_context():
        ids = []
        for _ in range(count):
            draft = Draft(answers=answers, asked=[])
            db.session.add(draft)
            db.session.flush()
            ids.append(submit_draft(draft, app.extensions["kiosk.core.flow"]).id)
        for consultation_id in ids:
            jobs.enqueue_render(consultation_id)
    return since


def queue_throughput(server: Server, app) -> dict:
    """Renders per second through the queue, and worker memory after 30 and 300."""
    since = enqueue(app, 15)
    wait_until_ready(app, since)
    rss_30 = server.worker_rss_mib()
    began = time.perf_counter()
    since = enqueue(app, 135)
    wait_until_ready(app, since)
    elapsed = time.perf_counter() - began
    rss_300 = server.worker_rss_mib()
    with app.app_context():
        total = db.session.scalar(
            db.select(db.func.count(ConsultationPdf.id)).where(
                ConsultationPdf.status == PdfStatus.READY
            )
        )
    return {
        "renders_per_second": round(270 / elapsed, 2),
        "worker_rss_mib_after_30": [round(v, 1) for v in rss_30],
        "worker_rss_mib_after_300": [round(v, 1) for v in rss_300],
        "renders_in_database": total,
    }


_document = None


def _raw_init() -> None:
    global _document
    import tempfile as _tempfile

    from kiosk.core.pdf import render_pdf
    from kiosk.records.stored_pdfs import build_document

    folder = _tempfile.mkdtemp()
    app = create_app({"INSTANCE_PATH": folder, "PDF_DIR": folder, "QUEUE_IMMEDIATE": True})
    _document = build_document(
        app,
        example_answers(EXAMPLE),
        language="en",
        reference="BEN-CHM",
        submitted_at=dt.datetime.now().astimezone(),
    )
    for copy in ("patient", "staff"):
        render_pdf(_document, copy)  # warmed, as the worker is


def _raw_render(index: int) -> int:
    from kiosk.core.pdf import render_pdf

    return len(render_pdf(_document, ("patient", "staff")[index % 2]))


def raw_throughput(renders: int = 120) -> dict:
    """The same documents rendered directly by one process per core."""
    processes = os.cpu_count() or 1
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_raw_init) as pool:
        pool.map(_raw_render, range(processes * 2))  # every process warmed
        began = time.perf_counter()
        pool.map(_raw_render, range(renders), chunksize=1)
        elapsed = time.perf_counter() - began
    return {"processes": processes, "renders_per_second": round(renders / elapsed, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of each load run")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "load.json")
    parser.add_argument("--threads", type=int, default=None, help="serve --threads")
    parser.add_argument("--workers", type=int, default=None, help="worker processes")
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=ROOT,
        help="serve the kiosk from this checkout (to compare with an earlier version)",
    )
    parser.add_argument("--load-only", action="store_true", help="only the two locust runs")
    parser.add_argument(
        "--paced-only", action="store_true", help="only the runs at 3 s a screen (together, steady)"
    )
    args = parser.parse_args()

    results: dict = {
        "machine": (
            f"{os.cpu_count()} cores, {platform.machine()}, python {platform.python_version()}"
        ),
        "app_dir": str(args.app_dir),
        "threads": args.threads,
        "workers": args.workers,
    }
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as folder:
        instance = Path(folder) / "instance"
        app = bench_app(instance)
        with app.app_context():
            flask_migrate.upgrade()
        out = Path(folder)
        server = Server(instance, args.app_dir, args.threads, args.workers)
        try:
            server.start()
            server.stop()
            results["restart_to_first_response_s"] = round(server.start(), 2)
            time.sleep(3)  # the worker warms up, as it would in a clinic
            whole = not (args.load_only or args.paced_only)
            if whole:
                results["queue"] = queue_throughput(server, app)
            results["paced"] = locust_run(server, app, "paced", 3.0, args.seconds, out, 120)
            # The same tablets in steady use: their starts spread over about one
            # journey (some 50 s at 3 s a screen), so their Sends are too, and the
            # run twice as long, so that each tablet sends once or twice.
            results["steady"] = locust_run(
                server, app, "steady", 3.0, 2 * args.seconds, out, 120, stagger=STEADY_STAGGER
            )
            if whole:
                results["burst"] = burst(server, app)
            if not args.paced_only:
                # Last: with no pause, tablets send faster than two cores can render,
                # so a backlog is left; its size is reported, not waited for.
                results["no_pause"] = locust_run(
                    server, app, "no-pause", 0.0, args.seconds, out, 30
                )
        finally:
            server.stop()
        if whole:
            results["raw"] = raw_throughput()
            results["queue"]["share_of_raw"] = round(
                results["queue"]["renders_per_second"] / results["raw"]["renders_per_second"], 3
            )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"\nJSON: {args.json}")


def ready_after(run: dict) -> str:
    if run["pdfs_unfinished_after_wait"]:
        return f"{run['pdfs_unfinished_after_wait']} still queued {run['wait_s']:.0f} s after"
    return f"{run['all_ready_after_last_submit_s']} s"


def print_table(r: dict) -> None:
    def ms(values: dict, *keys) -> str:
        return " / ".join("–" if values.get(k) is None else f"{values[k]:.0f}" for k in keys)

    print(f"# bench/load_bench.py  ({r['machine']})")
    print(
        "| run | step p50/p95/p99 ms | send p50/p95 ms | floor p50/p95 ms | journeys/s "
        "| sends within | submit→ready p50/p95 s | all ready after last submit |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for key, label in (
        ("paced", "30 tablets, ~3 s/screen, started together"),
        ("steady", "30 tablets, ~3 s/screen, in steady use"),
        ("no_pause", "30 tablets, no pause"),
    ):
        if key not in r:
            continue
        run = r[key]
        print(
            f"| {label} | {ms(run['step_ms'], 50, 95, 99)} | {ms(run['send_ms'], 50, 95)} "
            f"| {ms(run['floor_ms'], 50, 95)} | {run['journeys_per_second']} "
            f"| {run.get('sends_within_s')} s "
            f"| {run['submit_to_ready_s'][50]} / {run['submit_to_ready_s'][95]} "
            f"| {ready_after(run)} |"
        )
    if "burst" in r:
        b = r["burst"]
        print(
            f"| 5 sending at once, idle | | send max {b['send_ms_max']:.0f} | | "
            f"| {b['submit_to_ready_s'][50]} / {b['submit_to_ready_s'][95]} | |"
        )
        q = r["queue"]
        print(
            f"\nrender throughput: queue {q['renders_per_second']}/s, raw WeasyPrint "
            f"({r['raw']['processes']} processes) {r['raw']['renders_per_second']}/s "
            f"= {q['share_of_raw']:.0%}"
        )
        print(
            f"worker RSS MiB after 30 renders {q['worker_rss_mib_after_30']}, "
            f"after 300 {q['worker_rss_mib_after_300']}"
        )
    print(f"restart to first response: {r['restart_to_first_response_s']} s")


if __name__ == "__main__":
    main()
