"""A local Pushgateway starts empty: Debian's build persists to a system file by default,
which once handed a demo the previous test run's quality gauges (and fired an alert)."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

from nivesh.local import processes


def test_each_local_pushgateway_starts_empty(tmp_path: Path) -> None:
    if shutil.which("prometheus-pushgateway") is None:
        pytest.skip("prometheus-pushgateway not installed: sudo apt-get install prometheus-pushgateway")
    first = processes.start_pushgateway(tmp_path / "first.log")
    try:
        registry = CollectorRegistry()
        Gauge("nivesh_leak_probe", "a gauge that must not survive its gateway", registry=registry).set(1)
        push_to_gateway(first.url, job="leak-probe", registry=registry, timeout=5)
        assert "nivesh_leak_probe" in httpx.get(f"{first.url}/metrics", timeout=5).text
    finally:
        first.stop()
    second = processes.start_pushgateway(tmp_path / "second.log")
    try:
        assert "nivesh_leak_probe" not in httpx.get(f"{second.url}/metrics", timeout=5).text
    finally:
        second.stop()


def test_status_reads_the_monitor_figures_off_the_pushgateway(tmp_path: Path) -> None:
    """What `nivesh status` shows per model is what the drift job pushed."""
    if shutil.which("prometheus-pushgateway") is None:
        pytest.skip("prometheus-pushgateway not installed: sudo apt-get install prometheus-pushgateway")
    from nivesh.cluster.status import monitor_figures
    from nivesh.monitoring import drift

    gateway = processes.start_pushgateway(tmp_path / "gw.log")
    try:
        drift.push(drift.DriftResult("credit-risk", "v1.2.0", 0.5, 0.3, 120, 5000), gateway.url, 5.0)
        figures = monitor_figures(gateway.url, 5.0)
    finally:
        gateway.stop()
    gauges = figures["credit-risk"]["v1.2.0"]
    assert gauges["nivesh_drift_share"] == 0.5 and gauges["nivesh_drift_share_threshold"] == 0.3
    assert "nivesh_monitor_last_success_timestamp_seconds" in gauges
    from nivesh.cluster.status import describe_monitor

    line = describe_monitor(gauges)
    assert line.startswith("drift share 0.50 (alert above 0.3); last compared 20") and line.endswith(" UTC")
