"""Where the alert rules and the Alertmanager routing live, and how an environment's
Alertmanager finds its own retraining webhook.

monitors/alertmanager/alertmanager.yml is the routing every environment shares; the
retrain receiver's URL in it is a placeholder, because each environment retrains in its
own namespace: the cluster overlays (nivesh.cluster.render) and the local stack
(nivesh.local.stack) set it here, so no namespace or port is written in the YAML.
"""

from __future__ import annotations

from typing import Any

import yaml

from nivesh.settings import PROJECT_ROOT

RULES_DIR = PROJECT_ROOT / "monitors" / "alerts"
ALERTMANAGER_FILE = PROJECT_ROOT / "monitors" / "alertmanager" / "alertmanager.yml"
RETRAIN_RECEIVER = "retrain-webhook"  # the receiver whose URL each environment sets
# the retrain receiver's URL as the file writes it (a host that can never resolve)
RETRAIN_URL_PLACEHOLDER = "http://nivesh-retrain-webhook.rendered-per-environment.invalid/alerts"


def alertmanager_yaml(retrain_url: str) -> str:
    """The project's Alertmanager file, comments kept, with the retrain receiver sent to `retrain_url`."""
    text = ALERTMANAGER_FILE.read_text()
    if text.count(RETRAIN_URL_PLACEHOLDER) != 1:
        raise ValueError(f"{ALERTMANAGER_FILE} must name the retrain receiver's URL as {RETRAIN_URL_PLACEHOLDER} once")
    return text.replace(RETRAIN_URL_PLACEHOLDER, retrain_url)


def alertmanager_config(retrain_url: str) -> dict[str, Any]:
    """The same, parsed (for a local Alertmanager whose credential files a caller points elsewhere)."""
    config: dict[str, Any] = yaml.safe_load(alertmanager_yaml(retrain_url))
    return config
