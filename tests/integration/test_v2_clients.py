"""Every model answers the Open Inference Protocol's clients on every transport: tritonclient's
HTTP client with JSON tensors (its default headers: no Content-Type) and with the binary tensor
extension both ways, tritonclient's gRPC client, and KServe's own InferenceGRPCClient; each
answer is the REST JSON answer. gRPC refuses the model repository RPCs and maps bad input to
INVALID_ARGUMENT naming the field; its calls are counted in the same request metrics."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import tritonclient.http as triton_http
from kserve import InferenceGRPCClient
from kserve.protocol.infer_type import InferInput, InferRequest

from nivesh import catalog
from nivesh.local import demo
from nivesh.local.servers import Served
from tests.conftest import infer

pytestmark = [pytest.mark.integration, pytest.mark.slow]
GRPC_CALL = Path(__file__).with_name("triton_grpc_call.py")

DTYPES = {"FP64": np.float64, "FP32": np.float32, "INT64": np.int64, "INT32": np.int32}
# Answers that may differ between two calls (a forecast's sampled interval, a generated answer).
VARYING = {catalog.SPENDING_PREDICTOR.name, catalog.FINANCIAL_ADVISOR.name}


@pytest.fixture(scope="module", params=list(catalog.MODELS))
def served(request: pytest.FixtureRequest, serving: Any) -> Served:
    return serving(request.param)


def _arrays(body: dict[str, Any]) -> list[tuple[str, str, np.ndarray]]:
    out = []
    for t in body["inputs"]:
        if t["datatype"] == "BYTES":
            arr = np.array([str(v).encode() for v in t["data"]], dtype=np.object_)
        else:
            arr = np.array(t["data"], dtype=DTYPES[t["datatype"]])
        out.append((t["name"], t["datatype"], arr))
    return out


def _plain(values: np.ndarray) -> list[Any]:
    return [v.decode() if isinstance(v, bytes) else v for v in values.reshape(-1).tolist()]


def _rest_answer(served: Served) -> dict[str, list[Any]]:
    r = infer(served, demo.EXAMPLES[served.model])
    assert r.status_code == 200, r.text
    return {o["name"]: o["data"] for o in r.json()["outputs"]}


def _same(served: Served, got: dict[str, list[Any]]) -> None:
    expected = _rest_answer(served)
    assert list(got) == list(expected), "the same outputs, in the catalogue's order"
    for name, values in expected.items():
        assert len(got[name]) == len(values), name
        if served.model in VARYING:
            continue
        if values and isinstance(values[0], float):
            assert np.allclose(np.array(got[name], dtype=float), np.array(values, dtype=float), rtol=1e-5), name
        else:
            assert got[name] == values, name


def _output_names(served: Served) -> list[str]:
    return [o.name for o in catalog.get(served.model).outputs]


@pytest.mark.parametrize("binary", [False, True], ids=["json", "binary"])
def test_tritonclient_http(served: Served, binary: bool) -> None:
    body = demo.EXAMPLES[served.model]
    client = triton_http.InferenceServerClient(served.endpoint.removeprefix("http://"), network_timeout=60)
    inputs = []
    for name, datatype, arr in _arrays(body):
        tensor = triton_http.InferInput(name, list(arr.shape), datatype)
        tensor.set_data_from_numpy(arr, binary_data=binary)
        inputs.append(tensor)
    outputs = [triton_http.InferRequestedOutput(n, binary_data=binary) for n in _output_names(served)]
    result = client.infer(served.model, inputs, outputs=outputs, parameters=body.get("parameters"))
    answer = result.get_response()
    if binary:
        assert all("binary_data_size" in o.get("parameters", {}) for o in answer["outputs"])
    _same(served, {o["name"]: _plain(result.as_numpy(o["name"])) for o in answer["outputs"]})
    client.close()


def _triton_grpc(served: Served, action: str) -> dict[str, Any]:
    """tritonclient.grpc, run in a process of its own (see triton_grpc_call.py)."""
    assert served.grpc_endpoint
    done = subprocess.run(
        [sys.executable, str(GRPC_CALL), served.grpc_endpoint, served.model, action],
        input=json.dumps(demo.EXAMPLES[served.model]),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def test_tritonclient_grpc(served: Served) -> None:
    answer = _triton_grpc(served, "infer")
    assert answer["ready"] and "error" not in answer, answer.get("error")
    assert answer["model_version"] == served.semver
    _same(served, answer["outputs"])


def test_kserve_grpc_client(served: Served) -> None:
    assert served.grpc_endpoint
    body = demo.EXAMPLES[served.model]
    inputs = [InferInput(t["name"], [len(t["data"])], t["datatype"], t["data"]) for t in body["inputs"]]
    request = InferRequest(served.model, inputs, parameters=body.get("parameters"))

    async def call() -> dict[str, list[Any]]:
        client = InferenceGRPCClient(served.grpc_endpoint, timeout=60)
        try:
            response = await client.infer(request)
        finally:
            await client.close()
        assert response.model_version, "the version that served it"
        return {o.name: _plain(np.asarray(o.data, dtype=object)) for o in response.outputs}

    _same(served, asyncio.run(call()))


def test_grpc_refuses_the_repository_rpcs_and_names_a_bad_field(served: Served) -> None:
    unload = _triton_grpc(served, "unload")
    assert unload["error"]["status"] == "StatusCode.PERMISSION_DENIED" and unload["ready_after"]
    bad = _triton_grpc(served, "bad")
    assert bad["error"]["status"] == "StatusCode.INVALID_ARGUMENT", bad
    first = demo.EXAMPLES[served.model]["inputs"][0]["name"]
    assert bad["error"]["message"].startswith(first) or "missing input" in bad["error"]["message"], bad
    scraped = httpx.get(f"{served.endpoint}/metrics", timeout=10).text
    counted = [
        line
        for line in scraped.splitlines()
        if line.startswith("nivesh_http_requests_total{") and 'route="grpc_infer"' in line and 'code="400"' in line
    ]
    assert counted and float(counted[0].rsplit(" ", 1)[1]) >= 1


def test_grpc_servers_bind_loopback_locally(served: Served) -> None:
    assert served.grpc_endpoint and served.grpc_endpoint.startswith("127.0.0.1:")
    port = f":{int(served.grpc_endpoint.rsplit(':', 1)[1]):04X}"
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        rows = [line.split() for line in Path(table).read_text().splitlines()[1:]]
        listening += [row[1] for row in rows if row[3] == "0A" and row[1].endswith(port)]  # state LISTEN
    loopback = {f"0100007F{port}", f"0000000000000000FFFF00000100007F{port}", f"00000000000000000000000001000000{port}"}
    assert listening and set(listening) <= loopback, f"loopback only, as the REST side: {listening}"
