"""How fast the questionnaire answers: content loading, branching, and whole
patient journeys through the app (Flask test client, SQLite file, CSRF on).

Run: make bench   (or: .venv/bin/python bench/flow_bench.py [--journeys N])
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

import flask_migrate  # noqa: E402

from kiosk import create_app  # noqa: E402
from kiosk.content import load_questionnaire  # noqa: E402
from kiosk.flow import Flow  # noqa: E402
from tests.patient_client import PLAIN, PatientClient  # noqa: E402

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
        f"{name:<44} n={len(samples):<5} median {statistics.median(samples):8.3f} ms"
        f"   p95 {p95:8.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--journeys", type=int, default=30)
    args = parser.parse_args()

    print(f"# {' '.join(sys.argv)}  (python {platform.python_version()}, {platform.machine()})")
    report("load + validate questionnaire.yaml", timed(load_questionnaire, 20))

    flow = Flow(load_questionnaire())
    answers = {"isotretinoin": "stopped", "contact_consent": True, "diabetes": True}
    report("applicable_steps (10 steps, 42 questions)",
           timed(lambda: flow.applicable_steps(answers), 2000))

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"INSTANCE_PATH": folder})
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
        report("one request (GET or POST of a step)", step_times)
        report("whole journey: 10 steps + check + submit", journey_times)


if __name__ == "__main__":
    main()
