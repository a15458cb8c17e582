"""The inference route without FastAPI: `POST /v2/models/<name>/infer`, parsed with orjson and
handed to the model's own `__call__` (preprocess, predict, postprocess, the prediction log).

Why: on the credit-risk predictor KServe's REST path (FastAPI routing, the pydantic
InferenceRequest, jsonable_encoder, Starlette's middleware stack) cost about 0.8 ms of CPU
per request beside the model's 0.5 ms (py-spy on `benchmarks/load.py`'s predictor row).
This ASGI app sits in front of KServe's (uvicorn serves it) and answers that one route for
the one model the process serves, JSON and the binary tensor extension alike; every other
route goes to KServe's app unchanged. The contract is KServe's: the same v2 bodies, a 400
naming the field, 503 with Retry-After for a dependency that is down (`errors.TABLE`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import orjson
from kserve.errors import InvalidInput, ModelNotReady
from kserve.protocol.infer_type import InferInput, InferRequest, RequestedOutput

from nivesh.serving import errors
from nivesh.serving.body_limit import BodyTooLarge, too_large

log = logging.getLogger(__name__)

BINARY_HEADER = b"inference-header-content-length"
JSON_TYPES = (b"application/json", b"application/json; charset=utf-8")


def _field(where: str, problem: str) -> InvalidInput:
    return InvalidInput(f"{where}: {problem}")


def _tensor(doc: Any, i: int, raw: bytes, at: int) -> tuple[InferInput, int]:
    """One input of the request's JSON (and its binary data at `raw[at:]`, if it says so)."""
    where = f"inputs[{i}]"
    if not isinstance(doc, dict):
        raise _field(where, "expected an object with name, shape, datatype and data")
    name, shape, datatype = doc.get("name"), doc.get("shape"), doc.get("datatype")
    if not isinstance(name, str) or not name:
        raise _field(f"{where}.name", "expected a string")
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise _field(f"{name}.shape", "expected a list of non-negative integers")
    if not isinstance(datatype, str):
        raise _field(f"{name}.datatype", "expected a string (BYTES, FP64, INT64 ...)")
    params = doc.get("parameters")
    if params is not None and not isinstance(params, dict):
        raise _field(f"{name}.parameters", "expected an object")
    tensor = InferInput(name=name, shape=shape, datatype=datatype, parameters=params or {})
    if "data" in doc:
        if not isinstance(doc["data"], list):
            raise _field(f"{name}.data", "expected a list")
        tensor.data = doc["data"]
        return tensor, at
    size = (params or {}).get("binary_data_size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0 or at + size > len(raw):
        raise _field(f"{name}.data", "missing (send data, or parameters.binary_data_size with the binary extension)")
    tensor._raw_data = raw[at : at + size]
    try:
        tensor.set_data_from_numpy(tensor.as_numpy(), binary_data=False)
    except (ValueError, TypeError, InvalidInput) as exc:
        raise _field(f"{name}.data", f"binary data does not match shape and datatype ({type(exc).__name__})") from None
    return tensor, at + size


def parse(body: bytes, model_name: str, json_length: int | None = None) -> InferRequest:
    """A v2 request body (JSON, or the binary extension's JSON header + tensors) as KServe's
    InferRequest; a body that is not one is a 400 naming what is wrong."""
    head = body if json_length is None else body[:json_length]
    try:
        doc = orjson.loads(head)
    except orjson.JSONDecodeError:
        # what orjson refuses and Python's parser (FastAPI's, before this lane) reads: NaN and
        # Infinity, integers beyond 64 bits, lone surrogates. The model then names the field
        # (and the request is logged, as any 400 the model gives)
        try:
            doc = json.loads(head)
        except ValueError:
            raise _field("body", "not valid JSON") from None
    if not isinstance(doc, dict):
        raise _field("body", 'expected a v2 inference request: {"inputs": [...]}')
    inputs = doc.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise _field("inputs", "expected a non-empty list of tensors")
    request_id, params, outputs = doc.get("id"), doc.get("parameters"), doc.get("outputs")
    if request_id is not None and not isinstance(request_id, str):
        raise _field("id", "expected a string")
    if params is not None and not isinstance(params, dict):
        raise _field("parameters", "expected an object")
    tensors, at = [], json_length or len(body)
    for i, item in enumerate(inputs):
        tensor, at = _tensor(item, i, body, at)
        tensors.append(tensor)
    requested = None
    if outputs is not None:
        if not isinstance(outputs, list) or not all(
            isinstance(o, dict) and isinstance(o.get("name"), str) for o in outputs
        ):
            raise _field("outputs", "expected a list of objects with a name")
        requested = [RequestedOutput(name=o["name"], parameters=o.get("parameters") or {}) for o in outputs]
    return InferRequest(
        model_name=model_name,
        infer_inputs=tensors,
        request_id=request_id,
        parameters=params,
        request_outputs=requested,
    )


def encode(response: Any) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The response body and its headers: JSON, or JSON + binary tensors when asked for."""
    if hasattr(response, "to_rest"):
        payload, json_length = response.to_rest()
        if json_length is not None:
            return payload, [(b"content-type", b"application/octet-stream"), (BINARY_HEADER, str(json_length).encode())]
        response = payload
    return orjson.dumps(response, option=orjson.OPT_SERIALIZE_NUMPY), [(b"content-type", b"application/json")]


def answer_for(exc: BaseException) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, body and headers for a request that raised `exc` (KServe's handlers' answers)."""
    if isinstance(exc, BodyTooLarge):
        return 413, too_large(exc.limit), {}
    found = errors.failure(exc)
    if found is None:
        log.error("inference failed", exc_info=exc)  # a bug: the trace, not the request
        return 500, {"error": f"internal error ({type(exc).__name__})"}, {}
    if found.status < 500:
        return found.status, {"error": str(exc)}, {}
    return found.status, *errors.unavailable_body(exc, found)


class FastLane:
    """Pure ASGI: the model's infer route here, the rest to KServe's FastAPI `app`."""

    def __init__(self, app: Any, model: Any) -> None:
        self.app = app
        self.model = model
        self.path = f"/v2/models/{model.name}/infer"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        kind = headers.get(b"content-type")
        binary = headers.get(BINARY_HEADER)
        if kind is not None and kind.lower() not in JSON_TYPES and binary is None:
            await self.app(scope, receive, send)  # KServe's answer to a declared non-JSON type
            return
        try:
            body = await _body(receive)  # BodyLimit, around this lane, counts it
            length = None
            if binary is not None:
                if not binary.isdigit() or int(binary) > len(body):
                    raise _field("inference-header-content-length", "expected the JSON header's length in bytes")
                length = int(binary)
            request = parse(body, self.model.name, length)
            if not self.model.ready:
                raise ModelNotReady(self.model.name)
            text = {k.decode("latin-1"): v.decode("latin-1") for k, v in headers.items()}
            result, extra = await self.model(request, headers=text)
            payload, out_headers = encode(result)
            out_headers += [(k.lower().encode(), v.encode()) for k, v in extra.items() if k.lower() not in SKIP]
            await _send(send, 200, payload, out_headers)
        except ClientGone:
            return  # nobody to answer
        except Exception as exc:  # noqa: BLE001 - every failure is answered, as KServe's handlers would
            status, content, more = answer_for(exc)
            if status == 400:
                log.info("400: %s", content["error"][:200])
            await _send(
                send,
                status,
                orjson.dumps(content),
                [(b"content-type", b"application/json"), *((k.lower().encode(), v.encode()) for k, v in more.items())],
            )


class ClientGone(Exception):
    """The client disconnected before its body arrived."""


async def _body(receive: Any) -> bytes:
    parts, more = [], True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        parts.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(parts)


SKIP = {"content-length", "content-type"}  # ours, for the body sent


async def _send(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
