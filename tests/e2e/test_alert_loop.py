"""The monitoring loop with the real Prometheus tools: servers scraped by Prometheus,
shifted traffic, the drift monitor pushing to the Pushgateway, labels posted as feedback
and the quality monitor, the project's rules firing, Alertmanager routing to the
retraining webhook, the retraining run registering a new version in staging (and the
second alert of the same model held back by the cool-down). Every PromQL expression of
the rules and of the dashboards runs against that Prometheus and returns series."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from nivesh import auth, catalog, registry
from nivesh.cluster.secrets import FEEDBACK_TOKEN, RETRAIN_TOKEN
from nivesh.local import processes, stack, traffic
from nivesh.local.servers import serve
from nivesh.monitoring import dashboards, job
from nivesh.monitoring.alerting import RULES_DIR
from nivesh.settings import MonitorSettings, StoreSettings

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(2400)]
MODEL = catalog.CREDIT_RISK.name


def _wait(what: str, check: Callable[[], Any], timeout: float, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


# Alerts this test does not induce: a monitor that stopped, a model slower than its objective,
# a prediction log that loses or spills records (tests/integration/test_prediction_log_faults.py).
QUIET_HERE = {
    "NiveshDriftMonitorStale",
    "NiveshLatencyP95High",
    "NiveshPredictionLogDropping",
    "NiveshPredictionLogSpilling",
}


def _as_bool(expr: str) -> str:
    """The alert's expression with each comparison made a `bool` one: a series per input
    (0 or 1) instead of only the ones over the threshold."""
    return re.sub(r"\s([<>]=?)\s", r" \1 bool ", expr)


def _rules() -> list[dict[str, Any]]:
    return [
        r
        for p in sorted(RULES_DIR.glob("*.rules.yml"))
        for g in yaml.safe_load(p.read_text())["groups"]
        for r in g["rules"]
    ]


def test_drift_alert_reaches_the_webhook_and_retrains(workspace, trained, tmp_path: Path) -> None:
    for tool in ("prometheus", "prometheus-alertmanager", "prometheus-pushgateway"):
        if not processes.shutil.which(tool):
            pytest.skip(f"{tool} not installed: sudo apt-get install {tool}")
    first = trained(MODEL)
    # two processes: the predictor's outage below is what the transformer answers 5xx for
    served = serve(MODEL, workspace, first.semver, feature_join="transformer")
    hook = processes.start_retrain_webhook(tmp_path / "webhook.log")
    assert served.transformer is not None
    targets = {MODEL: [served.predictor.url, served.transformer.url]}
    hook_auth = auth.local_headers(workspace, RETRAIN_TOKEN)
    assert httpx.get(f"{hook.url}/runs", timeout=5).status_code == 401  # Alertmanager's token or nothing
    try:
        token = auth.local_token_file(workspace, RETRAIN_TOKEN)  # what the local Alertmanager sends
        with stack.running(tmp_path / "stack", targets, f"{hook.url}/alerts", token) as s:
            responses = []
            for shift, seed in ((0.0, 1), (1.5, 2)):
                bodies = traffic.credit_risk(workspace, 48, shift, seed)
                responses += traffic.send(served.endpoint, MODEL, bodies)
            time.sleep(1.5)  # the prediction logger's batch
            settings = MonitorSettings(window_hours=1, min_rows=30, pushgateway_url=s.pushgateway.url)
            store_url = StoreSettings().resolved_url(workspace)
            result = job.run(MODEL, workspace, store_url, settings, push=True)
            assert result.alert, f"drift share {result.drift_share} not above {result.threshold}"
            # loan outcomes arrive from the app back end: the opposite of what the model said
            # (quality collapses); without its token, nobody labels a prediction
            url = f"{served.endpoint}/v2/models/{MODEL}/feedback"
            headers = auth.local_headers(workspace, FEEDBACK_TOKEN)
            for response in responses:
                probability = next(o["data"] for o in response["outputs"] if o["name"] == "probability")
                body = {"id": response["id"], "labels": [int(p < 0.5) for p in probability]}
                assert httpx.post(url, json=body, timeout=10).status_code == 401
                posted = httpx.post(url, json=body, headers=headers, timeout=10)
                assert posted.status_code == 200 and posted.json()["stored"] == len(probability), posted.text
            assert httpx.post(url, json=body, headers=headers, timeout=10).status_code == 409  # labelled once
            [q] = job.run_quality(MODEL, workspace, store_url, settings, push=True)
            # >= : the session's feedback test labelled a request of this version too
            assert q.worse and q.labelled_rows >= 96 and q.value is not None and q.value < 0.5, q

            def firing() -> list[dict[str, Any]]:
                return [
                    a for a in s.alerts() if a["labels"]["alertname"] == "NiveshInputDrift" and a["state"] == "firing"
                ]

            alert = _wait("NiveshInputDrift firing in Prometheus", firing, 60)[0]
            assert alert["labels"]["model"] == MODEL and alert["labels"]["action"] == "retrain"

            def retrained() -> list[dict[str, Any]]:
                listed = httpx.get(f"{hook.url}/runs", params={"model": MODEL}, headers=hook_auth, timeout=5).json()
                return [r for r in listed if r["status"] in ("succeeded", "failed")]

            run = _wait("the retraining run to finish", retrained, 900, every=3)[0]
            assert run["status"] == "succeeded", run
            latest = registry.resolve(workspace, MODEL, registry.STAGING)
            assert int(latest.version) > int(first.version) and run["version"] == latest.semver
            assert run["decision"].startswith("staging: no production version")

            def both_alerts() -> list[dict[str, Any]]:
                listed = httpx.get(f"{hook.url}/runs", params={"model": MODEL}, headers=hook_auth, timeout=5).json()
                return listed if len(listed) >= 2 else []

            listed = _wait("the second alert's notification", both_alerts, 120, every=2)
            by_status = {r["status"]: r for r in listed}
            assert set(by_status) == {"succeeded", "skipped-cooldown"}, listed  # one run per model per cool-down
            assert {r["trigger"] for r in listed} == {"NiveshInputDrift", "NiveshQualityBelowRegistered"}

            overview = dashboards.all_dashboards()
            panel_queries = [
                q
                for name in ("nivesh-overview.json", f"nivesh-{MODEL}.json")
                for q in dashboards.queries(overview[name])
            ]
            answered = {q for q in panel_queries if s.query(q)}

            # a predictor outage: the transformer answers 5xx, which the SLO rules count
            served.predictor.stop()
            codes = set()
            for body in traffic.credit_risk(workspace, 32, 0.0, 3):
                codes.add(httpx.post(f"{served.endpoint}/v2/models/{MODEL}/infer", json=body, timeout=30).status_code)
                time.sleep(1.5)  # a counter's first scrape sets its baseline: rates need increments after it
            assert codes and all(c >= 500 for c in codes), codes
            _wait("5xx in Prometheus", lambda: s.query('nivesh:requests:rate5m{code=~"5.."}'), 30)

            for query in panel_queries:  # the error panels have data once there are errors
                assert query in answered or s.query(query), f"dashboard query returned no series: {query}"
            for rule in _rules():
                series = s.query(rule["expr"])  # raises if Prometheus cannot parse it
                if "record" in rule:
                    assert series, f"{rule['record']} returned no series"
                elif rule["alert"] in QUIET_HERE:  # its inputs exist and are compared; false here
                    assert s.query(_as_bool(rule["expr"])), f"{rule['alert']}: its inputs returned no series"
                else:  # this test induced it
                    assert series, f"{rule['alert']} returned no series"
            assert s.query("nivesh_latency_objective_seconds")
            assert s.query('nivesh_drift_share{model="credit-risk"}')
            burn = _wait(
                "the fast burn-rate alert",
                lambda: [a for a in s.alerts() if a["labels"]["alertname"] == "NiveshErrorBudgetBurnFast"],
                30,
            )
            assert burn[0]["labels"]["component"] == "transformer"
    finally:
        hook.stop()
        served.stop()
