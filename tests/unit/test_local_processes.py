"""Stopping local servers: `make demo` stops twelve model servers and the Prometheus tools on
Ctrl-C, and a KServe server takes seconds to shut down gracefully."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from nivesh.local import processes

# Exits 1.5 s after SIGTERM, as a server finishing its in-flight requests would.
GRACEFUL = """
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: (time.sleep(1.5), sys.exit(0)))
print("up", flush=True)
while True:
    time.sleep(0.1)
"""


def _start(tmp_path: Path, i: int) -> processes.Process:
    popen = subprocess.Popen([sys.executable, "-c", GRACEFUL], stdout=subprocess.PIPE)
    assert popen.stdout is not None and popen.stdout.readline() == b"up\n"  # its handler is set
    return processes.Process(f"server-{i}", popen, "http://127.0.0.1:0", tmp_path / f"{i}.log")


def test_stop_all_asks_every_process_before_waiting_for_any(tmp_path: Path) -> None:
    procs = [_start(tmp_path, i) for i in range(4)]
    started = time.monotonic()
    processes.stop_all(procs)
    took = time.monotonic() - started
    assert all(p.popen.poll() == 0 for p in procs)  # each stopped gracefully, none killed
    assert took < 4.5, f"{took:.1f}s: one after the other would take 6 s (4 x 1.5 s)"


def test_stop_all_signals_each_process_once(tmp_path: Path) -> None:
    """A second SIGTERM, sent while a server is already shutting down (the second server here,
    still in its 1.5 s handler when the first has exited), would interrupt its graceful
    shutdown and its log's drain: each process is signalled once, then waited for."""
    procs = []
    for i, delay in enumerate((0.3, 1.5)):
        script = GRACEFUL.replace("time.sleep(1.5)", f"print('term', flush=True), time.sleep({delay})")
        popen = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
        assert popen.stdout is not None and popen.stdout.readline() == b"up\n"
        procs.append(processes.Process(f"server-{i}", popen, "http://127.0.0.1:0", tmp_path / f"{i}.log"))
    processes.stop_all(procs)
    for p in procs:
        assert p.popen.stdout is not None and p.popen.stdout.read().count(b"term") == 1, p.name
