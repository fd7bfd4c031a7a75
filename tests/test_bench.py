"""The benchmarks that are cheap to run still run: a page they count on can
change its markup, and a benchmark that stops working stops being measured."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_queue_benchmark_counts_every_row_and_prints_its_timing():
    result = subprocess.run(
        [sys.executable, "bench/queue_bench.py", "--rows", "6", "--repeat", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "staff queue refresh, 6 consultations today   n=2  median" in result.stdout
