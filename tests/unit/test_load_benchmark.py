"""benchmarks/load.py's design: the log's cost read off twins run back to back, round by round
(this host's speed drifts between rounds by more than the cost measured)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import ModuleType
from typing import Any

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


@pytest.fixture(scope="module")
def common(load: ModuleType) -> ModuleType:
    return load.common


NAMES = [
    "baseline_mlserver",
    "a_predictor",
    "a_predictor_no_log",
    "a_predictor_again",
    "b",
    "c_one_process",
    "c_one_process_no_log",
    "c1",
]


def test_each_round_runs_every_setup_once_with_the_twins_together_in_alternating_order(load: ModuleType) -> None:
    firsts = set()
    for k in range(6):
        units = load.round_order(NAMES, k)
        order = [name for unit in units for name in unit]
        assert sorted(order) == sorted(NAMES)
        firsts.add(order[0])
        for unit in load.TURNS:
            assert list(unit)[:: -1 if k % 2 else 1] in units
    assert len(firsts) == 5  # rotated: each unit leads a round in turn


def test_the_log_cost_is_the_median_of_the_rounds_own_ratios(load: ModuleType) -> None:
    """A slow round slows both twins: paired, it does not show as the log's cost."""

    def run(rps: float, writers_ms: float, disk: float) -> dict[str, float]:
        return {
            "rps": rps,
            "cpu_ms_per_request": 1000 / rps,
            "log_writer_cpu_ms_per_request": writers_ms,
            "log_writer_disk_bytes_per_request": disk,
        }

    logged = [run(r, 0.04, 2000.0) for r in (1000.0, 1400.0, 1120.0)]
    unlogged = [run(r, 0.0, 0.0) for r in (1150.0, 1410.0, 1130.0)]
    cost = load.log_cost(logged, unlogged)  # the medians' ratio would say 2.6 %
    assert cost["throughput"] == pytest.approx(1 - 1120 / 1130) and cost["cpu"] == pytest.approx(1 - 1120 / 1130)
    assert cost["rounds"]["throughput"] == pytest.approx([1 - 1000 / 1150, 1 - 1400 / 1410, 1 - 1120 / 1130])
    # the CPU share splits into the writers' and the serving processes' extra, which add up
    rounds = cost["rounds"]
    assert rounds["log_writers_cpu"] == pytest.approx([0.04 * r / 1000 for r in (1000.0, 1400.0, 1120.0)])
    for total, writers, serving in zip(rounds["cpu"], rounds["log_writers_cpu"], rounds["serving_cpu"], strict=True):
        assert writers + serving == pytest.approx(total)
    assert cost["parts"]["disk_bytes"] == 2000.0
    # two logged servers: each part is beside the other's own, so a control's parts are near 0
    same = load.log_cost(logged, logged)["parts"]
    assert same == {"log_writers_cpu": 0.0, "serving_cpu": 0.0, "disk_bytes": 0.0}


def test_the_twins_take_turns_abba_and_each_ones_runs_are_pooled(
    common: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Four 5 s runs each, in the order ABBA ABBA, so that a drift meets both alike; the
    histograms pooled give the percentiles of all the requests, as one run would."""
    order: list[str] = []
    rps = {"a": iter([1000, 900, 1100, 1000]), "b": iter([1100, 1000, 1200, 1100])}

    def one_run(target: Any, command: list[str], env: dict[str, str], seconds: int) -> dict[str, Any]:
        order.append(target.label)
        n = next(rps[target.label]) * seconds
        latency = 2000 if target.label == "a" else 3000
        return {"requests": n, "duration_us": seconds * 10**6, "max_ms": 9.0, "histogram": [latency, n - 10, 9000, 10]}

    monkeypatch.setattr(common, "_warm_up", lambda *args: None)
    monkeypatch.setattr(common, "_slice", one_run)
    a, b = common.alternating([common.Target("u", [], "a"), common.Target("u", [], "b")], 20, 4, 8, tmp_path)
    assert "".join(order) == "abbaabba"
    assert a["requests"] == 5 * 4000 and a["rps"] == pytest.approx(1000)
    assert b["rps"] == pytest.approx(1100) and [s["rps"] for s in b["slices"]] == [1100, 1000, 1200, 1100]
    assert (a["p50_ms"], a["p99_ms"], b["p50_ms"]) == (2.0, 2.0, 3.0)


@pytest.mark.parametrize("p", [50, 95, 99, 99.9])
def test_percentiles_of_a_histogram_are_wrks_own(common: ModuleType, p: float) -> None:
    """wrk's stats_percentile: rank = round(p / 100 * n + 0.5), the first value the running
    count reaches it at (a p99 off by one bucket would move the table's tail figures)."""
    histogram = [(100 + i, 1 + i % 3) for i in range(997)]
    values = sorted(v for v, c in histogram for _ in range(c))
    rank = int(p / 100 * len(values) + 1)  # C's round(x + 0.5) of a positive x
    assert common.percentile(histogram, p) == values[rank - 1]


def test_three_servers_take_turns_abc_cba(common: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A logged server, its log-off twin and its control: each pair meets the same minutes."""
    order: list[str] = []

    def one_run(target: Any, command: list[str], env: dict[str, str], seconds: int) -> dict[str, Any]:
        order.append(target.label)
        return {"requests": 100, "duration_us": 10**6, "max_ms": 1.0, "histogram": [1000, 100]}

    monkeypatch.setattr(common, "_warm_up", lambda *args: None)
    monkeypatch.setattr(common, "_slice", one_run)
    targets = [common.Target("u", [], label) for label in "abc"]
    results = common.alternating(targets, 20, 10, 8, tmp_path)
    assert "".join(order) == "abccba" * 5 and [r["requests"] for r in results] == [1000] * 3


def test_usage_splits_a_servers_cpu_and_names_its_log_writers(common: ModuleType, tmp_path: Path) -> None:
    """A server's processes with, below them, one that runs log_writer's module: its CPU and
    the bytes it writes are the writers'; the server's own work is not."""
    burn = textwrap.dedent(
        """
        import os, sys, time
        end = time.process_time() + float(sys.argv[1])
        while time.process_time() < end:
            pass
        if len(sys.argv) > 2:  # where to write
            with open(sys.argv[2], "wb") as f:
                f.write(b"x" * 2**20)
                f.flush()
                os.fsync(f.fileno())
        time.sleep(60)
        """
    )
    writer = [sys.executable, "-c", burn, "1.0", str(tmp_path / "rows"), "-m", "nivesh.store.log_writer"]
    server = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess; subprocess.Popen({writer!r}); exec({burn!r})", "0.5"]
    )
    try:
        before = common.usage([server.pid])
        deadline = time.monotonic() + 60
        while (used := common.usage([server.pid]).since(before)).cpu_s < 1.5 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert used.writer_cpu_s == pytest.approx(1.0, abs=0.2)  # its interpreter's start-up is its own too
        assert used.cpu_s - used.writer_cpu_s == pytest.approx(0.5, abs=0.2)
        # 0 until it has written, or where tmp_path is a tmpfs; else its file, and a page or two of the file system's
        assert used.writer_disk_bytes == 0 or 2**20 <= used.writer_disk_bytes <= 2**20 + 2**16
    finally:
        for pid in reversed(common.with_children([server.pid])):
            os.kill(pid, signal.SIGKILL)
        server.wait(10)


def test_connections_counts_each_processs_share_of_a_ports_established_connections(common: ModuleType) -> None:
    """Two processes behind one port (SO_REUSEPORT, as a 2-worker server's), six clients: each
    connection is counted once, on the process that accepted it; listening sockets and the
    clients' own ends are not."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    accept = textwrap.dedent(
        f"""
        import socket, time
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind(("127.0.0.1", {port}))
        s.listen()
        held = []
        s.settimeout(30)
        while True:
            held.append(s.accept()[0])
        """
    )
    second = f"subprocess.Popen([sys.executable, '-c', {accept!r}])"
    server = subprocess.Popen([sys.executable, "-c", f"import subprocess, sys; {second}; exec({accept!r})"])
    clients: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 30
        while len(clients) < 6 and time.monotonic() < deadline:
            try:
                clients.append(socket.create_connection(("127.0.0.1", port), timeout=1))
            except ConnectionRefusedError:  # not listening yet
                time.sleep(0.05)
        while sum(split := common.connections([server.pid], port)) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sum(split) == 6 and len(split) in (1, 2) and list(split) == sorted(split, reverse=True)
        assert common.connections([server.pid], port + 1) == ()
    finally:
        for client in clients:
            client.close()
        for pid in reversed(common.with_children([server.pid])):
            os.kill(pid, signal.SIGKILL)
        server.wait(10)


def test_pooled_runs_keep_each_runs_connection_split(common: ModuleType) -> None:
    """Each turn's split stays beside its rate, so twins can be compared on like turns."""
    runs = [
        {"requests": n, "duration_us": 10**6, "max_ms": 1.0, "histogram": [1000, n], "connections": split}
        for n, split in ((700, (5, 3)), (600, (6, 2)), (720, (5, 3)))
    ]
    pooled = common.pooled(runs)
    assert pooled["connections"] == {"5/3": 2, "6/2": 1}
    assert [(s["rps"], s["connections"]) for s in pooled["slices"]] == [(700, "5/3"), (600, "6/2"), (720, "5/3")]
    assert "connections" not in common.pooled([{k: v for k, v in r.items() if k != "connections"} for r in runs])


def _fake_wrk(tmp_path: Path, before: str, after: str = "") -> Path:
    """A stand-in for wrk: the shell line `before`, then a report as wrk_report.lua prints it
    (wrk's last line), then `after`."""
    report: dict[str, Any] = {"requests": 10, "duration_us": 10**6, "errors": 0, "non2xx": 0, "max_ms": 2.0}
    report |= {"p99_ms": 2.0, "histogram": [1000, 9, 2000, 1]}  # (µs, count) pairs, as wrk_report.lua prints
    fake = tmp_path / "wrk"
    fake.write_text(f"#!/bin/sh\n{before}\necho '{json.dumps(report)}'\n{after}\n")
    fake.chmod(0o755)
    return fake


def test_a_measured_run_reads_wrks_last_line_and_refuses_a_failed_wrk(common: ModuleType, tmp_path: Path) -> None:
    """_slice on a stand-in for wrk: its report is the last line printed; an exit status that
    is not 0 is an error, not a result."""
    fake = _fake_wrk(tmp_path, "echo warming up", "exit ${WRK_EXIT:-0}")
    target = common.Target("http://127.0.0.1:9/infer", [], "fake")
    stats = common._slice(target, [str(fake)], dict(os.environ), 1)
    assert stats["requests"] == 10 and "usage" not in stats
    with pytest.raises(subprocess.CalledProcessError):
        common._slice(target, [str(fake)], {**os.environ, "WRK_EXIT": "3"}, 1)


def test_even_splits_are_the_most_even_a_count_allows(common: ModuleType) -> None:
    assert common.even((4, 4), 2) and common.even((5, 4), 2) and common.even((1, 1), 2)
    assert not common.even((5, 3), 2) and not common.even((8,), 2) and not common.even((3, 3), 3)
    assert common.even((8,), 1) and common.even((1,), 2) and not common.even((), 2)


def test_a_run_that_starts_uneven_is_started_again(
    common: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a 2-worker server, runs whose connections fall 6/2 and 8/0 are stopped and counted;
    the run measured is the first even one, and its CPU is counted from its own start."""
    starts = tmp_path / "starts"
    fake = _fake_wrk(tmp_path, f"echo x >> {starts}; sleep 0.3")
    splits = iter([(6, 2), (8,), (4, 4)])
    monkeypatch.setattr(common, "connections", lambda pids, port: next(splits))
    monkeypatch.setattr(common, "CONNECTED_S", 0.05)
    monkeypatch.setattr(common, "settle", lambda pids: None)
    reads = iter(range(100))  # each usage() read one CPU second after the last
    monkeypatch.setattr(common, "usage", lambda pids: common.Usage(float(next(reads)), 0.0, 0))
    target = common.Target("http://127.0.0.1:9/infer", [], "fake", [os.getpid()], workers=2)
    stats = common._slice(target, [str(fake)], dict(os.environ), 1)
    assert stats["connections"] == (4, 4) and stats["uneven_starts"] == 2
    assert stats["usage"].cpu_s == 1.0  # from the third start's read (2), not the first's (0)
    assert len(starts.read_text().split()) == 3 and stats["requests"] == 10
    monkeypatch.setattr(common, "connections", lambda pids, port: (5, 3))
    monkeypatch.setattr(common, "MAX_STARTS", 3)
    with pytest.raises(SystemExit, match="unevenly in 3 starts"):
        common._slice(target, [str(fake)], dict(os.environ), 1)
