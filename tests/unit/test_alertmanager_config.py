"""amtool check-config and the routing tree: who hears about which alert (real amtool)."""

import shutil
import subprocess

import pytest

from tests.conftest import PROJECT

CONFIG = PROJECT / "monitors" / "alertmanager" / "alertmanager.yml"


def _amtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("amtool")
    if tool is None:
        pytest.skip("amtool not installed: sudo apt-get install prometheus-alertmanager")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=60, check=False)


def test_config_checks() -> None:
    out = _amtool("check-config", str(CONFIG))
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        # drift and quality alerts start a retraining run and tell the owners
        (
            "alertname=NiveshInputDrift action=retrain severity=warning model=intent-classifier",
            "retrain-webhook,slack-ml",
        ),
        (
            "alertname=NiveshQualityBelowRegistered action=retrain severity=warning model=credit-risk",
            "retrain-webhook,slack-risk",
        ),
        # a fast error-budget burn pages on-call and tells the owners
        ("alertname=NiveshErrorBudgetBurnFast severity=critical model=credit-risk", "pagerduty-oncall,slack-risk"),
        ("alertname=NiveshErrorBudgetBurnFast severity=critical model=financial-ner", "pagerduty-oncall,slack-ml"),
        # a slow burn is a ticket by email
        ("alertname=NiveshErrorBudgetBurnSlow severity=ticket model=financial-ner", "email-ml-tickets"),
        ("alertname=NiveshLatencyP95High severity=warning model=anomaly-detector", "slack-risk"),
        ("alertname=NiveshDriftMonitorStale severity=warning model=spending-predictor", "slack-ml"),
    ],
)
def test_routes(labels: str, receivers: str) -> None:
    out = _amtool("config", "routes", "test", f"--config.file={CONFIG}", *labels.split())
    assert out.stdout.strip() == receivers, out.stdout + out.stderr
