"""Every benchmark's --smoke mode: its own code path on tiny data, no baseline to install, so
a benchmark cannot rot unnoticed (load.py once failed on a fresh clone for months).

Each script runs as `python benchmarks/X.py --smoke` would, as __main__, but inside this
process (the libraries are imported once). The real-data benchmarks read a small sample of
../shared/data (skipped with the reason where it is absent); model_speed reads the models
the session's pipelines registered."""

from __future__ import annotations

import json
import os
import runpy
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from nivesh import catalog
from nivesh.settings import Workspace
from tests.conftest import PROJECT, SHARED_DATA

pytestmark = [pytest.mark.integration, pytest.mark.slow]
BENCHMARKS = sorted(p.name for p in (PROJECT / "benchmarks").glob("*.py") if p.name != "common.py")
NEEDS_SHARED = {
    "credit_risk_quality.py": "credit_risk",
    "anomaly_quality.py": "anomaly",
    "spending_quality.py": "spending",
    "intent_quality.py": "intent",
}
ADVICE = ("india_tax_faqs.json", "fiqa_qa_pairs.jsonl")


@pytest.mark.parametrize("script", BENCHMARKS)
def test_smoke_mode_runs_and_writes_its_result(
    script: str, workspace: Workspace, trained: Callable[[str], object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if script in NEEDS_SHARED and not (SHARED_DATA / NEEDS_SHARED[script]).is_dir():
        pytest.skip(f"{SHARED_DATA / NEEDS_SHARED[script]} not present (the real data sets live in ../shared/data)")
    path = PROJECT / "benchmarks" / script
    argv = [str(path), "--smoke", "--out", str(tmp_path)]
    if script == "model_speed.py":  # it measures registered models: the session's
        for model in catalog.MODELS:
            trained(model)
    if script == "advisor_quality.py":
        sources = [SHARED_DATA / "advice" / f for f in ADVICE]
        argv += ["--extra-source", *(str(p) for p in sources if p.is_file())]
    saved = dict(os.environ)  # load.py points NIVESH_HOME at the workspace it builds
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.syspath_prepend(str(path.parent))  # `import common`, as when run from a shell
    try:
        runpy.run_path(str(path), run_name="__main__")
    except SystemExit as exc:
        raise AssertionError(f"{script} --smoke exited: {exc}") from exc
    finally:
        os.environ.clear()
        os.environ.update(saved)
    result = json.loads((tmp_path / script.replace(".py", ".json")).read_text())
    assert result["smoke"] and len(result) > 2


def test_intent_hand_written_gate_smoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """intent_quality.py --generated: the project's generator and hand-written gate (no shared data)."""
    path = PROJECT / "benchmarks" / "intent_quality.py"
    monkeypatch.setattr(sys, "argv", [str(path), "--smoke", "--generated", "--out", str(tmp_path)])
    monkeypatch.syspath_prepend(str(path.parent))
    runpy.run_path(str(path), run_name="__main__")
    result = json.loads((tmp_path / "intent_handwritten.json").read_text())
    assert result["smoke"] and 0 <= result["linear"]["handwritten_accuracy"] <= 1
    assert set(result["linear"]["per_intent_recall"]) >= {"out_of_scope", "budget"}
