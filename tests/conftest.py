"""Shared fixtures: a workspace with small generated data, real services on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

    from nivesh.local.servers import Served
    from nivesh.registry import RegisteredVersion
    from nivesh.settings import Workspace
    from nivesh.training.steps import Prepared

PROJECT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT.parent / "shared" / "data"
END = datetime(2026, 11, 1, tzinfo=UTC)


def shared_file(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} not present (the real data sets live in ../shared/data, see its README)")
    return path


@pytest.fixture
def small_credit_data():
    from nivesh.data.credit_risk import generate

    return generate(1500, seed=3, end=END)


def make_workspace(root: Path, users: int = 1500) -> Path:
    """A feature repo copy plus NIVESH_HOME under `root`, with data generated (not applied)."""
    from nivesh.local import workspace as scratch

    return scratch.generated(root, users).feature_repo


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
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


# Each model's pipeline arguments in tests: smaller than the demo's runs (the point here is
# the path; the benchmarks measure quality). Models not named run the pipeline's defaults.
TEST_RUNS: dict[str, dict[str, dict[str, Any]]] = {
    "financial-ner": {"options": {"rows": "800"}, "params": {"epochs": 8}},
    "intent-classifier": {"options": {"rows": "900"}, "params": {"base_model": "packaged", "epochs": 2}},
}


# The model whose whole KFP pipeline runs under kfp.local here (every model's pipeline is the
# same DAG, pipelines/training.py); the others run the same steps its components call, in this
# process, which costs their training and not a Python start-up and import per step.
PIPELINE_RUN_MODELS = {"credit-risk"}


@pytest.fixture(scope="session")
def trained(workspace: Workspace) -> Callable[[str], RegisteredVersion]:
    """`trained(model)`: the model trained once per test session in the session workspace,
    registered as staging with its InferenceService under home/manifests; every test that
    needs a trained model asks here, so no model is trained twice."""
    from nivesh import registry
    from nivesh.training import runs

    done: dict[str, RegisteredVersion] = {}

    def get(model: str) -> RegisteredVersion:
        if model not in done:
            run = TEST_RUNS.get(model, {})
            manifests = workspace.home / "manifests"
            if model in PIPELINE_RUN_MODELS:
                arguments = {k: json.dumps(v) for k, v in run.items()} | {"manifest_dir": str(manifests)}
                runs.run_local_logged(model, workspace, workspace.path("logs", f"pipeline-{model}.log"), arguments)
                done[model] = registry.resolve(workspace, model, registry.STAGING)
            else:
                done[model] = _train_in_process(model, workspace, run, manifests)
        return done[model]

    return get


def _train_in_process(model: str, ws: Workspace, run: dict[str, dict[str, Any]], manifests: Path) -> RegisteredVersion:
    """prepare -> fit -> assess (the gate enforced) -> publish -> emit, as the components do."""
    from nivesh.cluster import k8s, storage
    from nivesh.settings import RegistrySettings
    from nivesh.training import steps

    params = run.get("params", {})
    prepared = steps.prepare(model, ws, options=run.get("options"))
    artifact = steps.fit(model, prepared.train, prepared.label, ws.home / "trained" / model, params)
    assessment = steps.assess(model, artifact, prepared.test, prepared.label)
    steps.enforce(model, assessment)
    version = steps.publish(model, artifact, assessment.evaluation.metrics, ws, params)
    uri = storage.storage_uri(version, RegistrySettings())
    k8s.write(storage.inference_service(version, uri), manifests / f"{model}.yaml")
    return version


@pytest.fixture(scope="session")
def serving(workspace: Workspace, trained: Callable[[str], RegisteredVersion]) -> Iterator[Callable[[str], Served]]:
    """`serving(model)`: the session's version of the model served (predictor, and its
    transformer) once per session: the server tests, the fuzzer and the credit-risk spine
    share the processes, which also shows that a fuzzed server goes on serving."""
    from nivesh.local import processes
    from nivesh.local.servers import serve

    started: dict[tuple[str, str | None], Served] = {}

    def get(model: str, feature_join: str | None = None) -> Served:
        """As the catalogue serves it, or with `feature_join` (one-process | transformer)."""
        if (model, feature_join) not in started:
            started[model, feature_join] = serve(model, workspace, trained(model).semver, feature_join=feature_join)
        return started[model, feature_join]

    yield get
    processes.stop_all([p for s in started.values() for p in s.processes])


@pytest.fixture(scope="session")
def credit_risk_prepared(workspace: Workspace) -> Prepared:
    """credit-risk's point-in-time join through Feast and its split, once per session, for the
    tests that fit several versions of their own (champion / challenger, deploy)."""
    from nivesh.training import steps

    return steps.prepare("credit-risk", workspace)


def fit_and_publish(
    model: str, prepared: Prepared, ws: Workspace, out: Path, params: dict[str, Any]
) -> tuple[RegisteredVersion, dict[str, float]]:
    """fit -> assess -> publish, as the pipeline's steps do, with the held-out metrics."""
    from nivesh.training import steps

    artifact = steps.fit(model, prepared.train, prepared.label, out, params)
    metrics = steps.assess(model, artifact, prepared.test, prepared.label).evaluation.metrics
    return steps.publish(model, artifact, metrics, ws), metrics


def infer(served: Served, body: dict[str, Any], timeout: float = 60) -> httpx.Response:
    """POST a v2 body where a client sends it: the transformer where the model has one."""
    import httpx

    return httpx.post(f"{served.endpoint}/v2/models/{served.model}/infer", json=body, timeout=timeout)


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
