"""The images built and run (`make test-images`): each started the way its pod starts it, as
uid 10001 on a read-only root filesystem, and asked to do its job.

- the tabular predictor image serves a registered credit-risk artifact and the transformer
  image, reading Feast from Redis, forwards a client's request to it: a decision comes back;
- the retrain webhook image answers its health route.

Docker where its engine runs, else Podman (nivesh.cluster.build); a Debian base is built
where none can be pulled. The containers use the host's network, so the servers find Redis on
loopback as in a pod they find it by Service name.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

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
from tests.conftest import make_workspace

pytestmark = [pytest.mark.images, pytest.mark.slow]
UID = "10001"
READY_S = 120


@pytest.fixture(scope="module")
def engine() -> str:
    return build.engine()


@pytest.fixture(scope="module")
def built(engine: str) -> dict[str, build.Built]:
    names = [images.PREDICTOR_TABULAR.name, images.TRANSFORMER.name, images.RETRAIN_WEBHOOK.name]
    done = build.build(names, tool=engine)
    for b in done:
        print(f"{b.reference}: {b.size_bytes / 1e6:.0f} MB, built in {b.seconds:.0f} s")
    return {b.image.name: b for b in done}


class Container:
    """One container, started detached; stopped (and its log printed on failure) at exit."""

    def __init__(self, engine: str, image: str, argv: list[str], env: dict[str, str], mounts: list[str]) -> None:
        self.engine, self.name = engine, f"nivesh-test-{uuid.uuid4().hex[:8]}"
        run = [engine, "run", "-d", "--name", self.name, "--network", "host", "--user", UID]
        run += ["--read-only", "--tmpfs", "/tmp:rw,size=256m"]
        for k, v in env.items():
            run += ["-e", f"{k}={v}"]
        for m in mounts:
            run += ["-v", m]
        self.started = time.monotonic()
        env = build.environment(engine)
        subprocess.run([*run, image, *argv], check=True, capture_output=True, timeout=120, env=env)

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


@pytest.fixture
def containers(engine: str) -> Iterator[Callable[..., Container]]:
    started: list[Container] = []

    def start(image: str, argv: list[str], env: dict[str, str] | None = None, mounts: Sequence[str] = ()) -> Container:
        c = Container(engine, image, argv, env or {}, list(mounts))
        started.append(c)
        return c

    yield start
    for c in started:
        c.stop()


def ports(http: int, grpc: int) -> list[str]:
    return [f"--http_port={http}", f"--grpc_port={grpc}"]


def _redis_workspace(root: Path, redis_url: str) -> Workspace:
    """A feature repo applied and materialized to Redis (what the transformer pod reads)."""
    repo = make_workspace(root, users=300)
    ws = Workspace(home=root / "var", feature_repo=repo, redis_url=redis_url)
    features.apply(ws)
    features.materialize(ws)
    return ws


def test_the_tabular_predictor_and_the_transformer_serve_a_decision(
    built: dict[str, build.Built],
    containers: Callable[..., Container],
    trained: Callable[[str], RegisteredVersion],
    workspace: Workspace,
    redis_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    version = trained(CREDIT_RISK.name)
    model_dir, _ = registry.download(workspace, version, tmp_path / "model")
    model_dir.chmod(0o755)
    for path in model_dir.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)  # the artifact as the storage initializer leaves it
    monkeypatch.setenv("NIVESH_REDIS_URL", redis_url)
    ws = _redis_workspace(tmp_path / "redis-ws", redis_url)
    token = tmp_path / "feedback-token"
    token.write_text("a-feedback-token-for-the-container-test")
    token.chmod(0o644)
    serving = {
        "NIVESH_LOG_HASH_KEY": "container-test-key",
        "NIVESH_PREDICTION_LOG": "false",
        FEEDBACK_TOKEN.env: FEEDBACK_TOKEN.path,  # the Secret's file, as the rendered pod mounts it
    }
    secret = f"{token}:{FEEDBACK_TOKEN.path}:ro"

    p_port, p_grpc, t_port, t_grpc = (processes.free_port() for _ in range(4))
    predictor = containers(
        built[images.PREDICTOR_TABULAR.name].reference,
        [
            *("python", "-m", CREDIT_RISK.predictor),
            *(f"--model_name={CREDIT_RISK.name}", "--model_dir=/mnt/models", *ports(p_port, p_grpc)),
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
    assert predictor.user() == UID and transformer.user() == UID

    body = traffic.v2_body(traffic.sample_applications(ws, 1, seed=5))
    r = httpx.post(f"http://127.0.0.1:{t_port}/v2/models/{CREDIT_RISK.name}/infer", json=body, timeout=30)
    assert r.status_code == 200, r.text
    outputs = {o["name"]: o["data"] for o in r.json()["outputs"]}
    assert outputs["decision"][0] in ("approve", "decline"), outputs
    # the predictor's root filesystem is read-only: nothing it does may need to write there
    denied = predictor._engine("exec", predictor.name, "sh", "-c", "touch /app/x 2>&1; echo $?")
    assert denied.stdout.strip().splitlines()[-1] != "0"


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
