"""KServe's `--workers N` for a Nivesh model server: N serving processes behind one port.

Why: a server is one Python process, and a credit-risk predictor saturates its core at about
2,000 requests a second while the pod's other cores idle (MLServer's XGBoost runtime spreads
its work over every core with OpenMP). KServe's own `--workers` starts processes that unpickle
its FastAPI app, so they would lose what `server.start` puts around it (the inference lane,
the gRPC server, the prediction log).

Here a server started with `--workers N` (N > 1) becomes a small supervisor before it loads
anything: it checks that its ports are free, then starts N copies of its own command line
with `--workers=1`, each a whole server (its model, its prediction-log writer, its gRPC
server) listening on the same ports with SO_REUSEPORT, so the kernel spreads connections over
them (gRPC sets SO_REUSEPORT itself). Their Prometheus metrics use prometheus_client's
multiprocess mode, in a folder the supervisor makes and removes, so `/metrics` on any worker
reports them all. SIGTERM and SIGINT go to every worker (each drains and writes its log); a
worker that exits on its own stops the others and the supervisor exits with its status, so
the pod restarts whole, as a one-process server would. A worker whose supervisor dies gets
SIGTERM from the kernel (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from nivesh.cluster.pods import TERMINATION_GRACE_S

log = logging.getLogger(__name__)

# Set by the supervisor in each worker's environment (ServingSettings reads them).
WORKER_ENV = "NIVESH_SERVE_WORKER"
WORKERS_ENV = "NIVESH_SERVE_WORKERS"
# prometheus_client's multiprocess mode: two names for one folder (feast.metrics, imported
# where either is unset, makes a folder of its own for it).
MULTIPROCESS_DIR_VARS = ("PROMETHEUS_MULTIPROC_DIR", "PROMETHEUS_MULTIPROCESS_DIR")
METRICS_DIR_PREFIX = "nivesh-metrics-"
# How long the workers have to finish after SIGTERM (each drains requests and writes its
# prediction log) before they are killed: just inside the pod's termination grace period.
STOP_BUDGET_S = TERMINATION_GRACE_S - 5.0
_PR_SET_PDEATHSIG = 1
POLL_S = 0.2  # how often the supervisor looks at its workers


def requested(argv: Sequence[str]) -> int:
    """The --workers count on this command line (KServe's flag; 1 when absent). A worker's
    own command line ends with --workers=1, which argparse reads last."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--workers", default="1")
    value = parser.parse_known_args(list(argv))[0].workers
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"--workers={value}: expected a whole number of processes, 1 or more")
    return int(value)


def is_worker() -> bool:
    return WORKER_ENV in os.environ


def supervise_if_asked() -> None:
    """In a server's entry point, before anything else loads: with --workers N > 1 (and not
    already a worker), start the workers, wait for them and exit with their status."""
    if is_worker():
        _die_with_supervisor()
        return
    count = requested(sys.argv[1:])
    if count > 1:
        sys.exit(Supervisor(count).run())


def _die_with_supervisor() -> None:
    """A worker left behind by a supervisor killed with SIGKILL would keep serving the port."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the supervisor's SIGTERM still reaches it
        pass


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    """A worker's REST socket: the same port as its siblings (SO_REUSEPORT)."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(False)
    return sock


def _check_free(host: str, port: int, what: str) -> None:
    """Bind without SO_REUSEPORT: fails while anything listens there, a server started with
    --workers included (whose workers would otherwise share the port silently)."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise SystemExit(f"{what} port {port} on {host} is in use ({exc.strerror}): stop what holds it") from None


class Supervisor:
    """Starts the workers and waits: the first to exit, or a signal, stops them all."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.children: list[subprocess.Popen[bytes]] = []
        self.stopping = False

    def _ports(self) -> list[tuple[str, int]]:
        from kserve.model_server import parser  # kserve's defaults for the ports (8080, 8081)

        args, _ = parser.parse_known_args(sys.argv[1:])
        ports = [("REST", int(args.http_port))]
        if args.enable_grpc:
            ports.append(("gRPC", int(args.grpc_port)))
        return ports

    def run(self) -> int:
        from kserve.logging import configure_logging

        from nivesh.settings import ServingSettings

        configure_logging()
        host = ServingSettings().serve_host
        for what, port in self._ports():
            _check_free(host, port, what)
        folder = tempfile.mkdtemp(prefix=METRICS_DIR_PREFIX)
        env = {**os.environ, **dict.fromkeys(MULTIPROCESS_DIR_VARS, folder), WORKERS_ENV: str(self.count)}
        command = [sys.executable, *sys.orig_argv[1:], "--workers=1"]
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        try:
            for i in range(self.count):
                self.children.append(subprocess.Popen(command, env={**env, WORKER_ENV: str(i)}))
            log.info("serving with %d worker processes: %s", self.count, [c.pid for c in self.children])
            return self._wait(folder)
        finally:
            for child in self.children:
                if child.poll() is None:
                    child.kill()
                    child.wait()
            shutil.rmtree(folder, ignore_errors=True)

    def _on_signal(self, signum: int, frame: Any) -> None:
        if not self.stopping:
            log.info("%s: stopping %d workers", signal.Signals(signum).name, len(self.children))
            self._stop()

    def _stop(self) -> None:
        self.stopping = True
        for child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    def _wait(self, folder: str) -> int:
        """Until every worker has exited: the first to exit on its own sets the status and
        stops the rest; those still running STOP_BUDGET_S after a stop are killed."""
        from prometheus_client import multiprocess

        status, deadline = 0, None
        while running := [c for c in self.children if c.returncode is None]:
            for child in running:
                code = child.poll()
                if code is None:
                    continue
                multiprocess.mark_process_dead(child.pid, folder)
                if not self.stopping:
                    log.error("worker %d exited (status %d): stopping the others", child.pid, code)
                    status = code or 1
                    self._stop()
                elif code not in (0, -signal.SIGTERM) and status == 0:
                    status = code if code > 0 else 1
            if self.stopping:
                deadline = deadline or time.monotonic() + STOP_BUDGET_S
                if time.monotonic() > deadline:
                    for child in running:
                        if child.poll() is None:
                            log.error("worker %d did not stop within %.0f s: killed", child.pid, STOP_BUDGET_S)
                            child.kill()
            time.sleep(POLL_S)
        return status
