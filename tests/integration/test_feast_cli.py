"""`feast apply` and `feast materialize-incremental` work from the feature_repo folder itself."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nivesh import features
from nivesh.catalog import CREDIT_RISK
from nivesh.settings import Workspace
from tests.conftest import make_workspace

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_feast_cli_from_the_repo_folder(tmp_path: Path) -> None:
    repo = make_workspace(tmp_path, users=100)
    feast = str(Path(sys.executable).with_name("feast"))
    for args in (["apply"], ["materialize-incremental", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")]):
        out = subprocess.run([feast, *args], cwd=repo, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
    store = features.open_store(Workspace(home=tmp_path / "var", feature_repo=repo))
    assert CREDIT_RISK.feature_service
    got = features.online(store, CREDIT_RISK.feature_service, "user_id", ["U000005"])
    assert got["person_income"][0] > 0
