"""The benchmarks that are cheap to run still run: a page they count on can
change its markup, and a benchmark that stops working stops being measured."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


def group_members(groups: set[int]) -> list[int]:
    """Live processes whose process id or group is one of ``groups``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        pid = int(stat.parent.name)
        if fields[0] != "Z" and (pid in groups or int(fields[2]) in groups):
            found.append(pid)
    return found


@pytest.mark.database("postgresql")
def test_the_chain_benchmark_balances_two_servers_and_leaves_nothing_running(tmp_path):
    figures = tmp_path / "chain.json"
    tiny = ["--tablets", "2", "--seconds", "6", "--think", "0.2", "--json", str(figures)]
    result = subprocess.run(
        [sys.executable, "bench/chain_bench.py", *tiny],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for line in (
        "| step p50 / p95 / p99 |",
        "| send p50 / p95 |",
        "| Send → both PDFs ready p50 / p95 |",
        "| every PDF ready after the last Send |",
        "| requests per app server (nginx's log) |",
    ):
        assert line in result.stdout
    for target in ("step p95 ≤ 100 ms", "send p95 ≤ 300 ms", "0 errors", "within 60 s of"):
        assert re.search(rf"^(PASS|FAIL)  .*{re.escape(target)}", result.stdout, re.M), target
    assert "command: " in result.stdout
    run = json.loads(figures.read_text())["run"]
    assert run["errors"] == 0, run["failure_messages"]
    assert run["consultations_sent"] > 0
    assert run["consultations_unfinished_after_wait"] == 0
    # Both app servers answered requests, through nginx.
    served = run["requests_per_server"]
    assert set(served) == {"server-1", "server-2"}, served
    assert served["server-1"] > 0
    assert served["server-2"] > 0
    # PostgreSQL, both servers, the worker (with its render processes),
    # nginx and locust: none of them, and nothing of their groups, is left.
    started = json.loads(figures.read_text())["processes_started"]
    assert set(started) == {"postgresql", "server-1", "server-2", "worker", "nginx", "locust"}
    assert group_members(set(started.values())) == []
