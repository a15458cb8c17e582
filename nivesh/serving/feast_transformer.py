"""A KServe transformer that adds a user's stored features from Feast to the request.

Takes the entity key (user_id) and the model's request-time fields, reads the
model's FeatureService online, assembles the model's columns with the same function
training used after its point-in-time join, and forwards named v2 tensors to the
predictor at <predictor_host>/v2/models/<name>/infer. One class for every model
with stored features; a model supplies an `Assembly`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import kserve
from feast import FeatureStore
from kserve.errors import InvalidInput
from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh import features
from nivesh.catalog import ModelSpec
from nivesh.data.schema import TableSchema
from nivesh.errors import FeatureLookupError, UpstreamUnavailable
from nivesh.serving import errors, v2
from nivesh.serving.batching import MicroBatcher
from nivesh.serving.logged import LoggedModel
from nivesh.settings import ServingSettings
from nivesh.store.tables import TRANSFORMER

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Assembly:
    """How one model's request becomes its predictor's inputs."""

    spec: ModelSpec
    schema: TableSchema
    assemble: Callable[[Mapping[str, Sequence[Any]]], dict[str, list[Any]]]
    # False: an entity with no stored row is valid (no recent activity), its features None.
    require_features: bool = True
    # True: the entity key may be left out or null (an anonymous question); such rows get
    # no stored features, and only the rows that name a user are looked up.
    key_optional: bool = False

    @property
    def outputs(self) -> list[dict[str, Any]]:
        """What the predictor behind answers: the catalogue's outputs."""
        return self.spec.output_signature

    @property
    def key(self) -> str:
        return self.spec.entity_key or "user_id"

    def tensor_spec(self, name: str) -> v2.TensorSpec:
        col = self.schema.column(name)
        return v2.TensorSpec(name, col.v2_datatype, nullable=col.nullable)

    @property
    def request_inputs(self) -> list[v2.TensorSpec]:
        key = v2.TensorSpec(self.key, "BYTES", nullable=self.key_optional, optional=self.key_optional)
        return [key] + [self.tensor_spec(f) for f in self.spec.request_fields]

    @property
    def predictor_inputs(self) -> list[v2.TensorSpec]:
        return [self.tensor_spec(n) for n in self.schema.names if n != self.schema.label]


class FeatureJoin:
    """A request (entity key + request-time fields) -> the predictor's inputs, with the user's
    stored features read from Feast. Used by the transformer, and by a predictor that reads its
    own features in `preprocess` (one process on the latency-critical path)."""

    def __init__(self, store: FeatureStore, assembly: Assembly, use_async: bool) -> None:
        self.store = store
        self.assembly = assembly
        self.use_async = use_async
        self.request_inputs = assembly.request_inputs
        self.predictor_inputs = assembly.predictor_inputs
        # Concurrent requests' ids share one online read: Feast's per-call cost (~0.25 ms)
        # is most of a one-id read. Redis: awaited; SQLite: on the loop (Feast holds the GIL).
        read = self._read_async if use_async else self._read
        self.reads: MicroBatcher[str, dict[str, Any]] = MicroBatcher(read, assembly.spec.limits.max_rows, inline=True)

    def load(self, name: str) -> None:
        """Resolve the FeatureService once and open the online store (a first read costs
        ~0.5 s), so neither happens on a request."""
        assert self.assembly.spec.feature_service is not None
        self.service = self.store.get_feature_service(self.assembly.spec.feature_service)
        self.feature_columns = [f.name for p in self.service.feature_view_projections for f in p.features]
        try:
            features.online(self.store, self.service, self.assembly.key, ["__warmup__"])
        except FeatureLookupError:
            pass  # expected: the warm-up id does not exist
        except Exception as exc:
            if (failure := errors.failure(exc)) is None or failure.status < 500:
                raise
            # Redis down at start: serve anyway, each request a 503 until it returns (a pod
            # that cannot start would hold a rollout, and take no traffic once Redis is back)
            log.warning("%s: %s at start; requests answer 503 until it returns", name, failure.what)

    def _read(self, ids: list[str]) -> list[dict[str, Any]]:
        """One row of stored features per id (None where nothing is stored), in order."""
        return _rows(features.online(self.store, self.service, self.assembly.key, ids, require=False), len(ids))

    async def _read_async(self, ids: list[str]) -> list[dict[str, Any]]:
        found = await features.online_async(self.store, self.service, self.assembly.key, ids, require=False)
        return _rows(found, len(ids))

    async def _lookup(self, ids: list[str]) -> dict[str, list[Any]]:
        rows = await self.reads(ids)
        if self.assembly.require_features:
            try:
                features.require_found(rows, self.assembly.key, ids)
            except FeatureLookupError as exc:
                raise InvalidInput(str(exc)) from exc
        return {name: [row[name] for row in rows] for name in (rows[0] if rows else {})}

    async def _stored(self, cols: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """Stored features per row; rows without a key (when it is optional) get None."""
        n = max((len(v) for v in cols.values()), default=0)
        ids = cols.get(self.assembly.key, [None] * n)
        named = [i for i, ident in enumerate(ids) if ident]
        if not self.assembly.key_optional or len(named) == n:
            return await self._lookup(ids)
        out: dict[str, list[Any]] = {name: [None] * n for name in [self.assembly.key, *self.feature_columns]}
        if named:
            found = await self._lookup([ids[i] for i in named])
            for name, values in found.items():
                for row, value in zip(named, values, strict=True):
                    out[name][row] = value
        return out

    async def __call__(self, name: str, request: InferRequest) -> InferRequest:
        """The predictor's v2 request for `request` (same id and parameters)."""
        cols = v2.columns(request, self.request_inputs, self.assembly.spec.limits)
        v2.check_bounds(cols, self.assembly.schema)
        stored = await self._stored(cols)
        assembled = self.assembly.assemble({**stored, **cols})
        inputs = [v2.tensor(s.name, assembled[s.name], s.datatype) for s in self.predictor_inputs]
        joined = InferRequest(
            model_name=name,
            infer_inputs=inputs,
            request_id=request.id,
            parameters=request.parameters,
            request_outputs=request.request_outputs,
            from_grpc=request.from_grpc,  # the answer goes back over the client's transport
        )
        # gRPC raw tensors in, raw tensors out (KServe decides by the request; tritonclient.grpc
        # reads numbers from raw outputs only)
        joined._use_raw_outputs = request._use_raw_outputs
        return joined


class FeastTransformer(LoggedModel, kserve.Model):
    component = TRANSFORMER

    def __init__(self, name: str, join: FeatureJoin, settings: ServingSettings, prediction_logger: Any = None) -> None:
        super().__init__(name)
        self.settings = settings
        self.join = join
        self.assembly = join.assembly
        self.prediction_logger = prediction_logger

    def load(self) -> bool:
        self.join.load(self.name)
        self.ready = True
        return self.ready

    def get_input_types(self) -> list[dict[str, Any]]:
        return [s.metadata() for s in self.join.request_inputs]

    def get_output_types(self) -> list[dict[str, Any]]:
        return self.assembly.outputs

    async def preprocess(self, payload: Any, headers: dict[str, str] | None = None) -> InferRequest:
        return await self.join(self.name, v2.require_v2(payload))

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
            if exc.response.status_code >= 500:  # it failed or is going away: retry later, not a 500
                raise UpstreamUnavailable(f"the predictor answered {exc.response.status_code}") from exc
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

    async def __call__(self, body: Any, headers: dict[str, str] | None = None, *args: Any, **kw: Any) -> Any:
        """The predictor's answer in the form the client asked for (binary outputs or not)."""
        result = await super().__call__(body, headers, *args, **kw)
        response = result[0] if isinstance(result, tuple) else result
        if isinstance(body, InferRequest) and isinstance(response, InferResponse):
            v2.as_asked(body, response)
        return result


def _rows(columns: dict[str, list[Any]], n: int) -> list[dict[str, Any]]:
    """Feast's column lists as one dict per entity row."""
    names = list(columns)
    return [{name: columns[name][i] for name in names} for i in range(n)]


def assembly_of(spec: ModelSpec) -> Assembly:
    """The model's Assembly, from its transformer package (`<transformer>.model.ASSEMBLY`)."""
    import importlib

    assert spec.transformer is not None, f"{spec.name} has no stored features"
    assembly: Assembly = importlib.import_module(f"{spec.transformer}.model").ASSEMBLY
    return assembly


def feature_join(assembly: Assembly) -> FeatureJoin:
    """The join on this deployable's feature store (NIVESH_FEATURE_REPO, NIVESH_REDIS_URL)."""
    from nivesh.settings import Workspace

    ws = Workspace()
    return FeatureJoin(features.open_store(ws), assembly, use_async=bool(ws.redis_url))


def main(assembly: Assembly, cls: type[FeastTransformer] = FeastTransformer) -> None:
    """Entry point of a model's transformer package (after prepare_argv)."""
    from nivesh.serving import server

    args = server.parse_args(assembly.spec.name)
    if args.predictor_protocol != "v2":
        raise SystemExit(f"{assembly.spec.name} transformer: pass --predictor_protocol v2 (the predictor speaks v2)")
    config = server.ServerConfig.from_env(assembly.spec)
    model = cls(
        args.model_name,
        feature_join(assembly),
        settings=config.serving,
        prediction_logger=server.prediction_logger(assembly.spec, cls.component, config),
    )
    model.load()
    server.start(model, assembly.spec, config)
