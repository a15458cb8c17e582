"""Loaders for users' own files, given by path; schema problems name the column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nivesh.data.schema import TableSchema
from nivesh.errors import NiveshError, SchemaError


def read_table(path: Path) -> pd.DataFrame:
    """CSV or parquet by extension; a missing or unreadable file is one clear error."""
    if not path.is_file():
        raise NiveshError(f"{path}: no such file (pass --data with the path to a CSV or parquet file)")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise NiveshError(f"{path}: cannot be read as a table: {exc}") from exc


def load_labelled(path: Path, label: str | None, schema: TableSchema) -> tuple[pd.DataFrame, str]:
    """A labelled training table.

    With no `label`, the file must follow `schema` (the model's own columns), which
    is checked column by column. With `label`, the file may have any columns: the
    label must exist and every other column is a feature.
    """
    frame = read_table(path)
    if label is None:
        if schema.label is None:
            raise NiveshError(f"{schema.name} has no default label; pass --label COLUMN")
        return schema.check(frame), schema.label
    if label not in frame.columns:
        raise SchemaError(
            label,
            f"label column not in {path.name}; columns are: {', '.join(map(str, frame.columns))}",
        )
    if frame.shape[1] < 2:
        raise NiveshError(f"{path}: needs at least one feature column besides {label!r}")
    return frame, label
