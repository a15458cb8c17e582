"""benchmarks/load.py's design: the log's cost read off twins run back to back, round by round
(this host's speed drifts between rounds by more than the cost measured)."""

from __future__ import annotations

import sys
from types import ModuleType

import pytest

from tests.conftest import PROJECT


@pytest.fixture(scope="module")
def load() -> ModuleType:
    sys.path.insert(0, str(PROJECT / "benchmarks"))  # `import common`, as when run from a shell
    try:
        import load as module
    finally:
        sys.path.remove(str(PROJECT / "benchmarks"))
    return module


NAMES = ["baseline_mlserver", "a_predictor", "a_predictor_no_log", "b", "c_one_process", "c_one_process_no_log", "c1"]


def test_each_round_runs_every_setup_once_with_the_twins_together_in_alternating_order(load: ModuleType) -> None:
    firsts = set()
    for k in range(6):
        order = load.round_order(NAMES, k)
        assert sorted(order) == sorted(NAMES)
        firsts.add(order[0])
        for logged, unlogged in load.TWINS.items():
            i, j = order.index(logged), order.index(unlogged)
            assert abs(i - j) == 1 and (i < j) == (k % 2 == 0)
    assert len(firsts) == 5  # rotated: each unit leads a round in turn


def test_the_log_cost_is_the_median_of_the_rounds_own_ratios(load: ModuleType) -> None:
    """A slow round slows both twins: paired, it does not show as the log's cost."""
    logged = [{"rps": r, "cpu_ms_per_request": 1000 / r} for r in (1000.0, 1400.0, 1120.0)]
    unlogged = [{"rps": r, "cpu_ms_per_request": 1000 / r} for r in (1150.0, 1410.0, 1130.0)]
    cost = load.log_cost(logged, unlogged)  # the medians' ratio would say 2.6 %
    assert cost["throughput"] == pytest.approx(1 - 1120 / 1130) and cost["cpu"] == pytest.approx(1 - 1120 / 1130)
    assert cost["rounds"]["throughput"] == pytest.approx([1 - 1000 / 1150, 1 - 1400 / 1410, 1 - 1120 / 1130])
