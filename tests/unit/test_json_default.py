import asyncio
from typing import Any

import pytest

from nivesh.serving.json_default import JsonByDefault


def _seen_headers(method: str, headers: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    seen: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.update(scope)

    scope = {"type": "http", "method": method, "headers": headers}
    asyncio.run(JsonByDefault(app)(scope, None, None))
    return dict(seen["headers"])


def test_a_post_with_no_content_type_is_json() -> None:
    assert _seen_headers("POST", [(b"host", b"x")])[b"content-type"] == b"application/json"


@pytest.mark.parametrize(
    "headers",
    [
        [(b"content-type", b"text/plain")],  # declared: left for the server to refuse
        [(b"inference-header-content-length", b"120")],  # the binary extension: bytes stay bytes
    ],
)
def test_declared_bodies_are_left_alone(headers: list[tuple[bytes, bytes]]) -> None:
    assert _seen_headers("POST", headers) == dict(headers)


def test_a_get_is_left_alone() -> None:
    assert b"content-type" not in _seen_headers("GET", [])
