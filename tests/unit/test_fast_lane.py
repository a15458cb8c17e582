"""The infer route without FastAPI: bodies KServe's parser takes are taken the same, bodies it
refuses are a 400 naming the field, the binary extension both ways, 413 and 503 as before."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import numpy as np
import orjson
import pytest
from kserve.errors import InvalidInput
from kserve.protocol.infer_type import InferOutput, InferRequest, InferResponse

from nivesh.errors import UpstreamUnavailable
from nivesh.serving import fast_lane
from nivesh.serving.body_limit import BodyLimit


def _body(inputs: list[dict[str, Any]], **extra: Any) -> bytes:
    return json.dumps({"inputs": inputs, **extra}).encode()


def test_a_v2_json_body_becomes_kserves_infer_request() -> None:
    body = _body(
        [
            {"name": "text", "shape": [2], "datatype": "BYTES", "data": ["a", "b"]},
            {"name": "amount", "shape": [2], "datatype": "FP64", "data": [1.5, None]},
        ],
        id="req-1",
        parameters={"reason_codes": "all"},
        outputs=[{"name": "decision"}],
    )
    request = fast_lane.parse(body, "m")
    assert isinstance(request, InferRequest) and request.id == "req-1" and request.model_name == "m"
    assert [(i.name, i.shape, i.datatype, i.data) for i in request.inputs] == [
        ("text", [2], "BYTES", ["a", "b"]),
        ("amount", [2], "FP64", [1.5, None]),
    ]
    assert request.parameters == {"reason_codes": "all"}
    assert request.request_outputs is not None and request.request_outputs[0].name == "decision"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b"[1, 2]", "body"),
        (b'{"inputs": []}', "inputs"),
        (b'{"inputs": "x"}', "inputs"),
        (b'{"inputs": [7]}', "inputs[0]"),
        (b'{"inputs": [{"shape": [1], "datatype": "BYTES", "data": ["a"]}]}', "inputs[0].name"),
        (b'{"inputs": [{"name": "t", "shape": [-1], "datatype": "BYTES", "data": ["a"]}]}', "t.shape"),
        (b'{"inputs": [{"name": "t", "shape": [true], "datatype": "BYTES", "data": ["a"]}]}', "t.shape"),
        (b'{"inputs": [{"name": "t", "shape": [1], "datatype": 5, "data": ["a"]}]}', "t.datatype"),
        (b'{"inputs": [{"name": "t", "shape": [1], "datatype": "BYTES", "data": "a"}]}', "t.data"),
        (b'{"inputs": [{"name": "t", "shape": [1], "datatype": "BYTES"}]}', "t.data"),
        (b'{"inputs": [{"name": "t", "shape": [1], "datatype": "BYTES", "data": ["a"]}], "id": 5}', "id"),
        (
            b'{"inputs": [{"name": "t", "shape": [1], "datatype": "BYTES", "data": ["a"]}], "parameters": 1}',
            "parameters",
        ),
        (b'{"inputs": [{"name": "t", "shape": [1], "datatype": "BYTES", "data": ["a"]}], "outputs": [1]}', "outputs"),
    ],
)
def test_a_malformed_body_is_a_400_naming_the_field(body: bytes, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        fast_lane.parse(body, "m")
    assert str(caught.value).startswith(f"{field}: ")
    assert fast_lane.answer_for(caught.value)[0] == 400


def test_what_pythons_parser_reads_reaches_the_model_to_be_named() -> None:
    """NaN, a 400-digit integer and a lone surrogate: not JSON orjson takes, but what FastAPI
    read before; the model's checks name the field (and the 400 is logged)."""
    body = (
        b'{"inputs": [{"name": "t", "shape": [1], "datatype": "BYTES", "data": ["\\ud800"]},'
        b' {"name": "x", "shape": [1], "datatype": "FP64", "data": [NaN]}], "parameters": {"n": ' + b"9" * 400 + b"}}"
    )
    request = fast_lane.parse(body, "m")
    assert request.inputs[0].data == ["\ud800"] and request.inputs[1].data[0] != request.inputs[1].data[0]


def test_binary_tensors_are_read_after_the_json_header() -> None:
    amounts = np.array([1.5, 2.5], dtype=np.float64)
    words = np.array([b"hello", b"wor\xe0\xa4\x95ld"], dtype=np.object_)
    raw_words = b"".join(len(w).to_bytes(4, "little") + w for w in words)
    header = orjson.dumps(
        {
            "inputs": [
                {"name": "amount", "shape": [2], "datatype": "FP64", "parameters": {"binary_data_size": 16}},
                {"name": "text", "shape": [2], "datatype": "BYTES", "parameters": {"binary_data_size": len(raw_words)}},
            ]
        }
    )
    request = fast_lane.parse(header + amounts.tobytes() + raw_words, "m", len(header))
    assert request.inputs[0].data == [1.5, 2.5]
    assert [v.decode() if isinstance(v, bytes) else v for v in request.inputs[1].data] == ["hello", "wor\u0915ld"]
    truncated = header + amounts.tobytes()[:8]
    with pytest.raises(InvalidInput, match=r"^amount\.data: "):
        fast_lane.parse(truncated, "m", len(header))


def test_binary_outputs_are_sent_when_asked_for() -> None:
    response = InferResponse(
        response_id="r",
        model_name="m",
        infer_outputs=[InferOutput("p", [2], "FP32", data=np.array([0.25, 0.5], dtype=np.float32))],
        use_binary_outputs=True,
    )
    payload, headers = fast_lane.encode(response)
    length = int(dict(headers)[fast_lane.BINARY_HEADER])
    head = orjson.loads(payload[:length])
    assert head["outputs"][0]["parameters"]["binary_data_size"] == 8
    assert np.frombuffer(payload[length:], dtype=np.float32).tolist() == [0.25, 0.5]
    plain = InferResponse(response_id="r", model_name="m", infer_outputs=[InferOutput("d", [1], "BYTES", data=["ok"])])
    body, headers = fast_lane.encode(plain)
    assert dict(headers)[b"content-type"] == b"application/json" and orjson.loads(body)["outputs"][0]["data"] == ["ok"]


def test_failures_keep_their_status_and_say_nothing_of_the_exception() -> None:
    assert fast_lane.answer_for(UpstreamUnavailable("the feature store is unavailable"))[0] == 503
    assert fast_lane.answer_for(UpstreamUnavailable("x"))[2] == {"Retry-After": "5"}
    status, content, _ = fast_lane.answer_for(RuntimeError("secret host 10.0.0.1"))
    assert status == 500 and "10.0.0.1" not in content["error"]


class _Model:
    name = "m"
    ready = True

    async def __call__(self, request: InferRequest, headers: dict[str, str]) -> tuple[InferResponse, dict[str, str]]:
        outputs = [InferOutput("echo", [1], "BYTES", data=[str(request.inputs[0].data[0])])]
        return InferResponse(response_id="r", model_name="m", infer_outputs=outputs), {"x-extra": "1"}


def _call(app: Any, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    chunks: list[dict[str, Any]] = [
        {"type": "http.request", "body": body[:5], "more_body": True},
        {"type": "http.request", "body": body[5:]},
    ]

    async def receive() -> dict[str, Any]:
        return chunks.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
    asyncio.run(app(scope, receive, send))
    return sent


def test_the_lane_answers_its_route_and_passes_the_rest_on() -> None:
    passed: list[str] = []

    async def kserve_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        passed.append(scope["path"])

    app = BodyLimit(fast_lane.FastLane(kserve_app, _Model()), 200)  # as the server chains them
    body = _body([{"name": "t", "shape": [1], "datatype": "BYTES", "data": ["hi"]}])
    sent = _call(app, "/v2/models/m/infer", body, [])  # no Content-Type: JSON, as tritonclient sends it
    assert sent[0]["status"] == 200 and (b"x-extra", b"1") in sent[0]["headers"]
    assert orjson.loads(sent[1]["body"])["outputs"][0]["data"] == ["hi"]
    assert _call(app, "/v2/models/m/infer", body, [(b"content-type", b"text/plain")]) == []
    assert _call(app, "/v2/models/other/infer", body, []) == []
    assert passed == ["/v2/models/m/infer", "/v2/models/other/infer"]
    big = _call(app, "/v2/models/m/infer", body + b" " * 300, [])
    assert big[0]["status"] == 413
    declared = _call(app, "/v2/models/m/infer", body, [(b"content-length", b"99999")])
    assert declared[0]["status"] == 413
