"""The ``kiosk`` console script (``.venv/bin/kiosk``): the commands of
``flask --app kiosk``, run as a newcomer types them, with no venv active."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Installed beside the interpreter running the tests (the venv's bin).
KIOSK = Path(sys.executable).parent / "kiosk"


def kiosk(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("KIOSK_", "FLASK_", "VIRTUAL_ENV")) and name != "DATABASE_URL"
    }
    environment["KIOSK_INSTANCE_PATH"] = str(tmp_path / "instance")
    environment["KIOSK_PDF_DIR"] = str(tmp_path / "pdfs")
    return subprocess.run(
        [str(KIOSK), *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_script_lists_the_kiosk_commands(tmp_path):
    result = kiosk("--help", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: kiosk ")
    listed = result.stdout.split("Commands:", 1)[1]
    for command in ("backup", "content", "db", "pdfs", "purge", "restore", "serve", "staff"):
        assert f"\n  {command} " in listed
    assert "\n  summary " in listed
    assert "\n  worker " in listed


def test_the_script_checks_the_content(tmp_path):
    result = kiosk("content", "check", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OK: microneedling_consultation" in result.stdout


def test_the_script_migrates_and_resets_a_password(tmp_path):
    assert kiosk("db", "upgrade", tmp_path=tmp_path).returncode == 0
    created = kiosk("staff", "create", "rose", tmp_path=tmp_path)
    assert created.returncode == 0, created.stderr
    reset = kiosk("staff", "reset", "rose", tmp_path=tmp_path)
    assert reset.returncode == 0, reset.stderr
    assert "New password for 'rose' (shown only now): " in reset.stdout
