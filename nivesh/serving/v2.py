"""Open Inference (v2) request parsing: named 1-D tensors in, a clear 400 naming the field out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from kserve.errors import InvalidInput
from kserve.protocol.grpc.grpc_predict_v2_pb2 import InferParameter
from kserve.protocol.infer_type import InferInput, InferRequest, InferResponse, to_http_parameters

from nivesh.catalog import Limits

NUMERIC_TYPES = {
    "FP16",
    "FP32",
    "FP64",
    "INT8",
    "INT16",
    "INT32",
    "INT64",
    "UINT8",
    "UINT16",
    "UINT32",
    "UINT64",
    "BOOL",
}


FLOAT_TYPES = {"FP16", "FP32", "FP64"}


@dataclass(frozen=True)
class TensorSpec:
    """One named input or output: `BYTES` for strings, `FP64`/`FP32` for numbers."""

    name: str
    datatype: str
    nullable: bool = False
    optional: bool = False  # the input may be left out altogether (then absent from columns())

    def metadata(self) -> dict[str, Any]:
        return {"name": self.name, "datatype": self.datatype, "shape": [-1]}


def _flat(data: Any) -> list[Any]:
    if isinstance(data, np.ndarray):
        return data.reshape(-1).tolist()  # Python scalars (bytes for BYTES), as JSON gives
    out: list[Any] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(reversed(item))
        else:
            out.append(item)
    return out


def _values(tensor: InferInput) -> list[Any]:
    """A tensor's values, whether they came as JSON / gRPC contents or as raw bytes (the binary
    extension, gRPC's raw_input_contents: what tritonclient sends)."""
    if getattr(tensor, "_raw_data", None) is not None and not tensor.data:
        try:
            return _flat(tensor.as_numpy())
        except (ValueError, TypeError) as exc:
            raise InvalidInput(f"{tensor.name}: raw data does not match its shape and datatype") from exc
    return _flat(tensor.data)


def require_v2(payload: Any) -> InferRequest:
    if not isinstance(payload, InferRequest):
        raise InvalidInput('expected a v2 inference request: POST /v2/models/<name>/infer with {"inputs": [...]}')
    return payload


def columns(request: InferRequest, specs: Sequence[TensorSpec], limits: Limits) -> dict[str, list[Any]]:
    """Validate and return {name: values} for the named 1-D inputs, all of one length
    between 1 and the model's `limits.max_rows` (the catalogue's). An input sent twice is
    refused (never last-wins)."""
    names = [i.name for i in request.inputs]
    if twice := sorted({n for n in names if names.count(n) > 1}):
        raise InvalidInput(f"{str(twice[0])[:64]}: sent more than once; send each input once")
    by_name = {i.name: i for i in request.inputs}
    expected = ", ".join(s.name for s in specs)
    out: dict[str, list[Any]] = {}
    for spec in specs:
        tensor: InferInput | None = by_name.get(spec.name)
        if tensor is None:
            if spec.optional:
                continue
            raise InvalidInput(f"{spec.name}: missing input (expected inputs: {expected})")
        shape = list(tensor.shape)
        if len(shape) not in (1, 2) or (len(shape) == 2 and shape[1] != 1):
            raise InvalidInput(f"{spec.name}: shape {shape} not allowed; send shape [N] (one value per row)")
        values = _values(tensor)
        if len(values) != shape[0]:
            raise InvalidInput(f"{spec.name}: shape says {shape[0]} values but data has {len(values)}")
        _check_type(spec, tensor.datatype, values, limits)
        if spec.datatype in FLOAT_TYPES:  # JSON's 85000 and a client's 85000.0 are one value
            out[spec.name] = [float(v) if type(v) is int else v for v in values]
        else:
            out[spec.name] = [v.decode() if isinstance(v, bytes) else v for v in values]
    lengths = {n: len(v) for n, v in out.items()}
    for name, rows in lengths.items():
        if rows == 0:
            raise InvalidInput(f"{name}: no values; send one per row (at least one row)")
        if rows > limits.max_rows:
            beyond = f" ({limits.beyond})" if limits.beyond else ""
            raise InvalidInput(f"{name}: {rows} rows; at most {limits.max_rows} per request{beyond}")
    if len(set(lengths.values())) > 1:
        first = next(iter(out))
        odd = next(n for n, k in lengths.items() if k != lengths[first])
        raise InvalidInput(f"{odd}: has {lengths[odd]} values but {first} has {lengths[first]}")
    return out


# The largest magnitude a number may have: the models compute in float32 (XGBoost), where
# anything larger is infinity. Column bounds (check_bounds) are tighter where a schema has them.
MAX_MAGNITUDE = float(np.finfo(np.float32).max)


def _check_type(spec: TensorSpec, datatype: str, values: list[Any], limits: Limits) -> None:
    """Errors name the field, the row and the kind of value, never the value itself: it may
    be personal data, and KServe logs every InvalidInput."""
    want_bytes = spec.datatype == "BYTES"
    if want_bytes and datatype != "BYTES":
        raise InvalidInput(f"{spec.name}: datatype must be BYTES (strings), got {datatype[:16]!r}")
    if not want_bytes and datatype not in NUMERIC_TYPES:
        raise InvalidInput(f"{spec.name}: datatype must be numeric (FP64, FP32, INT64 ...), got {datatype[:16]!r}")
    for i, v in enumerate(values):
        if v is None:
            if not spec.nullable:
                raise InvalidInput(f"{spec.name}: null value not allowed (row {i})")
        elif want_bytes and not isinstance(v, str | bytes):
            raise InvalidInput(f"{spec.name}: expected strings, got {type(v).__name__} (row {i})")
        elif want_bytes and len(v) > limits.max_value_chars:
            raise too_long(spec.name, i, len(v), limits.max_value_chars)
        elif not want_bytes and (isinstance(v, str | bytes) or not isinstance(v, int | float)):
            raise InvalidInput(f"{spec.name}: expected numbers, got {type(v).__name__} (row {i})")
        elif not want_bytes and not _finite(v):
            limit = f"{MAX_MAGNITUDE:.1e}"
            raise InvalidInput(f"{spec.name}: expected a finite number of magnitude below {limit} (row {i})")


def _finite(v: int | float) -> bool:
    """NaN, Infinity (JSON's `1e999` parses as one) and 400-digit integers are not numbers a
    model can score: each would become NaN or infinity inside it."""
    try:
        return abs(float(v)) <= MAX_MAGNITUDE
    except OverflowError:  # an int too large for a float
        return False


def tensor(name: str, values: Sequence[Any] | np.ndarray, datatype: str) -> InferInput:
    """A named 1-D tensor; NaN is not JSON, so a missing number travels as null."""
    data = values.tolist() if isinstance(values, np.ndarray) else list(values)
    data = [None if isinstance(v, float) and v != v else v for v in data]
    return InferInput(name=name, shape=[len(data)], datatype=datatype, data=data)


def parameter(request: InferRequest, name: str, default: str) -> str:
    """A request parameter as text, from REST (a JSON value) or gRPC (an InferParameter,
    whichever of its bool / int64 / string fields is set)."""
    params = request.parameters or {}
    value = params.get(name, default)
    if isinstance(value, InferParameter):
        value = to_http_parameters({name: value}).get(name, default)
    return str(value)


def too_long(name: str, row: int, length: int, max_chars: int) -> InvalidInput:
    return InvalidInput(f"{name}: row {row} has {length:,} characters; at most {max_chars:,} are accepted")


def texts(values: list[Any], name: str, max_chars: int | None = None) -> list[str]:
    """Free-text rows, none empty. Rows from columns() were held to the model's Limits there;
    a v1 body's are checked against `max_chars` here."""
    for i, v in enumerate(values):
        if not str(v).strip():
            raise InvalidInput(f"{name}: row {i} is empty; send the text to analyse")
        if max_chars is not None and len(str(v)) > max_chars:
            raise too_long(name, i, len(str(v)), max_chars)
    return [str(v) for v in values]


def int_parameter(request: InferRequest, name: str, default: int, low: int, high: int) -> int:
    """An integer request parameter within [low, high], or a 400 naming it."""
    raw = parameter(request, name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"parameters.{name}: expected an integer") from None
    if not low <= value <= high:
        raise InvalidInput(f"parameters.{name}: {value} is outside {low}..{high}")
    return value


def check_bounds(cols: dict[str, list[Any]], schema: Any) -> None:
    """Numbers outside their column's allowed range (a negative amount, hour 25) are a 400."""
    for name, values in cols.items():
        try:
            column = schema.column(name)
        except KeyError:
            continue
        problem = column.out_of_bounds(values)
        if problem:
            raise InvalidInput(f"{name}: {problem}")


def as_asked(request: InferRequest, response: InferResponse) -> InferResponse:
    """The outputs the client asked for, in the form it asked for them: the binary tensor
    extension when its request said binary_data (tritonclient's default for outputs), and
    parameters its transport can carry."""
    response._requested_outputs = request.request_outputs
    response._use_binary_outputs = request.use_binary_outputs
    if request.from_grpc and response.parameters:
        response.parameters = response_parameters(request, dict(response.parameters))
    return response


def response_parameters(request: InferRequest, parameters: dict[str, Any]) -> dict[str, Any]:
    """A response's parameters as the request's transport carries them: gRPC's InferParameter
    has no float (KServe refuses one), so a threshold travels there as its decimal text."""
    if not request.from_grpc:
        return parameters
    return {k: repr(v) if isinstance(v, float) else v for k, v in parameters.items()}
