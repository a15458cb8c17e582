import numpy as np
import pandas as pd

from nivesh.families.tabular import TabularEncoder
from nivesh.monitoring.drift import compute


def _frame(n: int, shift: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "loan_amnt": rng.lognormal(11 + shift, 0.5, n),
            "person_income": rng.lognormal(13.3, 0.5, n),
            "loan_intent": rng.choice(["MEDICAL", "VENTURE"], n, p=[0.5 + shift / 4, 0.5 - shift / 4]),
        }
    )


def test_shifted_inputs_drift_and_unshifted_do_not(tmp_path) -> None:  # type: ignore[no-untyped-def]
    reference = _frame(2000, 0.0, 1)
    encoder = TabularEncoder.fit(reference)
    same = compute("credit-risk", "v1.0.0", encoder, reference, _frame(800, 0.0, 2), 0.3, None)
    assert same.drift_share == 0 and not same.alert and same.rows_compared == 800
    shifted = compute("credit-risk", "v1.0.0", encoder, reference, _frame(800, 1.0, 3), 0.3, tmp_path / "r.html")
    assert shifted.columns["loan_amnt"].drifted and shifted.columns["loan_intent"].drifted
    assert not shifted.columns["person_income"].drifted
    assert shifted.drift_share > 0.5 and shifted.alert
    assert (tmp_path / "r.html").stat().st_size > 10_000


def test_empty_window_reports_nothing() -> None:
    reference = _frame(100, 0.0, 1)
    result = compute(
        "credit-risk",
        "v1",
        TabularEncoder.fit(reference),
        reference,
        reference.iloc[0:0],
        0.3,
        None,
    )
    assert result.rows_compared == 0 and result.columns == {} and not result.alert
