from pathlib import Path

import pandas as pd
import pytest

from nivesh.data.credit_risk import CREDIT_RISK_SCHEMA
from nivesh.data.loaders import load_labelled
from nivesh.errors import NiveshError, SchemaError


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_age": [30, 41],
            "person_income": [600000, 900000],
            "person_home_ownership": ["RENT", "OWN"],
            "person_emp_length": [3.0, None],
            "loan_intent": ["MEDICAL", "VENTURE"],
            "loan_amnt": [100000, 250000],
            "loan_int_rate": [12.5, None],
            "loan_status": [0, 1],
            "loan_percent_income": [0.17, 0.28],
            "cb_person_default_on_file": ["N", "Y"],
            "cb_person_cred_hist_length": [4, 9],
        }
    )


def test_schema_accepts_the_real_layout() -> None:
    checked = CREDIT_RISK_SCHEMA.check(_frame())
    assert list(checked.columns) == CREDIT_RISK_SCHEMA.names
    assert checked["person_age"].dtype == "float64"


def test_missing_column_is_named() -> None:
    with pytest.raises(SchemaError) as err:
        CREDIT_RISK_SCHEMA.check(_frame().drop(columns=["loan_amnt"]))
    assert err.value.field == "loan_amnt" and "missing column" in str(err.value)


def test_mistyped_column_is_named_with_the_bad_value() -> None:
    bad = _frame()
    bad["person_income"] = ["600000", "nine lakh"]
    with pytest.raises(SchemaError) as err:
        CREDIT_RISK_SCHEMA.check(bad)
    assert err.value.field == "person_income" and "nine lakh" in str(err.value)


def test_non_nullable_column_rejects_missing_values() -> None:
    bad = _frame()
    bad.loc[0, "loan_intent"] = None
    with pytest.raises(SchemaError, match="loan_intent"):
        CREDIT_RISK_SCHEMA.check(bad)


def test_loader_with_label_takes_any_columns(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    pd.DataFrame({"income": [1, 2, 3], "region": ["a", "b", "a"], "bad": [0, 1, 0]}).to_csv(path, index=False)
    frame, label = load_labelled(path, "bad", CREDIT_RISK_SCHEMA)
    assert label == "bad" and list(frame.columns) == ["income", "region", "bad"]
    with pytest.raises(SchemaError, match="nope"):
        load_labelled(path, "nope", CREDIT_RISK_SCHEMA)


def test_loader_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(NiveshError, match="--data"):
        load_labelled(tmp_path / "absent.csv", None, CREDIT_RISK_SCHEMA)
