"""A throwaway workspace on this machine: the project's Feast repository copied without its
data, synthetic users generated into it, applied and materialized (SQLite online store).

The tests' session workspace and the load benchmark start from here, so what a workspace
needs (every FeatureView's source file) is written in one place.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from nivesh import features
from nivesh.data.synthetic import write_all
from nivesh.settings import PROJECT_ROOT, Workspace


def copy_feature_repo(root: Path) -> Path:
    """The project's Feast repository without its generated data, at root/feature_repo."""
    repo = root / "feature_repo"
    shutil.copytree(PROJECT_ROOT / "feature_repo", repo, ignore=shutil.ignore_patterns("data", "__pycache__"))
    return repo


def generated(root: Path, users: int, seed: int = 3, end: datetime | None = None) -> Workspace:
    """root/feature_repo with every source generated for `users` users, and NIVESH_HOME root/var;
    not yet applied (see ready)."""
    ws = Workspace(home=root / "var", feature_repo=copy_feature_repo(root))
    write_all(features.data_dir(ws), users, seed=seed, end=end or datetime.now(UTC).replace(microsecond=0))
    return ws


def ready(ws: Workspace) -> Workspace:
    """`feast apply` and `feast materialize` of a generated workspace."""
    features.apply(ws)
    features.materialize(ws)
    return ws
