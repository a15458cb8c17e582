"""One table decides each failure's status: a dependency down is a 503 (or 504) with
Retry-After and a message that names the dependency, never the exception's text."""

from __future__ import annotations

import httpx
import pytest
import redis.exceptions
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from kserve.errors import InvalidInput

from nivesh.errors import UpstreamUnavailable
from nivesh.serving import errors

SECRET_HOST = "redis-10-1-2-3.internal:6379"


@pytest.mark.parametrize(
    ("exc", "status", "says"),
    [
        (
            redis.exceptions.ConnectionError(f"Error 111 connecting to {SECRET_HOST}"),
            503,
            "feature store is unavailable",
        ),
        (redis.exceptions.TimeoutError("Timeout reading from socket"), 503, "feature store did not answer"),
        (httpx.ConnectError(f"connect to {SECRET_HOST} refused"), 503, "predictor is unavailable"),
        (httpx.ReadTimeout("timed out"), 504, "predictor did not answer in time"),
        (sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception(SECRET_HOST)), 503, "prediction store"),
        (UpstreamUnavailable("Vertex AI generateContent failed: 3 tries"), 503, "Vertex AI generateContent failed"),
    ],
)
def test_a_dependency_down_is_a_503_with_retry_after(exc: Exception, status: int, says: str) -> None:
    app = FastAPI()
    errors.install(app)

    @app.get("/infer")
    async def infer() -> None:
        raise exc

    r = TestClient(app, raise_server_exceptions=False).get("/infer")
    assert r.status_code == status and r.headers["retry-after"] == str(errors.RETRY_AFTER_S)
    assert says in r.json()["error"] and SECRET_HOST not in r.text
    assert errors.status(exc) == status


def test_the_log_records_the_status_the_client_got() -> None:
    assert errors.status(InvalidInput("x: bad")) == 400
    assert errors.status(KeyError("a bug")) == 500  # not a dependency: stays a 500, and an alert


def test_a_body_over_the_limit_is_a_413_with_or_without_a_content_length() -> None:
    from nivesh.serving import body_limit

    app = FastAPI()
    body_limit.install(app)
    app.add_middleware(body_limit.BodyLimit, limit=1000)

    @app.post("/infer")
    async def infer(request: Request) -> dict[str, int]:
        return {"read": len(await request.body())}

    client = TestClient(app)
    assert client.post("/infer", content=b"x" * 1000).json() == {"read": 1000}
    big = client.post("/infer", content=b"x" * 1001)
    assert big.status_code == 413 and "larger than 1,000 bytes" in big.json()["error"]
    chunked = client.post("/infer", content=(b"x" * 400 for _ in range(3)))  # no Content-Length
    assert chunked.status_code == 413
    assert client.post("/infer", content=b"{}", headers={"content-length": "nope"}).status_code == 413
