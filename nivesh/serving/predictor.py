"""What every Nivesh KServe predictor shares: one artifact, verified at load, served with
its own signature and version, every request logged.

A model's predictor subclasses `ArtifactPredictor`, sets `inputs` and its model in
`setup(manifest)`, and implements `answer(request)` (a v2 request; anything else is a
400 before it) with `respond(...)`, so the response always names the model and the
version that served it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import kserve
from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.artifact import Manifest, load_manifest
from nivesh.catalog import ModelSpec
from nivesh.serving import server, v2
from nivesh.serving.logged import LOGGED_INPUTS, LoggedModel, named_tensors
from nivesh.settings import ServingSettings
from nivesh.store.predictions import new_id
from nivesh.store.tables import PREDICTOR

if TYPE_CHECKING:  # Feast is imported only by a predictor started with --feature_join=feast
    from nivesh.serving.feast_transformer import FeatureJoin


FEAST = "feast"
JOIN_HELP = "feast: read the model's stored features from Feast in this process (no transformer in front)"


class ArtifactPredictor(LoggedModel, kserve.Model):
    component = PREDICTOR
    spec: ClassVar[ModelSpec]

    def __init__(
        self,
        name: str,
        model_dir: Path,
        settings: ServingSettings,
        prediction_logger: Any = None,
        join: FeatureJoin | None = None,
    ) -> None:
        super().__init__(name)
        self.model_dir = model_dir
        self.settings = settings
        self.prediction_logger = prediction_logger
        self.join = join  # features read here, in preprocess: no transformer in front
        self.inputs: list[v2.TensorSpec] = []
        self.outputs: list[dict[str, Any]] = []

    def load(self) -> bool:
        manifest = load_manifest(self.model_dir, self.name)  # verifies every file's sha256 and the name
        self.served_version = manifest.version
        self.outputs = list(manifest.signature["outputs"])
        self.setup(manifest)
        if self.join is not None:
            self.join.load(self.name)
        self.ready = True
        return self.ready

    async def preprocess(self, payload: Any, headers: dict[str, str] | None = None) -> Any:
        """With a feature join, the client's request (user id + request-time fields) becomes the
        model's inputs here, in the same process, as the transformer would have sent them."""
        if self.join is None:
            return payload
        request = v2.require_v2(payload)
        joined = await self.join(self.name, request)
        if self.prediction_logger is not None:
            # the log row holds what the model was given (the drift monitor compares those
            # columns with the training reference) and who asked (the key, pseudonymised)
            key = self.join.assembly.key
            asked = {k: v for k, v in named_tensors(request).items() if k == key}
            setattr(request, LOGGED_INPUTS, {**named_tensors(joined), **asked})
        return joined

    def setup(self, manifest: Manifest) -> None:
        """Load the model from `self.model_dir` and set `self.inputs`."""
        raise NotImplementedError

    async def predict(
        self,
        payload: Any,
        headers: dict[str, str] | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> InferResponse:
        return await self.answer(v2.require_v2(payload))

    async def answer(self, request: InferRequest) -> InferResponse:
        """The model's response to one v2 request (bad input: kserve InvalidInput, a 400)."""
        raise NotImplementedError

    def get_input_types(self) -> list[dict[str, Any]]:
        return [s.metadata() for s in (self.join.request_inputs if self.join else self.inputs)]

    def get_output_types(self) -> list[dict[str, Any]]:
        return self.outputs

    def respond(self, request: InferRequest, outputs: list[Any], **parameters: Any) -> InferResponse:
        response = InferResponse(
            response_id=request.id or new_id(),
            model_name=self.name,
            model_version=self.served_version,
            infer_outputs=outputs,
            # model_version again in parameters: KServe's REST client drops the top-level field.
            parameters={"model_version": self.served_version, **parameters},
        )
        return v2.as_asked(request, response)

    @classmethod
    def main(cls) -> None:
        """`python -m inference_services.<model> --model_dir DIR [kserve flags]` (after the
        entry point's `prepare_argv()`)."""
        args = server.parse_args(
            cls.spec.name,
            [
                ("--model_dir", {"required": True, "help": "artifact directory"}),
                ("--feature_join", {"choices": ["none", FEAST], "default": "none", "help": JOIN_HELP}),
            ],
        )
        if args.feature_join == FEAST and cls.spec.transformer is None:
            raise SystemExit(f"{cls.spec.name}: --feature_join=feast: the model has no stored features to read")
        config = server.ServerConfig.from_env(cls.spec)
        join = None
        if args.feature_join == FEAST:
            from nivesh.serving.feast_transformer import assembly_of, feature_join

            join = feature_join(assembly_of(cls.spec))
        model = cls(
            args.model_name,
            Path(args.model_dir),
            config.serving,
            server.prediction_logger(cls.spec, cls.component, config),
            join,
        )
        model.load()
        server.start(model, cls.spec, config)
