"""Typed errors: each names what is wrong and, where it can, how to fix it."""

from __future__ import annotations


class NiveshError(Exception):
    """Base class; the CLI prints these as one line instead of a traceback."""


class SchemaError(NiveshError):
    """Input data does not match the expected schema; `field` names the culprit."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class ArtifactIntegrityError(NiveshError):
    """A model artifact is incomplete or its files do not match their recorded sha256."""


class QualityGateError(NiveshError):
    """A trained model did not reach the quality target its catalogue entry sets."""


class UnknownModelError(NiveshError):
    """A model name that is not in the catalogue."""


class FeatureLookupError(NiveshError):
    """The feature store has no features for an entity (unknown or expired user)."""


class UpstreamUnavailable(NiveshError):
    """A service the model needs (Vertex AI) did not answer after retries: HTTP 503."""
