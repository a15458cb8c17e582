"""A v2 infer body that names no content type is JSON, as Triton reads it.

`tritonclient.http` sends JSON tensors without a Content-Type header; KServe then treats
the body as the binary extension and answers 400 because `inference-header-content-length`
is missing. The Open Inference Protocol's binary form always carries that header, so a
body with neither header can only be JSON: this middleware says so before KServe looks.
A body with another declared type (text/plain ...) is left to be refused.
"""

from __future__ import annotations

from typing import Any

JSON = (b"content-type", b"application/json")


class JsonByDefault:
    """Pure ASGI middleware: adds `content-type: application/json` to a POST that has
    neither a content type nor the binary extension's header."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST":
            headers = list(scope.get("headers") or [])
            names = {name for name, _ in headers}  # ASGI header names are lower-case
            if b"content-type" not in names and b"inference-header-content-length" not in names:
                scope = {**scope, "headers": [*headers, JSON]}
        await self.app(scope, receive, send)
