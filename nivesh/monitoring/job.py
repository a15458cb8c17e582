"""`nivesh monitor MODEL`: resolve the deployed version, compare its inputs, report and push."""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from nivesh import catalog, registry
from nivesh.errors import NiveshError
from nivesh.monitoring import drift
from nivesh.predlog import PredictionStore
from nivesh.settings import MonitorSettings, StoreSettings, Workspace

log = logging.getLogger(__name__)


def served_version(ws: Workspace, model: str) -> registry.RegisteredVersion:
    """production if it is set, else staging: what the servers would be running."""
    try:
        return registry.resolve(ws, model, registry.PRODUCTION)
    except NiveshError:
        return registry.resolve(ws, model, registry.STAGING)


def run(
    model: str,
    ws: Workspace,
    settings: MonitorSettings,
    push: bool = True,
    report: Path | None = None,
) -> drift.DriftResult:
    spec = catalog.get(model)
    version = served_version(ws, model)
    with tempfile.TemporaryDirectory() as tmp:
        folder, manifest = registry.download(ws, version, Path(tmp))
        view = drift.MonitorView.from_manifest(manifest.extra)
        reference = pd.read_parquet(folder / str(manifest.extra["reference_file"]))
    if len(reference) > settings.reference_rows:
        reference = reference.sample(settings.reference_rows, random_state=0)
    store = PredictionStore(StoreSettings().resolved_url(ws))
    current = drift.current_window(store, model, view, settings.window_hours, settings.max_rows)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = report or ws.path("reports", model, f"drift-{stamp}.html")
    if len(current) < settings.min_rows:
        log.warning(
            "%s: %d logged rows in the window, fewer than %d; no drift verdict",
            model,
            len(current),
            settings.min_rows,
        )
        current = current.iloc[0:0]
    result = drift.compute(model, version.semver, view, reference, current, spec.drift_share_alert, report)
    if push:
        if not settings.pushgateway_url:
            raise NiveshError("set NIVESH_PUSHGATEWAY_URL (for example http://127.0.0.1:9091) or pass --no-push")
        drift.push(result, settings.pushgateway_url, settings.push_timeout_s)
    return result
