"""How long the admins' statistics page and the CSV export take over a year of
consultations: a year (default 365 days, 40 a day, about 14,600) stored in a
throwaway database the way the kiosk stores them (answers from the example
patients, flags kept, most reviewed), then the page of the whole year, the
page of the last 30 days, and the year's CSV (with and without free text)
read to its last row, through the Flask test client as a signed-in admin.

SQLite file by default; ``--postgres`` also on a throwaway PostgreSQL
cluster (tests/postgres.py: Debian's postgresql package, started and stopped
by this script).

Run: .venv/bin/python bench/statistics_bench.py [--days 365] [--per-day 40] [--repeat 5]
     [--postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate
from sqlalchemy import insert

from bench.flow_bench import timed
from kiosk import create_app
from kiosk.core.plan.model import SEVERITIES
from kiosk.data.database import db
from kiosk.data.models import Consultation, StaffUser
from kiosk.records.consultations import day_bounds
from tests.staff_helpers import StaffClient, example_answers

EXAMPLES = (
    "fine-lines-no-flags",
    "pregnant",
    "isotretinoin-2-months-ago",
    "fitzpatrick-6-rf-pacemaker",
    "fillers-last-week",
    "not-sure-spanish",
)


def store_a_year(app, days: int, per_day: int) -> int:
    """``per_day`` consultations (give or take a few) on each of the ``days``
    days to today, stored in batches; returns how many."""
    chance = random.Random(25)
    engine = app.extensions["kiosk.core.plan"]
    flow = app.extensions["kiosk.core.flow"]
    kinds = []
    for name in EXAMPLES:  # each example's answers and flags, worked out once
        answers = example_answers(name)
        flags = [flag.severity for flag in engine.build(answers, language="en").flags]
        kinds.append((answers, {f"flags_{s}": flags.count(s) for s in SEVERITIES}))
    today = dt.date.today()
    made = 0
    with app.app_context():
        reviewer = db.session.scalar(db.select(StaffUser.id))
        for offset in range(days):
            day = today - dt.timedelta(days=offset)
            start = day_bounds(day)[0] + dt.timedelta(hours=8)
            rows = []
            for n in range(max(0, per_day + chance.randint(-5, 5))):
                answers, flags = kinds[(offset + n) % len(kinds)]
                sent = start + dt.timedelta(seconds=chance.randint(0, 10 * 3600))
                reviewed = offset > 0 or n % 3 == 0
                rows.append(
                    {
                        "id": uuid.uuid4().hex,
                        "reference": uuid.uuid4().hex[:12].upper(),
                        "questionnaire_id": flow.questionnaire.id,
                        "questionnaire_version": flow.questionnaire.version,
                        "language": "es" if n % 5 == 0 else "en",
                        "first_name": answers["first_name"],
                        "answers": {**answers, "device_interest": ("pen", "rf", "not_sure")[n % 3]},
                        "status": "reviewed" if reviewed else "new",
                        "submitted_at": sent,
                        "reviewed_at": (
                            sent + dt.timedelta(minutes=chance.randint(5, 300))
                            if reviewed
                            else None
                        ),
                        "reviewed_by_id": reviewer if reviewed else None,
                        **flags,
                    }
                )
            db.session.execute(insert(Consultation), rows)
            made += len(rows)
        db.session.commit()
    return made


def report(name: str, samples: list[float]) -> None:
    print(f"{name:<58} n={len(samples):<3} median {statistics.median(samples):8.1f} ms")


def run(label: str, settings: dict, args) -> None:
    app = create_app({"QUEUE_IMMEDIATE": False, **settings})
    with app.app_context():
        flask_migrate.upgrade()
    output = app.test_cli_runner().invoke(args=["staff", "create", "bench", "--role", "admin"])
    admin = StaffClient(app.test_client())
    admin.login("bench", output.output.rsplit(" ", 1)[-1].strip())
    start = time.perf_counter()
    made = store_a_year(app, args.days, args.per_day)
    stored = time.perf_counter() - start
    today = dt.date.today()
    year = f"from={(today - dt.timedelta(days=args.days - 1)).isoformat()}&to={today.isoformat()}"
    print(f"## {label}: {made} consultations over {args.days} days (stored in {stored:.1f} s)")

    def page(query: str) -> None:
        response = admin.client.get(f"/staff/statistics?{query}")
        assert response.status_code == 200, response.status_code

    def export(query: str, expected: int | None = None) -> None:
        response = admin.client.get(f"/staff/export.csv?{query}")
        lines = response.get_data(as_text=True).count("\r\n")
        assert response.status_code == 200, response.status_code
        if expected is not None:
            assert lines >= expected + 1, (lines, expected)  # header, a line per row

    page(year)  # the first request of a process (templates compiled)
    report(
        f"statistics page, the year ({made} consultations)", timed(lambda: page(year), args.repeat)
    )
    report("statistics page, the last 30 days", timed(lambda: page(""), args.repeat))
    report(
        f"CSV export, the year ({made} rows)",
        timed(lambda: export(year, made), max(1, args.repeat // 2)),
    )
    report(
        "CSV export, the year, with free text",
        timed(lambda: export(f"{year}&free_text=y", made), 1),
    )
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    args = parser.parse_args()

    print(f"# {' '.join(sys.argv)}  (python {platform.python_version()}, {platform.machine()})")
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", {"INSTANCE_PATH": folder, "PDF_DIR": str(Path(folder) / "pdfs")}, args)
    if args.postgres:
        from tests.postgres import Cluster

        cluster = Cluster()
        try:
            cluster.start()
            name = cluster.create_database()
            with tempfile.TemporaryDirectory() as folder:
                run(
                    "PostgreSQL",
                    {
                        "INSTANCE_PATH": folder,
                        "PDF_DIR": str(Path(folder) / "pdfs"),
                        "SQLALCHEMY_DATABASE_URI": cluster.url(name),
                    },
                    args,
                )
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
