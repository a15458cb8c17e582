"""The images built and run (`make test-images`): each started the way its pod starts it, as
uid 10001 on a read-only root filesystem, and asked to do its job, one chain as in a cluster:

- the component image runs the MLflow server, and kfp.local's DockerRunner (over Podman's
  Docker API) runs credit-risk's whole pipeline with each step in the component image, which
  registers the model there;
- the tabular predictor image serves that registered artifact and the transformer image,
  reading Feast from Redis, forwards clients' requests to it; both log to PostgreSQL;
- the monitor image runs one drift pass over that log against the registry and pushes to a
  Pushgateway;
- the retrain webhook image answers its health route.

Docker where its engine runs, else Podman (nivesh.cluster.build); a Debian base is built
where none can be pulled. The containers use the host's network, so the servers find Redis on
loopback as in a pod they find it by Service name.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from nivesh import features, registry
from nivesh.catalog import CREDIT_RISK
from nivesh.cluster import build, images
from nivesh.cluster.pods import RETRAIN_PORT
from nivesh.cluster.secrets import FEEDBACK_TOKEN
from nivesh.local import processes, traffic
from nivesh.registry import RegisteredVersion
from nivesh.settings import Workspace
from nivesh.store import schema
from nivesh.store.predictions import PredictionStore
from nivesh.training import runs
from tests.conftest import make_workspace

# The first test carries the module's fixtures: five images built from a debootstrap base, then
# credit-risk's pipeline in containers. On stop 34's host (a third slower than stop 33's) the
# build alone took about 11 minutes and the suite's 900 s per test cut the pipeline off.
IMAGES_TIMEOUT_S = 2400
pytestmark = [pytest.mark.images, pytest.mark.slow, pytest.mark.timeout(IMAGES_TIMEOUT_S)]
UID = "10001"
READY_S = 120
SINCE = datetime.now(UTC) - timedelta(hours=1)


@pytest.fixture(scope="module")
def engine() -> str:
    return build.engine()


@pytest.fixture(scope="module")
def built(engine: str) -> dict[str, build.Built]:
    chosen = (images.COMPONENT, images.PREDICTOR_TABULAR, images.TRANSFORMER, images.MONITOR, images.RETRAIN_WEBHOOK)
    names = [i.name for i in chosen]
    done = build.build(names, tool=engine)
    for b in done:
        print(f"{b.reference}: {b.size_bytes / 1e6:.0f} MB, built in {b.seconds:.0f} s")
    return {b.image.name: b for b in done}


class Container:
    """One container, started detached; stopped (and its log printed on failure) at exit."""

    def __init__(
        self, engine: str, image: str, argv: list[str], env: dict[str, str], mounts: list[str], detach: bool = True
    ) -> None:
        self.engine, self.name = engine, f"nivesh-test-{uuid.uuid4().hex[:8]}"
        run = [engine, "run", *(["-d"] if detach else []), "--name", self.name, "--network", "host", "--user", UID]
        run += ["--read-only", "--tmpfs", "/tmp:rw,size=256m"]
        for k, v in env.items():
            run += ["-e", f"{k}={v}"]
        for m in mounts:
            run += ["-v", m]
        self.started = time.monotonic()
        env = build.environment(engine)
        self.result = subprocess.run([*run, image, *argv], capture_output=True, text=True, timeout=600, env=env)
        if detach:
            assert self.result.returncode == 0, self.result.stderr

    def wait_ready(self, url: str) -> float:
        """Seconds from `run` until `url` answers 200."""
        deadline = self.started + READY_S
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return time.monotonic() - self.started
            except httpx.HTTPError:
                pass
            if not self.running():
                break
            time.sleep(0.25)
        raise AssertionError(f"{self.name} not ready at {url}:\n{self.logs()}")

    def running(self) -> bool:
        out = self._engine("inspect", "--format", "{{.State.Running}}", self.name)
        return out.stdout.strip() == "true"

    def logs(self) -> str:
        out = self._engine("logs", self.name)
        return (out.stdout + out.stderr)[-4000:]

    def user(self) -> str:
        return self._engine("exec", self.name, "id", "-u").stdout.strip()

    def stop(self) -> None:
        self._engine("stop", "-t", "10", self.name)
        self._engine("rm", "-f", self.name)

    def _engine(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = build.environment(self.engine)
        return subprocess.run([self.engine, *args], capture_output=True, text=True, timeout=60, env=env, check=False)


@pytest.fixture(scope="module")
def containers(engine: str) -> Iterator[Callable[..., Container]]:
    """Start a container (detached, or run to its end with detach=False); all stopped at the end."""
    started: list[Container] = []

    def start(
        image: str,
        argv: list[str],
        env: dict[str, str] | None = None,
        mounts: Sequence[str] = (),
        detach: bool = True,
    ) -> Container:
        c = Container(engine, image, argv, env or {}, list(mounts), detach)
        started.append(c)
        return c

    yield start
    for c in started:
        c.stop()


def ports(http: int, grpc: int) -> list[str]:
    return [f"--http_port={http}", f"--grpc_port={grpc}"]


def shared(folder: Path) -> Path:
    """A folder uid 10001 may write (what an emptyDir or a volume's fsGroup gives a pod)."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o777)
    return folder


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("containers")


@pytest.fixture(scope="module")
def ws(scratch: Path, redis_url: str) -> Iterator[Workspace]:
    """Generated data, applied and materialized to Redis (what the transformer pod reads)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NIVESH_REDIS_URL", redis_url)
        repo = make_workspace(scratch / "ws")
        ws = Workspace(home=scratch / "ws" / "var", feature_repo=repo, redis_url=redis_url)
        features.apply(ws)
        features.materialize(ws)
        yield ws


@pytest.fixture(scope="module")
def mlflow_url(built: dict[str, build.Built], containers: Callable[..., Container], scratch: Path) -> str:
    """The tracking server as the platform runs it: the component image, artifacts proxied."""
    data = shared(scratch / "mlflow")
    port = processes.free_port()
    server = containers(
        built[images.COMPONENT.name].reference,
        [
            *("mlflow", "server", "--host=127.0.0.1", f"--port={port}", "--serve-artifacts", "--workers=1"),
            *("--backend-store-uri=sqlite:////data/mlflow.db", "--artifacts-destination=/data/artifacts"),
        ],
        {"HOME": "/tmp"},
        (f"{data}:/data",),
    )
    seconds = server.wait_ready(f"http://127.0.0.1:{port}/health")
    print(f"MLflow server (component image): ready in {seconds:.1f} s")
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def pipeline_version(
    built: dict[str, build.Built], ws: Workspace, mlflow_url: str, scratch: Path
) -> Iterator[tuple[RegisteredVersion, Path, Path]]:
    """credit-risk's pipeline under kfp.local's DockerRunner: (the version, the emitted
    manifest folder, the run's log)."""
    manifests = scratch / "manifests"
    log = scratch / "pipeline.log"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", mlflow_url)
        started = time.monotonic()
        runs.run_local_logged(CREDIT_RISK.name, ws, log, {"manifest_dir": str(manifests)}, runner="containers")
        print(f"credit-risk pipeline, each step in {images.COMPONENT.name}: {time.monotonic() - started:.0f} s")
        yield registry.resolve(ws, CREDIT_RISK.name, registry.STAGING), manifests, log


def test_the_credit_risk_pipeline_runs_each_step_in_the_component_image(
    pipeline_version: tuple[RegisteredVersion, Path, Path],
) -> None:
    version, manifests, log = pipeline_version
    text = re.sub(r"\x1b\[[0-9;]*m", "", log.read_text())  # kfp.local colours its lines
    # every task ran in the image (kfp's DockerRunner prints it per task), none in this process
    tasks = ("prepare-training-data", "train-model", "evaluate-model", "register-model", "emit-inference-service")
    assert text.count(f"Found image '{images.COMPONENT.reference}'") >= len(tasks), text[-3000:]
    for task in tasks:
        assert f"Task '{task}' finished with status SUCCESS" in text, task
    assert version.semver and version.source.startswith("mlflow-artifacts:"), version  # proxied by the server
    emitted = (manifests / f"{CREDIT_RISK.name}.yaml").read_text()
    assert images.PREDICTOR_TABULAR.reference in emitted


@pytest.fixture(scope="module")
def stack(
    built: dict[str, build.Built],
    containers: Callable[..., Container],
    pipeline_version: tuple[RegisteredVersion, Path, Path],
    ws: Workspace,
    mlflow_url: str,
    pg_dsn: str,
    redis_url: str,
    scratch: Path,
) -> dict[str, Container | int | str]:
    """The registered credit-risk served: tabular predictor and transformer, logging to PostgreSQL."""
    store_url = pg_dsn.replace("postgresql://", "postgresql+psycopg://")
    schema.upgrade(store_url)  # the migration Job's step
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", mlflow_url)
        model_dir, _ = registry.download(ws, pipeline_version[0], scratch / "model")
    for path in [model_dir, *model_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # the artifact as the storage initializer leaves it
    token = scratch / "feedback-token"
    token.write_text("a-feedback-token-for-the-container-test")
    token.chmod(0o644)
    serving = {
        "NIVESH_LOG_HASH_KEY": "container-test-key",
        "NIVESH_PREDICTION_STORE_URL": store_url,
        FEEDBACK_TOKEN.env: FEEDBACK_TOKEN.path,  # the Secret's file, as the rendered pod mounts it
    }
    secret = f"{token}:{FEEDBACK_TOKEN.path}:ro"
    p_port, p_grpc, t_port, t_grpc = (processes.free_port() for _ in range(4))
    predictor = containers(
        built[images.PREDICTOR_TABULAR.name].reference,
        [
            *("python", "-m", CREDIT_RISK.predictor),
            *(f"--model_name={CREDIT_RISK.name}", "--model_dir=/mnt/models", *ports(p_port, p_grpc)),
            f"--workers={CREDIT_RISK.workers}",  # as the pod runs it: a supervisor and its workers
        ],
        serving,
        (f"{model_dir}:/mnt/models:ro", secret),
    )
    assert CREDIT_RISK.transformer is not None
    transformer = containers(
        built[images.TRANSFORMER.name].reference,
        [
            *("python", "-m", CREDIT_RISK.transformer, f"--model_name={CREDIT_RISK.name}"),
            *("--predictor_protocol=v2", f"--predictor_host=127.0.0.1:{p_port}", *ports(t_port, t_grpc)),
        ],
        {**serving, "NIVESH_REDIS_URL": redis_url, "NIVESH_FEATURE_REPO": "/app/feature_repo"},
        (f"{ws.feature_repo}:/app/feature_repo:ro", secret),
    )
    ready = {
        "predictor": predictor.wait_ready(f"http://127.0.0.1:{p_port}/v2/models/{CREDIT_RISK.name}/ready"),
        "transformer": transformer.wait_ready(f"http://127.0.0.1:{t_port}/v2/models/{CREDIT_RISK.name}/ready"),
    }
    print("start to ready (s):", json.dumps({k: round(v, 1) for k, v in ready.items()}))
    return {"predictor": predictor, "transformer": transformer, "url": f"http://127.0.0.1:{t_port}", "store": store_url}


def test_the_tabular_predictor_and_the_transformer_serve_a_decision(
    stack: dict[str, Any], ws: Workspace, pipeline_version: tuple[RegisteredVersion, Path, Path]
) -> None:
    predictor, transformer = stack["predictor"], stack["transformer"]
    assert predictor.user() == UID and transformer.user() == UID
    body = traffic.v2_body(traffic.sample_applications(ws, 1, seed=5))
    r = httpx.post(f"{stack['url']}/v2/models/{CREDIT_RISK.name}/infer", json=body, timeout=30)
    assert r.status_code == 200, r.text
    outputs = {o["name"]: o["data"] for o in r.json()["outputs"]}
    assert outputs["decision"][0] in ("approve", "decline"), outputs
    # both containers logged the request to PostgreSQL, the predictor with the registered version
    deadline = time.monotonic() + 15
    rows: list[dict[str, Any]] = []
    while time.monotonic() < deadline and len(rows) < 2:
        store = PredictionStore(stack["store"])
        rows = [
            x
            for c in ("predictor", "transformer")
            for x in store.window(CREDIT_RISK.name, SINCE, component=c)
            if x["request_id"] == r.json()["id"]
        ]
        time.sleep(0.5)
    assert {x["component"] for x in rows} == {"predictor", "transformer"}, rows
    assert {x["version"] for x in rows if x["component"] == "predictor"} == {pipeline_version[0].semver}
    # the predictor's root filesystem is read-only: nothing it does may need to write there
    denied = predictor._engine("exec", predictor.name, "sh", "-c", "touch /app/x 2>&1; echo $?")
    assert denied.stdout.strip().splitlines()[-1] != "0"


def test_the_monitor_image_runs_a_drift_pass_and_pushes(
    built: dict[str, build.Built],
    containers: Callable[..., Container],
    stack: dict[str, Any],
    ws: Workspace,
    mlflow_url: str,
    pushgateway: str,
    pipeline_version: tuple[RegisteredVersion, Path, Path],
) -> None:
    """Shifted traffic through the served stack; the CronJob's command in the monitor image."""
    traffic.send(stack["url"], CREDIT_RISK.name, traffic.credit_risk(ws, 200, 1.5, 7))
    time.sleep(2)  # the log writer's flush
    job = containers(
        built[images.MONITOR.name].reference,
        ["monitor", CREDIT_RISK.name, "--window-hours=1"],
        {
            "MLFLOW_TRACKING_URI": mlflow_url,
            "NIVESH_PREDICTION_STORE_URL": stack["store"],
            "NIVESH_PUSHGATEWAY_URL": pushgateway,
            "HOME": "/tmp",
        },
        detach=False,
    )
    said = job.result.stdout + job.result.stderr
    assert job.result.returncode == 0, said[-3000:]
    assert f"{CREDIT_RISK.name} {pipeline_version[0].semver}: drift share" in said and "ALERT" in said, said[-3000:]
    metrics = httpx.get(f"{pushgateway}/metrics", timeout=5).text
    semver = pipeline_version[0].semver
    assert (
        f'nivesh_drift_share{{instance="",job="nivesh-monitor",model="{CREDIT_RISK.name}",version="{semver}"}}'
        in metrics
    )


def test_the_retrain_webhook_answers_its_health_route(
    built: dict[str, build.Built], containers: Callable[..., Container]
) -> None:
    port = processes.free_port()
    hook = containers(
        built[images.RETRAIN_WEBHOOK.name].reference,
        ["retrain-webhook", "--host", "127.0.0.1", "--port", str(port)],
    )
    seconds = hook.wait_ready(f"http://127.0.0.1:{port}/healthz")
    print(f"retrain webhook: ready in {seconds:.1f} s")
    assert hook.user() == UID
    assert RETRAIN_PORT  # the port the pod declares; here a free one on the host network
