import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from nivesh.data import spending as sp
from nivesh.errors import SchemaError
from nivesh.families import forecast as fc

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def _history(months: int = 30, start: str = "2024-01") -> str:
    idx = pd.date_range(start, periods=months, freq="MS")
    return sp.history_json(idx, 30000 + 5000 * np.sin(np.arange(months) / 12 * 2 * np.pi))


def test_history_is_parsed_with_missing_months_as_zero() -> None:
    obj = json.loads(_history(20))
    del obj["2024-05"]
    months, values = sp.parse_history(json.dumps(obj), NOW)
    assert len(months) == 20 and values[4] == 0.0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json", "not JSON"),
        ('{"2026-01": -5}', "negative"),
        ('{"2027-01": 5}', "in the future"),
        ('{"Jan 2026": 5}', "YYYY-MM"),
        ('{"2026-01": "5"}', "numbers"),
        (_history(6), "at least 13 months"),
        ('{"1901-01": 5, "2026-01": 5}', "spans 1501 months"),  # minutes of fitting: refused
        (_history(121), "121 months; send at most the last 120"),
        ('{"9999999-01": 5}', "months must be YYYY-MM"),
    ],
)
def test_bad_histories_are_named(text: str, problem: str) -> None:
    with pytest.raises(SchemaError, match=problem):
        sp.parse_history(text, NOW)


def test_transactions_become_monthly_series_per_group() -> None:
    days = pd.date_range("2024-01-01", "2025-06-30", freq="D")
    raw = pd.DataFrame({"when": days.strftime("%d-%m-%Y"), "rs": 100.0, "cat": np.where(days.day % 2, "food", "fuel")})
    long = sp.monthly_frame(raw, "when", "rs", "cat", NOW)
    assert set(long[sp.SERIES]) == {"total", "food", "fuel"}
    total = long[long[sp.SERIES] == "total"].set_index(sp.MONTH)[sp.AMOUNT]
    assert total[pd.Timestamp("2024-01-01")] == 3100.0 and len(total) == 18


def test_file_problems_name_the_column() -> None:
    raw = pd.DataFrame({"date": ["01-01-2026", "02-01-2030"], "amount": [5.0, 6.0]})
    with pytest.raises(SchemaError, match="date: dates in the future"):
        sp.monthly_frame(raw, "date", "amount", None, NOW)
    with pytest.raises(SchemaError, match="amount: negative"):
        sp.monthly_frame(raw.assign(amount=[-1.0, 2.0]).iloc[:1], "date", "amount", None, NOW)
    with pytest.raises(SchemaError, match="--group-column"):
        sp.monthly_frame(raw, "date", "amount", "category", NOW)


def test_seasonal_naive_repeats_last_year() -> None:
    history = np.arange(24, dtype=float)
    assert fc.seasonal_naive(history, 3).tolist() == [12.0, 13.0, 14.0]


def test_forecast_picks_a_method_by_backtest_and_beats_naive_on_seasonal_data(tmp_path) -> None:
    data = sp.generate(8, seed=2, end=NOW)
    series = [sp.parse_history(h, NOW) for h in data.histories[sp.HISTORY]]
    lstm = fc.LstmForecaster.fit([(m[:-6], v[:-6]) for m, v in series], fc.ForecastConfig(lstm_epochs=60, origins=2))
    lstm.save(tmp_path)
    loaded = fc.LstmForecaster.load(tmp_path)
    ours, naive = [], []
    for months, values in series[:4]:
        f = fc.forecast(loaded, months[:-6], values[:-6], 6)
        assert f.method in fc.METHODS and len(f.yhat) == 6 and f.months[0] > f"{months[-7]:%Y-%m}"
        assert all(lo <= y <= hi for lo, y, hi in zip(f.lower, f.yhat, f.upper, strict=True))
        ours.append(fc.mape(values[-6:], np.asarray(f.yhat)))
        naive.append(fc.mape(values[-6:], fc.seasonal_naive(values[:-6], 6)))
    assert np.mean(ours) < np.mean(naive) * 1.1  # at least about as good; the benchmark measures it properly


def test_lstm_backtest_twin_never_saw_the_backtest_months(tmp_path) -> None:
    """The twin is trained without each series' last `backtest_span` months, so changing
    those months changes the served net but not the twin; too short a history -> no twin."""
    config = fc.ForecastConfig(lstm_epochs=5, origins=2)
    data = sp.generate(4, seed=3, end=NOW)
    series = [sp.parse_history(h, NOW) for h in data.histories[sp.HISTORY]]
    changed = [(m, np.concatenate([v[: -config.backtest_span], v[-config.backtest_span :] * 3])) for m, v in series]
    a, b = fc.LstmForecaster.fit(series, config), fc.LstmForecaster.fit(changed, config)
    months, values = series[0]
    assert np.allclose(a.predict(months, values, 6, backtest=True), b.predict(months, values, 6, backtest=True))
    assert not np.allclose(a.predict(months, values, 6), b.predict(months, values, 6))
    short = [(m[-(config.backtest_span + 5) :], v[-(config.backtest_span + 5) :]) for m, v in series]
    lone = fc.LstmForecaster.fit(short, config)
    assert lone.backtest_net is None
    lone.save(tmp_path)
    f = fc.forecast(fc.LstmForecaster.load(tmp_path), *short[0], 3)
    assert "lstm" not in f.backtest_mape and "blend" not in f.backtest_mape
