"""The prediction log's writer process: masking and the store's inserts, off the serving process.

Why a process: masking a record (a walk over every value, keyed hashes) and inserting it cost
about 110 µs of Python per request, on a thread that shares the GIL with the serving loop; a
credit-risk server doing 1 ms of work per request lost 15 % of its throughput and most of its
p99 tail to its own log (benchmarks/load.py). Here the serving process only queues each
record, its tensors encoded as JSON (`wired`), and ten times a second pickles the queue into
a pipe (under a microsecond a record); a child process started with the server runs
`PredictionLogger` on the other end: the masking, the batches, the journal when the store is
down, the replay.

Like KServe's logger agent, but the unmasked records never leave the container: the pipe is
anonymous, between the server and the child it started, and what reaches a disk or the store
is masked first. The child reports its counts on its stdout, which the server exports on its
/metrics as before. The child ignores SIGTERM and SIGINT (a process group's signals): it ends
when the server closes the pipe, after writing what it holds (to the store, else the journal),
and a server that dies without closing it closes it all the same.
"""

from __future__ import annotations

import atexit
import collections
import dataclasses
import logging
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from nivesh.heap import freeze_startup_heap
from nivesh.store.journal import Journal
from nivesh.store.predictions import (
    CLOSE_BUDGET_S,
    LOGGER_NICENESS,
    Fields,
    LogCounts,
    PredictionLogger,
    PredictionRecord,
    PredictionStore,
    report_loss,
    wired,
)

log = logging.getLogger(__name__)

# A frame: its length, then a pickled list of (a record's `Fields`, its size).
_LENGTH = struct.Struct(">I")
_FIELDS = tuple(f.name for f in dataclasses.fields(PredictionRecord))
_INPUTS, _OUTPUTS = _FIELDS.index("inputs"), _FIELDS.index("outputs")
# A pipe this large holds a few batches, so the server's sender rarely waits on the child.
PIPE_BYTES = 2**20
# How often the child reports its counts when no records arrive.
STATUS_S = 0.5
# How long a child that died is left before the next one starts (a crash loop costs little).
RESTART_S = 1.0
# How often the child writes what it holds to the store: twice a second, in one transaction of
# up to PredictionLogger's `batch` rows. At ten flushes of 100-row batches a second it spent
# 58-63 µs a credit-risk record; at this, 49-53 µs (a throwaway feeder: this module's serving
# side sending load.py's records at 1,500 a second, the child's CPU read from /proc). Rows
# reach the store within about a second of their request either way.
STORE_FLUSH_S = 0.5


@dataclass(frozen=True)
class WriterConfig:
    """What the child needs, sent as the pipe's first frame (the hash key stays off the
    command line and out of the environment of anything else)."""

    store_url: str
    store_timeout_s: float
    identifiers: tuple[str, ...]
    text_outputs: tuple[str, ...] | None
    key: bytes
    journal: Path
    journal_max_bytes: int
    flush_s: float  # how often the server sends its queue to the child
    store_flush_s: float = STORE_FLUSH_S
    max_pending_bytes: int = 64 * 2**20
    close_budget_s: float = CLOSE_BUDGET_S


class LogWriterProcess:
    """The serving side: `log` is what PredictionLogger's is (a deque append, no lock), and
    `counts`, `pending_bytes` and `journal_bytes` are the child's, plus what this side lost."""

    def __init__(self, config: WriterConfig) -> None:
        self.config = config
        self.pending: collections.deque[tuple[Fields, int]] = collections.deque()
        self.added_bytes = 0  # the serving thread's counter; the sender's is taken_bytes
        self.taken_bytes = 0
        self.lost = 0  # records this side lost: its queue full, or a child that died holding them
        self.child_status: dict[str, Any] = {}
        self.settled = LogCounts()  # what earlier children did, before they were replaced
        self._sent = 0  # records handed to the current child
        self._child: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._start_child()
        self._sender = threading.Thread(target=self._send_loop, name="prediction-log-sender", daemon=True)
        self._sender.start()
        atexit.register(self.close)

    # -- what the serving process and its /metrics see

    def log(self, record: PredictionRecord) -> None:
        """Queue a record (what `log_call` queues, from a record someone made already)."""
        fields = record.fields()
        inputs, outputs, size = wired(fields[_INPUTS], fields[_OUTPUTS])
        self._queue((*fields[:_INPUTS], inputs, outputs, *fields[_OUTPUTS + 1 :]), size)

    def log_call(
        self,
        model: str,
        version: str,
        component: str,
        inputs: Any,
        outputs: Any,
        status_code: int,
        latency_ms: float,
        request_id: str,
        ce_source: str = "",
        namespace: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        """Queue the record these fields make (PredictionRecord's, made now) as the log's queues
        hold it (`Fields`), without making the record. The serving loop calls this once a
        request: its whole log call (the tensors as {name: values} included) took 6.3-6.8 µs
        with a PredictionRecord, its datetime and a tuple made from it, and 4.9-5.1 µs this way
        (timeit, a credit-risk request, the queue freed every 100 records as the sender does)."""
        inputs, outputs, size = wired(inputs, outputs)
        values = (model, version, component, inputs, outputs, status_code, latency_ms, request_id)
        self._queue((*values, ce_source, namespace, endpoint, time.time_ns() // 1000), size)

    def _queue(self, fields: Fields, size: int) -> None:
        if self.added_bytes - self.taken_bytes + size > self.config.max_pending_bytes:
            self._lose(1, "the queue is full")
            return
        self.added_bytes += size
        self.pending.append((fields, size))

    @property
    def counts(self) -> LogCounts:
        counts = LogCounts(**self.child_status.get("counts", {})).plus(self.settled)
        counts.dropped += self.lost
        return counts

    @property
    def pending_bytes(self) -> int:
        return max(0, self.added_bytes - self.taken_bytes) + int(self.child_status.get("pending_bytes", 0))

    @property
    def journal_bytes(self) -> int:
        return int(self.child_status.get("journal_bytes", 0))

    def close(self, timeout: float | None = None) -> None:
        """Hand the queue to the child, close the pipe and wait while it writes (to the store,
        else the journal); idempotent, and run at interpreter exit."""
        if self._stop.is_set():
            return
        budget = self.config.close_budget_s if timeout is None else timeout
        self._stop.set()
        self._sender.join(budget / 4)
        child = self._child
        if child is not None:
            try:
                if child.stdin:
                    child.stdin.close()
                child.wait(budget)
            except (OSError, subprocess.TimeoutExpired):
                log.error("prediction log writer did not finish within %.0f s; stopped", budget)
                child.kill()
        atexit.unregister(self.close)

    # -- the sender thread

    def _lose(self, n: int, why: str) -> None:
        self.lost += n
        report_loss(self.lost, n, why)

    def _start_child(self) -> None:
        child = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            start_new_session=True,  # a signal to the server's process group is not the writer's
        )
        assert child.stdin is not None and child.stdout is not None
        _widen(child.stdin)
        reader = threading.Thread(target=self._read_status, args=(child.stdout,), name="prediction-log-status")
        reader.daemon = True
        reader.start()
        self._child, self._sent, self.child_status = child, 0, {}
        self._send(pickle.dumps(self.config, protocol=pickle.HIGHEST_PROTOCOL))

    def _read_status(self, stdout: IO[bytes]) -> None:
        for line in stdout:
            try:
                self.child_status = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue

    def _send(self, payload: bytes) -> None:
        """One frame to the child; OSError when it is gone."""
        child = self._child
        if child is None or child.stdin is None:
            raise BrokenPipeError
        child.stdin.write(_LENGTH.pack(len(payload)) + payload)
        child.stdin.flush()

    def _send_loop(self) -> None:
        while not self._stop.wait(self.config.flush_s):
            self._send_pending()
        self._send_pending()

    def _send_pending(self) -> None:
        if not self.pending:
            return
        # (record, its size): the child bounds its queue with the size measured here
        records: list[tuple[Fields, int]] = []
        while self.pending:
            records.append(self.pending.popleft())
        self.taken_bytes += sum(size for _, size in records)
        try:
            payload = pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - one unpicklable value must not stop the log
            safe = [(_picklable(fields), n) for fields, n in records]
            payload = pickle.dumps(safe, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._send(payload)
            self._sent += len(records)
        except OSError:
            self._restart(unsent=len(records))

    def _restart(self, unsent: int) -> None:
        """Count what the dead child had not reported settled (stored, spilled or dropped) as
        lost, with the batch it refused, and start another."""
        child, code = self._child, None
        if child is not None:
            try:
                code = child.wait(self.config.close_budget_s)  # the pipe is closed: it is ending
            except subprocess.TimeoutExpired:
                child.kill()
        done = LogCounts(**self.child_status.get("counts", {}))
        self.settled = self.settled.plus(done)
        settled = done.written + done.spilled + done.dropped
        self._lose(unsent + max(0, self._sent - settled), "the log writer process stopped")
        log.error("prediction log writer exited (code %s); starting another", code)
        if self._stop.wait(RESTART_S):
            return
        try:
            self._start_child()
        except OSError as exc:
            log.error("prediction log writer could not start (%s)", type(exc).__name__)


def _picklable(fields: tuple[Any, ...]) -> tuple[Any, ...]:
    """A record on the wire, or a copy with a marker in place of tensors that cannot cross the
    pipe: the request happened, so its row is still written."""
    try:
        pickle.dumps(fields)
        return fields
    except Exception as exc:  # noqa: BLE001 - whatever a tensor held
        values = list(fields)
        values[_INPUTS], values[_OUTPUTS] = {"<unloggable>": [type(exc).__name__]}, None
        return tuple(values)


def _widen(pipe: IO[bytes]) -> None:
    """A larger pipe buffer where Linux allows it (the default 64 KiB is one batch)."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


# -- the child


def _read_exactly(fd: int, n: int) -> bytes:
    chunks: list[bytes] = []
    while n:
        chunk = os.read(fd, n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int) -> Any:
    (n,) = _LENGTH.unpack(_read_exactly(fd, _LENGTH.size))
    return pickle.loads(_read_exactly(fd, n))  # noqa: S301 - our own parent, over an anonymous pipe


def _report(logger: PredictionLogger) -> None:
    status = {
        "counts": logger.counts.as_dict(),
        "pending_bytes": logger.pending_bytes,
        "journal_bytes": logger.journal.bytes,
    }
    sys.stdout.buffer.write(orjson.dumps(status) + b"\n")
    sys.stdout.buffer.flush()


def main() -> None:
    """Read frames until the server closes the pipe, then write what is held and exit."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    try:
        os.nice(LOGGER_NICENESS)
    except OSError:
        pass
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s prediction-log-writer %(message)s")
    fd = sys.stdin.fileno()
    config: WriterConfig = _read_frame(fd)
    logger = PredictionLogger(
        PredictionStore(config.store_url, config.store_timeout_s),
        config.identifiers,
        config.key,
        Journal(config.journal, config.journal_max_bytes),
        config.text_outputs,
        max_pending_bytes=config.max_pending_bytes,
        flush_s=config.store_flush_s,
    )
    freeze_startup_heap()
    last = 0.0
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], STATUS_S)
            if ready:
                for fields, size in _read_frame(fd):
                    logger.log_fields(fields, size)
            if time.monotonic() - last >= STATUS_S:
                _report(logger)
                last = time.monotonic()
    except EOFError:
        pass
    finally:
        logger.close(config.close_budget_s)
        _report(logger)


if __name__ == "__main__":
    main()
