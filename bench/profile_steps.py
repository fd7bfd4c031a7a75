"""Where a questionnaire step's time goes: whole journeys through the Flask
test client (SQLite file, CSRF on), walked as a tablet does (htmx: each
Continue answers with the next screen), timed per request and profiled with
pyinstrument.

Prints the CPU and wall time of a step (the POST of a screen, whose response
is the next screen) and of every request (CPU time is steadier than wall time
on a busy machine), the SQL statements per journey, and pyinstrument's call
tree for the measured journeys.

Run: .venv/bin/python bench/profile_steps.py [--journeys 30] [--no-profile]
(pyinstrument comes with `pip install -e '.[bench]'`, which `make bench` does.)
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate
from sqlalchemy import event

from kiosk import create_app
from kiosk.data.database import db
from tests.patient_client import PLAIN, csrf_token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--journeys", type=int, default=30)
    parser.add_argument("--no-profile", action="store_true", help="timings only")
    args = parser.parse_args()
    print(f"# {' '.join(sys.argv)}  (python {platform.python_version()}, {platform.machine()})")

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"INSTANCE_PATH": folder, "PDF_DIR": str(Path(folder) / "pdfs")})
        with app.app_context():
            flask_migrate.upgrade()
            engine = db.engine
        statements = 0

        def count(*_args) -> None:
            nonlocal statements
            statements += 1

        event.listen(engine, "before_cursor_execute", count)

        cpu: dict[str, list[float]] = {"step": [], "other": []}
        wall: dict[str, list[float]] = {"step": [], "other": []}

        def journey(measure: bool) -> None:
            client = app.test_client()

            def timed(kind: str, method, url: str, **kwargs):
                began_cpu, began = time.process_time(), time.perf_counter()
                response = method(url, **kwargs)
                if measure:
                    cpu[kind].append((time.process_time() - began_cpu) * 1000)
                    wall[kind].append((time.perf_counter() - began) * 1000)
                return response

            htmx = {"HX-Request": "true"}
            page = timed("other", client.get, "/")
            response = timed(
                "other", client.post, "/start", data={"csrf_token": csrf_token(page.text)}
            )
            response = timed("other", client.get, response.headers["Location"], headers=htmx)
            path = response.request.path
            while path.startswith("/step/"):
                data = {
                    **PLAIN[path.removeprefix("/step/")],
                    "csrf_token": csrf_token(response.text),
                }
                response = timed("step", client.post, path, data=data, headers=htmx)
                # The next screen, or after the last one Check your answers.
                path = response.headers["HX-Push-Url"]
            timed("other", client.post, "/check", data={"csrf_token": csrf_token(response.text)})

        for _ in range(3):  # templates compiled, forms built, connections open
            journey(measure=False)
        statements = 0
        profiler = None
        if not args.no_profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        for _ in range(args.journeys):
            journey(measure=True)
        if profiler:
            profiler.stop()

        every = cpu["step"] + cpu["other"]
        print(
            f"{args.journeys} journeys{' (under the profiler)' if profiler else ''}:"
            f" {len(cpu['step'])} steps, CPU median {statistics.median(cpu['step']):.2f} ms,"
            f" wall median {statistics.median(wall['step']):.2f} ms;"
            f" all {len(every)} requests, CPU median {statistics.median(every):.2f} ms;"
            f" {statements / args.journeys:.1f} SQL statements per journey"
        )
        if profiler:
            print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
