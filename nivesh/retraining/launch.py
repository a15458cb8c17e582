"""Starting a model's training pipeline: a KFP run against the Kubeflow Pipelines API in a
cluster, a kfp.local run on one machine. Both run the same compiled / defined pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from nivesh import registry
from nivesh.settings import RetrainSettings, Workspace
from nivesh.training import runs


@dataclass(frozen=True)
class Outcome:
    run_id: str
    finished: bool  # True when the run already ended here (kfp.local); False for a submitted KFP run
    version: str | None = None
    decision: str | None = None


class Launcher(Protocol):
    def launch(self, model: str, run_name: str) -> Outcome: ...


class KfpLauncher:
    """Creates a run of the compiled pipeline in the model's retraining experiment."""

    def __init__(self, settings: RetrainSettings) -> None:
        self.settings = settings

    def launch(self, model: str, run_name: str) -> Outcome:
        assert self.settings.kfp_host is not None
        run_id = runs.submit(
            model, self.settings.kfp_host, run_name, self.settings.experiment, {}, self.settings.kfp_timeout_s
        )
        return Outcome(run_id, finished=False)


class LocalLauncher:
    """kfp.local in a child process; reports what the run registered and decided."""

    def __init__(self, ws: Workspace, settings: RetrainSettings) -> None:
        self.ws = ws
        self.settings = settings

    def launch(self, model: str, run_name: str) -> Outcome:
        log = self.ws.path("logs", f"{run_name}.log")
        runs.run_local_logged(model, self.ws, log, {}, timeout_s=self.settings.local_timeout_s)
        version = registry.resolve(self.ws, model, registry.STAGING)
        tags = registry.connect(self.ws).get_model_version(model, version.version).tags
        decision = f"{tags.get('promotion.decision', '?')}: {tags.get('promotion.reason', '')}"
        return Outcome(f"local:{log}", finished=True, version=version.semver, decision=decision)


def launcher(ws: Workspace, settings: RetrainSettings) -> Launcher:
    return KfpLauncher(settings) if settings.kfp_host else LocalLauncher(ws, settings)
