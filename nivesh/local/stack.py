"""The project's Prometheus, Alertmanager and Pushgateway on loopback, with its own rules and
routing, so the whole loop (metrics -> rules -> alert -> webhook -> retraining) runs on
one machine: the end-to-end test and `make demo` use it.

The configuration is the project's: every rules file in monitors/alerts, and
monitors/alertmanager/alertmanager.yml with only what a laptop must change (the
webhook URL, the credential files, which point at throwaway local files).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from nivesh.local import processes
from nivesh.monitoring.alerting import RULES_DIR, retrain_receiver
from nivesh.monitoring.alerting import alertmanager_config as project_alertmanager_config

QUERY_TIMEOUT_S = 10.0


def prometheus_config(targets: Mapping[str, list[str]], pushgateway: str, alertmanager: str) -> dict[str, Any]:
    """Scrape every server (job = model) and the Pushgateway every second; evaluate rules every second."""
    jobs: list[dict[str, Any]] = [
        {"job_name": job, "static_configs": [{"targets": list(map(_hostport, urls))}]} for job, urls in targets.items()
    ]
    jobs.append(
        {"job_name": "pushgateway", "honor_labels": True, "static_configs": [{"targets": [_hostport(pushgateway)]}]}
    )
    return {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(p) for p in sorted(RULES_DIR.glob("*.rules.yml"))],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [_hostport(alertmanager)]}]}]},
        "scrape_configs": jobs,
    }


def alertmanager_config(webhook_url: str, secrets: Path, sink_url: str, webhook_token: Path) -> dict[str, Any]:
    """The project's Alertmanager config with local credential files and webhook URL; the
    webhook's bearer token is the workspace's own (nivesh.auth.local_token_file)."""
    config = project_alertmanager_config(webhook_url)
    retrain_receiver(config)["http_config"]["authorization"]["credentials_file"] = str(webhook_token)
    secrets.mkdir(parents=True, exist_ok=True)
    files = {"slack-webhook-url": sink_url, "pagerduty-routing-key": "local-routing-key", "smtp-password": "local"}
    for name, value in files.items():
        (secrets / name).write_text(value)
    g = config["global"]
    g["slack_api_url_file"] = str(secrets / "slack-webhook-url")
    g["smtp_auth_password_file"] = str(secrets / "smtp-password")
    g["smtp_smarthost"] = _hostport(sink_url)
    for receiver in config["receivers"]:
        for pd in receiver.get("pagerduty_configs", []):
            pd["routing_key_file"] = str(secrets / "pagerduty-routing-key")
            pd["url"] = sink_url
    return config


@dataclass
class Stack:
    pushgateway: processes.Process
    alertmanager: processes.Process
    prometheus: processes.Process
    extra: list[processes.Process] = field(default_factory=list)  # what the caller runs beside (the webhook)

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant PromQL query; raises with Prometheus's message if it does not parse."""
        r = httpx.get(f"{self.prometheus.url}/api/v1/query", params={"query": expr}, timeout=QUERY_TIMEOUT_S)
        body = r.json()
        if body.get("status") != "success":
            raise ValueError(f"{expr}: {body.get('error', r.text)}")
        return list(body["data"]["result"])

    def alerts(self) -> list[dict[str, Any]]:
        r = httpx.get(f"{self.prometheus.url}/api/v1/alerts", timeout=QUERY_TIMEOUT_S)
        return list(r.json()["data"]["alerts"])


@contextlib.contextmanager
def running(folder: Path, targets: Mapping[str, list[str]], webhook_url: str, webhook_token: Path) -> Iterator[Stack]:
    """Pushgateway, Alertmanager and Prometheus (Debian's binaries) on free loopback ports."""
    folder.mkdir(parents=True, exist_ok=True)
    sink = f"http://127.0.0.1:{processes.free_port()}/sink"  # nothing listens: notifications fail fast, locally
    gateway = processes.start_pushgateway(folder / "pushgateway.log")
    started = [gateway]
    try:
        manager = _daemon(
            "alertmanager",
            "prometheus-alertmanager",
            folder,
            alertmanager_config(webhook_url, folder / "secrets", sink, webhook_token),
            [
                f"--storage.path={folder / 'alertmanager-data'}",
                f"--cluster.listen-address=127.0.0.1:{processes.free_port()}",
            ],
        )
        started.append(manager)
        prometheus = _daemon(
            "prometheus",
            "prometheus",
            folder,
            prometheus_config(targets, gateway.url, manager.url),
            [f"--storage.tsdb.path={folder / 'prometheus-data'}"],
        )
        started.append(prometheus)
        stack = Stack(gateway, manager, prometheus)
        yield stack
    finally:
        for p in reversed(started):
            p.stop()


def _daemon(name: str, package: str, folder: Path, config: dict[str, Any], flags: list[str]) -> processes.Process:
    """Write `config` as name.yml and start the Debian binary on a free loopback port."""
    path = folder / f"{name}.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    port = processes.free_port()
    cmd = [
        processes.binary(package, package),
        f"--config.file={path}",
        f"--web.listen-address=127.0.0.1:{port}",
        *flags,
    ]
    return processes.start(name, cmd, f"http://127.0.0.1:{port}", "/-/ready", folder / f"{name}.log")


def _hostport(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0]
