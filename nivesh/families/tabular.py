"""Tabular feature encoding shared by training and serving.

Numeric columns become float32; categorical columns become the index of their
value in the category list learned at training (missing -> NaN, which XGBoost
routes natively). The encoder is saved as JSON in the artifact manifest, so the
server encodes a request exactly as training did, and never unpickles anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from nivesh.data.schema import v2_datatype
from nivesh.errors import SchemaError

MAX_CATEGORIES = 1000


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    kind: str  # "numeric" | "categorical"
    categories: tuple[str, ...] = ()

    @property
    def v2_datatype(self) -> str:
        return v2_datatype(self.kind == "categorical")


@dataclass(frozen=True)
class TabularEncoder:
    features: tuple[FeatureSpec, ...]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @classmethod
    def fit(cls, frame: pd.DataFrame) -> TabularEncoder:
        """Detect categorical columns (non-numeric dtypes) and learn their categories."""
        specs = []
        for name in frame.columns:
            col = frame[name]
            if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
                counts = col.dropna().astype(str).value_counts()
                cats = tuple(sorted(counts.index[:MAX_CATEGORIES]))
                specs.append(FeatureSpec(str(name), "categorical", cats))
            else:
                specs.append(FeatureSpec(str(name), "numeric"))
        return cls(tuple(specs))

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Encode a training/evaluation frame; unseen categories become missing."""
        return self.encode({f.name: frame[f.name].to_numpy() for f in self.features}, strict=False)

    def encode(self, columns: Mapping[str, Sequence[Any] | np.ndarray], strict: bool = True) -> np.ndarray:
        """Encode named columns to the model matrix; strict mode rejects unseen categories."""
        n = _common_length(columns, self.names)
        out = np.empty((n, len(self.features)), dtype=np.float32)
        for j, spec in enumerate(self.features):
            values = columns[spec.name]
            if spec.kind == "numeric":
                out[:, j] = _numeric(spec.name, values)
            else:
                out[:, j] = _codes(spec, values, strict)
        return out

    def to_dict(self) -> list[dict[str, Any]]:
        return [asdict(f) | {"categories": list(f.categories)} for f in self.features]

    @classmethod
    def from_dict(cls, data: list[dict[str, Any]]) -> TabularEncoder:
        return cls(tuple(FeatureSpec(d["name"], d["kind"], tuple(d.get("categories", ()))) for d in data))


def _common_length(columns: Mapping[str, Sequence[Any] | np.ndarray], names: list[str]) -> int:
    lengths = {}
    for name in names:
        if name not in columns:
            raise SchemaError(name, "missing input")
        lengths[name] = len(columns[name])
    if len(set(lengths.values())) > 1:
        first = names[0]
        for name, n in lengths.items():
            if n != lengths[first]:
                raise SchemaError(name, f"has {n} values but {first} has {lengths[first]}")
    return lengths[names[0]] if names else 0


def _numeric(name: str, values: Sequence[Any] | np.ndarray) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind in "fiub":
        return arr.astype(np.float32)
    out = pd.to_numeric(pd.Series(arr, dtype=object), errors="coerce")
    bad = out.isna() & pd.Series(arr, dtype=object).notna()
    if bad.any():
        # the row, not the value: it may be personal data, and KServe logs every bad request
        raise SchemaError(name, f"row {int(np.flatnonzero(bad.to_numpy())[0])}: expected a number")
    return out.to_numpy(dtype=np.float32)


def _codes(spec: FeatureSpec, values: Sequence[Any] | np.ndarray, strict: bool) -> np.ndarray:
    index = {c: i for i, c in enumerate(spec.categories)}
    codes = np.empty(len(values), dtype=np.float32)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            codes[i] = np.nan
            continue
        key = v.decode() if isinstance(v, bytes) else str(v)
        code = index.get(key)
        if code is None:
            if strict:
                allowed = ", ".join(spec.categories[:20])
                raise SchemaError(spec.name, f"row {i}: unknown category; expected one of: {allowed}")
            codes[i] = np.nan
        else:
            codes[i] = code
    return codes
