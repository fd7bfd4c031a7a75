"""How fast the kiosk answers: content loading, branching, the plan engine,
PDF rendering, whole patient journeys (Flask test client, SQLite file, CSRF
on; sending queues the PDFs for the worker) and the staff queue's refresh.

Run: make bench   (or: .venv/bin/python bench/flow_bench.py [--journeys N])
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate

from kiosk import create_app
from kiosk.core.content_folder import load_questionnaire
from kiosk.core.flow import Flow
from kiosk.core.pdf import render_pdf
from kiosk.data.database import db
from kiosk.data.models import Draft
from kiosk.records.stored_pdfs import build_document
from kiosk.records.submission import submit_draft
from tests.patient_client import PLAIN, PatientClient
from tests.staff_helpers import EXAMPLES, StaffClient

FOLLOW_UPS = {
    "about": {**PLAIN["about"], "contact_consent": "yes"},
    "health_history": {**PLAIN["health_history"], "isotretinoin": "stopped"},
}


def timed(function, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[max(0, round(len(samples) * 0.95) - 1)]
    print(
        f"{name:<48} n={len(samples):<5} median {statistics.median(samples):8.3f} ms"
        f"   p95 {p95:8.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--journeys", type=int, default=20)
    parser.add_argument("--renders", type=int, default=10)
    args = parser.parse_args()

    print(f"# {' '.join(sys.argv)}  (python {platform.python_version()}, {platform.machine()})")
    report("load + validate questionnaire.yaml", timed(load_questionnaire, 20))

    flow = Flow(load_questionnaire())
    answers = {"isotretinoin": "stopped", "contact_consent": True, "diabetes": True}
    questions = sum(len(step.questions) for step in flow.steps)
    report(
        f"applicable_steps ({len(flow.steps)} steps, {questions} questions)",
        timed(lambda: flow.applicable_steps(answers), 2000),
    )

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"INSTANCE_PATH": folder, "PDF_DIR": str(Path(folder) / "pdfs")})
        engine = app.extensions["kiosk.core.plan"]
        example = json.loads((EXAMPLES / "fitzpatrick-6-rf-pacemaker.json").read_text())
        report(
            "plan engine: build one plan",
            timed(lambda: engine.build(example["answers"], language="en"), 500),
        )
        document = build_document(
            app,
            example["answers"],
            language="en",
            reference="BEN-CHM",
            submitted_at=dt.datetime.now().astimezone(),
        )
        render_pdf(document, "patient")  # fonts loaded once, as in a running server
        for copy in ("patient", "staff"):
            report(
                f"render the {copy} copy (WeasyPrint)",
                timed(lambda copy=copy: render_pdf(document, copy), args.renders),
            )

        with app.app_context():
            flask_migrate.upgrade()
        step_times: list[float] = []
        journey_times: list[float] = []
        for _ in range(args.journeys):
            patient = PatientClient(app.test_client())
            original = patient.client.open

            def open_timed(*a, _original=original, **kw):
                start = time.perf_counter()
                response = _original(*a, **kw)
                step_times.append((time.perf_counter() - start) * 1000)
                return response

            patient.client.open = open_timed
            start = time.perf_counter()
            patient.walk(FOLLOW_UPS)
            patient.submit()
            journey_times.append((time.perf_counter() - start) * 1000)
        report("one request (GET or POST of a step, or submit)", step_times)
        report("whole journey: 10 steps, check, submit (PDFs queued)", journey_times)

        with app.app_context():
            for _ in range(50 - args.journeys):
                draft = Draft(answers=example["answers"], asked=[])
                db.session.add(draft)
                db.session.flush()
                submit_draft(draft, app.extensions["kiosk.core.flow"])
            runner = app.test_cli_runner()
            output = runner.invoke(args=["staff", "create", "bench"]).output
        password = output.rsplit(" ", 1)[-1].strip()
        staff = StaffClient(app.test_client())
        staff.login("bench", password)
        report(
            "staff queue refresh, 50 consultations today",
            timed(lambda: staff.client.post("/staff/queue/rows"), 20),
        )


if __name__ == "__main__":
    main()
