"""A stand-in for the Kubeflow Pipelines v2beta1 REST API on loopback (no cluster here):
the real kfp.Client is pointed at it, and it records what the client sent: experiments,
runs and recurring runs, with their pipeline specs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.fakes_http import serve_json

API = "/apis/v2beta1"


@dataclass
class FakeKfp:
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    experiments: dict[str, dict[str, Any]] = field(default_factory=dict)
    url: str = ""

    def handle(self, method: str, path: str, query: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.requests.append((method, path, body))
        if path == f"{API}/healthz":
            return 200, {"commit_sha": "fake", "tag_name": "2.5.0", "multi_user": False}
        if path == f"{API}/experiments" and method == "GET":
            wanted = [e for e in self.experiments.values() if e["display_name"] in query]
            return 200, {"experiments": wanted, "total_size": len(wanted)} if wanted else {}
        if path == f"{API}/experiments" and method == "POST":
            experiment = {**body, "experiment_id": str(uuid.uuid4())}
            self.experiments[experiment["experiment_id"]] = experiment
            return 200, experiment
        if path == f"{API}/runs" and method == "POST":
            return 200, {**body, "run_id": str(uuid.uuid4()), "state": "PENDING"}
        if path == f"{API}/recurringruns" and method == "POST":
            return 200, {**body, "recurring_run_id": str(uuid.uuid4()), "status": "ENABLED"}
        return 404, {"error": f"not faked: {method} {path}"}

    def created(self, kind: str) -> list[dict[str, Any]]:
        return [b for m, p, b in self.requests if m == "POST" and p == f"{API}/{kind}"]


@contextmanager
def serve(fake: FakeKfp) -> Iterator[FakeKfp]:
    def handle(method: str, path: str, query: str, kind: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        return fake.handle(method, path, query, json.loads(raw) if raw else {})

    with serve_json(handle) as url:
        fake.url = url
        yield fake
