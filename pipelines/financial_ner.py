"""financial-ner: prepare (generator or JSONL) -> spaCy NER + rules -> evaluate (F1 gate) -> register -> emit."""

from nivesh.catalog import FINANCIAL_NER
from pipelines.training import build

financial_ner_pipeline = build(FINANCIAL_NER)
