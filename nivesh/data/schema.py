"""Column schemas for tabular data, and the check that names a missing or mistyped column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from nivesh.errors import SchemaError


class Kind(StrEnum):
    INTEGER = "integer"
    NUMBER = "number"
    CATEGORY = "category"
    TIMESTAMP = "timestamp"
    STRING = "string"


def v2_datatype(text: bool) -> str:
    """The Open Inference datatype a column travels as: strings as BYTES, numbers as FP64."""
    return "BYTES" if text else "FP64"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    nullable: bool = False
    description: str = ""
    minimum: float | None = None  # inclusive bounds for numbers; outside is a SchemaError (HTTP 400)
    maximum: float | None = None

    def out_of_bounds(self, values: Sequence[Any] | np.ndarray) -> str | None:
        """A message naming the first value outside [minimum, maximum], or None."""
        if self.minimum is None and self.maximum is None:
            return None
        arr = np.asarray([np.nan if v is None else v for v in values], dtype="float64")
        low = self.minimum if self.minimum is not None else -np.inf
        high = self.maximum if self.maximum is not None else np.inf
        bad = np.flatnonzero((arr < low) | (arr > high))
        if not len(bad):
            return None
        i = int(bad[0])
        side = "below" if arr[i] < low else "above"  # the value itself is not repeated: it may be personal
        return f"row {i}: {side} the allowed range {_range(self.minimum, self.maximum)}"

    @property
    def v2_datatype(self) -> str:
        return v2_datatype(self.kind in (Kind.CATEGORY, Kind.STRING))


@dataclass(frozen=True)
class TableSchema:
    """An ordered set of columns; `label` names the target column, if any."""

    name: str
    columns: tuple[Column, ...]
    label: str | None = None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def check(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return `frame` with this schema's columns coerced, or raise naming the bad column."""
        out = frame.copy()
        for col in self.columns:
            if col.name not in out.columns:
                raise SchemaError(
                    col.name,
                    f"missing column (expected {col.kind.value}; have: {', '.join(map(str, frame.columns))})",
                )
            out[col.name] = coerce(out[col.name], col)
        return out


def _range(low: float | None, high: float | None) -> str:
    if high is None:
        return f">= {low:g}"
    if low is None:
        return f"<= {high:g}"
    return f"{low:g}..{high:g}"


def coerce(series: pd.Series, col: Column) -> pd.Series:
    """Coerce one column to its kind; the error quotes the first offending value."""
    if col.kind in (Kind.INTEGER, Kind.NUMBER):
        numeric = pd.to_numeric(series, errors="coerce")
        bad = numeric.isna() & series.notna()
        if bad.any():
            example = series[bad].iloc[0]
            raise SchemaError(col.name, f"expected {col.kind.value}, found {example!r} (row {bad.idxmax()})")
        series = numeric.astype("float64")
        problem = col.out_of_bounds(series.to_numpy())
        if problem:
            raise SchemaError(col.name, problem)
    elif col.kind is Kind.TIMESTAMP:
        parsed = pd.to_datetime(series, errors="coerce", utc=True)
        bad = parsed.isna() & series.notna()
        if bad.any():
            raise SchemaError(col.name, f"expected a timestamp, found {series[bad].iloc[0]!r}")
        series = parsed
    elif col.kind in (Kind.CATEGORY, Kind.STRING):
        series = series.astype("string").astype(object).where(series.notna(), None)
    if not col.nullable and series.isna().any():
        raise SchemaError(col.name, f"has {int(series.isna().sum())} missing values and may not")
    return series
