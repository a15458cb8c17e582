"""`nivesh monitor MODEL`: resolve the deployed version, compare its inputs, report and push."""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from nivesh import catalog, registry
from nivesh.errors import NiveshError
from nivesh.monitoring import drift, quality
from nivesh.monitoring.text import TextProfile
from nivesh.settings import MonitorSettings, Workspace
from nivesh.store.feedback import FeedbackStore
from nivesh.store.predictions import PredictionStore

log = logging.getLogger(__name__)


def served_version(
    ws: Workspace, model: str, store: PredictionStore | None = None, hours: float = 24.0
) -> registry.RegisteredVersion:
    """The version that answered most of the window's logged requests (a retrain may have
    registered a newer one that serves nothing yet); with no traffic, production if it is
    set, else staging."""
    if store is not None:
        since = datetime.now(UTC) - timedelta(hours=hours)
        served = Counter(r["version"] for r in store.window(model, since, limit=1000))
        for semver, _ in served.most_common():
            with contextlib.suppress(NiveshError):  # a version registered elsewhere: try the next
                return registry.resolve(ws, model, semver)
    try:
        return registry.resolve(ws, model, registry.PRODUCTION)
    except NiveshError:
        return registry.resolve(ws, model, registry.STAGING)


def run(
    model: str,
    ws: Workspace,
    store_url: str,
    settings: MonitorSettings,
    push: bool = True,
    report: Path | None = None,
) -> drift.DriftResult:
    spec = catalog.get(model)
    store = PredictionStore(store_url)
    version = served_version(ws, model, store, settings.window_hours)
    with tempfile.TemporaryDirectory() as tmp:
        folder, manifest = registry.download(ws, version, Path(tmp))
        view = drift.MonitorView.from_manifest(manifest.extra)
        reference = pd.read_parquet(folder / str(manifest.extra["reference_file"]))
        profile = TextProfile.load(folder, manifest.extra["monitor"]) if view.text_input else None
    if len(reference) > spec.reference_rows:  # an artifact from a trainer that kept more
        reference = reference.sample(spec.reference_rows, random_state=0)
    current = drift.current_window(
        store, model, view, settings.window_hours, settings.max_rows, profile=profile, version=version.semver
    )
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


def run_quality(
    model: str, ws: Workspace, store_url: str, settings: MonitorSettings, push: bool = True
) -> list[quality.QualityResult]:
    """Quality over labelled predictions of the last quality_window_days, for each version that
    served them (the registry's newest staging version may not be the one that answered)."""
    spec = catalog.get(model)
    if spec.feedback is None:
        raise NiveshError(f"{model} takes no feedback labels; quality is monitored for: {', '.join(_with_feedback())}")
    since = datetime.now(UTC) - timedelta(days=settings.quality_window_days)
    rows = PredictionStore(store_url).window(model, since, limit=settings.max_rows)
    labels = FeedbackStore(store_url).labels(model, [r["request_id"] for r in rows])
    client = registry.connect(ws)
    by_semver = {v.tags.get("semver"): v for v in client.search_model_versions(f"name='{model}'")}
    results = []
    for semver in sorted({r["version"] for r in rows}):
        predicted, truth = quality.pairs(spec.feedback, [r for r in rows if r["version"] == semver], labels)
        if not truth:
            continue
        value = quality.score(spec.feedback, predicted, truth) if len(truth) >= settings.min_labels else None
        mv = by_semver.get(semver)
        registered = mv.tags.get(f"metric.{spec.feedback.metric}") if mv is not None else None
        result = quality.QualityResult(
            model,
            semver,
            spec.feedback.metric,
            value,
            float(registered) if registered is not None else None,
            len(truth),
            spec.feedback.lower_is_better,
        )
        if push:
            if not settings.pushgateway_url:
                raise NiveshError("set NIVESH_PUSHGATEWAY_URL (for example http://127.0.0.1:9091) or pass --no-push")
            quality.push(result, settings.pushgateway_url, settings.push_timeout_s)
        results.append(result)
    return results


def _with_feedback() -> list[str]:
    return [name for name, spec in catalog.MODELS.items() if spec.feedback is not None]
