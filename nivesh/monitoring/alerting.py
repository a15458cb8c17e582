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

from nivesh.cluster import secrets
from nivesh.settings import PROJECT_ROOT

RULES_DIR = PROJECT_ROOT / "monitors" / "alerts"
ALERTMANAGER_FILE = PROJECT_ROOT / "monitors" / "alertmanager" / "alertmanager.yml"
RETRAIN_RECEIVER = "retrain-webhook"  # the receiver whose URL each environment sets
# the retrain receiver's URL as the file writes it (a host that can never resolve)
RETRAIN_URL_PLACEHOLDER = "http://nivesh-retrain-webhook.rendered-per-environment.invalid/alerts"


# Where Alertmanager reads the retrain webhook's bearer token: the key the webhook mounts too.
RETRAIN_CREDENTIALS_FILE = f"{secrets.ALERTMANAGER_SECRETS_DIR}/{secrets.RETRAIN_TOKEN.key}"


def alertmanager_yaml(retrain_url: str) -> str:
    """The project's Alertmanager file, comments kept, with the retrain receiver sent to `retrain_url`."""
    text = ALERTMANAGER_FILE.read_text()
    if text.count(RETRAIN_URL_PLACEHOLDER) != 1:
        raise ValueError(f"{ALERTMANAGER_FILE} must name the retrain receiver's URL as {RETRAIN_URL_PLACEHOLDER} once")
    if retrain_receiver(yaml.safe_load(text))["http_config"]["authorization"] != {
        "credentials_file": RETRAIN_CREDENTIALS_FILE
    }:
        raise ValueError(f"{ALERTMANAGER_FILE}: the retrain receiver must send {RETRAIN_CREDENTIALS_FILE}")
    return text.replace(RETRAIN_URL_PLACEHOLDER, retrain_url)


def alertmanager_config(retrain_url: str) -> dict[str, Any]:
    """The same, parsed (for a local Alertmanager whose credential files a caller points elsewhere)."""
    config: dict[str, Any] = yaml.safe_load(alertmanager_yaml(retrain_url))
    return config


def retrain_receiver(config: dict[str, Any]) -> dict[str, Any]:
    """The retrain receiver's webhook config in a parsed Alertmanager configuration (itself:
    a local Alertmanager points its credentials file elsewhere)."""
    (receiver,) = [r for r in config["receivers"] if r["name"] == RETRAIN_RECEIVER]
    webhook: dict[str, Any] = receiver["webhook_configs"][0]
    return webhook
