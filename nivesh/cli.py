"""The `nivesh` command: the same library the pipelines and servers use, for people."""

from __future__ import annotations

import json
import logging
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from nivesh import catalog
from nivesh.errors import NiveshError
from nivesh.logs import route_warnings_to_logging
from nivesh.settings import RegistrySettings, StoreSettings, Workspace

if TYPE_CHECKING:
    from nivesh.cluster.deploy import Outcome
    from nivesh.local.servers import Served

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_enable=False)
pipeline_app = typer.Typer(no_args_is_help=True, help="Compile or run KFP pipelines.")
features_app = typer.Typer(no_args_is_help=True, help="Feast: apply definitions, materialize features.")
app.add_typer(pipeline_app, name="pipeline")
app.add_typer(features_app, name="features")
advisor_app = typer.Typer(no_args_is_help=True, help="financial-advisor: tuning data and offline answers.")
app.add_typer(advisor_app, name="advisor")
images_app = typer.Typer(no_args_is_help=True, help="Container images: references and requirement sets.")
app.add_typer(images_app, name="images")
db_app = typer.Typer(no_args_is_help=True, help="The prediction store's schema: Alembic migrations.")
app.add_typer(db_app, name="db")
console = Console(stderr=True, soft_wrap=True)  # long paths and URLs stay on one line


def _known_model(name: str) -> str:
    """Checked as the argument is parsed, before a command imports its libraries (seconds)."""
    return catalog.get(name).name


ModelArg = Annotated[str, typer.Argument(help=f"model name: {', '.join(catalog.MODELS)}", callback=_known_model)]


def _workspace() -> Workspace:
    return Workspace()


def _store_url(ws: Workspace) -> str:
    """The prediction store's database (NIVESH_PREDICTION_STORE_URL, else the workspace's SQLite,
    migrated here: `nivesh db upgrade` is the step for any other database)."""
    from nivesh.store import schema

    return schema.prepare_local(StoreSettings().resolved_url(ws))


@app.command()
def generate(
    users: Annotated[int, typer.Option(help="number of synthetic users")] = 5000,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same data)")] = 7,
) -> None:
    """Write synthetic users, loan applications, transactions and activity into the Feast repo."""
    import pyarrow.parquet as pq

    from nivesh import features
    from nivesh.data.synthetic import write_all

    ws = _workspace()
    end = datetime.now(UTC).replace(second=0, microsecond=0)  # activity snapshots are stamped "now"
    for kind, path in write_all(features.data_dir(ws), users, seed, end).items():
        console.print(f"{kind}: {path} ({pq.read_metadata(path).num_rows:,} rows)")


@features_app.command("apply")
def features_apply() -> None:
    """`feast apply` in the feature repo (SQLite locally, Redis with NIVESH_REDIS_URL)."""
    from nivesh import features

    ws = _workspace()
    with console.status("feast apply"):
        features.apply(ws)
    console.print(f"applied {features.yaml_for(ws)}")


@features_app.command("materialize")
def features_materialize(
    full: Annotated[bool, typer.Option(help="rewrite all rows in the TTL window (refreshes Redis key TTLs)")] = False,
) -> None:
    """Load the offline features into the online store (materialize-incremental up to now)."""
    from nivesh import features

    with console.status("feast materialize"):
        features.materialize(_workspace(), full=full)
    console.print("materialized")


@app.command()
def train(
    model: ModelArg,
    data: Annotated[
        Path | None,
        typer.Option(help="training file (CSV/parquet/JSONL); default: generated data", exists=True, dir_okay=False),
    ] = None,
    test_data: Annotated[
        Path | None, typer.Option(help="held-out file; default: a split of --data", exists=True, dir_okay=False)
    ] = None,
    label_column: Annotated[
        str | None, typer.Option("--label-column", "--label", help="label column of --data")
    ] = None,
    text_column: Annotated[str | None, typer.Option(help="text column (intent-classifier)")] = None,
    date_column: Annotated[str | None, typer.Option(help="date column (spending-predictor)")] = None,
    amount_column: Annotated[str | None, typer.Option(help="amount column (spending-predictor)")] = None,
    group_column: Annotated[str | None, typer.Option(help="series column, e.g. category (spending-predictor)")] = None,
    horizon: Annotated[int | None, typer.Option(help="months to forecast and hold out (spending-predictor)")] = None,
    base_model: Annotated[
        str | None, typer.Option(help="hub id or local path; 'packaged' = MiniLM shipped on PyPI (intent)")
    ] = None,
    epochs: Annotated[int | None, typer.Option(help="training epochs (intent-classifier, financial-ner)")] = None,
    device: Annotated[
        str | None, typer.Option(help="intent-classifier fine-tuning: auto (CUDA when present), cpu or cuda")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="write the model artifact here")] = None,
    register: Annotated[bool, typer.Option(help="register in MLflow when the gate passes")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print held-out metrics as JSON last")] = False,
) -> None:
    """Train and evaluate on a held-out split, through the pipeline's code path."""
    from nivesh.training import steps

    ws = _workspace()
    columns = {
        "label_column": label_column,
        "text_column": text_column,
        "date_column": date_column,
        "amount_column": amount_column,
        "group_column": group_column,
        "horizon": None if horizon is None else str(horizon),
    }
    options = {k: v for k, v in columns.items() if v is not None}
    asked = {"base_model": base_model, "epochs": epochs, "device": device}
    params = {k: v for k, v in asked.items() if v is not None}
    with console.status(f"{model}: preparing data"):
        prepared = steps.prepare(model, ws, data, options, test_data=test_data)
    console.print(f"{len(prepared.train)} training rows, {len(prepared.test)} held out; label {prepared.label!r}")
    with tempfile.TemporaryDirectory() as tmp:
        target = out or Path(tmp) / "model"
        with console.status(f"{model}: training"):
            steps.fit(model, prepared.train, prepared.label, target, params)
        with console.status(f"{model}: evaluating"):
            assessment = steps.assess(model, target, prepared.test, prepared.label)
        metrics = assessment.evaluation.metrics
        verdict = "passed" if assessment.passed else "FAILED"
        shown = "  ".join(f"{k} {v:.4f}" for k, v in metrics.items() if isinstance(v, float) and k != "n")
        console.print(f"{shown}\ngate {assessment.gate}: {verdict}")
        if out is not None:
            (out.parent / f"{out.name}-evaluation.html").write_text(assessment.html)
            console.print(f"artifact: {out}")
        if register:
            steps.enforce(model, assessment)
            version = steps.publish(model, target, metrics, ws)
            console.print(f"registered {model} {version.semver} (MLflow version {version.version}) as staging")
    if as_json:
        print(json.dumps({"model": model, **metrics, **assessment.evaluation.extras}))


@pipeline_app.command("compile")
def pipeline_compile(
    name: Annotated[str, typer.Argument(help="pipeline name, or 'all'")] = "all",
    out: Annotated[Path | None, typer.Option(help="output file (default pipelines/compiled/)")] = None,
) -> None:
    """Compile to the YAML that `kfp run create` and the Kubeflow UI take."""
    from nivesh.training import runs

    names = list(runs.PIPELINES) if name == "all" else [name]
    for n in names:
        console.print(f"{n}: {runs.compile_pipeline(n, out if len(names) == 1 else None)}")


@images_app.command("list")
def images_list(
    names: Annotated[bool, typer.Option(help="only the names (Dockerfile targets), space-separated")] = False,
    reference: Annotated[str, typer.Option(help="only this image's reference")] = "",
) -> None:
    """Each image's reference, requirement file and purpose."""
    from nivesh.cluster import images

    if names:
        print(" ".join(i.name for i in images.IMAGES))
    elif reference:
        try:
            print(images.get(reference).reference)
        except KeyError as e:
            raise NiveshError(str(e.args[0])) from e
    else:
        for image in images.IMAGES:
            console.print(f"{image.reference}  {image.requirements_file}  ({image.purpose})")


@images_app.command("build")
def images_build(
    names: Annotated[list[str] | None, typer.Argument(help="images to build (default: all)")] = None,
    base: Annotated[str, typer.Option(help="base image (default: python:3.11 slim, else Debian built here)")] = "",
) -> None:
    """Build the images with Docker, or with Podman where no Docker engine runs; print their sizes."""
    from nivesh.cluster import build

    for done in build.build(names or (), base):
        console.print(f"{done.reference}  {done.size_bytes / 1e6:.0f} MB  (built in {done.seconds:.0f} s)")


@images_app.command("lock")
def images_lock(
    check: Annotated[bool, typer.Option(help="fail if a committed file differs, write nothing")] = False,
) -> None:
    """Cut docker/requirements/<image>.txt from requirements.lock (run after `make lock`)."""
    from nivesh.cluster import image_locks, images
    from nivesh.settings import PROJECT_ROOT as root

    stale = []
    if not check:
        console.print(f"substitutes: {image_locks.lock_substitutes(root)}")
    for image in images.IMAGES:
        path = root / image.requirements_file
        if image.own_lock:
            if check:
                stale += [f"{image.requirements_file}: {d}" for d in image_locks.drift(image, root)]
            else:
                console.print(f"{image.name}: {image_locks.lock_own(image, root)} (resolved with uv)")
            continue
        text = image_locks.render(image, root)
        if check:
            if not path.is_file() or path.read_text() != text:
                stale.append(image.requirements_file)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        console.print(f"{image.name}: {path} ({text.count('==')} packages)")
    if stale:
        raise NiveshError(f"out of date: {', '.join(stale)}; run `nivesh images lock`")


@pipeline_app.command("run")
def pipeline_run(
    name: Annotated[str, typer.Argument(help="a model name, spending-batch or all-models")],
    source: Annotated[str, typer.Option(help="entity parquet or labelled file; default: generated data")] = "",
    options: Annotated[str, typer.Option(help='data options as JSON, e.g. {"label_column": "y"}')] = "",
    params: Annotated[str, typer.Option(help='training parameters as JSON, e.g. {"epochs": 3}')] = "",
    manifest_dir: Annotated[Path | None, typer.Option(help="also write the InferenceService here")] = None,
    verbose: Annotated[bool, typer.Option(help="stream kfp.local's task logs here")] = False,
    runner: Annotated[
        str, typer.Option(help="subprocess: steps here; containers: each in its image (Docker or Podman)")
    ] = "subprocess",
) -> None:
    """Run the pipeline end to end on this machine (kfp.local)."""
    from nivesh import registry
    from nivesh.training import runs

    ws = _workspace()
    target = manifest_dir or Path("manifests/generated")
    started = time.monotonic()
    log = ws.path("logs", f"pipeline-{name}.log")
    from nivesh.training.steps import parse_json_object

    parse_json_object(options, "--options")  # fail here, not in the third task
    parse_json_object(params, "--params")
    arguments = runs.accepted(
        name, {"source": source, "options": options, "params": params, "manifest_dir": str(target.resolve())}
    )
    runs.check_runner(runner)  # here, not in the child process that runs the pipeline
    if verbose:
        runs.run_local(name, ws, runner, **arguments)
    else:
        with console.status(f"running pipeline {name} locally (kfp.local, {runner}); task logs: {log}"):
            runs.run_local_logged(name, ws, log, arguments, runner=runner)
    if name not in catalog.MODELS:
        console.print(f"{name}: finished in {time.monotonic() - started:.0f}s; outputs under {ws.path('kfp', 'root')}")
        return
    version = registry.resolve(ws, name, registry.STAGING)
    console.print(
        f"{name}: registered {version.semver} (MLflow version {version.version}, alias staging) "
        f"in {time.monotonic() - started:.0f}s; InferenceService: {target / (name + '.yaml')}"
    )


@pipeline_app.command("submit")
def pipeline_submit(
    name: Annotated[str, typer.Argument(help="a model name, spending-batch, all-models or financial-advisor-tuning")],
    host: Annotated[str, typer.Option(help="Kubeflow Pipelines API, e.g. http://ml-pipeline.kubeflow:8888")],
    experiment: Annotated[str, typer.Option(help="KFP experiment")] = "nivesh",
    run_name: Annotated[str, typer.Option(help="default: NAME-<UTC time>")] = "",
    source: Annotated[str, typer.Option(help="entity parquet or labelled file (a path the pods can read)")] = "",
    options: Annotated[str, typer.Option(help='data options as JSON, e.g. {"label_column": "y"}')] = "",
    params: Annotated[str, typer.Option(help='training parameters as JSON, e.g. {"epochs": 3}')] = "",
) -> None:
    """Create a run of the compiled pipeline in a Kubeflow Pipelines cluster (the kfp Client)."""
    from datetime import UTC, datetime

    from nivesh.settings import RetrainSettings
    from nivesh.training import runs

    arguments = {"source": source, "options": options, "params": params}
    run_name = run_name or f"{name}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    run_id = runs.submit(name, host, run_name, experiment, arguments, RetrainSettings().kfp_timeout_s)
    console.print(f"{name}: run {run_id} ({run_name}) in experiment {experiment} at {host}")


@pipeline_app.command("schedule")
def pipeline_schedule(
    host: Annotated[str, typer.Option(help="Kubeflow Pipelines API, e.g. http://ml-pipeline.kubeflow:8888")] = "",
    dry_run: Annotated[bool, typer.Option(help="list the recurring runs without creating them")] = False,
) -> None:
    """Create the weekly retraining (and monthly forecast) recurring runs defined in code."""
    from nivesh.retraining import schedule

    if not host and not dry_run:
        raise NiveshError("pass --host URL (the Kubeflow Pipelines API) or --dry-run")
    for plan in schedule.create(host, dry_run=dry_run):
        made = plan.get("recurring_run_id", "(dry run)")
        console.print(f"{plan['job_name']}: cron '{plan['cron']}' ({plan['why']}) {made}")


EnvOption = Annotated[str, typer.Option("--env", help="environment: local, staging or prod")]


@app.command()
def deploy(
    model: ModelArg,
    version: Annotated[str, typer.Option(help="semver (v1.2.0), MLflow version or alias")],
    env: EnvOption,
    canary: Annotated[
        int | None, typer.Option(help="percent of traffic for the new version (KServe canaryTrafficPercent)")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="print the InferenceService; change and record nothing")] = False,
    output: Annotated[
        Path | None, typer.Option(help="write the YAML to DIR/ENV/MODEL.yaml for GitOps instead of applying")
    ] = None,
) -> None:
    """Deploy a registered version: InferenceService applied with server-side apply (or
    written for GitOps), the environment's MLflow alias moved, the deployment recorded."""
    from nivesh.cluster import deploy as promotion

    ws = _workspace()
    store_url = _store_url(ws)
    outcome = promotion.deploy(ws, model, version, env, RegistrySettings(), store_url, canary, dry_run, output)
    _print_deployment(outcome)


@app.command()
def rollback(
    model: ModelArg,
    env: EnvOption,
    output: Annotated[Path | None, typer.Option(help="write the YAML for GitOps instead of applying")] = None,
) -> None:
    """Return MODEL in ENV to the version that ran before the current one (all traffic)."""
    from nivesh.cluster import deploy as promotion

    ws = _workspace()
    _print_deployment(promotion.rollback(ws, model, env, RegistrySettings(), _store_url(ws), output))


def _traffic(canary_percent: int | None) -> str:
    return f"{canary_percent}% canary" if canary_percent is not None else "all traffic"


def _print_deployment(outcome: Outcome) -> None:
    d = outcome.deployment
    for warning in outcome.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if outcome.status == "dry-run":
        print(outcome.manifest, end="")
        return
    where = f" -> {outcome.path}" if outcome.path else ""
    console.print(
        f"{d.action} {d.model} {d.version} to {d.environment} ({d.namespace}, {_traffic(d.canary_percent)}): "
        f"{outcome.status}{where}; "
        f"previous {d.previous_version or 'none'}; record #{outcome.record_id} by {d.deployed_by}"
    )


@app.command()
def status(
    model: Annotated[str | None, typer.Argument(help="one model; default: all")] = None,
) -> None:
    """Per model: registered versions and aliases, deployments per environment, the latest
    monitor figures (from NIVESH_PUSHGATEWAY_URL)."""
    from rich.table import Table

    from nivesh.cluster import status as model_status
    from nivesh.settings import MonitorSettings

    settings = MonitorSettings()
    models = [catalog.get(model).name] if model else list(catalog.MODELS)
    ws = _workspace()
    store_url = _store_url(ws)
    for st in model_status.gather(ws, store_url, models, settings.pushgateway_url, settings.push_timeout_s):
        table = Table(title=st.model, title_justify="left")
        for col in ("version", "mlflow", "aliases", catalog.get(st.model).gate.metric, "promotion"):
            table.add_column(col)
        for v in st.versions[:5]:
            metric = v[catalog.get(st.model).gate.metric]
            table.add_row(v["semver"], v["mlflow_version"], ", ".join(v["aliases"]), metric or "", v["promotion"] or "")
        console.print(table if st.versions else f"[bold]{st.model}[/bold]: not registered")
        for env_name, d in st.deployments.items():
            console.print(
                f"  {env_name}: {d['version']} {d['action']} {d['status']} ({_traffic(d['canary_percent'])}) "
                f"by {d['deployed_by']} at {d['deployed_at']:%Y-%m-%d %H:%M}"
            )
        for env_name, d in st.failed_attempts.items():
            console.print(
                f"  {env_name}: [red]{d['action']} of {d['version']} failed[/red] at {d['deployed_at']:%Y-%m-%d %H:%M}"
                f" by {d['deployed_by']}: {d['detail'] or ''}"[:200]
            )
        for semver, gauges in sorted(st.monitor.items()):
            console.print(f"  monitor {semver}: {model_status.describe_monitor(gauges)}")
        if not st.monitor and st.monitor_error:
            console.print(f"  monitor: {st.monitor_error}")


@app.command()
def serve(
    model: ModelArg = catalog.CREDIT_RISK.name,
    version: Annotated[str, typer.Option(help="alias, MLflow version or semver")] = "staging",
    predictor_port: Annotated[int, typer.Option(help="0 = any free port")] = 0,
    transformer_port: Annotated[int, typer.Option(help="0 = any free port")] = 0,
    feature_join: Annotated[
        str | None,
        typer.Option(help="where stored features are read: one-process | transformer (default: the catalogue's)"),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="serving processes for the predictor, on its ports (KServe's --workers)")
    ] = 1,
) -> None:
    """Start the model's servers on loopback (REST and gRPC) and keep them running until Ctrl-C."""
    from nivesh.catalog import FEATURE_JOINS
    from nivesh.local.servers import serve as start

    if feature_join is not None and feature_join not in FEATURE_JOINS:
        raise typer.BadParameter(f"one of {', '.join(FEATURE_JOINS)}", param_hint="--feature-join")
    served = start(
        model, _workspace(), version, predictor_port or None, transformer_port or None, feature_join, workers
    )
    _print_endpoints(served)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:  # Ctrl-C or SIGTERM: the servers go with this process
        served.stop()


def _print_endpoints(served: Served) -> None:
    name = served.model
    print(f"{name} {served.semver}")
    print(f"  predictor   {served.predictor.url}/v2/models/{name}")
    if served.transformer:
        print(f"  transformer {served.transformer.url}/v2/models/{name}   <- send requests here")
    print(f"  infer:      POST {served.endpoint}/v2/models/{name}/infer  (Content-Type: application/json)")
    print(f"  gRPC:       {served.grpc_endpoint}  (inference.GRPCInferenceService/ModelInfer)")
    print(f"  metrics:    {served.predictor.url}/metrics")


@app.command()
def monitor(
    model: ModelArg,
    window_hours: Annotated[float | None, typer.Option(help="how far back to read logged predictions")] = None,
    push: Annotated[bool, typer.Option(help="push gauges to NIVESH_PUSHGATEWAY_URL")] = True,
    report: Annotated[Path | None, typer.Option(help="HTML report path")] = None,
) -> None:
    """Evidently drift of logged inputs vs the training reference (HTML report), and quality on
    labelled predictions for models that take feedback; gauges to the Pushgateway."""
    from nivesh.monitoring import job
    from nivesh.settings import MonitorSettings

    settings = MonitorSettings()
    if window_hours is not None:
        settings.window_hours = window_hours
    with console.status(f"{model}: drift report"):
        ws = _workspace()
        store_url = _store_url(ws)
        result = job.run(model, ws, store_url, settings, push=push, report=report)
    status = "ALERT" if result.alert else "ok"
    console.print(
        f"{model} {result.version}: drift share {result.drift_share:.2f} (threshold {result.threshold}) "
        f"{status}; {result.drifted_columns} of {len(result.columns)} columns drifted; "
        f"{result.rows_compared} rows vs {result.reference_rows} reference rows"
    )
    console.print(f"report: {result.report}")
    if catalog.get(model).feedback is not None:
        results = job.run_quality(model, ws, store_url, settings, push=push)
        if not results:
            console.print(f"{model}: no labelled predictions yet (POST /v2/models/{model}/feedback)")
        for q in results:
            value = "n/a (too few labels or one class)" if q.value is None else f"{q.value:.4f}"
            verdict = "WORSE than registered" if q.worse else "ok"
            console.print(
                f"{model} {q.version}: {q.metric} on {q.labelled_rows} labelled predictions {value} "
                f"(registered {q.registered}) {verdict}"
            )


@app.command("retrain-webhook")
def retrain_webhook(
    host: Annotated[str, typer.Option(help="listen address (0.0.0.0 in a pod)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="listen port")] = 8090,
) -> None:
    """Alertmanager webhook: retrain the alerting model once per incident (KFP run with
    NIVESH_RETRAIN_KFP_HOST, else kfp.local), recorded in retraining_runs."""
    import uvicorn

    from nivesh import auth
    from nivesh.cluster.secrets import RETRAIN_TOKEN
    from nivesh.retraining import launch, records, webhook
    from nivesh.settings import RetrainSettings

    ws, settings = _workspace(), RetrainSettings()
    token = auth.bearer_token(RETRAIN_TOKEN, settings.token_file, host, ws)
    runs = records.RetrainingLog(_store_url(ws))
    cooldown = timedelta(seconds=settings.cooldown_s)
    retrainer = webhook.Retrainer(runs, launch.launcher(ws, settings), cooldown, settings.models)
    where = settings.kfp_host or "kfp.local in this workspace"
    console.print(f"retraining webhook on http://{host}:{port}/alerts; runs start on {where}")
    uvicorn.run(webhook.app(retrainer, token), host=host, port=port, log_level="warning", timeout_keep_alive=5)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option(help="target revision")] = "head",
) -> None:
    """Migrate the prediction store (NIVESH_PREDICTION_STORE_URL, else the workspace's SQLite):
    the one step that changes its schema; servers only insert rows."""
    from nivesh.store import schema

    url = StoreSettings().resolved_url(_workspace())
    before = schema.current(url)
    now = schema.upgrade(url, revision)
    moved = f"revision {before or 'none'} -> {now}" if before != now else f"at {now}"
    console.print(f"prediction store: {moved}")


@db_app.command("current")
def db_current() -> None:
    """The prediction store's revision, and the newest one this release knows."""
    from nivesh.store import schema

    url = StoreSettings().resolved_url(_workspace())
    console.print(f"prediction store: revision {schema.current(url) or 'none'} (newest {schema.head()})")


@app.command()
def render(
    out: Annotated[Path, typer.Option(help="manifests folder")] = Path("manifests"),
) -> None:
    """Regenerate manifests that are rendered from code (InferenceService, CronJob, PrometheusRule)."""
    from nivesh.cluster import render as rendering

    for path in rendering.render_all(out):
        console.print(str(path))


@app.command()
def demo(
    users: Annotated[int, typer.Option(help="synthetic users to generate")] = 3000,
    keep_running: Annotated[bool, typer.Option(help="keep the servers up until Ctrl-C")] = True,
    models: Annotated[str, typer.Option(help="comma-separated models; default all")] = "",
    reuse_registered: Annotated[
        bool, typer.Option(help="serve the staging versions already registered here; train only the missing ones")
    ] = False,
) -> None:
    """The whole loop on this machine: data, features, pipelines, servers, traffic, monitors."""
    from nivesh.local import demo as run_demo

    chosen = [catalog.get(m.strip()).name for m in models.split(",") if m.strip()]
    run_demo.run(_workspace(), users, keep_running, console, chosen or None, reuse_registered)


@advisor_app.command("dataset")
def advisor_dataset(
    out: Annotated[Path, typer.Option(help="folder for train.jsonl, validation.jsonl, report.json")],
    source: Annotated[
        list[Path] | None, typer.Option(help="JSON / JSONL of {question, answer[, source]}; repeatable")
    ] = None,
    validation_fraction: Annotated[float, typer.Option(help="share of questions held out")] = 0.1,
) -> None:
    """Build the Vertex AI supervised-tuning JSONL from the curated corpus plus --source files."""
    from nivesh.advisor import corpus, dataset

    sources = {"corpus": corpus.corpus()} | {p.stem: corpus.read_source(p) for p in source or []}
    built = dataset.build(sources, dataset.Limits(validation_fraction=validation_fraction))
    paths = built.write(out)
    report = built.report
    console.print(
        f"train {report.kept['train']}, validation {report.kept['validation']}; dropped {dict(report.dropped)}"
    )
    console.print(f"PII scrubbed: {dict(report.pii_scrubbed) or 'none'}; fingerprint {report.fingerprint[:16]}")
    for name, path in paths.items():
        console.print(f"{name}: {path}")


@advisor_app.command("ask")
def advisor_ask(
    question: Annotated[str, typer.Argument(help="a personal-finance question")],
    as_json: Annotated[bool, typer.Option("--json", help="print the whole answer as JSON")] = False,
) -> None:
    """Answer from the curated corpus (the offline extractive path, with every guardrail)."""
    from nivesh.advisor import corpus, engine, retrieval

    answer = engine.Advisor(retrieval.Index.build(corpus.corpus(), retrieval.Encoder())).answer(question)
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
        return
    print(answer.answer)
    for s in answer.sources[:3]:
        print(f"[{s.ref}] {s.title} ({s.source})")
    console.print(f"mode: {answer.mode}; rules: {', '.join(answer.rules) or 'none'}")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    route_warnings_to_logging()
    # SIGTERM (kill, timeout, a pod stopping) unwinds like Ctrl-C, so `finally` blocks stop the
    # servers and daemons a command started instead of leaving them orphaned.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        app()
    except NiveshError as exc:
        print(f"error: {exc}", file=sys.stderr)  # one line, never wrapped, no traceback
        sys.exit(2)
