from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nivesh.catalog import CREDIT_RISK
from nivesh.data.credit_risk import assemble
from nivesh.errors import QualityGateError, SchemaError
from nivesh.families import xgb_classifier as xc
from nivesh.training import steps


def _frame(data) -> pd.DataFrame:
    joined = pd.merge_asof(
        data.applications.sort_values("event_timestamp"),
        data.profiles.sort_values("event_timestamp").drop(columns="created_timestamp"),
        on="event_timestamp",
        by="user_id",
    )
    return assemble(joined)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from nivesh.data.credit_risk import generate
    from tests.conftest import END

    frame = _frame(generate(1500, seed=3, end=END))
    train, test = xc.split(frame, "loan_status")
    folder = tmp_path_factory.mktemp("art") / "model"
    steps.fit(CREDIT_RISK.name, train, "loan_status", folder)
    return folder, test


def test_synthetic_model_clears_the_gate(trained) -> None:
    folder, test = trained
    a = steps.assess(CREDIT_RISK.name, folder, test, "loan_status")
    assert a.passed and a.evaluation.metrics["auc"] > CREDIT_RISK.gate.minimum
    assert 0 < a.evaluation.metrics["ks"] < 1
    assert a.evaluation.confusion is not None and sum(map(sum, a.evaluation.confusion)) == len(test)
    assert "<img" in a.html and "Quality gate" in a.html


def test_gate_failure_raises(trained) -> None:
    folder, test = trained
    a = steps.assess(CREDIT_RISK.name, folder, test, "loan_status")
    a.passed = False
    with pytest.raises(QualityGateError, match=r"auc > 0\.85"):
        steps.enforce(CREDIT_RISK.name, a)


def test_reason_codes_list_features_that_raised_the_score(trained) -> None:
    folder, test = trained
    model = xc.ClassifierModel(folder)
    x = model.encoder.transform(test.head(20))
    reasons = model.reason_codes(x)
    assert len(reasons) == 20
    for row in reasons:
        contributions = [r["contribution"] for r in row]
        assert contributions == sorted(contributions, reverse=True) and all(c > 0 for c in contributions)
        assert all(r["feature"] in model.encoder.names for r in row)


def test_label_must_be_binary() -> None:
    frame = pd.DataFrame({"a": np.arange(9), "y": [0, 1, 2] * 3})
    with pytest.raises(SchemaError, match="two classes"):
        xc.label_vector(frame, "y")


def test_loaded_model_refuses_a_tampered_booster(trained, tmp_path: Path) -> None:
    import shutil

    from nivesh.errors import ArtifactIntegrityError

    folder, _ = trained
    copy = tmp_path / "m"
    shutil.copytree(folder, copy)
    with (copy / "model.json").open("a") as f:
        f.write(" ")
    with pytest.raises(ArtifactIntegrityError):
        xc.ClassifierModel(copy)
