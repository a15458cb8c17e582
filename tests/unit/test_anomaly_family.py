from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from nivesh.data import transactions as txd
from nivesh.errors import ArtifactIntegrityError
from nivesh.families import anomaly


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return txd.joined_frame(txd.generate(250, seed=3, end=datetime(2026, 11, 1, tzinfo=UTC)))


def test_activity_is_strictly_before_each_transaction() -> None:
    tx = pd.DataFrame(
        {
            "user_id": ["U1"] * 3,
            "event_timestamp": pd.to_datetime(["2026-01-01 10:00", "2026-01-01 10:30", "2026-01-01 12:00"], utc=True),
            "amount": [100.0, 200.0, 50.0],
        }
    )
    act = txd._activity_before(tx)
    assert act["txn_count_1h"].tolist() == [0, 1, 0]
    assert act["txn_count_24h"].tolist() == [0, 1, 2]
    assert act["amount_mean_24h"].tolist() == [0, 100.0, 150.0]


def test_missing_activity_means_none_and_ratio_is_one() -> None:
    cols = txd.assemble_columns({"amount": [500.0], "merchant_category": ["fuel"], "hour": [9], "channel": ["UPI"]})
    assert cols["txn_count_1h"] == [0.0] and cols["amount_to_mean_24h"] == [1.0]


def test_calibrated_fpr_and_frauds_stand_out(frame: pd.DataFrame, tmp_path) -> None:
    normal, fraud = frame[frame.is_fraud == 0], frame[frame.is_fraud == 1]
    train, held = normal.iloc[: int(len(normal) * 0.8)], normal.iloc[int(len(normal) * 0.8) :]
    numeric = [c for c in frame.columns if c not in ("merchant_category", "channel", "is_fraud")]
    det = anomaly.fit(train, numeric, ["merchant_category", "channel"], anomaly.AnomalyConfig(ae_epochs=10, trees=100))
    held_score, _ = det.score(held)
    fraud_score, errors = det.score(fraud)
    assert np.mean(held_score >= det.threshold) < 0.02
    assert np.mean(fraud_score >= det.threshold) > 0.2
    assert np.median(fraud_score) > np.quantile(held_score, 0.95)
    drivers = det.drivers(errors[:1], fraud.reset_index(drop=True))[0]
    assert len(drivers) == 3 and abs(sum(d["share"] for d in drivers)) <= 1.0
    anomaly.save(det, tmp_path)
    again = anomaly.load(tmp_path)
    assert np.allclose(again.score(held)[0], held_score, atol=1e-5)


def test_amounts_past_the_training_range_keep_raising_the_score(frame: pd.DataFrame) -> None:
    """The quantile transform clips at the fitted range; the beyond columns carry on past it."""
    normal = frame[frame.is_fraud == 0]
    numeric = [c for c in frame.columns if c not in ("merchant_category", "channel", "is_fraud")]
    det = anomaly.fit(normal, numeric, ["merchant_category", "channel"], anomaly.AnomalyConfig(ae_epochs=10, trees=100))
    row = normal.iloc[[0]]
    top = float(normal.amount.max())
    scores = [float(det.score(row.assign(amount=a))[0][0]) for a in (top, top * 10, top * 100)]
    assert scores[0] < scores[1] < scores[2]
    assert (
        det.drivers(det.score(row.assign(amount=top * 100))[1], row.reset_index(drop=True))[0][0]["feature"] == "amount"
    )


def test_unexpected_types_in_a_skops_file_are_refused(tmp_path) -> None:
    import skops.io as sio
    from sklearn.ensemble import IsolationForest
    from sklearn.linear_model import LogisticRegression

    sio.dump(LogisticRegression(), tmp_path / anomaly.FOREST_FILE)
    with pytest.raises(ArtifactIntegrityError, match="holds a LogisticRegression, expected IsolationForest"):
        anomaly._load_skops(tmp_path / anomaly.FOREST_FILE, IsolationForest)


def test_flat_forest_scores_exactly_as_sklearn() -> None:
    from sklearn.ensemble import IsolationForest

    from nivesh.families.anomaly import FlatForest

    rng = np.random.default_rng(4)
    x = rng.normal(size=(500, 6)).astype(np.float32)
    x[:10] *= 8  # some outliers
    for max_features in (1.0, 0.5):
        forest = IsolationForest(n_estimators=50, max_features=max_features, random_state=1).fit(x)
        flat = FlatForest(forest)
        probe = np.vstack([x[:40], rng.normal(size=(40, 6)).astype(np.float32) * 3])
        assert np.allclose(flat.anomaly_scores(probe), -forest.score_samples(probe), rtol=0, atol=1e-12)
        assert np.allclose(flat.anomaly_scores(probe[:1]), -forest.score_samples(probe[:1]), rtol=0, atol=1e-12)
