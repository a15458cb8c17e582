"""financial-advisor predictor: an answer with its sources, behind the guardrails (v2, and
`/v1/models/financial-advisor:predict` for JSON clients).

With a Google Cloud project configured (NIVESH_VERTEX_PROJECT) and a tuned endpoint
(NIVESH_VERTEX_ENDPOINT, or the one the tuning pipeline recorded in the manifest) the
tuned Gemini writes the answer; otherwise the answer is extracted from the corpus and
marked `mode: extractive`. Vertex unreachable after retries is a 503, never a made-up
answer. v2 input `question` (BYTES, one per row) and optional `context` (a JSON object
per row, which the transformer fills from Feast); v1: {"instances": [{"question": ...,
"context": {...}}]} or {"question": ...}.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import Any

from kserve.errors import InvalidInput
from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.advisor import engine, retrieval
from nivesh.artifact import Manifest
from nivesh.catalog import FINANCIAL_ADVISOR
from nivesh.errors import NiveshError
from nivesh.jsonobj import parse_json_object
from nivesh.serving import v2
from nivesh.serving.predictor import ArtifactPredictor
from nivesh.settings import VertexSettings
from nivesh.training.financial_advisor import PREDICTED, QUESTION

CONTEXT = "context"
MAX_ROWS = 16


class AdvisorPredictor(ArtifactPredictor):
    spec = FINANCIAL_ADVISOR
    advisor: engine.Advisor

    def setup(self, manifest: Manifest) -> None:
        extra = manifest.extra
        index = retrieval.Index.load(self.model_dir / extra["index_dir"], retrieval.Encoder(extra["encoder"]))
        generator = None
        vertex_settings = VertexSettings()
        endpoint = vertex_settings.endpoint or extra.get("vertex_endpoint")
        if vertex_settings.configured and endpoint:
            from nivesh.advisor import vertex

            generator = vertex.GeminiGenerator(vertex.client(vertex_settings), endpoint, vertex_settings)
        self.advisor = engine.Advisor(index, generator)
        self.advisor.answer("How much can I invest in PPF each year?")  # warm up the encoder
        self.inputs = [v2.TensorSpec(QUESTION, "BYTES")]

    async def predict(
        self,
        payload: Any,
        headers: dict[str, str] | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> Any:
        if isinstance(payload, dict):  # the v1 route
            rows = _v1_rows(payload, self.settings.max_text_chars)
            answers = await asyncio.to_thread(self._answer_all, rows)
            return {"predictions": [a.to_dict() for a in answers], "model_version": self.served_version}
        return await super().predict(payload, headers, response_headers)

    async def answer(self, request: InferRequest) -> InferResponse:
        with_context = any(i.name == CONTEXT for i in request.inputs)
        cols = v2.columns(request, self.inputs + ([v2.TensorSpec(CONTEXT, "BYTES")] if with_context else []))
        questions = v2.texts(cols[QUESTION], QUESTION, self.settings.max_text_chars)
        if len(questions) > MAX_ROWS:
            raise InvalidInput(f"{QUESTION}: {len(questions)} rows; at most {MAX_ROWS} per request")
        contexts = [
            _context(v, f"{CONTEXT}: row {i}") for i, v in enumerate(cols.get(CONTEXT, [None] * len(questions)))
        ]
        answers = await asyncio.to_thread(self._answer_all, list(zip(questions, contexts, strict=True)))
        outputs = [
            v2.tensor("answer", [a.answer for a in answers], "BYTES"),
            v2.tensor(PREDICTED, [a.mode for a in answers], "BYTES"),
            v2.tensor("refused", [a.refused for a in answers], "BOOL"),
            v2.tensor(
                "sources", [json.dumps([asdict(x) for x in a.sources], ensure_ascii=False) for a in answers], "BYTES"
            ),
            v2.tensor("rules", [json.dumps(a.rules) for a in answers], "BYTES"),
        ]
        return self.respond(
            request, outputs, generator=self.advisor.generator.name if self.advisor.generator else "extractive"
        )

    def _answer_all(self, rows: list[tuple[str, dict[str, Any]]]) -> list[engine.Answer]:
        return [self.advisor.answer(q, c) for q, c in rows]


def _context(value: Any, where: str) -> dict[str, Any]:
    """A row's user facts: a JSON object (v2 BYTES) or an object (v1); absent = none."""
    if isinstance(value, dict):
        return value
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{where}: expected a JSON object of user facts")
    try:
        return parse_json_object(value, where)
    except NiveshError as exc:
        raise InvalidInput(str(exc)) from None


def _v1_rows(payload: dict[str, Any], max_chars: int) -> list[tuple[str, dict[str, Any]]]:
    instances = payload.get("instances", [payload])
    if not isinstance(instances, list) or not instances:
        raise InvalidInput('instances: expected a non-empty list of {"question": ...}')
    if len(instances) > MAX_ROWS:
        raise InvalidInput(f"instances: {len(instances)} rows; at most {MAX_ROWS} per request")
    for i, inst in enumerate(instances):
        if not isinstance(inst, dict) or not isinstance(inst.get(QUESTION), str):
            raise InvalidInput(f"instances[{i}].{QUESTION}: a non-empty string is required")
    questions = v2.texts([inst[QUESTION] for inst in instances], f"instances.{QUESTION}", max_chars)
    contexts = [_context(inst.get(CONTEXT), f"instances[{i}].{CONTEXT}") for i, inst in enumerate(instances)]
    return list(zip(questions, contexts, strict=True))
