"""promtool check + unit tests of the alert rules (real promtool from Debian's prometheus)."""

import shutil
import subprocess

import pytest

from tests.conftest import PROJECT

ALERTS = PROJECT / "monitors" / "alerts"


def _promtool() -> str:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.skip("promtool not installed: sudo apt-get install prometheus")
    return tool


def test_rules_check() -> None:
    rules = sorted(ALERTS.glob("*.rules.yml"))
    assert rules
    out = subprocess.run(
        [_promtool(), "check", "rules", *map(str, rules)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_rules_unit_tests() -> None:
    tests = sorted((ALERTS / "tests").glob("*.test.yml"))
    assert tests
    out = subprocess.run(
        [_promtool(), "test", "rules", *map(str, tests)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ALERTS / "tests",
    )
    assert out.returncode == 0, out.stdout + out.stderr
