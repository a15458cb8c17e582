"""The Dockerfile cannot import the code, so it is held to it here: each image's stage runs as
the pods' user, exposes the port its server listens on and keeps NIVESH_HOME where the pods
mount their scratch volume. (The retrain webhook's stage once said EXPOSE 8080 while the
webhook, its Service and Alertmanager's URL use 8090.)"""

from __future__ import annotations

import re

from nivesh.cluster import images, pods
from tests.conftest import PROJECT

DOCKERFILE = PROJECT / "docker" / "Dockerfile"


def _stages() -> dict[str, list[str]]:
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in DOCKERFILE.read_text().splitlines():
        if m := re.match(r"FROM \S+ AS (\S+)", line):
            current = stages.setdefault(m.group(1), [])
        current.append(line.strip())
    return stages


def test_every_image_stage_runs_as_the_pods_user_and_exposes_its_servers_port() -> None:
    stages = _stages()
    for image in images.IMAGES:
        lines = stages[image.name]
        assert f"USER {pods.RUN_AS_UID}" in lines, image.name
        exposed = [line.split()[1] for line in lines if line.startswith("EXPOSE ")]
        assert exposed == ([str(image.port)] if image.port else []), (image.name, exposed)


def test_the_runtime_user_and_home_are_the_pods() -> None:
    runtime = "\n".join(_stages()["runtime"])
    assert f"useradd --uid {pods.RUN_AS_UID} " in runtime
    assert f"NIVESH_HOME={pods.SCRATCH_HOME} " in runtime
