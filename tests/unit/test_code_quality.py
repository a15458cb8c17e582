"""ruff (lint + format) and mypy, so CI keeps the conventions, not just a developer's editor."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT

BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "cmd",
    [["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_tool_passes(cmd: list[str]) -> None:
    out = subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=PROJECT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
