"""Example v2 traffic for credit-risk: real users from the generated data, and a shifted
batch (bigger loans at higher rates) so the drift monitor has something to find."""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd

from nivesh import features
from nivesh.catalog import CREDIT_RISK
from nivesh.data.credit_risk import CREDIT_RISK_SCHEMA
from nivesh.settings import Workspace

TIMEOUT_S = 10.0


def v2_body(rows: pd.DataFrame) -> dict[str, Any]:
    """A v2 request for the transformer: user_id plus the request-time loan fields."""
    key = CREDIT_RISK.entity_key or "user_id"
    inputs = []
    for name in (key, *CREDIT_RISK.request_fields):
        values = [None if pd.isna(v) else v for v in rows[name].tolist()]
        inputs.append(
            {
                "name": name,
                "shape": [len(values)],
                "datatype": "BYTES" if name == key else CREDIT_RISK_SCHEMA.column(name).v2_datatype,
                "data": values,
            }
        )
    return {"inputs": inputs}


def sample_applications(ws: Workspace, n: int, shift: float = 0.0, seed: int = 0) -> pd.DataFrame:
    apps = pd.read_parquet(features.data_dir(ws) / "loan_applications.parquet")
    rows = apps.sample(n, random_state=seed, replace=len(apps) < n).reset_index(drop=True)
    if shift:
        rows["loan_amnt"] = (rows["loan_amnt"] * (1 + shift)).round(-3)
        rows["loan_int_rate"] = (rows["loan_int_rate"] + 4 * shift).clip(upper=26)
    return rows


def send(url: str, rows: pd.DataFrame, batch: int = 8) -> list[dict[str, Any]]:
    """POST in batches; raises on any non-200 so a demo never hides a failure."""
    out = []
    with httpx.Client(timeout=TIMEOUT_S) as client:
        for start in range(0, len(rows), batch):
            r = client.post(
                f"{url}/v2/models/{CREDIT_RISK.name}/infer",
                json=v2_body(rows[start : start + batch]),
            )
            r.raise_for_status()
            out.append(r.json())
    return out


def decisions(responses: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for resp in responses:
        for output in resp["outputs"]:
            if output["name"] == "decision":
                for d in output["data"]:
                    counts[d] = counts.get(d, 0) + 1
    return counts
