"""A kserve.Model mixin that records every request and response in the prediction store."""

from __future__ import annotations

import time
from typing import Any

from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.serving import errors
from nivesh.store.log_writer import LogWriterProcess
from nivesh.store.predictions import new_id
from nivesh.store.tables import PREDICTOR

# A request's attribute a model's preprocess may set: the inputs its log row holds instead of
# the request's own (a predictor that joins features logs what the model was given).
LOGGED_INPUTS = "logged_inputs"


def named_tensors(obj: Any) -> dict[str, Any]:
    """A request's inputs or a response's outputs as {name: values} (what a log row holds)."""
    tensors = getattr(obj, "inputs", None) if isinstance(obj, InferRequest) else getattr(obj, "outputs", None)
    if tensors is None:
        return obj if isinstance(obj, dict) else {}
    out: dict[str, Any] = {}
    for t in tensors:  # on every logged request: a JSON body's lists are taken as they are
        data = t.data
        out[t.name] = data if type(data) is list else (data.tolist() if hasattr(data, "tolist") else data)
    return out


class LoggedModel:
    """Wraps __call__: one record per request, whatever the outcome (400s included)."""

    name: str
    component: str = PREDICTOR
    prediction_logger: LogWriterProcess | None = None
    served_version: str = ""

    async def __call__(self, body: Any, headers: dict[str, str] | None = None, *args: Any, **kw: Any) -> Any:
        start = time.perf_counter()
        status, result = 500, None
        if isinstance(body, InferRequest) and not body.id:
            # one id from the client's request to the response, both log rows and feedback
            body.id = (headers or {}).get("x-request-id") or new_id()
        try:
            result = await super().__call__(body, headers, *args, **kw)  # type: ignore[misc]
            status = 200
            return result
        except Exception as exc:
            status = errors.status(exc)
            raise
        finally:
            logger = self.prediction_logger
            if logger is not None:
                response = result[0] if isinstance(result, tuple) else result
                logger.log_call(  # the record's fields, not a PredictionRecord: see log_call
                    self.name,
                    self.served_version,
                    self.component,
                    getattr(body, LOGGED_INPUTS, None) or named_tensors(body),
                    named_tensors(response) if isinstance(response, InferResponse | dict) else None,
                    status,
                    (time.perf_counter() - start) * 1000,
                    getattr(body, "id", None) or (headers or {}).get("x-request-id") or new_id(),
                    endpoint=self.component,
                )
