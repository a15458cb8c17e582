"""A local Pushgateway starts empty: Debian's build persists to a system file by default,
which once handed a demo the previous test run's quality gauges (and fired an alert)."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

from nivesh import localsvc


def test_each_local_pushgateway_starts_empty(tmp_path: Path) -> None:
    if shutil.which("prometheus-pushgateway") is None:
        pytest.skip("prometheus-pushgateway not installed: sudo apt-get install prometheus-pushgateway")
    first = localsvc.start_pushgateway(tmp_path / "first.log")
    try:
        registry = CollectorRegistry()
        Gauge("nivesh_leak_probe", "a gauge that must not survive its gateway", registry=registry).set(1)
        push_to_gateway(first.url, job="leak-probe", registry=registry, timeout=5)
        assert "nivesh_leak_probe" in httpx.get(f"{first.url}/metrics", timeout=5).text
    finally:
        first.stop()
    second = localsvc.start_pushgateway(tmp_path / "second.log")
    try:
        assert "nivesh_leak_probe" not in httpx.get(f"{second.url}/metrics", timeout=5).text
    finally:
        second.stop()
