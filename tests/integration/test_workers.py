"""A credit-risk predictor started with KServe's `--workers 2` (nivesh.serving.workers): real
servers, real signals. Both workers answer on the one port (REST and gRPC), every answered
request is logged once, /metrics counts both workers from either, and the server stops as one
process would: on SIGTERM, when a worker dies, when its supervisor is killed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import grpc
import httpx
import pytest
import sqlalchemy as sa
from kserve.protocol.grpc.grpc_predict_v2_pb2 import ServerReadyRequest
from kserve.protocol.grpc.grpc_predict_v2_pb2_grpc import GRPCInferenceServiceStub

from nivesh import registry
from nivesh.catalog import CREDIT_RISK
from nivesh.local import processes, traffic
from nivesh.local.servers import start_predictor
from nivesh.store import schema
from nivesh.store.tables import engine_for, model_predictions

pytestmark = [pytest.mark.integration]
NAME = CREDIT_RISK.name
CLIENTS, EACH = 4, 40


def _workers(pid: int) -> list[int]:
    return [int(c) for task in Path(f"/proc/{pid}/task").glob("*/children") for c in task.read_text().split()]


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _gone(pids: list[int], within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{p}").exists() and "zombie" not in _state(p) for p in pids):
            return True
        time.sleep(0.2)
    return False


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:", 1)[1].split("\n", 1)[0].lower()
    except (FileNotFoundError, IndexError):
        return "zombie"


def _metric(url: str, name: str, **labels: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    # a fresh connection each time: the kernel may hand it to either worker
    text = httpx.get(f"{url}/metrics", timeout=10, headers={"connection": "close"}).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


@pytest.fixture
def model_dir(workspace, trained, tmp_path: Path) -> Path:
    folder, _ = registry.download(workspace, trained(NAME), tmp_path / "model")
    return folder


def test_two_workers_share_the_ports_log_each_request_once_and_stop_on_sigterm(
    workspace, model_dir: Path, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'predictions.db'}"
    schema.prepare_local(store)
    env = {"NIVESH_PREDICTION_STORE_URL": store, "NIVESH_PREDICTION_JOURNAL": str(tmp_path / "journal")}
    server = start_predictor(
        CREDIT_RISK, model_dir, processes.free_port(), tmp_path / "logs", env, feature_join=True, workers=2
    )
    bodies = traffic.credit_risk(workspace, 64, 0.0, 5)
    sent: list[tuple[str, int]] = []
    try:
        workers = _workers(server.popen.pid)
        assert len(workers) == 2, workers
        before = [_cpu_ticks(p) for p in workers]

        def client(k: int) -> None:
            for i in range(EACH):  # a new connection for each request: the kernel spreads them
                rid = f"workers-{k}-{i:03d}"
                r = httpx.post(
                    f"{server.url}/v2/models/{NAME}/infer",
                    json=bodies[(k * EACH + i) % len(bodies)],
                    headers={"x-request-id": rid, "connection": "close"},
                    timeout=30,
                )
                sent.append((rid, r.status_code))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        used = [_cpu_ticks(p) - b for p, b in zip(workers, before, strict=True)]
        assert min(used) > 0.15 * sum(used), f"one worker did the work: CPU ticks {used}"

        for _ in range(4):  # a channel each: gRPC's port is shared the same way
            with grpc.insecure_channel(server.grpc or "") as channel:
                assert GRPCInferenceServiceStub(channel).ServerReady(ServerReadyRequest(), timeout=10).ready

        total = CLIENTS * EACH
        for _ in range(4):  # whichever worker answers the scrape counts both
            assert _metric(server.url, "nivesh_http_requests_total", route="v2_infer", code="200") == total
        deadline = time.monotonic() + 15
        while _metric(server.url, "nivesh_prediction_log_records_total", outcome="written") < total:
            assert time.monotonic() < deadline, "the log's counts on /metrics did not reach every request"
            time.sleep(0.5)
        assert _metric(server.url, "nivesh_latency_objective_seconds") == CREDIT_RISK.latency_objective_ms / 1000
    finally:
        server.stop(timeout=60)
    assert server.popen.returncode == 0
    assert _gone(workers, 5)
    assert Counter(status for _, status in sent) == Counter({200: CLIENTS * EACH})
    engine = engine_for(store)
    table = model_predictions
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.request_id).where(table.c.model == NAME)).scalars().all()
    engine.dispose()
    assert Counter(rows) == Counter(rid for rid, _ in sent)  # each answered request once, none twice
    assert not list((tmp_path / "journal").rglob("*.jsonl"))


def test_a_dead_worker_or_supervisor_takes_the_whole_server_down(model_dir: Path, tmp_path: Path) -> None:
    env = {"NIVESH_PREDICTION_LOG": "false"}
    first = start_predictor(CREDIT_RISK, model_dir, processes.free_port(), tmp_path / "logs", env, workers=2)
    second = start_predictor(CREDIT_RISK, model_dir, processes.free_port(), tmp_path / "logs", env, workers=2)
    try:
        doomed, sibling = _workers(first.popen.pid)
        os.kill(doomed, signal.SIGKILL)  # the OOM killer's way
        first.popen.wait(60)
        assert first.popen.returncode != 0  # the pod restarts, as a one-process server's would
        assert _gone([sibling], 5)

        orphans = _workers(second.popen.pid)
        second.popen.kill()  # the supervisor dies without a word: its workers must not go on
        second.popen.wait(10)
        assert _gone(orphans, 20), "workers outlived their supervisor"
    finally:
        processes.stop_all([first, second])


def test_a_port_in_use_stops_the_server_at_once_with_the_port_named(model_dir: Path, tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        command = [sys.executable, "-m", CREDIT_RISK.predictor, f"--model_dir={model_dir}", f"--http_port={port}"]
        done = subprocess.run(
            [*command, "--workers=2"],
            env={**os.environ, "NIVESH_SERVE_HOST": "127.0.0.1"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert f"REST port {port} on 127.0.0.1 is in use" in done.stderr
