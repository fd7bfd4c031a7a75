"""The layers are checked by a machine: ``make lint`` runs import-linter with
the contracts in pyproject.toml, and an import that crosses a layer the wrong
way fails it."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """import-linter on the copy of the package under ``root``."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy(tmp_path) -> Path:
    shutil.copytree(
        PROJECT / "kiosk",
        tmp_path / "kiosk",
        ignore=shutil.ignore_patterns("__pycache__", "translations", "*.yaml"),
    )
    shutil.copy(PROJECT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_code_keeps_its_layers(copy):
    result = lint_imports(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        pytest.param(
            "core/flow.py",
            "from kiosk.data.models import Draft",
            "kiosk.core is not allowed to import kiosk.data",
            id="the core reads the database",
        ),
        pytest.param(
            "core/plan/engine.py",
            "import flask",
            "kiosk.core is not allowed to import flask",
            id="the core needs Flask",
        ),
        pytest.param(
            "records/jobs.py",
            "from kiosk.web import forms",
            "kiosk.records is not allowed to import kiosk.web",
            id="the records read the web side",
        ),
        pytest.param(
            "core/content/schema.py",
            "from kiosk.core.plan import rules",
            "kiosk.core.content is not allowed to import kiosk.core.plan",
            id="content reads the plan (a cycle)",
        ),
    ],
)
def test_an_import_the_wrong_way_fails_the_lint(copy, module, line, broken):
    path = copy / "kiosk" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    result = lint_imports(copy)
    assert result.returncode == 1
    assert broken in result.stdout


UNIT_TESTS = PROJECT / "tests" / "unit"


def kiosk_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name == "kiosk" or name.startswith("kiosk.")}


def test_the_unit_tests_need_only_the_core():
    # No app and no database: what they import of the kiosk is its core.
    files = sorted(UNIT_TESTS.glob("*.py"))
    assert len(files) > 2
    outside = {
        f"{path.name}: {name}"
        for path in files
        for name in kiosk_imports(path)
        if not name.startswith("kiosk.core.")
    }
    assert not outside
