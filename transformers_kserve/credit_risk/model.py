"""credit-risk transformer.

Takes `user_id` and the request-time loan fields, reads the user's stored profile
through the `credit_risk_v1` FeatureService, assembles the model's columns (the
same `assemble` training used) and forwards named v2 tensors to the predictor at
<predictor_host>/v2/models/credit-risk/infer.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import kserve
from feast import FeatureStore
from kserve.errors import InvalidInput
from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh import features
from nivesh.catalog import CREDIT_RISK
from nivesh.data import credit_risk as cr
from nivesh.errors import FeatureLookupError
from nivesh.serving import v2
from nivesh.serving.logged import LoggedModel


def _spec(name: str) -> v2.TensorSpec:
    col = cr.CREDIT_RISK_SCHEMA.column(name)
    return v2.TensorSpec(name, col.v2_datatype, nullable=col.nullable)


REQUEST_INPUTS = [v2.TensorSpec(CREDIT_RISK.entity_key or "user_id", "BYTES")] + [
    _spec(f) for f in CREDIT_RISK.request_fields
]
PREDICTOR_INPUTS = [_spec(name) for name in cr.model_inputs()]


INLINE_IDS = 8


class CreditRiskTransformer(LoggedModel, kserve.Model):
    component = "transformer"

    def __init__(
        self,
        name: str,
        store: FeatureStore,
        use_async: bool,
        version: str = "",
        prediction_logger: Any = None,
    ) -> None:
        super().__init__(name)
        self.store = store
        self.use_async = use_async
        self.served_version = version
        self.prediction_logger = prediction_logger

    def load(self) -> bool:
        """Resolve the FeatureService once and open the online store (a first read costs
        ~0.5 s), so neither happens on a request."""
        assert CREDIT_RISK.feature_service is not None
        self.service = self.store.get_feature_service(CREDIT_RISK.feature_service)
        try:
            features.online(self.store, self.service, CREDIT_RISK.entity_key or "user_id", ["__warmup__"])
        except FeatureLookupError:
            pass  # expected: the warm-up id does not exist
        self.ready = True
        return self.ready

    def get_input_types(self) -> list[dict[str, Any]]:
        return [s.metadata() for s in REQUEST_INPUTS]

    def get_output_types(self) -> list[dict[str, Any]]:
        return [
            {"name": n, "datatype": d, "shape": [-1]}
            for n, d in (("probability", "FP32"), ("decision", "BYTES"), ("reason_codes", "BYTES"))
        ]

    async def _lookup(self, ids: list[str]) -> dict[str, list[Any]]:
        key = CREDIT_RISK.entity_key or "user_id"
        try:
            if self.use_async:
                return await features.online_async(self.store, self.service, key, ids)
            if len(ids) <= INLINE_IDS:  # a local SQLite read (~0.2 ms) is cheaper than a thread hop
                return features.online(self.store, self.service, key, ids)
            return await asyncio.to_thread(features.online, self.store, self.service, key, ids)
        except FeatureLookupError as exc:
            raise InvalidInput(str(exc)) from exc

    async def preprocess(self, payload: Any, headers: dict[str, str] | None = None) -> InferRequest:
        request = v2.require_v2(payload)
        cols = v2.columns(request, REQUEST_INPUTS)
        stored = await self._lookup(cols[REQUEST_INPUTS[0].name])
        assembled = cr.assemble_columns({**stored, **cols})
        inputs = [v2.tensor(s.name, assembled[s.name], s.datatype) for s in PREDICTOR_INPUTS]
        return InferRequest(
            model_name=self.name,
            infer_inputs=inputs,
            request_id=request.id,
            parameters=request.parameters,
        )

    async def predict(
        self,
        payload: Any,
        headers: dict[str, str] | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> Any:
        try:
            return await super().predict(payload, headers, response_headers)
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code == 400:  # the predictor named the field; pass it on as a 400
                raise InvalidInput(exc.response.json().get("error", str(exc))) from exc
            raise

    async def postprocess(
        self,
        result: Any,
        headers: dict[str, str] | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> Any:
        if isinstance(result, InferResponse):
            result.model_version = result.model_version or (result.parameters or {}).get("model_version")
            self.served_version = result.model_version or self.served_version
        return result
