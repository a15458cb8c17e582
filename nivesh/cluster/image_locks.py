"""Per-image requirement files cut from requirements.lock.

An image's set is the transitive closure of its direct requirements, walked over
the dependency metadata of the environment that requirements.lock installed (so
markers and extras are evaluated as pip would), with each package's pinned line
and hashes copied from requirements.lock. No second resolution: every image runs
exactly the versions the tests ran, and `pip install --require-hashes` in the
Dockerfile fails if the closure missed a dependency.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from nivesh.cluster import images
from nivesh.cluster.images import Image
from nivesh.errors import NiveshError

LOCK = "requirements.lock"
# The packages images install in place of a locked one (Image.substitutes), pinned to the
# locked version with their hashes; `nivesh images lock` writes it.
SUBSTITUTES_LOCK = "docker/requirements/substitutes.lock"
_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==")


def locked_entries(lock_text: str) -> dict[str, str]:
    """Canonical name -> its pinned block (`name==version` and hash lines, no `# via`)."""
    entries: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lock_text.splitlines():
        m = _ENTRY.match(line)
        if m:
            current = entries.setdefault(canonicalize_name(m.group(1)), [])
            current.append(line)
        elif current is not None and line.startswith("    --hash="):  # hashes follow their entry
            current.append(line)
    return {name: "\n".join(lines) for name, lines in entries.items()}


def project_requirements(root: Path) -> tuple[str, ...]:
    """The project's own runtime dependencies (pyproject.toml), for the component image."""
    data = tomllib.loads((root / "pyproject.toml").read_text())
    return tuple(data["project"]["dependencies"])


# The images' Python may be any 3.11 release (Debian's is 3.11.2, python:3.11-slim's 3.11.7):
# a dependency is kept when its marker holds on this one or on the first 3.11 (redis needs
# async-timeout below 3.11.3; an extra line in a set only installs a small package unused).
IMAGE_PYTHONS = ("3.11.0",)


def _environments() -> list[dict[str, str]]:
    here: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    return [here, *({**here, "python_full_version": v, "python_version": "3.11"} for v in IMAGE_PYTHONS)]


def closure(requirements: tuple[str, ...]) -> set[str]:
    """Canonical names of the requirements and everything they need, with their extras."""
    envs = _environments()
    seen: set[tuple[str, str]] = set()
    names: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        names.add(name)
        for extra in req.extras or {""}:
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            try:
                declared = md.requires(req.name) or []
            except md.PackageNotFoundError as e:
                raise NiveshError(f"{req.name} is not installed; run `make setup` first") from e
            for line in declared:
                dep = Requirement(line)
                if dep.marker is None or any(dep.marker.evaluate({**env, "extra": extra}) for env in envs):
                    todo.append(dep)
    return names


def _version(entry: str) -> str:
    """`name==1.2.3 \\` (an entry's first line) -> 1.2.3."""
    return entry.split("==", 1)[1].split()[0]


def lock_substitutes(root: Path) -> Path:
    """Pin each substitute at its original's locked version, with hashes (uv, no resolution of
    dependencies: they are the original's, already in the lock)."""
    import subprocess
    import sys

    out = root / SUBSTITUTES_LOCK
    uv = Path(sys.executable).with_name("uv")
    pins = ["--python-version", "3.11", "--generate-hashes", "--no-deps"]
    subprocess.run(
        [str(uv), "pip", "compile", "-q", *pins, "-", "-o", SUBSTITUTES_LOCK],
        input=substitutes_input(root),
        text=True,
        check=True,
        timeout=300,
        cwd=root,
    )
    return out


def substitutes_input(root: Path) -> str:
    """What SUBSTITUTES_LOCK pins: each substitute at the version the lock holds of the original."""
    entries = locked_entries((root / LOCK).read_text())
    lines = set()
    for image in images.IMAGES:
        for original, substitute in image.substitutes:
            version = _version(entries[canonicalize_name(original)])
            lines.add(f"{substitute}=={version}")
    return "".join(f"{line}\n" for line in sorted(lines))


def _direct(image: Image, root: Path) -> tuple[str, ...]:
    """The image's direct requirements, a substituted package's own dependencies in its place
    (less what the image excludes: the substitute is built without them)."""
    direct = list(image.requirements or project_requirements(root))
    excluded = {canonicalize_name(n) for n in image.excludes}
    for original, _ in image.substitutes:
        direct = [r for r in direct if canonicalize_name(Requirement(r).name) != canonicalize_name(original)]
        needs = [Requirement(line) for line in md.requires(original) or []]
        envs = [{**env, "extra": ""} for env in _environments()]
        wanted = [r for r in needs if r.marker is None or any(r.marker.evaluate(env) for env in envs)]
        direct += [str(r) for r in wanted if canonicalize_name(r.name) not in excluded]
    return tuple(direct)


# What the CUDA build of torch brings that requirements.lock (CPU torch) does not pin.
CUDA_ONLY = re.compile(r"^(torch|triton|nvidia-.*|cuda-.*)$")


def lock_own(image: Image, root: Path) -> Path:
    """An own-lock image's set: the project's dependencies resolved by uv for Linux x86_64,
    every package requirements.lock pins held at its version, torch at the lock's version
    without its +cpu label (PyPI's build is the CUDA one)."""
    import subprocess
    import sys
    import tempfile

    entries = locked_entries((root / LOCK).read_text())
    pins = [f"{n}=={_version(e)}" for n, e in entries.items() if not CUDA_ONLY.match(n)]
    torch = _version(entries["torch"]).split("+")[0]
    uv = Path(sys.executable).with_name("uv")
    with tempfile.TemporaryDirectory() as tmp:
        constraints, override = Path(tmp) / "constraints.txt", Path(tmp) / "override.txt"
        constraints.write_text("\n".join(pins) + "\n")
        override.write_text(f"torch=={torch}\n")
        target = ["--python-platform", "x86_64-manylinux_2_28", "--python-version", "3.11", "--generate-hashes"]
        pinned = ["-c", str(constraints), "--override", str(override), "--no-header"]
        subprocess.run(
            [str(uv), "pip", "compile", "-q", *target, *pinned, "pyproject.toml", "-o", image.requirements_file],
            check=True,
            timeout=600,
            cwd=root,
        )
    out = root / image.requirements_file
    how = "Resolved by `nivesh images lock` (uv; requirements.lock's versions, CUDA torch); do not edit."
    head = f"# {image.name}: {image.purpose}.\n# {how}\n"
    out.write_text(head + out.read_text())
    return out


def drift(image: Image, root: Path) -> list[str]:
    """An own-lock set's packages whose version differs from requirements.lock's (offline)."""
    locked = locked_entries((root / LOCK).read_text())
    own = locked_entries((root / image.requirements_file).read_text())
    return sorted(
        f"{n}=={_version(e)} (lock: {_version(locked[n])})"
        for n, e in own.items()
        if n in locked and not CUDA_ONLY.match(n) and _version(e) != _version(locked[n])
    )


def render(image: Image, root: Path) -> str:
    """The requirement file's text for one image."""
    if image.own_lock:
        raise NiveshError(f"{image.name} is resolved on its own (lock_own), not cut from {LOCK}")
    entries = locked_entries((root / LOCK).read_text())
    wanted = closure(_direct(image, root))
    if image.substitutes:
        substituted = locked_entries((root / SUBSTITUTES_LOCK).read_text())
        for original, substitute in image.substitutes:
            name = canonicalize_name(substitute)
            expected = _version(entries[canonicalize_name(original)])
            if name not in substituted or _version(substituted[name]) != expected:
                fix = "run `nivesh images lock`"
                raise NiveshError(f"{image.name}: {SUBSTITUTES_LOCK} lacks {substitute}=={expected}; {fix}")
            entries[name] = substituted[name]
            wanted.add(name)
    missing = sorted(wanted - set(entries))
    if missing:
        raise NiveshError(f"{image.name}: {', '.join(missing)} not in {LOCK}; run `make lock`")
    banned = sorted(wanted & {canonicalize_name(n) for n in image.excludes})
    if banned:
        raise NiveshError(f"{image.name} must not carry {', '.join(banned)}; a direct requirement pulls it in")
    head = (
        f"# {image.name}: {image.purpose}.\n"
        f"# Generated by `nivesh images lock` from {LOCK} (same versions and hashes); do not edit.\n"
    )
    return head + "\n".join(entries[n] for n in sorted(wanted)) + "\n"
