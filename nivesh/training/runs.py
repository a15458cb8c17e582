"""Compile and run the KFP pipelines (compiled YAML for clusters, kfp.local on one machine)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nivesh import catalog
from nivesh.errors import NiveshError
from nivesh.settings import PROJECT_ROOT, Workspace

COMPILED_DIR = PROJECT_ROOT / "pipelines" / "compiled"
# Each model's pipeline is named in the catalogue; these run beside them.
PIPELINES: dict[str, str] = (
    {spec.name: spec.pipeline for spec in catalog.MODELS.values()}
    | {
        # `<model>-gpu` beside each model that asks for an accelerator (module:<attr>_gpu_pipeline)
        f"{spec.name}-gpu": spec.pipeline.removesuffix("_pipeline") + "_gpu_pipeline"
        for spec in catalog.MODELS.values()
        if spec.train_accelerator is not None
    }
    | {
        "spending-batch": "pipelines.spending_batch:spending_batch_pipeline",
        "all-models": "pipelines.all_models:all_models_pipeline",
        "financial-advisor-tuning": "pipelines.advisor_tuning:advisor_tuning_pipeline",
    }
)


def load(name: str) -> Callable[..., Any]:
    if name not in PIPELINES:
        raise NiveshError(f"no pipeline named {name!r}; pipelines: {', '.join(sorted(PIPELINES))}")
    module, attr = PIPELINES[name].split(":")
    pipeline: Callable[..., Any] = getattr(importlib.import_module(module), attr)
    return pipeline


def accepted(name: str, arguments: dict[str, str]) -> dict[str, str]:
    """The arguments this pipeline takes (training pipelines take source/options/params,
    the batch pipeline shards/horizon/version); empty values are left to its defaults."""
    pipeline: Any = load(name)  # a KFP GraphComponent
    inputs = set(pipeline.component_spec.inputs or {})
    return {k: v for k, v in arguments.items() if k in inputs and v != ""}


def compiled_path(name: str) -> Path:
    return COMPILED_DIR / f"{name.replace('-', '_')}.yaml"


def compile_pipeline(name: str, out: Path | None = None) -> Path:
    from kfp import compiler

    target = out or compiled_path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    compiler.Compiler().compile(load(name), str(target))
    return target


def submit(name: str, host: str, run_name: str, experiment: str, arguments: dict[str, str], timeout_s: float) -> str:
    """Create a run of the compiled pipeline with the KFP API at `host`; returns its run id.
    The kfp Client has no timeout of its own: creation is bounded by a thread."""
    import concurrent.futures

    import kfp

    given = {k: v for k, v in arguments.items() if v != ""}
    if unknown := set(given) - set(accepted(name, given)):  # also rejects an unknown pipeline name
        raise NiveshError(f"pipeline {name} takes no argument(s) {sorted(unknown)}")
    path = compiled_path(name)
    if not path.is_file():
        raise NiveshError(f"{path} is missing; run `nivesh pipeline compile {name}`")

    def create() -> str:
        client = kfp.Client(host=host)
        run = client.create_run_from_pipeline_package(
            str(path), arguments=given, run_name=run_name, experiment_name=experiment, enable_caching=False
        )
        return str(run.run_id)

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(create).result(timeout=timeout_s)
    except concurrent.futures.TimeoutError:
        raise NiveshError(f"KFP API {host} did not create the run in {timeout_s:.0f} s") from None
    finally:
        pool.shutdown(wait=False)


RUNNERS = ("subprocess", "containers")


def check_runner(runner: str) -> None:
    if runner not in RUNNERS:
        raise NiveshError(f"runner {runner!r}: choose one of {', '.join(RUNNERS)}")


def images_of(name: str) -> list[str]:
    """The images the pipeline's steps run in (its compiled executors)."""
    pipeline: Any = load(name)
    executors = pipeline.pipeline_spec.deployment_spec["executors"]
    return sorted({e["container"]["image"] for e in executors.values()})


def run_local(name: str, ws: Workspace, runner: str = "subprocess", **arguments: Any) -> None:
    """Run the whole pipeline on this machine with kfp.local: every step in this environment
    (SubprocessRunner), or each in its component image (`containers`: DockerRunner over
    Docker's or Podman's API, nivesh.training.containers)."""
    from kfp import local

    check_runner(runner)
    os.environ.setdefault("NIVESH_HOME", str(ws.home))
    os.environ.setdefault("NIVESH_FEATURE_REPO", str(ws.feature_repo))
    root = str(ws.path("kfp", "root"))
    if runner == "subprocess":
        local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=root, raise_on_error=True)
        load(name)(**arguments)  # kfp.local runs it here and raises if a task fails
        return
    from nivesh.training import containers

    folders = [Path(v) for k, v in arguments.items() if k == "manifest_dir" and v]
    saved = os.environ.get("DOCKER_HOST")
    with containers.engine_api() as docker_host:
        os.environ["DOCKER_HOST"] = docker_host  # what kfp's docker.from_env() reads
        try:
            containers.require_images(images_of(name), docker_host)
            local.init(runner=containers.runner(ws, folders), pipeline_root=root, raise_on_error=True)
            load(name)(**arguments)
        finally:
            if saved is None:
                os.environ.pop("DOCKER_HOST", None)
            else:
                os.environ["DOCKER_HOST"] = saved


def run_local_logged(
    name: str,
    ws: Workspace,
    log: Path,
    arguments: dict[str, str],
    timeout_s: float = 3600,
    runner: str = "subprocess",
) -> None:
    """run_local in a child process whose (very verbose) output goes to `log`;
    on failure the error names the failed task and quotes the log's tail."""
    env = {**os.environ, "NIVESH_HOME": str(ws.home), "NIVESH_FEATURE_REPO": str(ws.feature_repo)}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        result = subprocess.run(
            [sys.executable, "-m", "nivesh.training.runs", name, json.dumps(arguments), runner],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            timeout=timeout_s,
            check=False,
        )
    if result.returncode != 0:
        lines = log.read_text(errors="replace").splitlines()
        reasons = [ln for ln in lines if "Error" in ln or "FAILURE" in ln][-3:]
        raise NiveshError(f"pipeline {name} failed; full log: {log}\n" + "\n".join(reasons or lines[-10:]))


if __name__ == "__main__":
    run_local(sys.argv[1], Workspace(), sys.argv[3] if len(sys.argv) > 3 else "subprocess", **json.loads(sys.argv[2]))
