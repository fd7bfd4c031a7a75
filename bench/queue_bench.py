"""How long the staff queue's refresh takes with N consultations today: the
POST of ``/staff/queue/rows`` an open queue page sends every few seconds
(Flask test client, SQLite file, a signed-in account).

Run: .venv/bin/python bench/queue_bench.py [--rows 50] [--repeat 50]
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

from kiosk import create_app
from kiosk.data.database import db
from kiosk.data.models import Draft
from kiosk.records.submission import submit_draft
from tests.staff_helpers import StaffClient, example_answers

# A mix of flags: none, do-not-treat, review, and several at once.
EXAMPLES = (
    "fine-lines-no-flags",
    "pregnant",
    "isotretinoin-2-months-ago",
    "fitzpatrick-6-rf-pacemaker",
    "fillers-last-week",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "INSTANCE_PATH": folder,
                "PDF_DIR": str(Path(folder) / "pdfs"),
                "QUEUE_IMMEDIATE": False,
            }
        )
        with app.app_context():
            flask_migrate.upgrade()
            for n in range(args.rows):
                draft = Draft(answers=example_answers(EXAMPLES[n % len(EXAMPLES)]), asked=[])
                db.session.add(draft)
                db.session.flush()
                submit_draft(draft, app.extensions["kiosk.core.flow"])
            output = app.test_cli_runner().invoke(args=["staff", "create", "bench"]).output
        staff = StaffClient(app.test_client())
        staff.login("bench", output.rsplit(" ", 1)[-1].strip())
        first = staff.client.post("/staff/queue/rows")
        assert first.status_code == 200
        assert first.get_data(as_text=True).count('<tr role="row">') == args.rows
        samples = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            staff.client.post("/staff/queue/rows")
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[max(0, round(len(samples) * 0.95) - 1)]
    print(
        f"# {' '.join(sys.argv)}  (python {platform.python_version()}, {platform.machine()})\n"
        f"staff queue refresh, {args.rows} consultations today   n={len(samples)}"
        f"  median {statistics.median(samples):7.2f} ms  p95 {p95:7.2f} ms"
    )


if __name__ == "__main__":
    main()
