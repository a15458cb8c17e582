"""Serve a registered model locally: predictor and (for models with stored features)
transformer as KServe processes on loopback ports."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from nivesh import catalog, registry
from nivesh.local import processes
from nivesh.settings import Workspace


@dataclass
class Served:
    model: str
    semver: str
    predictor: processes.Process
    transformer: processes.Process | None

    @property
    def endpoint(self) -> str:
        """Where clients send requests: the transformer when there is one."""
        return (self.transformer or self.predictor).url

    @property
    def grpc_endpoint(self) -> str | None:
        """host:port where gRPC clients of the Open Inference Protocol call the model."""
        return (self.transformer or self.predictor).grpc

    @property
    def processes(self) -> list[processes.Process]:
        return [p for p in (self.transformer, self.predictor) if p is not None]

    def stop(self) -> None:
        processes.stop_all(self.processes)


def start_predictor(
    spec: catalog.ModelSpec,
    folder: Path,
    port: int,
    logs: Path,
    env: dict[str, str] | None = None,
    feature_join: bool = False,
    workers: int = 1,
) -> processes.Process:
    """The model's KServe predictor on `folder` (a verified artifact) at 127.0.0.1:port (REST)
    and a free port (gRPC); with `feature_join`, it reads the model's stored features itself
    (one process, no transformer); `workers` serving processes share those ports."""
    grpc_port = processes.free_port()
    return processes.start(
        f"{spec.name} predictor",
        [
            sys.executable,
            "-m",
            spec.predictor,
            f"--model_name={spec.name}",
            f"--model_dir={folder}",
            f"--http_port={port}",
            f"--grpc_port={grpc_port}",
            *(["--feature_join=feast"] if feature_join else []),
            *([f"--workers={workers}"] if workers > 1 else []),
        ],
        f"http://127.0.0.1:{port}",
        f"/v2/models/{spec.name}/ready",
        logs / f"{spec.name}-predictor-{port}.log",
        timeout=180,
        env=env,
        grpc=f"127.0.0.1:{grpc_port}",
    )


def start_transformer(
    spec: catalog.ModelSpec, predictor_url: str, port: int, logs: Path, env: dict[str, str] | None = None
) -> processes.Process:
    """The model's Feast transformer at 127.0.0.1:port, in front of the predictor at `predictor_url`."""
    assert spec.transformer is not None, f"{spec.name} has no transformer"
    grpc_port = processes.free_port()
    return processes.start(
        f"{spec.name} transformer",
        [
            sys.executable,
            "-m",
            spec.transformer,
            f"--model_name={spec.name}",
            f"--predictor_host={predictor_url.removeprefix('http://')}",
            "--predictor_protocol=v2",
            f"--http_port={port}",
            f"--grpc_port={grpc_port}",
        ],
        f"http://127.0.0.1:{port}",
        f"/v2/models/{spec.name}/ready",
        logs / f"{spec.name}-transformer-{port}.log",
        env=env,
        grpc=f"127.0.0.1:{grpc_port}",
    )


def serve(
    model: str,
    ws: Workspace,
    ref: str = registry.STAGING,
    predictor_port: int | None = None,
    transformer_port: int | None = None,
    feature_join: str | None = None,
    workers: int = 1,
) -> Served:
    """The model as its catalogue entry serves it (or as `feature_join` says): the predictor
    and, for a model with stored features, either its transformer in front (a transformer of
    its own, or collocated: on one machine both are two processes) or nothing more, the
    predictor reading the features itself ("one-process"); `workers` serving processes for
    the predictor (a laptop serves every model: one each unless asked, ModelSpec.workers)."""
    from nivesh.settings import StoreSettings
    from nivesh.store import schema

    spec = catalog.get(model)
    schema.prepare_local(StoreSettings().resolved_url(ws))  # servers only insert rows
    version = registry.resolve(ws, model, ref)
    folder, _ = registry.download(ws, version, ws.path("serving", model, version.semver))
    pport = predictor_port or processes.free_port()
    logs = ws.path("logs")
    one_process = (feature_join or spec.feature_join) == "one-process" and spec.transformer is not None
    predictor = start_predictor(spec, folder, pport, logs, feature_join=one_process, workers=workers)
    transformer = None
    if spec.transformer and not one_process:
        try:
            transformer = start_transformer(spec, predictor.url, transformer_port or processes.free_port(), logs)
        except BaseException:  # includes Ctrl-C / SIGTERM during start-up
            predictor.stop()
            raise
    return Served(model, version.semver, predictor, transformer)
