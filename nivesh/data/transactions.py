"""Synthetic card / UPI transactions of Indian users, with the user's recent behaviour.

Each transaction has request-time fields (amount in rupees, merchant category, hour,
channel) and the user's activity just before it: counts and amount statistics over
the last hour and day. The activity is what a stream job pushes to Feast after every
transaction (`user_txn_activity`, one-hour TTL); here it is computed from the
history, one snapshot per transaction plus a current one per user. About 0.5 % of
transactions are fraud: bursts of large online or ATM transactions at odd hours in
categories the user does not use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nivesh.catalog import ANOMALY_DETECTOR
from nivesh.data.schema import Column, Kind, TableSchema

CATEGORIES = ("groceries", "food_delivery", "fuel", "utilities", "shopping", "travel", "health", "entertainment")
FRAUD_CATEGORIES = ("electronics", "gift_cards", "crypto_exchange", "jewellery")
# typical amount (rupees) per category: median of a lognormal
CATEGORY_MEDIAN = {
    "groceries": 900,
    "food_delivery": 450,
    "fuel": 1500,
    "utilities": 1800,
    "shopping": 2200,
    "travel": 4500,
    "health": 1200,
    "entertainment": 700,
}

REQUEST_FIELDS = ANOMALY_DETECTOR.request_fields
# Stored per user in Feast (user_txn_activity view, one-hour TTL).
ACTIVITY_FEATURES = ("txn_count_1h", "amount_sum_1h", "txn_count_24h", "amount_mean_24h", "amount_max_24h")

TRANSACTION_SCHEMA = TableSchema(
    name=ANOMALY_DETECTOR.name,
    label="is_fraud",
    columns=(
        Column("amount", Kind.NUMBER, description="transaction amount, rupees", minimum=0.01),
        Column("merchant_category", Kind.CATEGORY, description="merchant category"),
        Column("hour", Kind.INTEGER, description="local hour of day", minimum=0, maximum=23),
        Column("channel", Kind.CATEGORY, description="UPI / POS / CARD_ONLINE / NETBANKING / ATM"),
        Column("txn_count_1h", Kind.NUMBER, description="user's transactions in the previous hour", minimum=0),
        Column("amount_sum_1h", Kind.NUMBER, description="their amount, rupees", minimum=0),
        Column("txn_count_24h", Kind.NUMBER, description="user's transactions in the previous day", minimum=0),
        Column("amount_mean_24h", Kind.NUMBER, description="mean amount over the previous day", minimum=0),
        Column("amount_max_24h", Kind.NUMBER, description="largest amount over the previous day", minimum=0),
        Column("amount_to_mean_24h", Kind.NUMBER, description="amount / the day's mean (1 with no history)"),
        Column("is_fraud", Kind.INTEGER, description="1 if confirmed fraud"),
    ),
)


def amount_to_mean(amount: np.ndarray, mean_24h: np.ndarray, count_24h: np.ndarray) -> np.ndarray:
    """The one definition of the derived ratio: 1.0 for a user with no activity in the day."""
    mean = np.asarray(mean_24h, dtype="float64")
    ratio = np.asarray(amount, dtype="float64") / np.maximum(np.nan_to_num(mean, nan=0.0), 1.0)
    return np.round(np.where(np.asarray(count_24h, dtype="float64") > 0, ratio, 1.0), 3)


def no_activity() -> dict[str, float]:
    """What a user with no transaction in the TTL window has (an expired or absent Feast row)."""
    return dict.fromkeys(ACTIVITY_FEATURES, 0.0)


def assemble_columns(cols: Mapping[str, Sequence[Any]], with_label: bool = False) -> dict[str, list[Any]]:
    """Request fields + activity -> the model's columns in schema order; missing activity
    (None) counts as none. Used after the Feast join in training and by the transformer."""
    n = len(cols["amount"])
    activity = {
        name: [default if v is None or v != v else v for v in (cols.get(name) or [None] * n)]
        for name, default in no_activity().items()
    }
    derived = amount_to_mean(
        np.asarray(cols["amount"], dtype="float64"),
        np.asarray(activity["amount_mean_24h"], dtype="float64"),
        np.asarray(activity["txn_count_24h"], dtype="float64"),
    )
    merged = {**cols, **activity, "amount_to_mean_24h": derived.tolist()}
    names = [c for c in TRANSACTION_SCHEMA.names if with_label or c != TRANSACTION_SCHEMA.label]
    return {c: list(merged[c]) for c in names}


def assemble(joined: pd.DataFrame, with_label: bool = True) -> pd.DataFrame:
    cols = {c: joined[c].tolist() for c in joined.columns}
    return pd.DataFrame(assemble_columns(cols, with_label), index=joined.index)


@dataclass(frozen=True)
class TransactionData:
    transactions: pd.DataFrame  # transaction_id, user_id, event_timestamp, REQUEST_FIELDS, is_fraud
    activity: pd.DataFrame  # user_id, event_timestamp, created_timestamp, ACTIVITY_FEATURES

    def write(self, folder: Path) -> dict[str, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = {"transactions": folder / "transactions.parquet", "activity": folder / "user_txn_activity.parquet"}
        self.transactions.to_parquet(paths["transactions"], index=False)
        self.activity.to_parquet(paths["activity"], index=False)
        return paths


def _activity_before(tx: pd.DataFrame) -> pd.DataFrame:
    """Per transaction, the user's activity in the hour and day strictly before it."""
    out = []
    for _, g in tx.groupby("user_id", sort=False):
        s = g.set_index("event_timestamp")["amount"]
        h = s.rolling("1h", closed="left")
        d = s.rolling("24h", closed="left")
        out.append(
            pd.DataFrame(
                {
                    "txn_count_1h": h.count().fillna(0).to_numpy(),
                    "amount_sum_1h": h.sum().fillna(0).to_numpy(),
                    "txn_count_24h": d.count().fillna(0).to_numpy(),
                    "amount_mean_24h": d.mean().fillna(0).round(2).to_numpy(),
                    "amount_max_24h": d.max().fillna(0).to_numpy(),
                },
                index=g.index,
            )
        )
    return pd.concat(out).loc[tx.index]


def generate(n_users: int = 400, seed: int = 5, end: datetime | None = None, days: int = 10) -> TransactionData:
    """Deterministic for a given (n_users, seed, end); `end` is also when the current
    activity snapshot is stamped, so materializing at `end` loads it online."""
    rng = np.random.default_rng(seed)
    end = end or datetime(2026, 11, 1, tzinfo=UTC)
    start = end - timedelta(days=days)
    rows = []
    hour_p = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.5, 2, 4, 6, 6, 6, 6, 7, 6, 5, 5, 5, 6, 8, 9, 9, 7, 4, 2], dtype=float)
    hour_p /= hour_p.sum()
    for u in range(n_users):
        uid = f"U{u:06d}"
        favourite = rng.choice(CATEGORIES, size=4, replace=False)
        scale = rng.lognormal(0, 0.45)  # some users spend more
        n = rng.poisson(3.0 * days)
        day = rng.uniform(0, days, n).astype(int)
        hour = rng.choice(24, n, p=hour_p)
        minute = rng.uniform(0, 60, n)
        cat = rng.choice(favourite, n, p=(0.4, 0.3, 0.2, 0.1))
        amount = np.array([CATEGORY_MEDIAN[c] for c in cat]) * scale * rng.lognormal(0, 0.6, n)
        channel = np.where(
            np.isin(cat, ("groceries", "fuel", "health")),
            rng.choice(("UPI", "POS"), n, p=(0.6, 0.4)),
            rng.choice(("UPI", "CARD_ONLINE", "NETBANKING"), n, p=(0.6, 0.3, 0.1)),
        )
        for d, h, m, c, a, ch in zip(day, hour, minute, cat, amount, channel, strict=True):
            ts = start + timedelta(days=int(d), hours=int(h), minutes=float(m))
            rows.append((uid, ts, round(float(a), 2), str(c), int(h), str(ch), 0))
        if rng.random() < 0.12:  # a fraud burst: 1-3 large transactions within minutes, at night
            ts = start + timedelta(days=float(rng.uniform(1, days - 0.2)))
            ts = ts.replace(hour=int(rng.choice((0, 1, 2, 3, 4, 23))))
            for k in range(int(rng.integers(1, 4))):
                rows.append(
                    (
                        uid,
                        ts + timedelta(minutes=4 * k),
                        round(float(rng.lognormal(np.log(25_000), 0.7) * scale), 2),
                        str(rng.choice(FRAUD_CATEGORIES)),
                        ts.hour,
                        str(rng.choice(("CARD_ONLINE", "ATM"), p=(0.7, 0.3))),
                        1,
                    )
                )
    tx = pd.DataFrame(
        rows, columns=["user_id", "event_timestamp", "amount", "merchant_category", "hour", "channel", "is_fraud"]
    )
    tx["event_timestamp"] = pd.to_datetime(tx["event_timestamp"], utc=True)
    tx = tx[tx["event_timestamp"] < end].sort_values(["event_timestamp", "user_id"], ignore_index=True)
    tx.insert(0, "transaction_id", [f"T{i:08d}" for i in range(len(tx))])
    before = _activity_before(tx)
    # A snapshot just before each transaction (what the stream job had pushed), plus the
    # current state per user at `end` (what the online store holds now).
    snapshots = pd.concat([tx[["user_id", "event_timestamp"]], before], axis=1)
    snapshots["event_timestamp"] = snapshots["event_timestamp"] - pd.Timedelta(milliseconds=1)
    current = _current(tx, end)
    activity = pd.concat([snapshots, current], ignore_index=True)
    activity["created_timestamp"] = activity["event_timestamp"]
    return TransactionData(tx, activity)


def joined_frame(data: TransactionData) -> pd.DataFrame:
    """Each transaction with the activity strictly before it, assembled in schema order:
    what the Feast point-in-time join gives training, without a feature store."""
    return assemble(pd.concat([data.transactions, _activity_before(data.transactions)], axis=1))


def _current(tx: pd.DataFrame, end: datetime) -> pd.DataFrame:
    now = pd.Timestamp(end) - pd.Timedelta(minutes=1)
    hour = tx[tx["event_timestamp"] >= now - pd.Timedelta(hours=1)].groupby("user_id")["amount"]
    day = tx[tx["event_timestamp"] >= now - pd.Timedelta(hours=24)].groupby("user_id")["amount"]
    cur = pd.DataFrame(
        {"txn_count_24h": day.count(), "amount_mean_24h": day.mean().round(2), "amount_max_24h": day.max()}
    )
    cur["txn_count_1h"] = hour.count()
    cur["amount_sum_1h"] = hour.sum()
    cur = cur.fillna(0).reset_index()
    cur["event_timestamp"] = now
    return cur[["user_id", "event_timestamp", *ACTIVITY_FEATURES]]
