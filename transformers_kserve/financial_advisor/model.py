"""financial-advisor transformer: an optional user_id becomes the question's `context`.

Reads financial_advisor_v1 (profile + monthly spending) for the rows that name a user
and derives the coarse facts the prompt may use (nivesh.advisor.context); a question
without a user_id, or from a user with nothing stored, is answered without them. Also
serves `/v1/models/financial-advisor:predict` for JSON clients, converting to v2 for
the predictor and back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from kserve.errors import InvalidInput
from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.advisor import api, context
from nivesh.advisor.signature import CONTEXT, QUESTION, SCHEMA
from nivesh.catalog import FINANCIAL_ADVISOR
from nivesh.serving import v2
from nivesh.serving.feast_transformer import Assembly, FeastTransformer

KEY = FINANCIAL_ADVISOR.entity_key or "user_id"


def assemble(cols: Mapping[str, Sequence[Any]]) -> dict[str, list[Any]]:
    questions = list(cols[QUESTION])
    stored = [name for name in cols if name not in (QUESTION, KEY)]
    contexts = [context.derive({name: cols[name][i] for name in stored}) for i in range(len(questions))]
    return {QUESTION: questions, CONTEXT: [json.dumps(c) for c in contexts]}


ASSEMBLY = Assembly(
    spec=FINANCIAL_ADVISOR,
    schema=SCHEMA,
    assemble=assemble,
    require_features=False,  # a new user with nothing stored still gets an answer
    key_optional=True,
)


class AdvisorTransformer(FeastTransformer):
    async def __call__(self, body: Any, headers: dict[str, str] | None = None, *args: Any, **kw: Any) -> Any:
        if not isinstance(body, dict):
            return await super().__call__(body, headers, *args, **kw)
        # v1: {"instances": [{"question": ..., "user_id": ...}]} -> v2 -> back to v1
        instances = api.v1_instances(body, self.assembly.spec.limits.max_value_chars)
        ids = [inst.get(KEY) for inst in instances]
        for i, ident in enumerate(ids):
            if ident is not None and not isinstance(ident, str):
                raise InvalidInput(f"instances[{i}].{KEY}: expected a string user id")
        inputs = [v2.tensor(QUESTION, [inst[QUESTION] for inst in instances], "BYTES")]
        if any(ids):
            inputs.append(v2.tensor(KEY, [i or "" for i in ids], "BYTES"))
        response, response_headers = await super().__call__(
            InferRequest(model_name=self.name, infer_inputs=inputs), headers, *args, **kw
        )
        assert isinstance(response, InferResponse)
        return api.v1_predictions(response), response_headers
