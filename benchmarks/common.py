"""What every benchmark shares: its command line (--smoke, --out), where the real data sets
live, a small sample of one for smoke runs, and writing the result.

`--smoke` runs the benchmark's own code path in seconds on tiny data with no baseline to
install, so the test suite runs every benchmark and none can rot unnoticed; its figures
mean nothing and say so in the result.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pandas as pd

from nivesh.store import log_writer

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
SHARED_DATA = HERE.parents[1] / "shared" / "data"  # read-only real data sets (../shared/data/README.md)
# How a server's prediction log writer is started (`python -m` this module): what usage() counts as its.
WRITER_MODULE = log_writer.__name__.encode()


def parser(doc: str | None) -> argparse.ArgumentParser:
    """The benchmark's parser with the options all of them take."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="seconds on tiny data, no baseline: checks the path only")
    p.add_argument("--out", type=Path, default=OUT, help="folder for the JSON (and HTML) results")
    return p


def require(path: Path, hint: str) -> Path:
    if not path.is_file():
        raise SystemExit(f"{path} not found; {hint}")
    return path


def sample_csv(path: Path, rows: int, folder: Path, stratify: str | None = None, seed: int = 0) -> Path:
    """A seeded random sample of about `rows` rows of a real CSV (with `stratify`, an equal
    share of each class, every class kept), written under `folder`: a smoke run reads the
    real file's format, not a copy of it."""
    frame = pd.read_csv(path)
    if stratify is None:
        small = frame.sample(min(rows, len(frame)), random_state=seed)
    else:
        small = frame.groupby(stratify, group_keys=False).apply(
            lambda g: g.sample(min(len(g), max(rows // frame[stratify].nunique(), 2)), random_state=seed)
        )
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"smoke-{path.name}"
    small.to_csv(out, index=False)
    return out


def write(args: argparse.Namespace, name: str, summary: dict[str, Any]) -> Path:
    """out/<name>.json (a smoke run says so in it), and the JSON on stdout."""
    args.out.mkdir(parents=True, exist_ok=True)
    if args.smoke:
        summary = {"smoke": "tiny data: the figures check the path, they measure nothing", **summary}
    path: Path = args.out / f"{name}.json"
    path.write_text(json.dumps(summary, indent=2, default=str))
    print(json.dumps(summary, indent=2, default=str))
    return path


def with_children(pids: Sequence[int]) -> list[int]:
    """The processes and, recursively, the ones they started (a server's log writer)."""
    found: list[int] = []
    todo = list(pids)
    while todo:
        pid = todo.pop()
        found.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            todo.extend(int(c) for c in task.read_text().split())
    return found


def _cpu(pid: int) -> float:
    """User + system CPU seconds of one process so far (/proc/<pid>/stat, fields 14-15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU the processes and their children have used so far."""
    return sum(_cpu(pid) for pid in with_children(pids))


@dataclass(frozen=True)
class Usage:
    """What a server's processes have used so far, and the part of it that is its prediction
    log's writer processes: so a run says where the log's cost goes, not only how large it is."""

    cpu_s: float
    writer_cpu_s: float
    writer_disk_bytes: int  # what the writers sent to the storage layer (/proc/<pid>/io)

    def since(self, before: Usage) -> Usage:
        return Usage(
            self.cpu_s - before.cpu_s,
            self.writer_cpu_s - before.writer_cpu_s,
            self.writer_disk_bytes - before.writer_disk_bytes,
        )


def usage(pids: Sequence[int]) -> Usage:
    """The processes' and their children's CPU so far; of it, the log writers' (the processes
    running log_writer's module), with the bytes they wrote."""
    total = writer = 0.0
    written = 0
    for pid in with_children(pids):
        cpu = _cpu(pid)
        total += cpu
        if WRITER_MODULE in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
            writer += cpu
            io = dict(line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
            written += int(io["write_bytes"])
    return Usage(total, writer, written)


def _established(port: int) -> set[int]:
    """The socket inodes of the established TCP connections whose local port is `port`
    (/proc/net/tcp and tcp6: state 01; the inode is 0 until a process has accepted it)."""
    inodes: set[int] = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if table.exists():
            for line in table.read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(int(fields[9]))
    return inodes - {0}


def connections(pids: Sequence[int], port: int) -> tuple[int, ...]:
    """How the established connections to `port` fall on the processes (and their children)
    holding them, most first: a 2-worker server's workers share their port with SO_REUSEPORT,
    so the kernel hashes each of wrk's connections to one of them, and a 6/2 split serves
    less than a 4/4 one."""
    live = _established(port)
    counts = []
    for pid in with_children(pids):
        held = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                link = os.readlink(fd)
            except OSError:  # closed since it was listed
                continue
            held += link.startswith("socket:[") and int(link[8:-1]) in live
        if held:
            counts.append(held)
    return tuple(sorted(counts, reverse=True))


@dataclass(frozen=True)
class Target:
    """A server as wrk loads it: its URL, the bodies sent in turn (folder/<label>.jsonl for the
    Lua script), and its processes, whose CPU a request is counted when given."""

    url: str
    bodies: list[dict[str, Any]]
    label: str
    pids: Sequence[int] = ()
    workers: int = 1  # serving processes sharing the port: a run starts over until wrk's connections fall evenly


def _command(target: Target, connections: int, folder: Path) -> tuple[list[str], dict[str, str]]:
    """wrk's command line without its duration (-t1, bodies in turn), and its environment."""
    folder.mkdir(parents=True, exist_ok=True)
    body_file = folder / f"{target.label}.jsonl"
    body_file.write_text("\n".join(json.dumps(b, separators=(",", ":")) for b in target.bodies) + "\n")
    script = str(HERE / "wrk_report.lua")
    env = {**os.environ, "WRK_BODY_FILE": str(body_file)}
    return ["wrk", "-t1", f"-c{connections}", "--timeout", "5s", "-s", script, target.url], env


def _for(command: list[str], seconds: int) -> list[str]:
    """wrk's command line run for `seconds`."""
    return [*command[:1], f"-d{seconds}s", *command[1:]]


def _pairs(flat: list[int]) -> list[tuple[int, int]]:
    """wrk_report.lua's flattened histogram as (latency µs, count) pairs."""
    return list(zip(flat[::2], flat[1::2], strict=True))


def _warm_up(target: Target, command: list[str], env: dict[str, str], seconds: int) -> None:
    """A few requests that must succeed, then `seconds` of load, then the server left to settle."""
    for body in target.bodies[:5]:
        httpx.post(target.url, json=body, timeout=10).raise_for_status()
    subprocess.run(_for(command, seconds), env=env, capture_output=True, check=True, timeout=60)
    settle(target.pids)  # the warm-up's log rows written before the measured run, not during it


def even(split: Sequence[int], workers: int) -> bool:
    """Whether connections fell as evenly as they can on `workers` processes (4/4, 5/4 of 9, and
    one connection on one of two)."""
    return bool(split) and len(split) == min(workers, sum(split)) and max(split) - min(split) <= 1


def _slice(target: Target, command: list[str], env: dict[str, str], seconds: int) -> dict[str, Any]:
    """One measured wrk run: its counts, its latency histogram, and with pids the CPU the
    server spent, counted until it is idle again (what the run left queued, its log rows, is
    its cost, not the next run's). A server of several processes on one port is measured with
    wrk's connections even over them: the kernel hashes each connection to one process, and
    in stop 35's 2 s turns an 8/0 split served 316 requests a second where 4/4 ones served
    509-560, so twins that drew different splits differed by more than the log costs. A run
    whose connections fell unevenly is stopped CONNECTED_S in and started again
    (`uneven_starts` counts them; 8 connections fall 4/4 on 2 processes in 27 % of starts)."""
    uneven = 0
    while True:
        before = usage(target.pids) if target.pids else None
        split: tuple[int, ...] = ()
        with subprocess.Popen(
            _for(command, seconds), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as run:
            try:
                if target.pids:  # wrk opens its connections at once and keeps them for the run
                    time.sleep(min(CONNECTED_S, seconds / 2))
                    split = connections(target.pids, urlsplit(target.url).port or 80)
                    if target.workers > 1 and not even(split, target.workers):
                        run.kill()
                        run.communicate(timeout=60)
                        uneven += 1
                        if uneven == MAX_STARTS:
                            raise SystemExit(f"{target.label}: wrk's connections fell unevenly in {uneven} starts")
                        settle(target.pids)  # the stopped run's log rows written before the next
                        continue
                stdout, stderr = run.communicate(timeout=seconds + 60)
            except BaseException:
                run.kill()
                raise
        break
    if run.returncode:
        raise subprocess.CalledProcessError(run.returncode, run.args, stdout, stderr)
    stats: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    if stats["errors"] or stats["non2xx"]:
        raise SystemExit(f"{target.label}: {stats['errors']} errors, {stats['non2xx']} non-2xx answers")
    if percentile(_pairs(stats["histogram"]), 99) != round(stats["p99_ms"] * 1000):
        raise SystemExit(f"{target.label}: the histogram wrk_report.lua printed does not give wrk's own p99")
    if before is not None:
        settle(target.pids)
        stats["usage"] = usage(target.pids).since(before)
        stats["connections"] = split
        stats["uneven_starts"] = uneven
    return stats


def percentile(histogram: Sequence[tuple[int, int]], p: float) -> int:
    """wrk's own percentile (stats_percentile) of a histogram of (latency µs, count) pairs in
    ascending order: the first value at which the running count reaches the rank."""
    rank = math.floor(p / 100 * sum(c for _, c in histogram) + 0.5 + 0.5)  # C's round(p / 100 * n + 0.5)
    total = 0
    for value, count in histogram:
        total += count
        if total >= rank:
            return value
    return 0


def pooled(slices: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Runs of one server as one: the requests over the time they took, and the percentiles
    of their latencies together (each run's histogram, exact to the microsecond)."""
    counts: collections.Counter[int] = collections.Counter()
    for s in slices:
        counts.update(dict(_pairs(s["histogram"])))
    histogram = sorted(counts.items())
    requests = sum(s["requests"] for s in slices)
    out: dict[str, Any] = {
        "requests": requests,
        "duration_us": sum(s["duration_us"] for s in slices),
        "errors": 0,
        "non2xx": 0,
        **{f"p{p}_ms": percentile(histogram, p) / 1000 for p in (50, 95, 99)},
        "max_ms": max(s["max_ms"] for s in slices),
    }
    out["rps"] = requests / (out["duration_us"] / 1e6)
    if all("usage" in s for s in slices):
        per_request = 1 / max(requests, 1)
        out["cpu_ms_per_request"] = sum(s["usage"].cpu_s for s in slices) * 1000 * per_request
        out["log_writer_cpu_ms_per_request"] = sum(s["usage"].writer_cpu_s for s in slices) * 1000 * per_request
        out["log_writer_disk_bytes_per_request"] = sum(s["usage"].writer_disk_bytes for s in slices) * per_request
    runs: list[dict[str, Any]] = [{"rps": s["requests"] / (s["duration_us"] / 1e6)} for s in slices]
    if all("connections" in s for s in slices):
        for run, s in zip(runs, slices, strict=True):
            run["connections"] = "/".join(map(str, s["connections"]))
        # e.g. {"5/3": 7, "6/2": 3}: how the runs' connections fell on the server's processes
        out["connections"] = dict(collections.Counter(run["connections"] for run in runs).most_common())
    if all("uneven_starts" in s for s in slices):
        out["uneven_starts"] = sum(s["uneven_starts"] for s in slices)
    if len(slices) > 1:
        out["slices"] = runs
    return out


def wrk(
    url: str,
    bodies: list[dict[str, Any]],
    duration: int,
    connections: int,
    label: str,
    folder: Path,
    warmup_s: int = 3,
    pids: Sequence[int] = (),
) -> dict[str, Any]:
    """Warm up, then measure with wrk (-t1, bodies in turn); a run with any error or non-2xx
    answer is refused. With `pids` (the server's processes), also the CPU they spent per
    request in the measured run, which does not depend on how much of the machine the load
    generator took."""
    return alternating([Target(url, bodies, label, pids)], duration, 1, connections, folder, warmup_s)[0]


def alternating(
    targets: Sequence[Target], duration: int, slices: int, connections: int, folder: Path, warmup_s: int = 3
) -> list[dict[str, Any]]:
    """Servers measured in turns, `duration` seconds each in `slices` short runs, in the order
    ABC CBA ABC ...: a change of the host's speed within the minute meets them alike. Run whole
    one after the other, identical servers differed by up to 14 % on this host; in 2 s turns,
    by 0.4-1.3 % (stop 34). Each server's figures are its runs pooled."""
    seconds = max(1, duration // slices)
    prepared = [(t, *_command(t, connections, folder)) for t in targets]
    for target, command, env in prepared:
        _warm_up(target, command, env, warmup_s)
    runs: list[list[dict[str, Any]]] = [[] for _ in targets]
    for k in range(slices):
        order = range(len(targets)) if k % 2 == 0 else reversed(range(len(targets)))
        for i in order:
            runs[i].append(_slice(*prepared[i], seconds))
    return [pooled(r) for r in runs]


# How long into a measured run its connections are counted (wrk has opened them all by then).
CONNECTED_S = 0.5
# Starts of a run before its connections are given up on falling evenly: 4/4 comes in 27 % of
# starts, so 50 uneven ones in a row happen once in 7 million runs.
MAX_STARTS = 50
# A server is settled when its processes use less than this share of one core, read over SETTLE_S.
IDLE_SHARE = 0.05
SETTLE_S = 0.25


def settle(pids: Sequence[int], limit_s: float = 15.0) -> None:
    """Wait until the processes (and their log writers) are idle, at most `limit_s`. A writer
    at a lower priority may still be writing a run's rows after the run: without the wait its
    CPU fell into the next setup's run, and out of this one's CPU per request."""
    deadline = time.monotonic() + limit_s
    last = cpu_seconds(pids)
    while time.monotonic() < deadline:
        time.sleep(SETTLE_S)
        now = cpu_seconds(pids)
        if now - last < IDLE_SHARE * SETTLE_S:
            return
        last = now


@dataclass(frozen=True)
class Wrk:
    """One benchmark run's wrk settings: `Wrk(...)(url, bodies, label)` measures one server."""

    duration: int
    connections: int
    folder: Path
    warmup_s: int = 3

    def __call__(self, url: str, bodies: list[dict[str, Any]], label: str, pids: Sequence[int] = ()) -> dict[str, Any]:
        return wrk(url, bodies, self.duration, self.connections, label, self.folder, self.warmup_s, pids)

    def alternating(self, targets: Sequence[Target], slices: int) -> list[dict[str, Any]]:
        return alternating(targets, self.duration, slices, self.connections, self.folder, self.warmup_s)

    def describe(self, bodies: int) -> str:
        return f"-t1 -c{self.connections} -d{self.duration}s after a {self.warmup_s} s warm-up, {bodies} bodies in turn"
