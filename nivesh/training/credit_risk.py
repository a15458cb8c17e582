"""credit-risk trainer: Feast point-in-time join (or a user's file) -> XGBoost classifier."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from nivesh import features
from nivesh.catalog import CREDIT_RISK
from nivesh.data import credit_risk as cr
from nivesh.data.loaders import load_labelled
from nivesh.evaluation import Evaluation
from nivesh.families import xgb_classifier as xgbc
from nivesh.settings import Workspace
from nivesh.training.trainer import UNREGISTERED


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


class CreditRiskTrainer:
    def frame(self, ws: Workspace, data: Path | None, options: Mapping[str, str]) -> tuple[pd.DataFrame, str]:
        label = options.get("label_column")
        if data is None:
            return frame_from_feast(ws, ws.feature_repo / "data" / "loan_applications.parquet")
        if data.suffix == ".parquet" and label is None and "event_timestamp" in pq.read_schema(data).names:
            return frame_from_feast(ws, data)  # an entity dataframe: join it in Feast
        return frame_from_file(data, label)

    def split(self, frame: pd.DataFrame, label: str, test_fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        return xgbc.split(frame, label, test_fraction)

    def fit(self, train: pd.DataFrame, label: str, out: Path, params: Mapping[str, Any]) -> None:
        trained = xgbc.train(train, label, dict(params))
        xgbc.save(
            trained,
            out,
            name=CREDIT_RISK.name,
            version=UNREGISTERED,
            feature_service=CREDIT_RISK.feature_service,
            train_frame=train,
        )

    def evaluate(self, artifact: Path, test: pd.DataFrame, label: str) -> Evaluation:
        return xgbc.evaluate_frame(xgbc.ClassifierModel(artifact, nthread=2), test, label)


TRAINER = CreditRiskTrainer()
