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
from typing import Any

from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.advisor import api, engine
from nivesh.advisor.signature import CONTEXT, QUESTION
from nivesh.artifact import Manifest
from nivesh.catalog import FINANCIAL_ADVISOR
from nivesh.serving import v2
from nivesh.serving.predictor import ArtifactPredictor
from nivesh.settings import VertexSettings

INPUTS = [v2.TensorSpec(QUESTION, "BYTES"), v2.TensorSpec(CONTEXT, "BYTES", nullable=True, optional=True)]


class AdvisorPredictor(ArtifactPredictor):
    spec = FINANCIAL_ADVISOR
    advisor: engine.Advisor

    def setup(self, manifest: Manifest) -> None:
        extra = manifest.extra
        generator = None
        vertex_settings = VertexSettings()
        endpoint = vertex_settings.endpoint or extra.get("vertex_endpoint")
        if vertex_settings.configured and endpoint:
            from nivesh.advisor import vertex

            generator = vertex.GeminiGenerator(vertex.client(vertex_settings), endpoint, vertex_settings)
        self.advisor = engine.load_advisor(self.model_dir, extra, generator)
        self.advisor.answer("How much can I invest in PPF each year?")  # warm up the encoder

    async def predict(
        self,
        payload: Any,
        headers: dict[str, str] | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> Any:
        if isinstance(payload, dict):  # the v1 route
            rows = api.v1_rows(payload, self.spec.limits.max_value_chars)
            answers = await asyncio.to_thread(self._answer_all, rows)
            return {"predictions": [a.to_dict() for a in answers], "model_version": self.served_version}
        return await super().predict(payload, headers, response_headers)

    async def answer(self, request: InferRequest) -> InferResponse:
        cols = v2.columns(request, INPUTS, self.spec.limits)
        questions = v2.texts(cols[QUESTION], QUESTION)
        contexts = [
            api.context_of(v, f"{CONTEXT}[{i}]") for i, v in enumerate(cols.get(CONTEXT, [None] * len(questions)))
        ]
        answers = await asyncio.to_thread(self._answer_all, list(zip(questions, contexts, strict=True)))
        generator = self.advisor.generator.name if self.advisor.generator else "extractive"
        return self.respond(request, api.answer_tensors(answers), generator=generator)

    def _answer_all(self, rows: list[tuple[str, dict[str, Any]]]) -> list[engine.Answer]:
        return [self.advisor.answer(q, c) for q, c in rows]
