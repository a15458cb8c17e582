"""A stand-in for the Kubeflow Pipelines v2beta1 REST API on loopback (no cluster here):
the real kfp.Client is pointed at it, and it records what the client sent: experiments,
runs and recurring runs, with their pipeline specs."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            status, payload = fake.handle(method, path, query, json.loads(raw) if raw else {})
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._reply("GET")

        def do_POST(self) -> None:
            self._reply("POST")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
