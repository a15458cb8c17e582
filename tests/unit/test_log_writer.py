"""The prediction log's writer process: what the serving process hands it reaches the store
masked, once; a writer that dies is replaced and what it took with it is counted; a server
that dies without closing still gets its records written; SIGTERM to the process group does
not stop the writer before the server has handed it everything."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from nivesh.store import schema
from nivesh.store.log_writer import LogWriterProcess, WriterConfig
from nivesh.store.predictions import PredictionRecord, PredictionStore, fields_row
from nivesh.store.tables import engine_for


def _config(tmp_path: Path) -> WriterConfig:
    url = schema.prepare_local(f"sqlite:///{tmp_path / 'p.db'}")
    return WriterConfig(url, 5.0, ("user_id",), (), b"the-secret", tmp_path / "journal", 2**20, 0.05)


def _record(i: int) -> PredictionRecord:
    inputs = {"user_id": [f"U{i:05d}"], "loan_amnt": [float(i)]}
    return PredictionRecord("credit-risk", "v1", "predictor", inputs, {"p": [0.5]}, 200, 1.0, f"r{i}")


def _until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _rows(url: str) -> list[tuple[str, str]]:
    engine = engine_for(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT request_id, inputs FROM model_predictions")).all()
    engine.dispose()
    return [(r[0], r[1]) for r in rows]


def test_records_reach_the_store_masked_once_and_the_counts_come_back(tmp_path: Path) -> None:
    config = _config(tmp_path)
    writer = LogWriterProcess(config)
    for i in range(300):
        writer.log(_record(i))
    _until(lambda: writer.counts.written == 300)
    assert writer.pending_bytes == 0 and writer.journal_bytes == 0
    writer.close()
    rows = _rows(config.store_url)
    assert sorted(rid for rid, _ in rows) == sorted(f"r{i}" for i in range(300))
    assert not any("U0" in str(inputs) for _, inputs in rows)  # pseudonymised before the store
    assert all("anon_" in str(inputs) for _, inputs in rows)


def test_a_writer_that_dies_is_replaced_and_its_loss_counted(tmp_path: Path) -> None:
    config = _config(tmp_path)
    writer = LogWriterProcess(config)
    writer.log(_record(0))
    _until(lambda: writer.counts.written == 1)
    first = writer._child
    assert first is not None
    first.kill()
    first.wait(10)
    for i in range(1, 40):  # the first batch after the death finds the pipe closed
        writer.log(_record(i))
        time.sleep(0.01)
    _until(lambda: writer._child is not first and writer._child is not None)
    writer.log(_record(99))
    writer.close()
    stored = {rid for rid, _ in _rows(config.store_url)}
    assert {"r0", "r99"} <= stored
    assert len(stored) + writer.counts.dropped >= 41  # every record stored or counted lost


def test_a_process_group_sigterm_leaves_the_writer_to_finish(tmp_path: Path) -> None:
    config = _config(tmp_path)
    writer = LogWriterProcess(config)
    assert writer._child is not None
    _until(lambda: bool(writer.child_status))  # the writer is up: it reports its counts
    os.kill(writer._child.pid, signal.SIGTERM)  # what a terminal's or a runner's group signal does
    for i in range(50):
        writer.log(_record(i))
    writer.close()
    assert len(_rows(config.store_url)) == 50


SERVER_DIES = """
import os, sys, time
from nivesh.store.log_writer import LogWriterProcess, WriterConfig
from nivesh.store.predictions import PredictionRecord
from pathlib import Path
url, journal = sys.argv[1], Path(sys.argv[2])
writer = LogWriterProcess(WriterConfig(url, 5.0, ("user_id",), (), b"k", journal, 2**20, 0.05))
for i in range(120):
    writer.log(PredictionRecord("credit-risk", "v1", "predictor", {"x": [1.0]}, None, 200, 1.0, f"r{i}"))
time.sleep(0.5)  # handed to the writer, not yet known to be stored
os._exit(9)  # no atexit, no close: an OOM kill
"""


def test_a_server_killed_without_closing_still_gets_its_records_written(tmp_path: Path) -> None:
    config = _config(tmp_path)
    subprocess.run(
        [sys.executable, "-c", SERVER_DIES, config.store_url, str(tmp_path / "journal")], timeout=60, check=False
    )
    _until(lambda: len(_rows(config.store_url)) == 120)
    assert PredictionStore(config.store_url).count() == 120


def test_a_record_crosses_the_pipe_whole_with_its_time_to_the_microsecond(tmp_path: Path) -> None:
    """What the serving loop queues (log_call: fields, not a record) is what a record's own
    fields() are, every field in its place, the tensors as JSON; created_at crosses as
    microseconds since the epoch (a datetime was most of a record's pickling), a naive time
    taken as UTC, as the store takes it."""
    writer = LogWriterProcess(WriterConfig(**{**_config(tmp_path).__dict__, "flush_s": 3600.0}))

    def crossed() -> tuple[Any, ...]:
        fields, _size = writer.pending.pop()
        return cast(tuple[Any, ...], pickle.loads(pickle.dumps(fields)))

    @settings(max_examples=200, deadline=None)
    @given(st.datetimes(timezones=st.one_of(st.none(), st.timezones())))
    def each(at: datetime) -> None:
        record = _record(1)
        record.created_at = at
        writer.log(record)
        back = fields_row(crossed(), set(), b"k", ())
        assert back["created_at"] == (at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC))
        assert back["created_at"].tzinfo is UTC and back["request_id"] == "r1"

    try:
        each()
        every = PredictionRecord("m", "v", "c", {"i": [1]}, {"o": ["x"]}, 201, 2.5, "id", "src", "ns", "ep")
        writer.log(every)
        sent = crossed()
        assert sent[3:5] == (b'{"i":[1]}', b'{"o":["x"]}')  # as the serving process sends them
        assert sent == (*every.fields()[:3], *sent[3:5], *every.fields()[5:])
        before = time.time()
        writer.log_call("m", "v", "c", {"i": [1]}, {"o": ["x"]}, 201, 2.5, "id", "src", "ns", "ep")  # made now
        made = crossed()
        assert made[:-1] == sent[:-1] and before - 0.001 <= made[-1] / 1e6 <= time.time() + 0.001
    finally:
        writer.close()


def test_a_record_whose_tensors_cannot_cross_the_pipe_is_stored_with_a_marker(tmp_path: Path) -> None:
    config = _config(tmp_path)
    writer = LogWriterProcess(config)
    odd = PredictionRecord("credit-risk", "v1", "predictor", {"x": [lambda: 0]}, None, 200, 1.0, "odd")
    writer.log(odd)  # neither JSON nor picklable
    writer.log(_record(1))  # its batch-mate is stored as it is
    _until(lambda: writer.counts.written == 2)
    writer.close()
    stored = dict(_rows(config.store_url))
    assert '"<unloggable>":["AttributeError"]' in stored["odd"] and "anon_" in stored["r1"]
