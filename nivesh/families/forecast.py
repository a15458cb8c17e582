"""Monthly spending forecasts: Prophet, a global LSTM and simple baselines, chosen per series.

Each series (a user's monthly total, or one category) is backtested from rolling
origins inside its own history; the method (Prophet, LSTM, their blend, the
trailing 12-month median, the mean of that median and seasonal naive (a level
with half of last year's pattern), seasonal naive with the year's growth, or
seasonal naive itself) with the lowest backtest MAPE forecasts it. Prophet gets Indian festival
months (the Diwali month) as holidays. The LSTM is one model over all
series (each scaled by its own mean), trained at training time and saved as
safetensors. Its backtest cannot be both out of sample and of the served net: the
served net has seen the backtest months (in-sample backtests made it look best on
short series where it then failed: 12-month MAPE 18.5 on one category against 3.8
for seasonal naive). So a twin, trained with each series' last `backtest_span`
months cut off, is backtested too, and the LSTM methods are scored by the worse
of the two: the served net must fit the series and a net like it must generalise
(no twin when no series is long enough: then the LSTM methods are not chosen).
Prophet and the choice are fitted per series when a forecast is asked for,
because each series is its own model. Intervals: Prophet's own, or the
backtest's 80 % absolute-percentage error around the point for the other methods.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nivesh.data.spending import DIWALI
from nivesh.errors import NiveshError

WINDOW = 12  # months the LSTM reads
MAX_HORIZON = 12
DEFAULT_HORIZON = 6  # months forecast when a request does not say
METHODS = ("prophet", "lstm", "blend", "median_12", "median_naive", "seasonal_drift", "seasonal_naive")
LSTM_FILE = "lstm.safetensors"
BACKTEST_LSTM_FILE = "lstm_backtest.safetensors"
CONFIG_FILE = "forecast.json"


def festival_holidays() -> pd.DataFrame:
    """Prophet holidays on monthly data: the first day of each Diwali month."""
    months = pd.to_datetime(list(DIWALI.values())).to_period("M").to_timestamp()
    return pd.DataFrame({"holiday": "diwali_month", "ds": months, "lower_window": 0, "upper_window": 0})


def mape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute percentage error over months with non-zero actuals."""
    a, p = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    keep = np.abs(a) > 1e-9
    if not keep.any():
        return float("nan")
    return float(np.mean(np.abs(a[keep] - p[keep]) / np.abs(a[keep])))


def seasonal_naive(history: np.ndarray, horizon: int) -> np.ndarray:
    """The same month last year (the last value when there is less than a year)."""
    if len(history) >= 12:
        return np.array([history[len(history) - 12 + (i % 12)] for i in range(horizon)], dtype=float)
    return np.full(horizon, float(history[-1]))


def seasonal_drift(history: np.ndarray, horizon: int) -> np.ndarray:
    """Seasonal naive scaled by the last year's growth over the year before."""
    base = seasonal_naive(history, horizon)
    if len(history) < 24:
        return base
    before = float(np.mean(history[-24:-12]))
    growth = float(np.mean(history[-12:])) / before if before > 0 else 1.0
    return base * float(np.clip(growth, 0.5, 2.0))


def trailing_median(history: np.ndarray, horizon: int) -> np.ndarray:
    """The median month of the last year: robust to one-off spikes that noisy real series have."""
    return np.full(horizon, float(np.median(history[-12:])))


def prophet_forecast(
    months: pd.DatetimeIndex, history: np.ndarray, horizon: int, samples: int = 200
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from prophet import Prophet

    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    model = Prophet(
        # a flat trend: on two or three years of noisy monthly spending, an extrapolated
        # trend is what makes 12-month forecasts run away; the LSTM carries any drift
        growth="flat",
        yearly_seasonality=len(history) >= 25,  # Prophet wants two full years
        weekly_seasonality=False,
        daily_seasonality=False,
        holidays=festival_holidays(),
        uncertainty_samples=samples,
        interval_width=0.8,
        seasonality_mode="multiplicative",
    )
    model.fit(pd.DataFrame({"ds": months, "y": history}))
    future = pd.DataFrame({"ds": pd.date_range(months[-1] + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")})
    fc = model.predict(future)
    clip = np.maximum
    return (
        clip(fc["yhat"].to_numpy(), 0),
        clip(fc["yhat_lower"].to_numpy(), 0),
        clip(fc["yhat_upper"].to_numpy(), 0),
    )


@dataclass
class ForecastConfig:
    lstm_epochs: int = 150
    hidden: int = 32
    origins: int = 4  # rolling origins per series in the backtest, two months apart
    seed: int = 6

    @property
    def backtest_span(self) -> int:
        """Months from the earliest backtest origin to the end of a series at the longest horizon."""
        return MAX_HORIZON + 2 * (self.origins - 1)


def _lstm_module(hidden: int) -> Any:
    import torch

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(input_size=2, hidden_size=hidden, batch_first=True)
            self.head = torch.nn.Linear(hidden + 12, MAX_HORIZON)

        def forward(self, x: Any, target_month: Any) -> Any:
            out, _ = self.lstm(x)
            return self.head(torch.cat([out[:, -1, :], target_month], dim=1))

    return Net()


def _features(values: np.ndarray, months: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray, float]:
    """The last WINDOW months as log(value / series mean) plus month phase; the month after
    the window as one-hot; and the scale to undo."""
    scale = float(np.mean(values[values > 0])) if (values > 0).any() else 1.0
    window = values[-WINDOW:]
    phase = (months[-WINDOW:].month.to_numpy() - 1) / 11.0
    x = np.stack([np.log1p(window / scale), phase], axis=1).astype(np.float32)
    nxt = np.zeros(12, dtype=np.float32)
    nxt[(months[-1].month % 12)] = 1.0
    return x, nxt, scale


def _fit_net(series: Sequence[tuple[pd.DatetimeIndex, np.ndarray]], config: ForecastConfig) -> Any | None:
    """One LSTM over every window of every series: the last WINDOW months -> the next 12
    (None when no series is longer than WINDOW)."""
    import torch

    torch.manual_seed(config.seed)
    xs, ms, ys = [], [], []
    for months, values in series:
        for end in range(WINDOW, len(values)):
            x, nxt, scale = _features(values[:end], months[:end])
            target = values[end : end + MAX_HORIZON]
            y = np.full(MAX_HORIZON, np.nan, dtype=np.float32)
            y[: len(target)] = np.log1p(target / scale)
            xs.append(x)
            ms.append(nxt)
            ys.append(y)
    if not xs:
        return None
    net = _lstm_module(config.hidden)
    x_t, m_t, y_t = (torch.from_numpy(np.stack(a)) for a in (xs, ms, ys))
    mask = ~torch.isnan(y_t)
    y_t = torch.nan_to_num(y_t)
    opt = torch.optim.Adam(net.parameters(), lr=5e-3)
    for _ in range(config.lstm_epochs):
        opt.zero_grad()
        loss = (((net(x_t, m_t) - y_t) ** 2) * mask).sum() / mask.sum()
        loss.backward()
        opt.step()
    return net.eval()


class LstmForecaster:
    """The served LSTM and its out-of-sample twin for backtests (see the module docstring)."""

    def __init__(self, net: Any, backtest_net: Any | None, config: ForecastConfig) -> None:
        self.net = net
        self.backtest_net = backtest_net
        self.config = config

    @classmethod
    def fit(cls, series: Sequence[tuple[pd.DatetimeIndex, np.ndarray]], config: ForecastConfig) -> LstmForecaster:
        span = config.backtest_span
        early = [(m[:-span], v[:-span]) for m, v in series if len(v) > span]
        net = _fit_net(series, config)
        if net is None:
            raise NiveshError(f"no series is longer than {WINDOW} months; the LSTM needs a year of history")
        return cls(net, _fit_net(early, config), config)

    def predict(self, months: pd.DatetimeIndex, values: np.ndarray, horizon: int, backtest: bool = False) -> np.ndarray:
        import torch

        if len(values) < WINDOW:
            return seasonal_naive(values, horizon)
        x, nxt, scale = _features(values, months)
        net = self.backtest_net if backtest and self.backtest_net is not None else self.net
        with torch.inference_mode():
            out = net(torch.from_numpy(x[None]), torch.from_numpy(nxt[None])).numpy()[0][:horizon]
        return np.maximum(np.expm1(out) * scale, 0.0)

    def save(self, folder: Path) -> None:
        from safetensors.torch import save_file

        for net, name in ((self.net, LSTM_FILE), (self.backtest_net, BACKTEST_LSTM_FILE)):
            if net is None:
                continue
            save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(folder / name))
        (folder / CONFIG_FILE).write_text(json.dumps(asdict(self.config)))

    @classmethod
    def load(cls, folder: Path) -> LstmForecaster:
        import torch
        from safetensors.torch import load_file

        torch.set_num_threads(1)
        config = ForecastConfig(**json.loads((folder / CONFIG_FILE).read_text()))
        nets: list[Any] = []
        for name in (LSTM_FILE, BACKTEST_LSTM_FILE):
            net = _lstm_module(config.hidden)
            if (folder / name).exists() or name == LSTM_FILE:
                net.load_state_dict(load_file(str(folder / name)))
                nets.append(net.eval())
            else:
                nets.append(None)
        return cls(nets[0], nets[1], config)


@dataclass
class Forecast:
    months: list[str]
    yhat: list[float]
    lower: list[float]
    upper: list[float]
    method: str
    backtest_mape: dict[str, float]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


LSTM_METHODS = ("lstm", "blend")


def _candidates(
    lstm: LstmForecaster, months: pd.DatetimeIndex, values: np.ndarray, horizon: int, backtest: bool = False
) -> dict[str, tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]:
    """Every method's point forecast (and Prophet's interval); `backtest` also adds the
    twin LSTM's forecasts as `lstm@twin` and `blend@twin`."""
    p, lo, hi = prophet_forecast(months, values, horizon)
    lstm_point = lstm.predict(months, values, horizon)
    twin: dict[str, tuple[np.ndarray, np.ndarray | None, np.ndarray | None]] = {}
    if backtest and lstm.backtest_net is not None:
        twin_point = lstm.predict(months, values, horizon, backtest=True)
        twin = {"lstm@twin": (twin_point, None, None), "blend@twin": ((p + twin_point) / 2, None, None)}
    return {
        "prophet": (p, lo, hi),
        "lstm": (lstm_point, None, None),
        "blend": ((p + lstm_point) / 2, None, None),
        "median_12": (trailing_median(values, horizon), None, None),
        "seasonal_drift": (seasonal_drift(values, horizon), None, None),
        "median_naive": ((trailing_median(values, horizon) + seasonal_naive(values, horizon)) / 2, None, None),
        "seasonal_naive": (seasonal_naive(values, horizon), None, None),
    } | twin


def forecast(lstm: LstmForecaster, months: pd.DatetimeIndex, values: np.ndarray, horizon: int) -> Forecast:
    """Backtest every method from rolling origins on this series, forecast with the best."""
    started = time.monotonic()
    if not 1 <= horizon <= MAX_HORIZON:
        raise NiveshError(f"horizon must be 1..{MAX_HORIZON} months, got {horizon}")
    if len(values) < 13:
        raise NiveshError(f"need at least 13 months of history, got {len(values)}")
    errors: dict[str, list[float]] = {m: [] for m in METHODS}
    ape: dict[str, list[float]] = {m: [] for m in METHODS}
    cuts = sorted({max(13, len(values) - horizon - 2 * k) for k in range(lstm.config.origins)} - {len(values)})
    for cut in cuts:  # a short history is backtested over fewer months than the horizon
        actual = values[cut : cut + horizon]
        points = {
            m: c[0][: len(actual)] for m, c in _candidates(lstm, months[:cut], values[:cut], horizon, True).items()
        }
        keep = actual > 0
        for method in METHODS:
            if method in LSTM_METHODS and f"{method}@twin" not in points:
                continue  # no twin to backtest the LSTM out of sample
            tried = [points[method]] + ([points[f"{method}@twin"]] if method in LSTM_METHODS else [])
            worst = max(tried, key=lambda p: mape(actual, p))
            errors[method].append(mape(actual, worst))
            ape[method].extend((np.abs(actual - worst)[keep] / actual[keep]).tolist())
    scored = {m: float(np.nanmean(e)) for m, e in errors.items() if e and not np.all(np.isnan(e))}
    method = min(scored, key=lambda m: scored[m]) if scored else "median_12"
    point, lo, hi = _candidates(lstm, months, values, horizon)[method]
    if lo is None or hi is None:
        q = max(float(np.quantile(ape[method], 0.8)) if ape[method] else 0.25, 0.05)
        lo, hi = np.maximum(point * (1 - q), 0), point * (1 + q)
    future = pd.date_range(months[-1] + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")
    return Forecast(
        months=[d.strftime("%Y-%m") for d in future],
        yhat=np.round(point, 2).tolist(),
        lower=np.round(np.minimum(lo, point), 2).tolist(),
        upper=np.round(np.maximum(hi, point), 2).tolist(),
        method=method,
        backtest_mape={m: round(v, 4) for m, v in scored.items()},
        seconds=round(time.monotonic() - started, 3),
    )
