"""tritonclient.grpc in a process of its own: its generated `inference.*` protobuf messages
and KServe's share names, and one process's descriptor pool cannot hold both (importing the
second raises "duplicate symbol"). The test runs this script and reads its JSON.

    python triton_grpc_call.py HOST:PORT MODEL infer|unload|bad  < body.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np
import tritonclient.grpc as triton_grpc

DTYPES = {"FP64": np.float64, "FP32": np.float32, "INT64": np.int64, "INT32": np.int32}


def _tensor(name: str, datatype: str, data: list[Any]) -> triton_grpc.InferInput:
    if datatype == "BYTES":
        arr = np.array([str(v).encode() for v in data], dtype=np.object_)
    else:
        arr = np.array(data, dtype=DTYPES[datatype])
    tensor = triton_grpc.InferInput(name, list(arr.shape), datatype)
    tensor.set_data_from_numpy(arr)
    return tensor


def _plain(values: np.ndarray) -> list[Any]:
    return [v.decode() if isinstance(v, bytes) else v for v in values.reshape(-1).tolist()]


def main() -> None:
    endpoint, model, action = sys.argv[1:4]
    body = json.loads(sys.stdin.read())
    client = triton_grpc.InferenceServerClient(endpoint)
    out: dict[str, Any] = {"ready": client.is_model_ready(model)}
    try:
        if action == "infer":
            inputs = [_tensor(t["name"], t["datatype"], t["data"]) for t in body["inputs"]]
            result = client.infer(model, inputs, parameters=body.get("parameters"), client_timeout=60)
            answer = result.get_response(as_json=True)
            out["model_version"] = answer.get("model_version")
            out["outputs"] = {o["name"]: _plain(result.as_numpy(o["name"])) for o in answer["outputs"]}
        elif action == "unload":
            client.unload_model(model)
        elif action == "bad":
            first = body["inputs"][0]
            wrong = "FP64" if first["datatype"] == "BYTES" else "BYTES"
            client.infer(model, [_tensor(first["name"], wrong, [1.0] if wrong == "FP64" else ["x"])], client_timeout=60)
    except triton_grpc.InferenceServerException as exc:
        out["error"] = {"status": exc.status(), "message": exc.message()}
    out["ready_after"] = client.is_model_ready(model)
    client.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
