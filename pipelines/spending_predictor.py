"""spending-predictor: prepare (histories from Feast, or a transactions file) -> global LSTM
-> evaluate (per-series choice vs seasonal naive) -> register -> emit."""

from nivesh.catalog import SPENDING_PREDICTOR
from pipelines.training import build

spending_predictor_pipeline = build(SPENDING_PREDICTOR)
