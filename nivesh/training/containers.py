"""kfp.local's DockerRunner on this machine: each pipeline step runs in its component image, as
in a cluster, through Docker's API where its engine answers, else through Podman's
Docker-compatible API (`podman system service`, started for the run and stopped after it).

What a cluster gives a step through Secrets and the pod's network, a local run gives it
here: the workspace's settings as environment, the host's network (MLflow, Redis, PostgreSQL
on loopback), and the workspace folders bind-mounted at the paths they have on the host, so
that every path a step is handed (data, registry, manifest folder) means the same inside. A
step runs as the user who started the run, so what it writes in their workspace stays theirs
(in the cluster it runs as the image's uid 10001).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from nivesh.cluster import build, images, secrets
from nivesh.errors import NiveshError
from nivesh.settings import Workspace

SOCKET_WAIT_S = 30
# what a step reads from its environment in a cluster (Secrets, the pod spec): passed on where set
PASSED_ENV = (
    *(
        env
        for s in (secrets.MLFLOW, secrets.REDIS, secrets.PREDICTION_STORE, secrets.LOG_HASH)
        for env in s.key_to_env.values()
    ),
    "NIVESH_STORAGE_URI_PREFIX",
)


@contextlib.contextmanager
def engine_api(tool: str = "") -> Iterator[str]:
    """DOCKER_HOST for the docker SDK: Docker's own, or a Podman API service for the duration."""
    tool = tool or build.engine()
    if tool == "docker":
        yield os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        return
    folder = Path(tempfile.mkdtemp(prefix="nivesh-podman-"))
    sock = folder / "podman.sock"
    proc = subprocess.Popen(  # --time=0: no idle exit while a long step runs
        ["podman", "system", "service", "--time=0", f"unix://{sock}"],
        env=build.environment("podman"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + SOCKET_WAIT_S
        while not sock.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise NiveshError(f"podman system service did not open {sock} (exit {proc.poll()})")
            time.sleep(0.1)
        yield f"unix://{sock}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        sock.unlink(missing_ok=True)
        folder.rmdir()


def step_environment(ws: Workspace, given: Mapping[str, str] | None = None) -> dict[str, str]:
    """The workspace as a step sees it: its home and feature repo, and the settings above."""
    env = dict(os.environ if given is None else given)
    passed = {k: env[k] for k in PASSED_ENV if env.get(k)}
    return {"NIVESH_HOME": str(ws.home), "NIVESH_FEATURE_REPO": str(ws.feature_repo), **passed}


def mounts(folders: list[Path]) -> list[Any]:
    """Each folder bind-mounted read-write at its own path (nested ones once, under their parent)."""
    from docker.types import Mount

    chosen: list[Path] = []
    for folder in sorted({f.resolve() for f in folders}, key=lambda p: (len(p.parts), str(p))):
        if not any(folder.is_relative_to(c) for c in chosen):
            chosen.append(folder)
    return [Mount(target=str(f), source=str(f), type="bind", read_only=False) for f in chosen]


def runner(ws: Workspace, folders: list[Path]) -> Any:
    """The DockerRunner: host network, the caller's uid, the workspace environment and mounts."""
    from kfp import local

    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return local.DockerRunner(
        network_mode="host",
        user=f"{os.getuid()}:{os.getgid()}",
        environment=step_environment(ws),
        mounts=mounts([ws.home, ws.feature_repo, *folders]),
    )


def require_images(references: list[str], docker_host: str) -> None:
    """A missing image is a line with the build command, not a failed pull inside kfp."""
    import docker

    client = docker.DockerClient(base_url=docker_host, timeout=60)  # type: ignore[attr-defined]
    try:
        have = {tag for image in client.images.list() for tag in image.tags}
    finally:
        client.close()
    missing = [r for r in references if r not in have]
    if missing:
        names = " ".join(i.name for i in images.IMAGES if i.reference in missing)
        raise NiveshError(f"image(s) not built here: {', '.join(missing)}; run `nivesh images build {names}`")
