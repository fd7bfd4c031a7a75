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


def test_the_statistics_benchmark_reads_every_row_it_stored():
    result = subprocess.run(
        [
            sys.executable,
            "bench/statistics_bench.py",
            "--days",
            "3",
            "--per-day",
            "6",
            "--repeat",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    stored = int(result.stdout.split("## SQLite: ")[1].split(" consultations")[0])
    assert stored > 0
    assert f"CSV export, the year ({stored} rows)" in result.stdout
    assert "statistics page, the last 30 days" in result.stdout
