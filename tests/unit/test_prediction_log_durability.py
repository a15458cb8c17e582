"""The prediction log is at-least-once and idempotent: a store outage spills to the journal,
which is replayed when the store returns; a record written twice is one row; what is lost is
counted; the schema is the migrations' and matches nivesh.store.tables."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata

from nivesh.errors import NiveshError
from nivesh.store import schema
from nivesh.store.journal import Journal
from nivesh.store.predictions import PredictionLogger, PredictionRecord, PredictionStore, to_wire
from nivesh.store.tables import engine_for, metadata


def _record(i: int) -> PredictionRecord:
    inputs, outputs = {"loan_amnt": [float(i)]}, {"p": [0.5]}
    return PredictionRecord("credit-risk", "v1", "predictor", inputs, outputs, 200, 1.0, f"r{i}")


def _until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _ids(url: str) -> list[str]:
    engine = engine_for(url)
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.text("SELECT request_id FROM model_predictions"))]


def test_the_migrations_build_exactly_the_tables_the_code_declares(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert schema.current(url) is None
    assert schema.upgrade(url) == schema.head() == schema.upgrade(url)  # idempotent
    with pytest.raises(NiveshError, match="--revision: unknown revision; known: head, 0001, 0002, 0003"):
        schema.upgrade(url, "nope'; DROP TABLE x")  # a one-line error from `nivesh db upgrade`
    with engine_for(url).connect() as conn:
        assert compare_metadata(schema.context(conn), metadata) == []


def test_a_store_built_before_migrations_is_stamped_and_its_duplicates_folded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    schema.upgrade(url, schema.BASELINE)  # what create_all built, without the unique key
    engine = engine_for(url)
    rows = [_record(1).row((), b"k"), _record(1).row((), b"k"), _record(2).row((), b"k")]
    with engine.begin() as conn:
        conn.execute(metadata.tables["model_predictions"].insert(), rows)
        conn.execute(sa.text(f"DROP TABLE {schema.VERSION_TABLE}"))
    assert schema.upgrade(url) == schema.head()
    assert sorted(_ids(url)) == ["r1", "r2"]


def test_a_batch_written_twice_is_one_row_per_record(tmp_path: Path) -> None:
    store = PredictionStore(schema.prepare_local(f"sqlite:///{tmp_path / 'p.db'}"))
    rows = [_record(i).row((), b"k") for i in range(3)]
    store.write(rows)
    store.write([*rows[1:], _record(3).row((), b"k")])
    assert sorted(_ids(store.engine.url.render_as_string(hide_password=False))) == ["r0", "r1", "r2", "r3"]


def _logger(url: str, folder: Path, **kw: Any) -> PredictionLogger:
    journal = Journal(folder, kw.pop("journal_bytes", 2**20))
    options: dict[str, Any] = {"flush_s": 0.05, "retry_s": (0.1, 0.2)} | kw
    return PredictionLogger(PredictionStore(url, 2.0), ["user_id"], b"k", journal, **options)


def test_a_store_outage_spills_to_the_journal_and_replays_each_record_once(tmp_path: Path) -> None:
    """The store has no table yet (down, or its migration job has not run): records go to the
    journal; once the store takes writes they are replayed, each once."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    logger = _logger(url, tmp_path / "journal", text_outputs=())
    for i in range(40):
        record = _record(i)
        logger.log(record, to_wire(record) if i % 2 else None)  # as the serving process sends them, or not
    _until(lambda: logger.counts.spilled == 40)
    assert len(logger.journal) >= 1 and logger.journal.bytes > 0
    schema.upgrade(url)  # the store is back
    _until(lambda: logger.counts.replayed == 40)
    # logged once the store took the replay: written, not spilled (logged sooner, a record could
    # still meet the back-off's last 0.2 s and go through the journal: a flaky count)
    for i in range(40, 50):
        logger.log(_record(i))
    _until(lambda: logger.counts.written == 10)
    logger.close()
    assert sorted(_ids(url)) == sorted(f"r{i}" for i in range(50))
    with engine_for(url).connect() as conn:
        assert set(conn.execute(sa.text("SELECT outputs FROM model_predictions")).scalars()) == {'{"p":[0.5]}'}
    assert logger.journal.bytes == 0 and not len(logger.journal) and logger.counts.dropped == 0


def test_sigterm_with_the_store_down_leaves_the_journal_to_the_next_process(tmp_path: Path) -> None:
    """close() (atexit, on SIGTERM) puts the queue in the journal when the store cannot take it;
    the next server on the same journal (a restarted container on its emptyDir) replays it."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    first = _logger(url, tmp_path / "journal", flush_s=60.0)  # nothing flushed before close
    for i in range(25):
        first.log(_record(i))
    first.close(timeout=2.0)
    assert first.counts.spilled == 25 and len(first.journal)
    schema.upgrade(url)
    second = _logger(url, tmp_path / "journal")
    _until(lambda: second.counts.replayed == 25)
    second.close()
    assert sorted(_ids(url)) == sorted(f"r{i}" for i in range(25))


def test_what_cannot_be_kept_is_counted_as_dropped_never_silently(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    crowded = _logger(url, tmp_path / "a", flush_s=60.0, max_pending_bytes=4096)
    for i in range(100):
        crowded.log(_record(i))
    assert crowded.counts.dropped > 0
    kept = 100 - crowded.counts.dropped
    crowded.close(timeout=2.0)
    assert crowded.counts.spilled == kept  # the store is down: the rest went to the journal
    full = _logger(url, tmp_path / "b", journal_bytes=10)  # store down and no room on disk
    full.log(_record(1))
    _until(lambda: full.counts.dropped == 1)
    full.close()


def test_a_corrupt_journal_file_is_set_aside_not_replayed_forever(tmp_path: Path) -> None:
    url = schema.prepare_local(f"sqlite:///{tmp_path / 'p.db'}")
    folder = tmp_path / "journal"
    folder.mkdir()
    (folder / "00000000000000000001-1.jsonl").write_text('{"request_id": "r1", trunc')
    logger = _logger(url, folder)
    logger.log(_record(2))
    _until(lambda: logger.counts.written == 1)
    logger.close()
    assert [p.suffix for p in folder.iterdir()] == [".corrupt"]


def test_the_counts_are_on_the_servers_metrics(tmp_path: Path) -> None:
    from prometheus_client import REGISTRY, generate_latest

    from nivesh.serving import metrics

    logger = _logger(f"sqlite:///{tmp_path / 'p.db'}", tmp_path / "journal")
    metrics.watch_logger(logger, "credit-risk", "predictor")
    metrics.watch_logger(logger, "credit-risk", "predictor")  # a second logger replaces the first
    text = generate_latest(REGISTRY).decode()
    logger.close()
    for outcome in ("written", "spilled", "replayed", "dropped"):  # from the start: the alert has a series
        line = f'{metrics.LOG_RECORDS}_total{{component="predictor",model="credit-risk",outcome="{outcome}"}}'
        assert line in text
    assert f"{metrics.LOG_JOURNAL_BYTES}{{" in text
