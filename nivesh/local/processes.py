"""Local processes on loopback: free ports, start, wait until healthy, stop.

Used by `nivesh serve`, `make demo` and the integration tests, so a model server
or a Prometheus binary is started the same way everywhere.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx

from nivesh.errors import NiveshError

# Our model servers bind this host (nivesh.serving.server); local processes use loopback.
LOOPBACK_ENV = "NIVESH_SERVE_HOST"


# Below Linux's ephemeral range (32768-60999), where the kernel picks the ports of outgoing
# connections (and of bind(0)): a server port chosen there could be taken by a client socket
# between the check and the server's bind (seen: a model server's "address already in use").
PORT_RANGE = (20000, 32767)


def free_port() -> int:
    """A loopback port nobody listens on now, outside the ephemeral range."""
    for _ in range(200):
        port = random.randint(*PORT_RANGE)  # noqa: S311 - a port number, not a secret
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise NiveshError(f"no free loopback port in {PORT_RANGE[0]}-{PORT_RANGE[1]}")


def binary(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise NiveshError(f"{name} not found; install it with: sudo apt-get install {package}")
    return path


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    url: str
    log: Path
    grpc: str | None = None  # host:port of a model server's gRPC (Open Inference Protocol) side

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            self.wait(timeout)

    def wait(self, timeout: float) -> None:
        """Wait for an exit already asked for; SIGKILL after `timeout`. Never a second SIGTERM:
        it would interrupt the process's own graceful shutdown (and its log's drain)."""
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout)


def stop_all(procs: Iterable[Process], timeout: float = 10.0) -> None:
    """Ask every process to stop first, then wait for each: a KServe server takes seconds to
    shut down gracefully, so twelve of them cost the slowest one's time, not the sum."""
    running = [p for p in procs if p.popen.poll() is None]
    for p in running:
        p.popen.terminate()
    for p in running:
        p.wait(timeout)


def start(
    name: str,
    cmd: list[str],
    url: str,
    health: str,
    log: Path,
    timeout: float = 90.0,
    env: dict[str, str] | None = None,
    grpc: str | None = None,
) -> Process:
    """Start `cmd`, wait until GET url+health answers 200, or fail with the log's tail."""
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, LOOPBACK_ENV: "127.0.0.1", **(env or {})}
    with log.open("wb") as out:
        popen = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    proc = Process(name, popen, url, log, grpc)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if popen.poll() is not None:
                tail = log.read_text(errors="replace").splitlines()[-15:]
                raise NiveshError(f"{name} exited with {popen.returncode}:\n" + "\n".join(tail))
            try:
                if httpx.get(url + health, timeout=2.0).status_code == 200:
                    return proc
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise NiveshError(f"{name} did not become healthy at {url}{health} within {timeout:.0f}s; see {log}")
    except BaseException:  # unhealthy, or Ctrl-C / SIGTERM while waiting: no orphan is left behind
        proc.stop()
        raise


def start_pushgateway(log: Path) -> Process:
    """A Prometheus Pushgateway from Debian's prometheus-pushgateway on a free loopback port.

    In memory only: Debian's build persists to /var/lib/prometheus/pushgateway.data by
    default, which would hand every later local gateway the previous run's gauges."""
    exe = binary("prometheus-pushgateway", "prometheus-pushgateway")
    port = free_port()
    cmd = [exe, f"--web.listen-address=127.0.0.1:{port}", "--persistence.file="]
    return start("pushgateway", cmd, f"http://127.0.0.1:{port}", "/-/ready", log)


def start_retrain_webhook(log: Path, env: dict[str, str] | None = None) -> Process:
    """`nivesh retrain-webhook` (the console script beside this interpreter) on a free port."""
    port = free_port()
    cmd = [str(Path(sys.executable).with_name("nivesh")), "retrain-webhook", "--port", str(port)]
    return start("retrain-webhook", cmd, f"http://127.0.0.1:{port}", "/healthz", log, env=env)
