"""`make demo`: the whole loop on one machine, then print where everything is."""

from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path

from rich.console import Console

from nivesh import catalog, demo_traffic, features, localsvc, pipelines, registry
from nivesh.data.synthetic import write_all
from nivesh.errors import NiveshError
from nivesh.monitoring import job
from nivesh.serve import Served, serve
from nivesh.settings import MonitorSettings, RegistrySettings, StoreSettings, Workspace

MODEL = catalog.CREDIT_RISK.name


def _pushgateway(ws: Workspace, settings: MonitorSettings, console: Console) -> localsvc.Process | None:
    if settings.pushgateway_url:
        return None
    try:
        proc = localsvc.start_pushgateway(ws.path("logs", "pushgateway.log"))
    except NiveshError as exc:
        console.print(f"[yellow]{exc}; the monitor will write its report but push nothing[/yellow]")
        return None
    settings.pushgateway_url = proc.url
    return proc


def run(ws: Workspace, users: int, keep_running: bool, console: Console) -> None:
    from datetime import UTC, datetime

    started = time.monotonic()
    console.rule("Nivesh ML Services demo")
    console.print(f"workspace: {ws.home}")
    with console.status("1/7 generating synthetic users and loan applications"):
        write_all(features.data_dir(ws), users, seed=7, end=datetime.now(UTC).replace(second=0, microsecond=0))
    console.print(f"1/7 data: {users} users with profiles and loan applications, their transactions and activity")
    with console.status("2/7 feast apply + materialize"), contextlib.redirect_stdout(io.StringIO()):
        features.apply(ws)
        features.materialize(ws)  # Feast prints its progress; the status line says it
    console.print(f"2/7 features: {features.yaml_for(ws)} applied and materialized")
    manifest_dir = ws.path("manifests", "x").parent
    with console.status("3/7 running the credit-risk pipeline with kfp.local (about a minute)"):
        pipelines.run_local_logged(
            MODEL, ws, ws.path("logs", f"pipeline-{MODEL}.log"), {"manifest_dir": str(manifest_dir)}
        )
    version = registry.resolve(ws, MODEL, registry.STAGING)
    console.print(f"3/7 pipeline: registered {MODEL} {version.semver} (MLflow version {version.version}) as staging")
    with console.status("4/7 starting predictor and transformer"):
        served = serve(MODEL, ws)
    console.print(f"4/7 serving {served.semver}: transformer {served.endpoint}")
    settings = MonitorSettings()
    gateway = None
    try:
        with console.status("5/7 sending example traffic (normal, then shifted)"):
            normal = demo_traffic.send(served.endpoint, demo_traffic.sample_applications(ws, 160, seed=1))
            shifted = demo_traffic.send(served.endpoint, demo_traffic.sample_applications(ws, 160, shift=1.5, seed=2))
        console.print(
            f"5/7 traffic: normal {demo_traffic.decisions(normal)}, shifted {demo_traffic.decisions(shifted)}"
        )
        time.sleep(1.0)  # let the prediction logger flush its batch
        gateway = _pushgateway(ws, settings, console)
        with console.status("6/7 running the drift monitor"):
            result = job.run(MODEL, ws, settings, push=bool(settings.pushgateway_url))
        console.print(
            f"6/7 monitor: drift share {result.drift_share:.2f} (alert above {result.threshold}); "
            f"{result.drifted_columns}/{len(result.columns)} columns drifted"
        )
        _summary(ws, served, result.report, settings, console, time.monotonic() - started)
        if keep_running:
            console.print("\nServers keep running; press Ctrl-C to stop.")
            while True:
                time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        served.stop()
        if gateway:
            gateway.stop()


def _summary(
    ws: Workspace,
    served: Served,
    report: Path | None,
    settings: MonitorSettings,
    console: Console,
    seconds: float,
) -> None:
    name = served.model
    console.rule(f"7/7 ready in {seconds:.0f}s")
    lines = [
        f"v2 endpoint (transformer): POST {served.endpoint}/v2/models/{name}/infer",
        f"model metadata:            GET  {served.endpoint}/v2/models/{name}",
        f"predictor (features in):   POST {served.predictor.url}/v2/models/{name}/infer",
        f"server metrics:            GET  {served.predictor.url}/metrics",
        f"MLflow tracking store:     {RegistrySettings().resolved_tracking_uri(ws)}",
        f"  browse it:               .venv/bin/mlflow ui --backend-store-uri "
        f"{RegistrySettings().resolved_tracking_uri(ws)}",
        f"prediction log:            {StoreSettings().resolved_url(ws)} (table model_predictions)",
        f"drift report (Evidently):  {report}",
        f"evaluation report (KFP):   {_latest(ws.path('kfp', 'root'), 'report')}",
        f"InferenceService emitted:  {ws.home / 'manifests' / (name + '.yaml')}",
        f"compiled pipeline:         {pipelines.compiled_path(name)}",
    ]
    if settings.pushgateway_url:
        lines.append(f"pushgateway metrics:       {settings.pushgateway_url}/metrics")
    for line in lines:
        print(line)
    print("\ntry it:")
    print(
        f"  curl -s -H 'Content-Type: application/json' {served.endpoint}/v2/models/{name}/infer -d "
        '\'{"inputs":[{"name":"user_id","shape":[1],"datatype":"BYTES","data":["U000001"]},'
        '{"name":"loan_intent","shape":[1],"datatype":"BYTES","data":["MEDICAL"]},'
        '{"name":"loan_amnt","shape":[1],"datatype":"FP64","data":[250000]},'
        '{"name":"loan_int_rate","shape":[1],"datatype":"FP64","data":[16.5]}]}\''
    )


def _latest(root: Path, name: str) -> Path | None:
    found = sorted(root.rglob(name), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None
