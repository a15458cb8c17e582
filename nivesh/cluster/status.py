"""`nivesh status`: per model, what is registered, what the aliases point at, what runs
in each environment, and what the monitors last said (read off the Pushgateway)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from nivesh import catalog, registry
from nivesh.cluster.deploy_log import LIVE, DeploymentLog
from nivesh.monitoring import gauges as g
from nivesh.settings import Workspace

# The monitor gauges status shows (the drift and quality jobs push them).
MONITOR_GAUGES = tuple(
    p.name for p in (g.DRIFT_SHARE, g.DRIFT_THRESHOLD, g.QUALITY_VALUE, g.QUALITY_REGISTERED, g.LAST_SUCCESS)
)


@dataclass
class ModelStatus:
    model: str
    versions: list[dict[str, Any]] = field(default_factory=list)  # newest first
    deployments: dict[str, dict[str, Any]] = field(default_factory=dict)  # environment -> what runs there
    # environment -> the newest attempt when it failed after what runs there (it changed nothing)
    failed_attempts: dict[str, dict[str, Any]] = field(default_factory=dict)
    monitor: dict[str, dict[str, float]] = field(default_factory=dict)  # version -> gauge -> value
    monitor_error: str | None = None


def monitor_figures(gateway: str, timeout_s: float) -> dict[str, dict[str, dict[str, float]]]:
    """model -> version -> gauge -> value for MONITOR_GAUGES, from the Pushgateway's /metrics."""
    text = httpx.get(f"{gateway.rstrip('/')}/metrics", timeout=timeout_s).raise_for_status().text
    out: dict[str, dict[str, dict[str, float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in MONITOR_GAUGES and "model" in sample.labels:
                version = sample.labels.get("version", "")
                out.setdefault(sample.labels["model"], {}).setdefault(version, {})[sample.name] = sample.value
    return out


def describe_monitor(gauges: dict[str, float]) -> str:
    """One line a person reads: drift against its threshold, quality against the registered
    value, when the monitor last compared data."""
    parts = []
    if g.DRIFT_SHARE.name in gauges:
        threshold = gauges.get(g.DRIFT_THRESHOLD.name, float("nan"))
        parts.append(f"drift share {gauges[g.DRIFT_SHARE.name]:.2f} (alert above {threshold:g})")
    if g.QUALITY_VALUE.name in gauges:
        quality = f"quality {gauges[g.QUALITY_VALUE.name]:.3f}"
        if g.QUALITY_REGISTERED.name in gauges:
            quality += f" (registered {gauges[g.QUALITY_REGISTERED.name]:.3f})"
        parts.append(quality)
    if g.LAST_SUCCESS.name in gauges:
        when = datetime.fromtimestamp(gauges[g.LAST_SUCCESS.name], UTC)
        parts.append(f"last compared {when:%Y-%m-%d %H:%M} UTC")
    return "; ".join(parts)


def gather(
    ws: Workspace, store_url: str, models: list[str], gateway: str | None, timeout_s: float = 5.0
) -> list[ModelStatus]:
    client = registry.connect(ws)
    log = DeploymentLog(store_url)
    figures: dict[str, dict[str, dict[str, float]]] = {}
    error = None
    if gateway:
        try:
            figures = monitor_figures(gateway, timeout_s)
        except httpx.HTTPError as exc:
            error = f"Pushgateway {gateway}: {exc}"
    else:
        error = "set NIVESH_PUSHGATEWAY_URL to show the monitors' figures"
    out = []
    for model in models:
        spec = catalog.get(model)
        status = ModelStatus(model, monitor=figures.get(model, {}), monitor_error=error)
        aliases = registry.aliases(client, model)
        for mv in sorted(registry.versions(client, model), key=lambda v: -int(v.version)):
            status.versions.append(
                {
                    "semver": mv.tags.get("semver", ""),
                    "mlflow_version": str(mv.version),
                    "aliases": sorted(a for a, v in aliases.items() if v == str(mv.version)),
                    spec.gate.metric: mv.tags.get(f"metric.{spec.gate.metric}"),
                    "promotion": mv.tags.get("promotion.decision"),
                }
            )
        for row in log.history(model, limit=500):  # newest first
            env = row["environment"]
            if row["status"] in LIVE:
                status.deployments.setdefault(env, row)
            elif env not in status.deployments:  # newer than what runs there
                status.failed_attempts.setdefault(env, row)
        out.append(status)
    return out
