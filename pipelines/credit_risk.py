"""credit-risk: prepare (Feast join) -> train XGBoost -> evaluate (gate) -> register -> emit ISVC."""

from nivesh.catalog import CREDIT_RISK
from pipelines.training import build

credit_risk_pipeline = build(CREDIT_RISK)
