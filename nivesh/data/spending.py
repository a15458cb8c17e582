"""Monthly spending series: synthetic users' histories, and series built from a user's file.

The canonical long frame has one row per (series, month): `series` ("total" or a
category), `month` (first day), `amount` (rupees). Synthetic users spend with a
trend, yearly seasonality, a festival bump in the Diwali month and noise; their
monthly totals are what Feast serves as `spend_history` (a JSON object
{"YYYY-MM": rupees}), refreshed monthly by the batch job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from nivesh.data.schema import Column, Kind, TableSchema
from nivesh.errors import SchemaError

SERIES, MONTH, AMOUNT = "series", "month", "amount"
TOTAL = "total"
HISTORY = "spend_history"
MIN_MONTHS = 13  # a year to compare with, plus one
# The longest history a request may send: ten years is more than any forecast here uses, and
# a span of centuries would be minutes of fitting for one row.
MAX_MONTHS = 120
# Diwali by year: its month is the festival shopping month (a Prophet holiday, a generator bump).
DIWALI = {
    2014: "2014-10-23", 2015: "2015-11-11", 2016: "2016-10-30", 2017: "2017-10-19", 2018: "2018-11-07",
    2019: "2019-10-27", 2020: "2020-11-14", 2021: "2021-11-04", 2022: "2022-10-24", 2023: "2023-11-12",
    2024: "2024-11-01", 2025: "2025-10-20", 2026: "2026-11-08", 2027: "2027-10-29", 2028: "2028-10-17",
    2029: "2029-11-05", 2030: "2030-10-26",
}  # fmt: skip

SPENDING_SCHEMA = TableSchema(
    name="spending-predictor",
    columns=(Column(HISTORY, Kind.STRING, description='JSON {"YYYY-MM": rupees} of monthly spending'),),
)


def history_json(months: pd.DatetimeIndex, amounts: np.ndarray) -> str:
    return json.dumps({m.strftime("%Y-%m"): round(float(a), 2) for m, a in zip(months, amounts, strict=True)})


def parse_history(text: str, now: datetime | None = None) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """A `spend_history` value -> (months, amounts); every problem raises SchemaError naming it."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(HISTORY, f"not JSON ({exc.msg})") from None
    if not isinstance(obj, dict) or not obj:
        raise SchemaError(HISTORY, 'expected a JSON object {"YYYY-MM": amount, ...}')
    if len(obj) > MAX_MONTHS:
        raise SchemaError(HISTORY, f"{len(obj)} months; send at most the last {MAX_MONTHS}")
    try:
        months = pd.to_datetime(list(obj), format="%Y-%m")
    except (ValueError, OverflowError):  # the values are not repeated: a history is personal data
        raise SchemaError(HISTORY, "months must be YYYY-MM (e.g. 2026-01)") from None
    values = list(obj.values())
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
        raise SchemaError(HISTORY, "amounts must be numbers")
    amounts = np.asarray(values, dtype=float)
    if (amounts < 0).any():
        raise SchemaError(HISTORY, f"amounts must not be negative (month {list(obj)[int(np.argmax(amounts < 0))]})")
    current = pd.Timestamp(now or datetime.now(UTC)).tz_localize(None).to_period("M").to_timestamp()
    if (months > current).any():
        raise SchemaError(HISTORY, f"month {months[months > current][0]:%Y-%m} is in the future")
    order = np.argsort(months)
    months, amounts = months[order], amounts[order]
    full = pd.date_range(months[0], months[-1], freq="MS")
    if len(full) < MIN_MONTHS:
        raise SchemaError(HISTORY, f"needs at least {MIN_MONTHS} months, got {len(full)}")
    if len(full) > MAX_MONTHS:
        raise SchemaError(HISTORY, f"spans {len(full)} months from its first to its last; at most {MAX_MONTHS}")
    filled = pd.Series(amounts, index=months).groupby(level=0).sum().reindex(full, fill_value=0.0)
    return full, filled.to_numpy()


def monthly_frame(
    raw: pd.DataFrame, date_col: str, amount_col: str, group_col: str | None, now: datetime | None = None
) -> pd.DataFrame:
    """Transactions (any columns) -> the long monthly frame: a `total` series plus one per group."""
    for col, flag in ((date_col, "--date-column"), (amount_col, "--amount-column"), (group_col, "--group-column")):
        if col is not None and col not in raw.columns:
            raise SchemaError(col, f"not a column (columns: {', '.join(map(str, raw.columns))}); pass {flag} NAME")
    dates = pd.to_datetime(raw[date_col], errors="coerce", dayfirst=True, format="mixed")
    if dates.isna().mean() > 0.05:
        raise SchemaError(
            date_col, f"{int(dates.isna().sum())} values are not dates (e.g. {raw[date_col][dates.isna()].iloc[0]!r})"
        )
    amounts = pd.to_numeric(raw[amount_col], errors="coerce")
    if amounts.isna().any():
        raise SchemaError(amount_col, f"not a number: {raw[amount_col][amounts.isna()].iloc[0]!r}")
    if (amounts < 0).any():
        raise SchemaError(amount_col, "negative amounts; give spending as positive rupees")
    current = pd.Timestamp(now or datetime.now(UTC)).tz_localize(None)
    if (dates.dt.tz_localize(None) > current).any():
        raise SchemaError(date_col, f"dates in the future (e.g. {dates[dates.dt.tz_localize(None) > current].iloc[0]})")
    local = dates.dt.tz_localize(None)
    frame = pd.DataFrame({MONTH: local.dt.to_period("M").dt.to_timestamp(), AMOUNT: amounts})
    frame = frame[_whole_months(local)]
    frame[SERIES] = TOTAL
    parts = [frame]
    if group_col:
        parts.append(frame.assign(**{SERIES: raw.loc[frame.index, group_col].astype(str)}))
    long = pd.concat(parts).dropna(subset=[MONTH]).groupby([SERIES, MONTH], as_index=False)[AMOUNT].sum()
    return complete_months(long)


def _whole_months(dates: pd.Series) -> pd.Series:
    """False for rows of a first or last month the file covers only partly (a file that
    ends on the 20th would otherwise read as a month of low spending)."""
    first, last = dates.min(), dates.max()
    keep = pd.Series(True, index=dates.index)
    if first.day > 3:
        keep &= dates.dt.to_period("M") != first.to_period("M")
    if last.day < last.days_in_month - 2:
        keep &= dates.dt.to_period("M") != last.to_period("M")
    return keep


def complete_months(long: pd.DataFrame) -> pd.DataFrame:
    """Every series over the whole span (months without spending are 0); short series dropped."""
    start, end = long[MONTH].min(), long[MONTH].max()
    full = pd.date_range(start, end, freq="MS")
    out = []
    for name, g in long.groupby(SERIES):
        s = g.set_index(MONTH)[AMOUNT].reindex(full, fill_value=0.0)
        first = s.to_numpy().nonzero()[0]
        if not len(first):
            continue
        s = s.iloc[first[0] :]
        if len(s) >= MIN_MONTHS and (s > 0).mean() >= 0.6:  # sparse series forecast badly and mean little
            out.append(pd.DataFrame({SERIES: name, MONTH: s.index, AMOUNT: s.to_numpy()}))
    if not out:
        raise SchemaError(MONTH, f"no series with at least {MIN_MONTHS} months of mostly non-zero spending")
    return pd.concat(out, ignore_index=True)


@dataclass(frozen=True)
class SpendingData:
    histories: pd.DataFrame  # user_id, event_timestamp, created_timestamp, spend_history

    def write(self, folder: Path) -> dict[str, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "user_spend_history.parquet"
        self.histories.to_parquet(path, index=False)
        return {"spend_history": path}


def generate(n_users: int = 200, seed: int = 9, end: datetime | None = None, months: int = 36) -> SpendingData:
    """Each user's monthly totals up to the month before `end`, stamped at `end`."""
    rng = np.random.default_rng(seed)
    end = end or datetime(2026, 11, 1, tzinfo=UTC)
    last = pd.Timestamp(end).tz_localize(None).to_period("M").to_timestamp() - pd.offsets.MonthBegin(1)
    idx = pd.date_range(end=last, periods=months, freq="MS")
    diwali = {pd.Timestamp(d).to_period("M").to_timestamp() for d in DIWALI.values()}
    rows = []
    for u in range(n_users):
        base = rng.lognormal(np.log(35_000), 0.5)
        trend = rng.normal(0.004, 0.004)
        season = rng.uniform(0.03, 0.12)
        festival = rng.uniform(0.15, 0.45)
        t = np.arange(months)
        level = base * (1 + trend) ** t * (1 + season * np.sin(2 * np.pi * (idx.month.to_numpy() - 3) / 12))
        level *= np.where(np.isin(idx, list(diwali)), 1 + festival, 1.0)
        amounts = level * rng.lognormal(0, 0.06, months)
        rows.append((f"U{u:06d}", pd.Timestamp(end), history_json(idx, amounts)))
    frame = pd.DataFrame(rows, columns=["user_id", "event_timestamp", HISTORY])
    frame["event_timestamp"] = pd.to_datetime(frame["event_timestamp"], utc=True)
    frame["created_timestamp"] = frame["event_timestamp"]
    return SpendingData(frame)
