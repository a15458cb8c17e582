"""anomaly-detector: prepare (Feast join of recent activity) -> Isolation Forest + autoencoder
-> evaluate (FPR gate) -> register -> emit."""

from nivesh.catalog import ANOMALY_DETECTOR
from pipelines.training import build

anomaly_detector_pipeline = build(ANOMALY_DETECTOR)
