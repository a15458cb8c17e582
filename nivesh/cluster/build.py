"""Build the images of nivesh.cluster.images with whatever engine this machine has.

Docker where its engine answers; otherwise Podman (Buildah underneath), which needs no daemon
and runs as root in CI runners and sandboxes. Where the Dockerfile's base (python:3.11 slim)
cannot be pulled, a Debian bookworm base with Debian's Python 3.11 is built with debootstrap
(docker/base-image.sh) and the build says so. Podman reads docker/containers.conf (runc,
resource limits a sandbox lets it set) unless CONTAINERS_CONF names another.

Every build gets the machine's CA bundle as the build secret `ca` (for a TLS-intercepting
proxy; no layer keeps it) and, where the machine has a folder of wheels (the CPU build of
torch), that folder read-only, so that nothing the project pins has to come from elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nivesh.cluster import images
from nivesh.errors import NiveshError
from nivesh.settings import PROJECT_ROOT

DEFAULT_BASE = "python:3.11.7-slim-bookworm"  # the Dockerfile's ARG PYTHON_IMAGE
BUILT_BASE = "localhost/nivesh-base:bookworm-py3.11"
CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")
WHEELS = Path(os.environ.get("TORCH_WHEELS", "/opt/wheels"))  # docker/install-venv.sh's folder
PULL_TIMEOUT_S = 120
PODMAN_PACKAGES = "podman buildah runc debootstrap"
BUILD_TIMEOUT_S = 3600


@dataclass(frozen=True)
class Built:
    image: images.Image
    reference: str
    size_bytes: int
    seconds: float


def engine() -> str:
    """docker when its daemon answers, else podman; neither: a line saying what to install."""
    if shutil.which("docker") and _ok(["docker", "info"]):
        return "docker"
    if shutil.which("podman"):
        return "podman"
    raise NiveshError(f"no container engine: install Docker, or Podman: apt-get install {PODMAN_PACKAGES}")


def environment(tool: str) -> dict[str, str]:
    """The engine's environment: podman reads the project's containers.conf unless told otherwise."""
    env = dict(os.environ)
    if tool == "podman":
        env.setdefault("CONTAINERS_CONF", str(PROJECT_ROOT / "docker" / "containers.conf"))
    return env


def _ok(argv: Sequence[str], timeout: float = 30, env: dict[str, str] | None = None) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=timeout, env=env, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def base(tool: str, wanted: str = DEFAULT_BASE) -> str:
    """`wanted` if the engine has it or can pull it; else the debootstrap base (built once)."""
    env = environment(tool)
    if _ok([tool, "image", "inspect", wanted], env=env) or _ok([tool, "pull", "-q", wanted], PULL_TIMEOUT_S, env):
        return wanted
    if _ok([tool, "image", "inspect", BUILT_BASE], env=env):
        print(f"{wanted} cannot be pulled here: building on {BUILT_BASE} (Debian bookworm, debootstrap)")
        return BUILT_BASE
    if shutil.which("debootstrap") is None:
        raise NiveshError(f"{wanted} cannot be pulled and debootstrap is missing: apt-get install debootstrap")
    print(f"{wanted} cannot be pulled here: building {BUILT_BASE} from Debian bookworm with debootstrap")
    script = PROJECT_ROOT / "docker" / "base-image.sh"
    subprocess.run(["sh", str(script), tool, BUILT_BASE], check=True, env=env, timeout=900)
    return BUILT_BASE


def ca_bundle() -> str | None:
    found = os.environ.get("SSL_CERT_FILE") or next((p for p in CA_BUNDLES if Path(p).is_file()), None)
    return found if found and Path(found).is_file() else None


def build_argv(tool: str, image: images.Image, base_image: str) -> list[str]:
    argv = [tool, "build", "-f", "docker/Dockerfile", "--target", image.name, "-t", image.reference]
    argv += ["--build-arg", f"PYTHON_IMAGE={base_image}"]
    bundle = ca_bundle()
    if bundle:
        argv += ["--secret", f"id=ca,src={bundle}"]
    if tool == "podman" and WHEELS.is_dir() and not image.own_lock:  # Docker's build has no volumes
        argv += ["--volume", f"{WHEELS}:/opt/wheels:ro"]
    return [*argv, "."]


def size(tool: str, reference: str) -> int:
    out = subprocess.run(
        [tool, "image", "inspect", "--format", "{{.Size}}", reference],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=environment(tool),
    )
    return int(out.stdout.strip())


def build(names: Sequence[str] = (), base_image: str = "", tool: str = "") -> list[Built]:
    """Build the named images (default: all), in the catalogue's order; returns what was built."""
    tool = tool or engine()
    try:
        chosen = [images.get(n) for n in names] if names else list(images.IMAGES)
    except KeyError as e:
        raise NiveshError(str(e.args[0])) from e
    base_image = base_image or base(tool)
    built = []
    for image in chosen:
        start = time.monotonic()
        print(f"building {image.reference} ({tool}, on {base_image})", flush=True)
        done = subprocess.run(
            build_argv(tool, image, base_image),
            cwd=PROJECT_ROOT,
            env=environment(tool),
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            raise NiveshError(f"{image.name}: {tool} build failed (exit {done.returncode}); its output is above")
        built.append(Built(image, image.reference, size(tool, image.reference), time.monotonic() - start))
    return built
