"""The advisor's tensor names and types: one home for the trainer's signature, the
predictor, the transformer and the monitor (no serving imports, so training has none)."""

from __future__ import annotations

from nivesh.data.schema import Column, Kind, TableSchema

QUESTION, CONTEXT, ANSWER = "question", "context", "answer"
MODE = "mode"  # extractive / gemini / refused: what the monitor follows
MAX_ROWS = 16  # questions per request: each may be a Gemini call
SCHEMA = TableSchema(
    name="financial-advisor",
    columns=(
        Column(QUESTION, Kind.STRING, description="the user's question"),
        Column(CONTEXT, Kind.STRING, nullable=True, description="JSON object of user facts (nivesh.advisor.context)"),
    ),
)
# (name, datatype, JSON-encoded): the predictor's outputs, in order.
OUTPUT_FIELDS = (
    (ANSWER, "BYTES", False),
    (MODE, "BYTES", False),
    ("refused", "BOOL", False),
    ("sources", "BYTES", True),
    ("rules", "BYTES", True),
)
OUTPUTS = [{"name": n, "datatype": d, "shape": [-1]} for n, d, _ in OUTPUT_FIELDS]
SIGNATURE = {
    "inputs": [
        {"name": QUESTION, "datatype": "BYTES", "shape": [-1]},
        {"name": CONTEXT, "datatype": "BYTES", "shape": [-1], "optional": True},
    ],
    "outputs": OUTPUTS,
}
