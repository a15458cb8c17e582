"""credit-risk training data: Feast point-in-time join, or a user's file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nivesh import features
from nivesh.catalog import CREDIT_RISK
from nivesh.data import credit_risk as cr
from nivesh.data.loaders import load_labelled
from nivesh.settings import Workspace


def frame_from_feast(workspace: Workspace, applications: Path) -> tuple[pd.DataFrame, str]:
    """Join each application to the profile valid at its timestamp, then assemble."""
    entity_df = pd.read_parquet(applications)
    store = features.open_store(workspace)
    assert CREDIT_RISK.feature_service is not None
    joined = features.historical(store, CREDIT_RISK.feature_service, entity_df)
    label = cr.CREDIT_RISK_SCHEMA.label
    assert label is not None
    return cr.CREDIT_RISK_SCHEMA.check(cr.assemble(joined)), label


def frame_from_file(path: Path, label: str | None) -> tuple[pd.DataFrame, str]:
    return load_labelled(path, label, cr.CREDIT_RISK_SCHEMA)
