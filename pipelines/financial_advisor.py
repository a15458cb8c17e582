"""financial-advisor (offline half): prepare (curated corpus + files) -> retrieval index and the
Vertex tuning dataset -> evaluate (recall@5 gate, guardrail suite) -> register -> emit."""

from nivesh.catalog import FINANCIAL_ADVISOR
from pipelines.training import build

financial_advisor_pipeline = build(FINANCIAL_ADVISOR)
