"""promtool check + unit tests of the alert rules (real promtool from Debian's prometheus)."""

import shutil
import subprocess

import pytest
import yaml

from tests.conftest import PROJECT

ALERTS = PROJECT / "monitors" / "alerts"


def _promtool() -> str:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.skip("promtool not installed: sudo apt-get install prometheus")
    return tool


def test_rules_check() -> None:
    rules = sorted(ALERTS.glob("*.rules.yml"))
    assert rules
    out = subprocess.run(
        [_promtool(), "check", "rules", *map(str, rules)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_rules_unit_tests() -> None:
    tests = sorted((ALERTS / "tests").glob("*.test.yml"))
    assert tests
    out = subprocess.run(
        [_promtool(), "test", "rules", *map(str, tests)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ALERTS / "tests",
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_series_a_rule_reads_is_pushed_served_or_recorded() -> None:
    """The monitors' gauge names live in nivesh.monitoring.gauges and the servers' in
    nivesh.serving.metrics: a rule naming anything else would never fire."""
    import re

    from nivesh.monitoring import gauges
    from nivesh.monitoring.alerting import RULES_DIR
    from nivesh.serving import metrics

    rules = [
        r for p in RULES_DIR.glob("*.rules.yml") for g in yaml.safe_load(p.read_text())["groups"] for r in g["rules"]
    ]
    served = {
        d.name for m in (metrics.REQUESTS, metrics.LATENCY, metrics.OBJECTIVE, metrics.INFO) for d in m.describe()
    }
    known = (
        {p.name for p in gauges.ALL}
        | {f"{n}{suffix}" for n in served for suffix in ("", "_total", "_bucket", "_count", "_sum")}
        | {f"{n}{suffix}" for n in metrics.LOG_SERIES for suffix in ("", "_total")}
        | {r["record"] for r in rules if "record" in r}
    )
    read = {name for r in rules for name in re.findall(r"nivesh[_:][a-z0-9_:]+", r["expr"])}
    assert read and read <= known, sorted(read - known)
