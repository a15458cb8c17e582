"""financial-ner predictor: entities with labels, character offsets and normalized values (v2).

Each row's `entities` output is a JSON list of {label, start, end, text, value?, kind?}
(and `entity_labels` the distinct labels found, which the drift monitor follows):
amounts in rupees, dates as ISO dates or {start, end} periods, ACCOUNT kinds (upi_id,
masked_account, ifsc).
"""

from __future__ import annotations

import json
from typing import Any

from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.artifact import Manifest
from nivesh.catalog import FINANCIAL_NER
from nivesh.families import ner
from nivesh.serving import v2
from nivesh.serving.batching import MicroBatcher
from nivesh.serving.predictor import ArtifactPredictor
from nivesh.training.financial_ner import PREDICTED, TEXT, entity_labels


class NerPredictor(ArtifactPredictor):
    spec = FINANCIAL_NER
    nlp: Any

    def setup(self, manifest: Manifest) -> None:
        self.nlp = ner.load(self.model_dir / manifest.extra["pipeline_dir"])
        self.nlp("warm up Rs 500 last month")
        self.inputs = [v2.TensorSpec(TEXT, "BYTES")]
        # concurrent requests' texts share one nlp.pipe call (nivesh.serving.batching)
        self.batcher: MicroBatcher[str, tuple[str, str]] = MicroBatcher(self._extract, self.spec.limits.max_rows)

    async def answer(self, request: InferRequest) -> InferResponse:
        cols = v2.columns(request, self.inputs, self.spec.limits)
        texts = v2.texts(cols[TEXT], TEXT)
        found = await self.batcher(texts)
        rows, labels = [r for r, _ in found], [labels for _, labels in found]
        return self.respond(request, [v2.tensor("entities", rows, "BYTES"), v2.tensor(PREDICTED, labels, "BYTES")])

    def _extract(self, texts: list[str]) -> list[tuple[str, str]]:
        """Each text's entities (JSON) and the distinct labels found."""
        found = [ner.entities(doc) for doc in self.nlp.pipe(texts)]
        return [
            (json.dumps(ents, ensure_ascii=False), entity_labels([(e["start"], e["end"], e["label"]) for e in ents]))
            for ents in found
        ]
