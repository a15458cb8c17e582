"""`nivesh train credit-risk --data` on real credit data nobody here wrote (../shared/data)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_cli, shared_file

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _train(*args: str) -> dict[str, float]:
    out = run_cli("train", "credit-risk", *args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_real_credit_risk_data_reaches_the_target() -> None:
    metrics = _train("--data", str(shared_file("credit_risk", "credit_risk_dataset.csv")))
    assert metrics["auc"] > 0.85 and metrics["n"] > 6000


def test_other_column_set_by_configuration(tmp_path: Path) -> None:
    """Another lender's columns: renamed, reordered, one dropped, an extra categorical, a Y/N label."""
    real = pd.read_csv(shared_file("credit_risk", "credit_risk_dataset.csv"))
    other = real.rename(columns={"person_income": "annual_income", "loan_amnt": "requested", "loan_status": "bad"})
    other = other.drop(columns=["loan_percent_income"])
    other["region"] = (other.index % 4).map({0: "north", 1: "south", 2: "east", 3: "west"})
    other["bad"] = other["bad"].map({0: "N", 1: "Y"})
    path = tmp_path / "other_lender.csv"
    other.sample(frac=1.0, random_state=1)[sorted(other.columns)].to_csv(path, index=False)
    metrics = _train("--data", str(path), "--label", "bad")
    assert metrics["auc"] > 0.85


def test_schema_problem_is_one_line(tmp_path: Path) -> None:
    real = pd.read_csv(shared_file("credit_risk", "credit_risk_dataset.csv"), nrows=200)
    path = tmp_path / "broken.csv"
    real.drop(columns=["loan_int_rate"]).to_csv(path, index=False)
    out = run_cli("train", "credit-risk", "--data", str(path), timeout=300)
    assert out.returncode == 2 and out.stderr.strip().startswith("error: loan_int_rate: missing column")
