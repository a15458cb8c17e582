"""Each image's requirement set, as the Dockerfile installs it: into a throwaway
virtualenv with docker/install-venv.sh (hash-checked, so a dependency the set does
not pin fails the install), then the image's entry points and lazily-loaded libraries
imported with nothing else on the path, and its excluded packages absent."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nivesh.cluster import image_locks, images
from nivesh.settings import PROJECT_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]
IMPORT_CHECK = """
import importlib, importlib.metadata as md, json, sys
from nivesh.cluster import images
image = images.get(sys.argv[1])
for module in image.imports:
    importlib.import_module(module)
installed = {d.metadata["Name"].lower().replace("_", "-") for d in md.distributions()}
print(json.dumps(sorted(installed & set(image.excludes))))
"""


def test_committed_requirement_sets_match_the_lock() -> None:
    for image in images.IMAGES:
        if image.own_lock:  # resolved with uv (CUDA torch): held to the lock's versions instead
            assert image_locks.drift(image, PROJECT_ROOT) == [], f"{image.requirements_file}: run `nivesh images lock`"
            continue
        assert (PROJECT_ROOT / image.requirements_file).read_text() == image_locks.render(image, PROJECT_ROOT), (
            f"{image.requirements_file} is stale: run `nivesh images lock`"
        )


def test_dockerfile_has_a_target_per_image() -> None:
    dockerfile = (PROJECT_ROOT / "docker" / "Dockerfile").read_text()
    for image in images.IMAGES:
        assert f" AS {image.name}\n" in dockerfile and f"docker/requirements/{image.name}.txt" in dockerfile


@pytest.mark.parametrize("image", [i for i in images.IMAGES if not i.own_lock], ids=lambda i: i.name)
def test_entry_points_import_with_only_the_image_requirements(image: images.Image, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    try:
        _install_and_import(image, venv, tmp_path)
    finally:
        shutil.rmtree(venv, ignore_errors=True)  # 0.4-3 GB each


def _install_and_import(image: images.Image, venv: Path, tmp_path: Path) -> None:
    bin_dir = str(Path(sys.executable).parent)  # uv comes with the project's .venv
    # the caller's environment (package index settings) minus the project's virtualenv
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{bin_dir}:/usr/local/bin:/usr/bin:/bin"
    install = subprocess.run(
        ["sh", "docker/install-venv.sh", image.requirements_file, str(venv)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    # from an empty folder, so only the installed project (not the checkout) is importable
    run = subprocess.run(
        [str(venv / "bin" / "python"), "-c", IMPORT_CHECK, image.name],
        cwd=tmp_path,
        env={**env, "NIVESH_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1] == "[]", f"{image.name} carries {run.stdout}"
