"""Shared fixtures: a workspace with small generated data, real services on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT.parent / "shared" / "data"
END = datetime(2026, 11, 1, tzinfo=UTC)


def shared_file(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} not present (the real data sets live in ../shared/data, see its README)")
    return path


@pytest.fixture
def small_credit_data():  # type: ignore[no-untyped-def]
    from nivesh.data.credit_risk import generate

    return generate(1500, seed=3, end=END)


def make_workspace(root: Path, users: int = 1500) -> Path:
    """A feature repo copy plus NIVESH_HOME under `root`, with data generated and applied."""
    from nivesh import features
    from nivesh.data.synthetic import write_all
    from nivesh.settings import Workspace

    repo = root / "feature_repo"
    shutil.copytree(PROJECT / "feature_repo", repo, ignore=shutil.ignore_patterns("data", "__pycache__"))
    ws = Workspace(home=root / "var", feature_repo=repo)
    write_all(features.data_dir(ws), users, seed=3, end=datetime.now(UTC).replace(microsecond=0))
    return repo


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Session workspace: generated data, feast apply + materialize (SQLite), env pointing at it."""
    from nivesh import features
    from nivesh.settings import Workspace

    root = tmp_path_factory.mktemp("ws")
    repo = make_workspace(root)
    saved = {k: os.environ.get(k) for k in ("NIVESH_HOME", "NIVESH_FEATURE_REPO", "NIVESH_REDIS_URL")}
    os.environ.update({"NIVESH_HOME": str(root / "var"), "NIVESH_FEATURE_REPO": str(repo)})
    os.environ.pop("NIVESH_REDIS_URL", None)
    ws = Workspace()
    features.apply(ws)
    features.materialize(ws)
    yield ws
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def run_cli(
    *args: str, timeout: float = 600, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`nivesh ARGS` in a child process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-c", "from nivesh.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=cwd,
    )
