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


def a_chain_run(changes: dict[str, dict] | None = None) -> dict:
    """What the chain benchmark found at three locations, each with two
    tablets that locust saw send 5 consultations; ``changes``: by Welcome."""
    places = {
        welcome: {
            "location_id": number,
            "tablets": 2,
            "sent_by_locust": 5,
            "consultations": 5,
            "of_other_tablets": 0,
        }
        for number, welcome in enumerate(["/", "/at/north/", "/at/south/"], start=1)
    }
    for welcome, change in (changes or {}).items():
        places[welcome].update(change)
    return {"locations": places, "elsewhere": 0}


def test_the_chain_benchmark_fails_a_location_whose_consultations_do_not_match_its_tablets():
    from bench.chain_bench import locations_match

    assert locations_match(a_chain_run())
    # A Send in flight when locust stopped the tablets: one more per tablet at most.
    assert locations_match(a_chain_run({"/at/north/": {"consultations": 7}}))
    assert not locations_match(a_chain_run({"/at/north/": {"consultations": 8}}))
    # Fewer than locust saw sent: some went elsewhere or were lost.
    assert not locations_match(a_chain_run({"/at/south/": {"consultations": 4}}))
    # Another location's tablet's patient.
    assert not locations_match(a_chain_run({"/": {"of_other_tablets": 1}}))
    # A location that got none, or that is not in the database.
    assert not locations_match(
        a_chain_run({"/at/south/": {"sent_by_locust": 0, "consultations": 0}})
    )
    assert not locations_match(a_chain_run({"/at/north/": {"location_id": None}}))
    run = a_chain_run()
    run["elsewhere"] = 1
    assert not locations_match(run)


@pytest.mark.database("postgresql")
def test_the_chain_benchmark_balances_two_servers_over_three_locations_and_leaves_nothing_running(
    tmp_path,
):
    figures = tmp_path / "chain.json"
    # A tablet at each of the chain's three locations.
    tiny = ["--tablets", "3", "--seconds", "8", "--think", "0.2", "--json", str(figures)]
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
    assert "| location's Welcome | tablets | sent (locust) | consultations there |" in (
        result.stdout
    )
    assert re.search(
        r"^PASS  each location's consultations came from its own tablets", result.stdout, re.M
    )
    run = json.loads(figures.read_text())["run"]
    assert run["errors"] == 0, run["failure_messages"]
    assert run["consultations_sent"] > 0
    assert run["consultations_unfinished_after_wait"] == 0
    # Each location's tablet sent consultations, and the database holds each
    # at the location of the tablet that sent it (its patient's first name
    # names the tablet's Welcome).
    places = run["by_location"]
    assert list(places["locations"]) == ["/", "/at/north/", "/at/south/"]
    assert places["elsewhere"] == 0
    for welcome, place in places["locations"].items():
        assert place["tablets"] == 1, welcome
        assert place["sent_by_locust"] > 0, welcome
        assert place["consultations"] >= place["sent_by_locust"], welcome
        assert place["of_other_tablets"] == 0, welcome
    assert len({place["location_id"] for place in places["locations"].values()}) == 3
    assert (
        sum(p["consultations"] for p in places["locations"].values()) == run["consultations_sent"]
    )
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
