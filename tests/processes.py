"""Processes a test or benchmark started, found through /proc (Linux)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``: children, their children, and so on.

    A process may exit while it is looked at; it is then simply not counted.
    """
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def stop_group(process: subprocess.Popen, *, timeout: float, first: int = signal.SIGTERM) -> None:
    """``first`` (SIGTERM, or SIGINT for the kiosk's Ctrl-C) to ``process``, started
    with ``start_new_session``; then, after at most ``timeout`` seconds, SIGKILL to
    what is left of the process group it leads, so nothing else is touched."""
    if process.poll() is None:
        process.send_signal(first)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=timeout)
