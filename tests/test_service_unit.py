"""The systemd unit in deploy/ is valid and locked down.

Both checks run systemd's own ``systemd-analyze`` where it is installed (every
Debian with systemd): ``verify`` on the unit as installed in this checkout,
and ``security`` on the unit file itself, offline.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.core.paths import PROJECT_DIR

UNIT = PROJECT_DIR / "deploy" / "kiosk.service"
# "OK" in systemd-analyze's words: 3.0 or lower on its 0 (safe) to 10 scale.
HIGHEST_EXPOSURE = 3.0

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here"
)


@needs_systemd_analyze
def test_the_unit_is_locked_down():
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", str(UNIT)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    found = re.search(r"Overall exposure level for kiosk\.service: ([\d.]+)", result.stdout)
    assert found, result.stdout + result.stderr
    assert float(found[1]) <= HIGHEST_EXPOSURE, result.stdout


@needs_systemd_analyze
def test_the_unit_is_valid_where_the_project_is_installed(tmp_path: Path):
    """As installed in /opt/kiosk, here in this checkout: systemd accepts every
    line, and every command it runs exists."""
    installed = tmp_path / "kiosk.service"
    installed.write_text(UNIT.read_text().replace("/opt/kiosk", str(PROJECT_DIR)))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(installed)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_the_unit_writes_only_the_instance_and_pdf_folders():
    lines = UNIT.read_text().splitlines()
    assert "ProtectSystem=strict" in lines
    (writable,) = [line for line in lines if line.startswith("ReadWritePaths=")]
    assert writable.split("=", 1)[1].split() == ["-/opt/kiosk/instance", "-/opt/kiosk/pdfs"]
