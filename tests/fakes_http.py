"""The loopback JSON server under the stand-ins for services that cannot run here (Vertex AI,
the Kubeflow Pipelines API): a fake supplies `handle`, this serves it on a free port."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# (method, path, query, content type, raw body) -> (status, JSON payload: an object or a list)
Handle = Callable[[str, str, str, str, bytes], tuple[int, Any]]


@contextmanager
def serve_json(handle: Handle) -> Iterator[str]:
    """Serve `handle` on 127.0.0.1; yields the base URL (no trailing slash)."""

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            status, payload = handle(method, path, query, self.headers.get("Content-Type", ""), raw)
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

        def do_PATCH(self) -> None:
            self._reply("PATCH")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
