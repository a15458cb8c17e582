"""Champion / challenger: a newly registered version becomes `production` only when it
beats the current production version on the same evaluation set.

Both are scored on the challenger's held-out rows with the catalogue's gate metric, so
the comparison is like for like (the production version's registered metric was
measured on an older set). Ties keep the champion. The decision and its reason are
tags on the challenger's version (`promotion.decision`, `promotion.reason`), so the
registry says why a retrained version stayed in staging.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from nivesh import catalog, registry
from nivesh.errors import NiveshError
from nivesh.settings import Workspace
from nivesh.training.trainer import trainer

log = logging.getLogger(__name__)
PROMOTED, KEPT = registry.PRODUCTION, registry.STAGING


@dataclass(frozen=True)
class Decision:
    decision: str  # production or staging
    reason: str
    champion: str = ""  # the production semver compared with, if any
    champion_value: float | None = None


def better(spec: catalog.ModelSpec, challenger: float, champion: float) -> bool:
    """Strictly better in the gate metric's direction (a tie keeps the champion)."""
    return catalog.better(challenger, champion, spec.gate.lower_is_better)


def decide(
    model: str,
    challenger: registry.RegisteredVersion,
    challenger_value: float,
    test: pd.DataFrame,
    label: str,
    ws: Workspace,
) -> Decision:
    """Score production on `test`, compare, move the alias if the challenger wins, tag the reason."""
    spec = catalog.get(model)
    metric = spec.gate.metric
    try:
        champion = registry.resolve(ws, model, registry.PRODUCTION)
    except NiveshError:
        champion = None
    if champion is None:
        decision = Decision(KEPT, "no production version to compare with; promote the first one with a deployment")
    elif champion.version == challenger.version:
        decision = Decision(PROMOTED, "already production", champion.semver)
    else:
        try:
            with tempfile.TemporaryDirectory() as tmp:
                folder, _ = registry.download(ws, champion, Path(tmp))
                value = float(trainer(model).evaluate(folder, test, label).metrics[metric])
        except Exception as exc:  # noqa: BLE001 - any failure to score the champion keeps it, with the reason
            decision = Decision(KEPT, f"production {champion.semver} could not be scored on this set: {exc}")
        else:
            compared = (
                f"{metric} {challenger_value:.4g} vs production {champion.semver} {value:.4g} on {len(test)} rows"
            )
            if better(spec, challenger_value, value):
                decision = Decision(PROMOTED, f"better: {compared}", champion.semver, value)
            else:
                decision = Decision(KEPT, f"not better: {compared}", champion.semver, value)
    record(ws, model, challenger, decision)
    return decision


def record(ws: Workspace, model: str, challenger: registry.RegisteredVersion, decision: Decision) -> None:
    client = registry.connect(ws)
    tags = {"promotion.decision": decision.decision, "promotion.reason": decision.reason[:4000]}
    if decision.champion:
        tags["promotion.champion"] = decision.champion
    for key, value in tags.items():
        client.set_model_version_tag(model, challenger.version, key, value)
    if decision.decision == PROMOTED:
        client.set_registered_model_alias(model, registry.PRODUCTION, challenger.version)
    log.info("%s %s: %s (%s)", model, challenger.semver, decision.decision, decision.reason)
