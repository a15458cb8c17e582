"""Numeric descriptors of a monthly spending history, so the forecaster's input drifts
like a tabular one.

A `spend_history` is a JSON object of months; what changes when users change is its
level (`recent_mean`: the last three months, rupees), its direction (`yoy_growth`: the
last year against the one before) and its noise (`volatility`: the median month-to-month
change over the last year, relative to its median). Not its length: training sees histories
without their held-out months, so lengths differ from served ones by design. The same
function describes the training series (the reference, at training) and the
logged requests (each monitor run).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from nivesh.data import spending as sp
from nivesh.errors import SchemaError

DESCRIPTORS = ("recent_mean", "yoy_growth", "volatility")
RECENT = 3  # months in the level and growth windows
YEAR = 12


def describe_values(values: np.ndarray) -> tuple[float, float, float]:
    """The descriptors of one gap-filled monthly series (oldest first). Training sees each
    history six months earlier in the calendar than serving does, so growth and noise are
    measured so that the festival month does not move them: growth over whole years where
    there are two, noise as the median month-to-month change (a Diwali spike is one month)."""
    recent = values[-RECENT:]
    if len(values) >= 2 * YEAR:
        now, before = values[-YEAR:].sum(), values[-2 * YEAR : -YEAR].sum()
    else:  # 13..23 months: the last months against the same months a year earlier
        k = min(RECENT, len(values) - YEAR)
        now, before = values[-k:].sum(), values[-YEAR - k : -YEAR].sum()
    growth = float(now / before - 1) if before > 0 else float("nan")
    year = values[-YEAR:]
    level = float(np.median(year))
    noise = float(np.median(np.abs(np.diff(year))) / level) if level > 0 else float("nan")
    return float(recent.mean()), growth, noise


def describe(histories: Sequence[str | None]) -> pd.DataFrame:
    """One row per `spend_history` value; a value that does not parse gives a row of NaN
    (it was answered with a 400 and is not in the log, but an old row must not stop a run)."""
    rows = []
    for text in histories:
        try:
            _, values = sp.parse_history(text or "")
        except SchemaError:
            rows.append((float("nan"),) * len(DESCRIPTORS))
            continue
        rows.append(describe_values(values))
    return pd.DataFrame(np.array(rows, dtype=float).reshape(-1, len(DESCRIPTORS)), columns=list(DESCRIPTORS))
