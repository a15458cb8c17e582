import numpy as np
import pandas as pd
import pytest

from nivesh.errors import SchemaError
from nivesh.families.tabular import TabularEncoder


def _enc() -> TabularEncoder:
    return TabularEncoder.fit(pd.DataFrame({"amount": [1.0, 2.0, np.nan], "grade": ["A", "B", None]}))


def test_fit_detects_categorical_columns() -> None:
    enc = _enc()
    assert [(f.name, f.kind) for f in enc.features] == [
        ("amount", "numeric"),
        ("grade", "categorical"),
    ]
    assert enc.features[1].categories == ("A", "B")


def test_encode_round_trips_through_json() -> None:
    enc = TabularEncoder.from_dict(_enc().to_dict())
    x = enc.encode({"amount": [3.5, None], "grade": ["B", None]})
    assert x[0].tolist() == [3.5, 1.0]
    assert np.isnan(x[1]).all()


def test_unknown_category_names_the_field_and_the_choices() -> None:
    with pytest.raises(SchemaError) as err:
        _enc().encode({"amount": [1.0, 2.0], "grade": ["A", "Zebra-secret"]})
    assert err.value.field == "grade" and "row 1: unknown category" in str(err.value) and "A, B" in str(err.value)
    assert "Zebra" not in str(err.value)  # the value is not repeated: KServe logs every bad request


def test_non_numeric_value_and_length_mismatch_are_named() -> None:
    with pytest.raises(SchemaError, match="amount: row 0: expected a number") as err:
        _enc().encode({"amount": ["ten"], "grade": ["A"]})
    assert "ten" not in str(err.value)
    with pytest.raises(SchemaError, match="grade"):
        _enc().encode({"amount": [1.0, 2.0], "grade": ["A"]})
    with pytest.raises(SchemaError, match="grade: missing"):
        _enc().encode({"amount": [1.0]})


def test_training_transform_maps_unseen_categories_to_missing() -> None:
    x = _enc().transform(pd.DataFrame({"amount": [1.0], "grade": ["Z"]}))
    assert np.isnan(x[0, 1])
