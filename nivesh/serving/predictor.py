"""What every Nivesh KServe predictor shares: one artifact, verified at load, served with
its own signature and version, every request logged.

A model's predictor subclasses `ArtifactPredictor`, sets `inputs` and its model in
`setup(manifest)`, and implements `answer(request)` (a v2 request; anything else is a
400 before it) with `respond(...)`, so the response always names the model and the
version that served it.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, ClassVar

import kserve
from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.artifact import Manifest, load_manifest
from nivesh.catalog import ModelSpec
from nivesh.serving import server, v2
from nivesh.serving.logged import LoggedModel
from nivesh.settings import ServingSettings


class ArtifactPredictor(LoggedModel, kserve.Model):
    component = "predictor"
    spec: ClassVar[ModelSpec]

    def __init__(self, name: str, model_dir: Path, settings: ServingSettings, prediction_logger: Any = None) -> None:
        super().__init__(name)
        self.model_dir = model_dir
        self.settings = settings
        self.prediction_logger = prediction_logger
        self.inputs: list[v2.TensorSpec] = []
        self.outputs: list[dict[str, Any]] = []

    def load(self) -> bool:
        manifest = load_manifest(self.model_dir, self.name)  # verifies every file's sha256 and the name
        self.served_version = manifest.version
        self.outputs = list(manifest.signature["outputs"])
        self.setup(manifest)
        self.ready = True
        return self.ready

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
        return [s.metadata() for s in self.inputs]

    def get_output_types(self) -> list[dict[str, Any]]:
        return self.outputs

    def respond(self, request: InferRequest, outputs: list[Any], **parameters: Any) -> InferResponse:
        return InferResponse(
            response_id=request.id or str(uuid.uuid4()),
            model_name=self.name,
            model_version=self.served_version,
            infer_outputs=outputs,
            # model_version again in parameters: KServe's REST client drops the top-level field.
            parameters={"model_version": self.served_version, **parameters},
        )

    @classmethod
    def main(cls) -> None:
        """`python -m inference_services.<model> --model_dir DIR [kserve flags]` (after the
        entry point's `prepare_argv()`)."""
        args = server.parse_args(cls.spec.name, [("--model_dir", {"required": True, "help": "artifact directory"})])
        config = server.ServerConfig.from_env(cls.spec)
        model = cls(
            args.model_name,
            Path(args.model_dir),
            config.serving,
            server.prediction_logger(cls.spec, cls.component, config),
        )
        model.load()
        server.start(model, cls.spec, config)
