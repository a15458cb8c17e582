"""Grafana dashboards, built from code: an overview of every model and one per model.

Panels query the recording rules of monitors/alerts (latency percentiles, request
rates, error ratios) and the monitors' pushed gauges (drift, quality, last run), so a
dashboard and an alert never compute the same figure two ways. `nivesh render`
writes them as JSON under monitors/dashboards and as a ConfigMap that Grafana's
dashboard sidecar provisions (label grafana_dashboard=1). The end-to-end test runs
every query against a real Prometheus.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from nivesh import catalog
from nivesh.monitoring import gauges as g

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
WIDTH, HEIGHT = 12, 8
PERCENTILES = ("50", "95", "99")  # recorded as nivesh:request_latency_seconds:p<q>_5m


@dataclass(frozen=True)
class Panel:
    title: str
    unit: str
    targets: tuple[tuple[str, str], ...]  # (PromQL, legend)
    kind: str = "timeseries"


def overview_panels() -> list[Panel]:
    return [
        Panel("p95 latency by model", "s", (("max by (model) (nivesh:request_latency_seconds:p95_5m)", "{{model}}"),)),
        Panel("Throughput by model", "reqps", (("sum by (model) (nivesh:requests:rate5m)", "{{model}}"),)),
        Panel(
            "5xx ratio by model", "percentunit", (("max by (model) (nivesh:request_errors:ratio_rate5m)", "{{model}}"),)
        ),
        Panel("Input drift share", "percentunit", ((f"max by (model) ({g.DRIFT_SHARE.name})", "{{model}}"),)),
        Panel(
            "Hours since the drift monitor last compared data",
            "h",
            ((f"(time() - max by (model) ({g.LAST_SUCCESS.name})) / 3600", "{{model}}"),),
            kind="stat",
        ),
        Panel(
            "Deployed version",
            "none",
            (("max by (model, version) (nivesh_model_info)", "{{model}} {{version}}"),),
            kind="table",
        ),
    ]


def model_panels(model: str) -> list[Panel]:
    m = f'model="{model}"'
    return [
        Panel(
            "Latency percentiles",
            "s",
            (
                *((f"nivesh:request_latency_seconds:p{q}_5m{{{m}}}", f"p{q} {{{{component}}}}") for q in PERCENTILES),
                (f"max by (component) (nivesh_latency_objective_seconds{{{m}}})", "objective {{component}}"),
            ),
        ),
        Panel("Throughput by status code", "reqps", ((f"nivesh:requests:rate5m{{{m}}}", "{{component}} {{code}}"),)),
        Panel(
            "Error ratio (5xx) and 99.9 % SLO burn",
            "percentunit",
            (
                (f"nivesh:request_errors:ratio_rate5m{{{m}}}", "5m {{component}}"),
                (f"nivesh:request_errors:ratio_rate1h{{{m}}}", "1h {{component}}"),
            ),
        ),
        Panel(
            "Drift share vs threshold",
            "percentunit",
            (
                (f"{g.DRIFT_SHARE.name}{{{m}}}", "drift share {{version}}"),
                (f"{g.DRIFT_THRESHOLD.name}{{{m}}}", "threshold"),
            ),
        ),
        Panel("Drift score per column", "none", ((f"{g.DRIFT_COLUMN_SCORE.name}{{{m}}}", "{{column}} ({{method}})"),)),
        Panel(
            "Quality on labelled traffic vs registered",
            "none",
            (
                (f"{g.QUALITY_VALUE.name}{{{m}}}", "{{metric}} {{version}}"),
                (f"{g.QUALITY_REGISTERED.name}{{{m}}}", "{{metric}} registered"),
            ),
        ),
        Panel(
            "Last monitor run",
            "dateTimeFromNow",
            ((f"max({g.LAST_RUN.name}{{{m}}}) * 1000", "last run"),),
            kind="stat",
        ),
        Panel("Deployed version", "none", ((f"nivesh_model_info{{{m}}}", "{{component}} {{version}}"),), kind="table"),
    ]


def dashboard(uid: str, title: str, panels: list[Panel], tags: list[str]) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "tags": ["nivesh", *tags],
        "timezone": "browser",
        "schemaVersion": 39,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [{"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Prometheus"}]
        },
        "panels": [_panel(i, p) for i, p in enumerate(panels)],
    }


def _panel(i: int, p: Panel) -> dict[str, Any]:
    return {
        "id": i + 1,
        "type": p.kind,
        "title": p.title,
        "datasource": DATASOURCE,
        "gridPos": {"h": HEIGHT, "w": WIDTH, "x": (i % 2) * WIDTH, "y": (i // 2) * HEIGHT},
        "fieldConfig": {"defaults": {"unit": p.unit}, "overrides": []},
        "targets": [
            {"refId": chr(ord("A") + j), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
            | ({"instant": True, "format": "table"} if p.kind == "table" else {})
            for j, (expr, legend) in enumerate(p.targets)
        ],
    }


def all_dashboards() -> dict[str, dict[str, Any]]:
    """File name -> dashboard JSON."""
    out = {"nivesh-overview.json": dashboard("nivesh-overview", "Nivesh: all models", overview_panels(), ["overview"])}
    for spec in catalog.MODELS.values():
        out[f"nivesh-{spec.name}.json"] = dashboard(
            f"nivesh-{spec.name}", f"Nivesh: {spec.name}", model_panels(spec.name), [spec.name]
        )
    return out


def queries(board: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in board["panels"] for t in p["targets"]]


def config_map() -> dict[str, Any]:
    """The dashboards as one ConfigMap for Grafana's sidecar (kube-prometheus-stack's default label)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "nivesh-grafana-dashboards", "labels": {"grafana_dashboard": "1"}},
        "data": {name: json.dumps(board, indent=2) for name, board in all_dashboards().items()},
    }
