"""The environments a model is deployed to: each one's namespace, overlay and MLflow alias.

The one home for those names: `nivesh deploy`, the overlays' rendered files (the
Alertmanager that retrains in the environment's own namespace) and the checks on the
overlays' kustomizations read them here.
"""

from __future__ import annotations

from dataclasses import dataclass

from nivesh import registry
from nivesh.errors import NiveshError


@dataclass(frozen=True)
class Environment:
    name: str
    namespace: str  # the overlay's namespace (a test checks they agree)
    alias: str  # the MLflow alias that names what this environment runs
    overlay: str = ""  # manifests/overlays/<overlay> (default: the name); its patches shape the object

    @property
    def overlay_name(self) -> str:
        return self.overlay or self.name


ENVIRONMENTS = {
    e.name: e
    for e in (
        Environment("local", "nivesh-local", "local"),
        Environment("staging", "nivesh-staging", registry.STAGING),
        Environment("prod", "nivesh", registry.PRODUCTION),
    )
}


def environment(name: str) -> Environment:
    if name not in ENVIRONMENTS:
        raise NiveshError(f"--env {name!r} is not an environment; choose one of {', '.join(ENVIRONMENTS)}")
    return ENVIRONMENTS[name]
