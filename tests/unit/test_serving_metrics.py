"""The request metrics middleware counts every request by route and status, FastAPI's own 4xx included."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from nivesh.serving import metrics


def _count(model: str, route: str, code: str) -> float:
    labels = {"model": model, "component": "predictor", "route": route, "code": code}
    return REGISTRY.get_sample_value("nivesh_http_requests_total", labels) or 0.0


def test_requests_are_counted_by_route_and_code_and_timed() -> None:
    app = FastAPI()

    @app.post("/v2/models/m/infer")
    async def infer(body: dict[str, int]) -> dict[str, int]:
        if body.get("x") == 0:
            raise HTTPException(status_code=503, detail="upstream down")
        return body

    metrics.publish("metrics-test", "predictor", 0.2)
    client = TestClient(metrics.RequestMetrics(app, "metrics-test", "predictor"))  # type: ignore[arg-type]
    assert client.post("/v2/models/m/infer", json={"x": 1}).status_code == 200
    assert client.post("/v2/models/m/infer", json={"x": "not a number"}).status_code == 422
    assert client.post("/v2/models/m/infer", json={"x": 0}).status_code == 503
    assert client.get("/v2/models/m/ready").status_code == 404
    assert _count("metrics-test", "v2_infer", "200") == 1
    assert _count("metrics-test", "v2_infer", "422") == 1
    assert _count("metrics-test", "v2_infer", "503") == 1
    assert _count("metrics-test", "health", "404") == 1
    labels = {"model": "metrics-test", "component": "predictor", "route": "v2_infer"}
    assert REGISTRY.get_sample_value("nivesh_http_request_duration_seconds_count", labels) == 3
    objective = REGISTRY.get_sample_value(
        "nivesh_latency_objective_seconds", {"model": "metrics-test", "component": "predictor"}
    )
    assert objective == 0.2


def test_route_labels_stay_bounded() -> None:
    assert metrics.route("/v1/models/financial-advisor:predict") == "v1_predict"
    assert metrics.route("/v2/models/credit-risk/infer") == "v2_infer"
    assert metrics.route("/v2/models/credit-risk") == "other"
    assert metrics.route("/some/scanner/path.php") == "other"
