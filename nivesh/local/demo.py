"""`make demo`: the whole loop on one machine for every model, then print where everything is."""

from __future__ import annotations

import contextlib
import io
import json
import shlex
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from nivesh import auth, catalog, features, registry
from nivesh.cluster.secrets import RETRAIN_TOKEN
from nivesh.data.synthetic import write_all
from nivesh.errors import NiveshError
from nivesh.local import processes, stack, traffic
from nivesh.local.servers import Served, serve
from nivesh.monitoring import job
from nivesh.retraining import records
from nivesh.settings import MonitorSettings, RegistrySettings, RetrainSettings, StoreSettings, Workspace
from nivesh.store import schema
from nivesh.training import runs

# Demo-sized training runs: small enough for two cores in minutes, offline (the intent
# encoder is the MiniLM shipped on PyPI). Everything else is the pipelines' defaults; the
# NER at half the default rows measured within 0.01 F1 of it on the hand-written set.
DEMO_RUNS: dict[str, dict[str, dict[str, object]]] = {
    catalog.CREDIT_RISK.name: {},
    catalog.ANOMALY_DETECTOR.name: {},
    catalog.FINANCIAL_NER.name: {"options": {"rows": "1500"}, "params": {"epochs": 10}},
    catalog.INTENT_CLASSIFIER.name: {"params": {"base_model": "packaged"}},  # the linear head: seconds, not minutes
    catalog.SPENDING_PREDICTOR.name: {},
    catalog.FINANCIAL_ADVISOR.name: {},
}
TRAFFIC = 160  # normal and shifted requests per model (rows, in batches)
# The loop retrains one model on its drift alert (a minute); the others' alerts are shown.
DEMO_RETRAIN = [catalog.CREDIT_RISK.name]
ALERT_WAIT_S, NOTIFY_WAIT_S, RETRAIN_WAIT_S = 90.0, 60.0, 900.0
DONE = (records.SUCCEEDED, records.FAILED, records.COOLDOWN)  # what ends the wait for a run


def _alert_loop(
    ws: Workspace, served: list[Served], closers: contextlib.ExitStack, console: Console
) -> tuple[stack.Stack, int] | None:
    """Prometheus, Alertmanager and the Pushgateway with the project's rules and routes, and
    the retraining webhook with the id of the last run it already lists (an earlier demo's
    in this workspace; 0 for none); None (and a hint) when the Debian packages are missing."""
    missing = [t for t in ("prometheus", "prometheus-alertmanager", "prometheus-pushgateway") if not shutil.which(t)]
    if missing:
        console.print(f"[yellow]no alert loop: sudo apt-get install {' '.join(missing)}[/yellow]")
        return None
    hook = processes.start_retrain_webhook(
        ws.path("logs", "retrain-webhook.log"), env={"NIVESH_RETRAIN_MODELS": json.dumps(DEMO_RETRAIN)}
    )
    closers.callback(hook.stop)
    last_id = max((r["id"] for r in _runs(ws, hook.url)), default=0)
    targets = {s.model: [p.url for p in s.processes] for s in served}
    token = auth.local_token_file(ws, RETRAIN_TOKEN)
    loop = closers.enter_context(stack.running(ws.home / "stack", targets, f"{hook.url}/alerts", token))
    loop.extra.append(hook)
    return loop, last_id


def _show_alerts(ws: Workspace, loop: stack.Stack, last_id: int, cooldown_s: float, console: Console) -> None:
    """The drift alerts Prometheus fires, and what the webhook did with them in this demo
    (a retraining run, or a cool-down skip when the model was retrained recently)."""
    hook = loop.extra[0]
    deadline = time.monotonic() + ALERT_WAIT_S
    firing: list[str] = []
    with console.status("6/7 waiting for Prometheus to evaluate the alert rules"):
        while time.monotonic() < deadline and not firing:
            time.sleep(2)
            alerts = [a for a in loop.alerts() if a["state"] == "firing"]
            firing = sorted({f"{a['labels']['alertname']} {a['labels'].get('model', '')}".strip() for a in alerts})
    console.print(f"6/7 alerts firing in Prometheus: {', '.join(firing) or 'none'} ({loop.prometheus.url}/alerts)")
    waited, runs = time.monotonic(), []
    with console.status(f"6/7 retraining {', '.join(DEMO_RETRAIN)} on its alert (webhook -> kfp.local)"):
        while time.monotonic() - waited < RETRAIN_WAIT_S:
            runs = [r for r in _runs(ws, hook.url) if r["id"] > last_id]
            if runs and all(r["status"] in DONE for r in runs):
                break
            if not runs and time.monotonic() - waited > NOTIFY_WAIT_S:  # no retrain alert is coming
                break
            time.sleep(3)
    for r in sorted(runs, key=lambda r: r["id"]):
        console.print(f"6/7 retraining: {r['trigger']} {r['model']} -> {_outcome(r, cooldown_s)}")
    if not runs:
        console.print("[yellow]6/7 retraining: no run started (no retrain alert reached the webhook in time)[/yellow]")


def _runs(ws: Workspace, hook_url: str) -> list[dict[str, Any]]:
    headers = auth.local_headers(ws, RETRAIN_TOKEN)
    return list(httpx.get(f"{hook_url}/runs", headers=headers, timeout=5).json())


def _outcome(run: dict[str, Any], cooldown_s: float) -> str:
    if run["status"] == records.SUCCEEDED:
        return f"registered {run['version']} ({run['decision']})"
    if run["status"] == records.COOLDOWN:
        return f"{records.COOLDOWN} (retrained less than {cooldown_s / 3600:g} h ago)"
    return str(run["status"])


def _pushgateway(ws: Workspace, settings: MonitorSettings, console: Console) -> processes.Process | None:
    if settings.pushgateway_url:
        return None
    try:
        proc = processes.start_pushgateway(ws.path("logs", "pushgateway.log"))
    except NiveshError as exc:
        console.print(f"[yellow]{exc}; the monitor will write its report but push nothing[/yellow]")
        return None
    settings.pushgateway_url = proc.url
    return proc


def _train(ws: Workspace, models: list[str], console: Console, reuse: bool) -> None:
    manifest_dir = str(ws.path("manifests", "x").parent)
    for model in models:
        if reuse and (kept := _registered(ws, model)) is not None:
            console.print(
                f"3/7 pipeline: reusing {model} {kept.semver}, registered as staging ({_gate_line(ws, kept)})"
            )
            continue
        run = DEMO_RUNS.get(model, {})
        arguments = {key: json.dumps(run[key]) for key in ("options", "params") if key in run}
        started = time.monotonic()
        with console.status(f"3/7 pipeline {model} (kfp.local)"):
            log = ws.path("logs", f"pipeline-{model}.log")
            runs.run_local_logged(model, ws, log, arguments | {"manifest_dir": manifest_dir})
        version = registry.resolve(ws, model, registry.STAGING)
        console.print(
            f"3/7 pipeline: registered {model} {version.semver} as staging "
            f"({_gate_line(ws, version)}) in {time.monotonic() - started:.0f}s"
        )


def _registered(ws: Workspace, model: str) -> registry.RegisteredVersion | None:
    """The model's staging version, or None when nothing is registered yet."""
    try:
        return registry.resolve(ws, model, registry.STAGING)
    except NiveshError:
        return None


def _gate_line(ws: Workspace, version: registry.RegisteredVersion) -> str:
    gate = catalog.get(version.name).gate
    value = registry.connect(ws).get_model_version(version.name, version.version).tags.get(f"metric.{gate.metric}", "?")
    return f"{gate.metric} {value}, gate {gate}"


def run(
    ws: Workspace,
    users: int,
    keep_running: bool,
    console: Console,
    models: list[str] | None = None,
    reuse_registered: bool = False,
) -> None:
    started = time.monotonic()
    models = models or list(catalog.MODELS)
    console.rule("Nivesh ML Services demo")
    console.print(f"workspace: {ws.home}")
    with console.status("1/7 generating synthetic users, loans, transactions and spending"):
        write_all(features.data_dir(ws), users, seed=7, end=datetime.now(UTC).replace(second=0, microsecond=0))
    console.print(f"1/7 data: {users} users with profiles and loan applications, transactions and spending histories")
    with console.status("2/7 feast apply + materialize"), contextlib.redirect_stdout(io.StringIO()):
        features.apply(ws)
        features.materialize(ws)  # Feast prints its progress; the status line says it
    console.print(f"2/7 features: {features.yaml_for(ws)} applied and materialized")
    _train(ws, models, console, reuse_registered)
    served: list[Served] = []
    settings, store_url = MonitorSettings(), schema.prepare_local(StoreSettings().resolved_url(ws))
    gateway = None
    closers = contextlib.ExitStack()
    loop: stack.Stack | None = None
    last_id = 0
    try:
        for model in models:
            with console.status(f"4/7 starting {model}"):
                served.append(serve(model, ws))
            console.print(f"4/7 serving {model} {served[-1].semver}: {served[-1].endpoint}")
        for s in served:
            with console.status(f"5/7 sending {s.model} example traffic (normal, then shifted)"):
                build = traffic.BUILDERS[s.model]
                normal = traffic.send(s.endpoint, s.model, build(ws, TRAFFIC, 0.0, 1))
                direct = s.model in traffic.SHIFTED_TO_PREDICTOR
                shifted_url = s.predictor.url if direct else s.endpoint
                shifted = traffic.send(shifted_url, s.model, build(ws, TRAFFIC, 1.5, 2))
            console.print(
                f"5/7 traffic {s.model}: normal {traffic.summary(s.model, normal)}; "
                f"shifted {traffic.summary(s.model, shifted)}"
            )
        time.sleep(1.0)  # let the prediction loggers flush their batches
        if not settings.pushgateway_url:
            with console.status("6/7 starting Prometheus, Alertmanager, Pushgateway and the retraining webhook"):
                if (running := _alert_loop(ws, served, closers, console)) is not None:
                    loop, last_id = running
        if loop is not None:
            settings.pushgateway_url = loop.pushgateway.url
        else:
            gateway = _pushgateway(ws, settings, console)
        reports: dict[str, Path | None] = {}
        for model in models:
            with console.status(f"6/7 drift monitor {model}"):
                result = job.run(model, ws, store_url, settings, push=bool(settings.pushgateway_url))
            reports[model] = result.report
            verdict = (
                f"drift share {result.drift_share:.2f} (alert above {result.threshold}); "
                f"{result.drifted_columns}/{len(result.columns)} columns drifted"
                if result.rows_compared
                else f"{result.rows_compared} rows: too few for a verdict (min {settings.min_rows})"
            )
            console.print(f"6/7 monitor {model}: {verdict}")
        if loop is not None:
            _show_alerts(ws, loop, last_id, RetrainSettings().cooldown_s, console)
        _summary(ws, served, reports, settings, store_url, console, time.monotonic() - started)
        if loop is not None:
            print(f"prometheus:            {loop.prometheus.url} (alerts, rules, PromQL)")
            print(f"alertmanager:          {loop.alertmanager.url}")
            token = auth.local_token_file(ws, RETRAIN_TOKEN)
            print(f"retraining runs:       {_bearer_curl(token, loop.extra[0].url + '/runs')}")
        if keep_running:
            console.print("\nServers keep running; press Ctrl-C to stop.")
            while True:
                time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        closers.close()
        processes.stop_all([p for s in served for p in s.processes])
        if gateway:
            gateway.stop()


def _summary(
    ws: Workspace,
    served: list[Served],
    reports: dict[str, Path | None],
    settings: MonitorSettings,
    store_url: str,
    console: Console,
    seconds: float,
) -> None:
    console.rule(f"7/7 ready in {seconds:.0f}s")
    for s in served:
        kind = "transformer" if s.transformer else "predictor"
        print(f"{s.model} {s.semver}")
        print(f"  v2 endpoint ({kind}): POST {s.endpoint}/v2/models/{s.model}/infer")
        print(f"  gRPC:      {s.grpc_endpoint} (inference.GRPCInferenceService)")
        print(f"  metadata:  GET  {s.endpoint}/v2/models/{s.model}")
        print(f"  metrics:   GET  {s.predictor.url}/metrics")
        print(f"  drift report: {reports.get(s.model)}")
        print(f"  InferenceService: {ws.home / 'manifests' / (s.model + '.yaml')}")
    uri = RegistrySettings().resolved_tracking_uri(ws)
    print(f"\nMLflow tracking store: {uri}  (browse: .venv/bin/mlflow ui --backend-store-uri {uri})")
    print(f"prediction log:        {store_url} (table model_predictions)")
    print(f"evaluation reports:    {ws.path('kfp', 'root')} (report artifacts of each run)")
    print(f"compiled pipelines:    {runs.COMPILED_DIR}")
    if settings.pushgateway_url:
        print(f"pushgateway metrics:   {settings.pushgateway_url}/metrics")
    print("\ntry it:")
    for line in try_lines(served):
        print(f"  {line}")


def _bearer_curl(token_file: Path, url: str) -> str:
    """A shell line that sends the token without printing it (it stays in its 0600 file)."""
    header = shlex.quote("Authorization: Bearer ") + f'"$(cat {shlex.quote(str(token_file))})"'
    return f"curl -s -H {header} {url}"


def try_lines(served: list[Served]) -> list[str]:
    """One shell line per served model that sends its example; the body is shell-quoted, since
    examples hold apostrophes ("what's my balance")."""
    return [
        f"curl -s -H 'Content-Type: application/json' {s.endpoint}/v2/models/{s.model}/infer "
        f"-d {shlex.quote(json.dumps(EXAMPLES[s.model]))}"
        for s in served
        if s.model in EXAMPLES
    ]


_t = traffic.tensor
EXAMPLES: dict[str, dict[str, Any]] = {
    catalog.CREDIT_RISK.name: {
        "inputs": [
            _t("user_id", ["U000001"], "BYTES"),
            _t("loan_intent", ["MEDICAL"], "BYTES"),
            _t("loan_amnt", [250000], "FP64"),
            _t("loan_int_rate", [16.5], "FP64"),
        ]
    },
    catalog.INTENT_CLASSIFIER.name: {"inputs": [_t("text", ["mera balance kitna hai", "book a cab"], "BYTES")]},
    catalog.FINANCIAL_NER.name: {"inputs": [_t("text", ["paid Rs 2.5 lakh to rahul@okicici last month"], "BYTES")]},
    catalog.ANOMALY_DETECTOR.name: {
        "inputs": [
            _t("user_id", ["U000001"], "BYTES"),
            _t("amount", [85000], "FP64"),
            _t("merchant_category", ["crypto_exchange"], "BYTES"),
            _t("hour", [3], "INT64"),
            _t("channel", ["CARD_ONLINE"], "BYTES"),
        ]
    },
    catalog.SPENDING_PREDICTOR.name: {"inputs": [_t("user_id", ["U000001"], "BYTES")], "parameters": {"horizon": 6}},
    catalog.FINANCIAL_ADVISOR.name: {
        "inputs": [
            _t("question", ["How much can I claim for my parents' health insurance under 80D?"], "BYTES"),
            _t("user_id", ["U000001"], "BYTES"),  # optional: adds the user's context from Feast
        ]
    },
}
