"""All synthetic data the Feast repo reads, written in one go (FileSources must all exist
before `feast apply` / `materialize`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from nivesh.data import credit_risk, spending, transactions


def write_all(folder: Path, users: int, seed: int, end: datetime) -> dict[str, Path]:
    """Borrowers + applications (credit-risk), transactions + activity (anomaly-detector) and
    monthly spending histories (spending-predictor).
    `end` is "now" for the data: activity snapshots stamped then are what materialize loads."""
    paths = credit_risk.generate(users, seed, end).write(folder)
    paths |= transactions.generate(max(users // 4, 100), seed, end).write(folder)
    # each history is forecast (several Prophet fits) in evaluation: a few dozen users show it
    paths |= spending.generate(min(max(users // 100, 12), 40), seed, end).write(folder)
    return paths
