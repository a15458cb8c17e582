"""Champion / challenger against a real MLflow registry: a retrained credit-risk version
becomes production only when it beats production on the same held-out rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nivesh import catalog, registry
from nivesh.settings import Workspace
from nivesh.training import champion
from tests.conftest import fit_and_publish

pytestmark = [pytest.mark.integration, pytest.mark.slow]
MODEL = catalog.CREDIT_RISK.name
WEAK = {"max_depth": 1, "eta": 0.0005}  # barely learns: a clearly worse model on the same data


def test_promoted_only_when_better(workspace, credit_risk_prepared, tmp_path: Path) -> None:
    ws = Workspace(home=tmp_path / "var", feature_repo=workspace.feature_repo)  # its own registry
    prepared = credit_risk_prepared

    def register(name: str, params: dict[str, Any]) -> tuple[registry.RegisteredVersion, float]:
        version, metrics = fit_and_publish(MODEL, prepared, ws, tmp_path / name, params)
        return version, float(metrics["auc"])

    weak, weak_auc = register("weak", WEAK)
    first = champion.decide(MODEL, weak, weak_auc, prepared.test, prepared.label, ws)
    assert first.decision == registry.STAGING and "no production version" in first.reason
    registry.connect(ws).set_registered_model_alias(MODEL, registry.PRODUCTION, weak.version)  # a first deploy

    strong, strong_auc = register("strong", {})
    assert strong_auc > weak_auc
    promoted = champion.decide(MODEL, strong, strong_auc, prepared.test, prepared.label, ws)
    assert promoted.decision == registry.PRODUCTION and promoted.champion == weak.semver
    assert promoted.champion_value == pytest.approx(weak_auc)
    assert registry.resolve(ws, MODEL, registry.PRODUCTION).version == strong.version

    again, again_auc = register("weak-again", WEAK)
    kept = champion.decide(MODEL, again, again_auc, prepared.test, prepared.label, ws)
    assert kept.decision == registry.STAGING and kept.reason.startswith("not better: auc")
    assert registry.resolve(ws, MODEL, registry.PRODUCTION).version == strong.version
    tags = registry.connect(ws).get_model_version(MODEL, again.version).tags
    assert tags["promotion.decision"] == "staging" and tags["promotion.champion"] == strong.semver
    assert f"on {len(prepared.test)} rows" in tags["promotion.reason"]
