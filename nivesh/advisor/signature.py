"""The advisor's tensor names and types: one home for the trainer's signature, the
predictor, the transformer and the monitor (no serving imports, so training has none)."""

from __future__ import annotations

from nivesh.catalog import FINANCIAL_ADVISOR
from nivesh.data.schema import Column, Kind, TableSchema

QUESTION, CONTEXT = "question", "context"
ANSWER = FINANCIAL_ADVISOR.outputs[0].name  # the answer text, also the corpus column the answers come from
MODE = FINANCIAL_ADVISOR.monitored_output  # extractive / gemini / refused
MAX_ROWS = FINANCIAL_ADVISOR.limits.max_rows  # questions per request (v1 instances too)
SCHEMA = TableSchema(
    name="financial-advisor",
    columns=(
        Column(QUESTION, Kind.STRING, description="the user's question"),
        Column(CONTEXT, Kind.STRING, nullable=True, description="JSON object of user facts (nivesh.advisor.context)"),
    ),
)
SIGNATURE = {
    "inputs": [
        {"name": QUESTION, "datatype": "BYTES", "shape": [-1]},
        {"name": CONTEXT, "datatype": "BYTES", "shape": [-1], "optional": True},
    ],
    "outputs": FINANCIAL_ADVISOR.output_signature,
}
