"""The kustomize overlays' InferenceService patches, applied to one object in Python.

`nivesh deploy` renders a single InferenceService for a version and applies it with
force; rendered from the base alone it would reset what the environment's overlay
sets (prod's credit-risk replicas, Serverless mode, the advisor's scale to zero). The
overlays stay the one home of those settings: this reads the overlay's and its
components' JSON 6902 patches and applies those whose target matches, as kustomize
does (components first, then the overlay's own). `tests/unit/test_manifests.py`
checks the result against `kubectl kustomize` of the overlay for every model.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from nivesh.errors import NiveshError
from nivesh.settings import PROJECT_ROOT

OVERLAYS_ENV = "NIVESH_OVERLAYS_DIR"  # the images set it: their copy of manifests/overlays


def overlays_dir() -> Path:
    return Path(os.environ.get(OVERLAYS_ENV) or PROJECT_ROOT / "manifests" / "overlays")


def _kustomization(folder: Path) -> dict[str, Any]:
    path = folder / "kustomization.yaml"
    if not path.is_file():
        raise NiveshError(
            f"{path} not found: run from the project checkout or set {OVERLAYS_ENV} to manifests/overlays"
        )
    loaded = yaml.safe_load(path.read_text()) or {}
    return loaded if isinstance(loaded, dict) else {}


def patches(env: str) -> list[dict[str, Any]]:
    """The overlay's patches, its components' first."""
    folder = overlays_dir() / env
    root = _kustomization(folder)
    found: list[dict[str, Any]] = []
    for component in root.get("components", []):
        found.extend(_kustomization((folder / component).resolve()).get("patches", []))
    return found + list(root.get("patches", []))


def _matches(target: dict[str, Any], body: dict[str, Any]) -> bool:
    meta = body.get("metadata", {})
    if target.get("kind") not in (None, body.get("kind")) or target.get("name") not in (None, meta.get("name")):
        return False
    labels = meta.get("labels", {})
    for term in filter(None, str(target.get("labelSelector", "")).split(",")):
        key, _, value = term.partition("=")
        if labels.get(key.strip()) != value.strip():
            return False
    return True


def _pointer(path: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]


def _apply_op(body: dict[str, Any], op: dict[str, Any]) -> None:
    *parents, last = _pointer(op["path"])
    node: Any = body
    kind = op["op"]
    key: Any = last
    try:
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):  # a list position ("-": after the last, for add)
            key = len(node) if last == "-" and kind == "add" else int(last)
            if kind in ("replace", "remove") and not 0 <= key < len(node):
                raise IndexError(last)
        elif kind in ("replace", "remove") and last not in node:
            raise KeyError(last)
    except (KeyError, IndexError, ValueError) as e:
        raise NiveshError(f"overlay patch: {kind} {op['path']}, which the InferenceService does not have") from e
    if kind == "add" and isinstance(node, list):
        node.insert(key, copy.deepcopy(op["value"]))
    elif kind in ("add", "replace"):
        node[key] = copy.deepcopy(op["value"])
    elif kind == "remove":
        del node[key]
    else:
        raise NiveshError(f"overlay patch op {kind!r} is not supported here (add, replace, remove)")


def apply(body: dict[str, Any], env: str) -> dict[str, Any]:
    """A copy of `body` with every patch of the environment's overlay that targets it."""
    out = copy.deepcopy(body)
    for patch in patches(env):
        if not _matches(patch.get("target", {}), out):
            continue
        ops = yaml.safe_load(patch["patch"]) if isinstance(patch.get("patch"), str) else None
        if not isinstance(ops, list):
            raise NiveshError(f"overlay {env}: only JSON 6902 patches are applied by `nivesh deploy`: {patch}")
        for op in ops:
            _apply_op(out, op)
    return out
