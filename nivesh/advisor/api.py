"""The advisor's request and response shapes, shared by its predictor and its transformer.

v2: `question` (BYTES) and optional `context` (a JSON object per row) into the
predictor; the transformer takes `question` and an optional `user_id` and fills
`context` from Feast. v1 (`/v1/models/financial-advisor:predict`, for JSON clients):
{"instances": [{"question": ..., "user_id" | "context": ...}]} or one such object,
answered as {"predictions": [{answer, mode, refused, sources, rules}]}.
Light on purpose: the transformer imports it without the retrieval stack.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kserve.errors import InvalidInput
from kserve.protocol.infer_type import InferInput, InferResponse

from nivesh.advisor import context as user_context
from nivesh.advisor.signature import ANSWER, CONTEXT, MAX_ROWS, QUESTION
from nivesh.catalog import FINANCIAL_ADVISOR
from nivesh.errors import NiveshError
from nivesh.jsonobj import parse_json_object
from nivesh.serving import v2

if TYPE_CHECKING:
    from nivesh.advisor.engine import Answer


def answer_tensors(answers: Sequence[Answer]) -> list[InferInput]:
    rows = [a.to_dict() for a in answers]
    return [
        v2.tensor(
            o.name, [json.dumps(r[o.name], ensure_ascii=False) if o.encoded else r[o.name] for r in rows], o.datatype
        )
        for o in FINANCIAL_ADVISOR.outputs
    ]


def v1_predictions(response: InferResponse) -> dict[str, Any]:
    """The predictor's v2 outputs as the v1 answer a JSON client gets from the transformer."""
    by_name = {o.name: (o.data.tolist() if hasattr(o.data, "tolist") else list(o.data)) for o in response.outputs}
    n = len(by_name[ANSWER])
    rows = [
        {o.name: json.loads(by_name[o.name][i]) if o.encoded else by_name[o.name][i] for o in FINANCIAL_ADVISOR.outputs}
        for i in range(n)
    ]
    return {"predictions": rows, "model_version": response.model_version}


def context_of(value: Any, where: str) -> dict[str, Any]:
    """A row's user facts: a JSON object (v2 BYTES) or an object (v1); absent = none."""
    if value is not None and not isinstance(value, str | dict):
        raise InvalidInput(f"{where}: expected a JSON object of user facts")
    try:
        obj = value if isinstance(value, dict) else parse_json_object(value, where)
        return user_context.validate(obj, where)
    except NiveshError as exc:
        raise InvalidInput(str(exc)) from None


def v1_instances(payload: dict[str, Any], max_chars: int) -> list[dict[str, Any]]:
    """The instances of a v1 body, each with a non-empty `question` within `max_chars`."""
    instances = payload.get("instances", [payload])
    if not isinstance(instances, list) or not instances:
        raise InvalidInput(f'instances: expected a non-empty list of {{"{QUESTION}": ...}}')
    check_rows(len(instances), "instances")
    for i, inst in enumerate(instances):
        if not isinstance(inst, dict) or not isinstance(inst.get(QUESTION), str):
            raise InvalidInput(f"instances[{i}].{QUESTION}: a non-empty string is required")
    v2.texts([inst[QUESTION] for inst in instances], f"instances.{QUESTION}", max_chars)
    return instances


def v1_rows(payload: dict[str, Any], max_chars: int) -> list[tuple[str, dict[str, Any]]]:
    """(question, context) per instance, for the predictor."""
    instances = v1_instances(payload, max_chars)
    return [(x[QUESTION], context_of(x.get(CONTEXT), f"instances[{i}].{CONTEXT}")) for i, x in enumerate(instances)]


def check_rows(n: int, where: str) -> None:
    if n > MAX_ROWS:
        raise InvalidInput(f"{where}: {n} rows; at most {MAX_ROWS} per request")
