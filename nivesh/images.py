"""Container image references: the one place they are written.

KFP components, rendered InferenceServices and generated manifests all read these.
"""

from __future__ import annotations

from nivesh import __version__

REGISTRY = "registry.nivesh.in/ml"
COMPONENT_IMAGE = f"{REGISTRY}/nivesh-component:{__version__}"
SERVING_IMAGE = f"{REGISTRY}/nivesh-serving:{__version__}"
MONITOR_IMAGE = f"{REGISTRY}/nivesh-monitor:{__version__}"
RETRAIN_WEBHOOK_IMAGE = f"{REGISTRY}/nivesh-retrain-webhook:{__version__}"
