"""The whole loop as `make demo` runs it, on a small generated data set, in a fresh workspace."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from nivesh.catalog import MODELS
from tests.conftest import PROJECT, run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(3000)]


def test_demo_runs_the_whole_loop(tmp_path: Path) -> None:
    import shutil

    repo = tmp_path / "feature_repo"
    shutil.copytree(PROJECT / "feature_repo", repo, ignore=shutil.ignore_patterns("data", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NIVESH_", "MLFLOW_"))}
    env.update({"NIVESH_HOME": str(tmp_path / "var"), "NIVESH_FEATURE_REPO": str(repo)})
    out = run_cli("demo", "--users", "1500", "--no-keep-running", timeout=2700, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    text = out.stdout + out.stderr
    for step in (
        "1/7 data",
        "2/7 features",
        "3/7 pipeline: registered credit-risk v1.0.0",
        "4/7 serving",
        "5/7 traffic",
        "6/7 monitor",
        "7/7 ready",
    ):
        assert step in text, text[-3000:]
    assert re.search(
        r"v2 endpoint \(transformer\): POST http://127\.0\.0\.1:\d+/v2/models/credit-risk/infer",
        text,
    )
    for model in MODELS:  # every model trained, served, asked and monitored
        assert f"3/7 pipeline: registered {model} v1.0.0 as staging" in text, text[-3000:]
        assert re.search(
            rf"v2 endpoint \((transformer|predictor)\): POST http://127\.0\.0\.1:\d+/v2/models/{model}/infer", text
        )
        assert f"5/7 traffic {model}: normal" in text and f"6/7 monitor {model}:" in text
        assert (tmp_path / "var" / "manifests" / f"{model}.yaml").is_file()
    # the loop in short: the drift alert fires in Prometheus, reaches the webhook, retrains
    assert re.search(r"6/7 alerts firing in Prometheus: .*NiveshInputDrift credit-risk", text), text[-3000:]
    assert re.search(r"6/7 retraining: NiveshInputDrift credit-risk -> registered v1\.1\.0 \(staging: ", text)
    drift = re.search(r"6/7 monitor credit-risk: drift share (\d\.\d+)", text)
    assert drift and float(drift.group(1)) > 0.3  # the shifted half of the traffic is noticed
    assert list((tmp_path / "var" / "reports" / "credit-risk").glob("drift-*.html"))
    assert list((tmp_path / "var" / "reports" / "intent-classifier").glob("drift-*.html"))
