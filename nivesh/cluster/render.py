"""Manifests rendered from code into manifests/base (kept fresh by a test)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from nivesh import catalog, registry
from nivesh.cluster import images, k8s, mesh, network, platform, storage
from nivesh.cluster.environments import ENVIRONMENTS, Environment
from nivesh.monitoring import alerting, dashboards
from nivesh.settings import PROJECT_ROOT

DASHBOARDS_DIR = PROJECT_ROOT / "monitors" / "dashboards"  # the same dashboards as JSON, for Grafana's import

PART_OF = "app.kubernetes.io/part-of"


def prometheus_rule() -> dict[str, Any]:
    """The plain rules files (checked by promtool) as one PrometheusRule for the Operator."""
    groups: list[dict[str, Any]] = []
    for path in sorted(alerting.RULES_DIR.glob("*.rules.yml")):
        groups.extend(yaml.safe_load(path.read_text())["groups"])
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "nivesh-alerts", "labels": {PART_OF: "nivesh"}},
        "spec": {"groups": groups},
    }


def alertmanager_config_map(env: Environment) -> dict[str, Any]:
    """The shared routing for `env`'s Alertmanager, retraining in `env`'s own namespace (no
    credentials in it: they are files from the Secret nivesh-alertmanager, mounted at
    /etc/alertmanager/secrets)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "nivesh-alertmanager-config", "labels": {PART_OF: "nivesh"}},
        "data": {"alertmanager.yml": alerting.alertmanager_yaml(k8s.retrain_webhook_url(env.namespace))},
    }


def kustomization(generated: list[Path]) -> dict[str, Any]:
    """base/kustomization.yaml: static files name images by short name (nivesh-component);
    the `images` block maps them to the references in nivesh.cluster.images."""
    refs = {image.name: image.reference for image in images.IMAGES}
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "labels": [{"pairs": {PART_OF: "nivesh"}, "includeSelectors": False}],
        "resources": [str(p.relative_to("base")) for p in generated],
        "images": [
            {"name": short, "newName": ref.rsplit(":", 1)[0], "newTag": ref.rsplit(":", 1)[1]}
            for short, ref in refs.items()
        ],
    }


def rendered() -> dict[Path, dict[str, Any]]:
    """Relative path under manifests/ -> object."""
    out: dict[Path, dict[str, Any]] = {
        Path("base/monitoring/prometheusrule.yaml"): prometheus_rule(),
        Path("base/monitoring/grafana-dashboards.yaml"): dashboards.config_map(),
    }
    deployment, service = k8s.retrain_webhook()
    out[Path("base/monitoring/retrain-webhook-deployment.yaml")] = deployment
    out[Path("base/monitoring/retrain-webhook-service.yaml")] = service
    for spec in catalog.MODELS.values():
        uri = storage.prefixed(storage.BASE_PREFIX, spec.name, registry.FIRST_SEMVER)
        out[Path(f"base/models/{spec.name}/inferenceservice.yaml")] = k8s.inference_service(
            spec, uri, semver=registry.FIRST_SEMVER
        )
        out[Path(f"base/monitoring/{spec.name}-drift-monitor.yaml")] = k8s.monitor_cronjob(spec)
    for policy in network.all_policies():
        out[Path(f"base/network/{policy['metadata']['name']}.yaml")] = policy
    for name, obj in platform.objects().items():
        out[Path(f"base/platform/{name}")] = obj
    for spec in catalog.MODELS.values():
        for budget in network.disruption_budgets(spec):
            out[Path(f"base/models/{spec.name}/pdb-{budget['metadata']['name']}.yaml")] = budget
    out[Path("base/kustomization.yaml")] = kustomization(sorted(out))
    for env in ENVIRONMENTS.values():  # after the base's kustomization: these belong to the overlays
        out[Path(f"overlays/{env.overlay_name}/alertmanager-config.yaml")] = alertmanager_config_map(env)
        files = {f"{o['kind'].lower()}-{o['metadata']['name']}.yaml": o for o in mesh.policies(env.namespace)}
        for name, obj in files.items():
            out[Path(f"overlays/{env.overlay_name}/mesh/{name}")] = obj
        out[Path(f"overlays/{env.overlay_name}/mesh/kustomization.yaml")] = mesh.kustomization(sorted(files))
    return out


def dashboard_files() -> dict[Path, str]:
    return {
        DASHBOARDS_DIR / name: json.dumps(board, indent=2) + "\n" for name, board in dashboards.all_dashboards().items()
    }


# Folders under manifests/ that hold rendered files only: a file there that is no longer
# rendered (a transformer a model stopped having) is removed, not left for kustomize to miss.
OWNED = ("base/models/*", "base/network", "base/platform", "overlays/*/mesh")


def stale(folder: Path, rendered_paths: set[Path]) -> list[Path]:
    """YAML files in the folders render owns that it did not render."""
    found = {path for pattern in OWNED for owned in folder.glob(pattern) for path in owned.glob("*.yaml")}
    return sorted(path for path in found if path.relative_to(folder) not in rendered_paths)


def render_all(folder: Path) -> list[Path]:
    objects = rendered()
    for path in stale(folder, set(objects)):
        path.unlink()
    written = [k8s.write(obj, folder / rel) for rel, obj in objects.items()]
    for path, text in dashboard_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written
