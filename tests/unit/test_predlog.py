import copy
import hashlib
import hmac
import json
import os
import pickle
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nivesh.store import predictions, schema
from nivesh.store.journal import Journal
from nivesh.store.predictions import (
    PredictionLogger,
    PredictionRecord,
    PredictionStore,
    mask,
    mask_text,
    new_id,
    pseudonym,
    rows_to_frame,
    storable,
    to_wire,
)
from nivesh.store.predictions import _mask as general_mask
from nivesh.store.tables import JsonText, to_json

KEY = b"k"


def test_request_ids_are_uuid7_in_time_order_and_unique(monkeypatch) -> None:
    """Made in time order, so the log's request-id index takes them at its end (RFC 9562)."""
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    parsed = [uuid.UUID(i) for i in ids]
    assert {(u.version, u.variant) for u in parsed} == {(7, uuid.RFC_4122)}
    assert [str(u) for u in parsed] == ids  # the canonical form: lower-case hex, 8-4-4-4-12
    assert abs((parsed[0].int >> 80) - time.time_ns() // 1_000_000) < 5_000  # the time, in ms
    monkeypatch.setattr(time, "time_ns", lambda: 1_800_000_000_000 * 1_000_000)
    earlier = new_id()
    monkeypatch.setattr(time, "time_ns", lambda: 1_800_000_000_001 * 1_000_000)
    assert all(earlier < new_id() for _ in range(100))  # a millisecond later sorts after, as text too


def _store(tmp_path: Path) -> PredictionStore:
    """A migrated SQLite store (servers never create tables: nivesh.store.schema does)."""
    return PredictionStore(schema.prepare_local(f"sqlite:///{tmp_path / 'p.db'}"))


def _logger(store: PredictionStore, tmp_path: Path, key: bytes = KEY, **kw: Any) -> PredictionLogger:
    return PredictionLogger(store, ["user_id"], key, Journal(tmp_path / "journal", 2**20), flush_s=0.05, **kw)


def test_a_pseudonym_is_the_keyed_hmac_of_the_value_whatever_key_came_before() -> None:
    """The HMAC state is made once per key: the pseudonyms stay the ones already stored (the
    feedback join), and two keys never share a state."""
    for key in (KEY, b"another key", KEY):
        for value in ("U1", 12345, "ऋण", 1.5):
            expected = hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()[:16]
            assert pseudonym(value, key) == "anon_" + expected


def test_identifiers_are_pseudonymised_consistently() -> None:
    out = mask({"user_id": ["U1", "U1", "U2"], "loan_amnt": [1.0, 2.0, 3.0]}, {"user_id"}, KEY)
    assert out["user_id"][0] == out["user_id"][1] != out["user_id"][2]
    assert out["user_id"][0].startswith("anon_") and "U1" not in out["user_id"][0]
    assert out["loan_amnt"] == [1.0, 2.0, 3.0]


def test_free_text_loses_account_numbers_and_pan() -> None:
    text = mask_text("paid from a/c 123456789012 PAN ABCDE1234F phone 9876543210")
    assert "123456789012" not in text and "XXXXXXXX9012" in text
    assert "ABCDE1234F" not in text and "9876543210" not in text


def _record(model: str = "credit-risk", minutes_ago: int = 0) -> PredictionRecord:
    return PredictionRecord(
        model=model,
        version="v1.0.0",
        component="predictor",
        inputs={"loan_amnt": [1.0, 2.0], "user_id": ["U1", "U2"]},
        outputs={"probability": [0.1, 0.9]},
        status_code=200,
        latency_ms=3.2,
        created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
    )


def test_store_window_and_frame(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.write(
        [
            _record().row({"user_id"}, KEY),
            _record(minutes_ago=120).row({"user_id"}, KEY),
            _record("other").row({"user_id"}, KEY),
        ]
    )
    rows = store.window("credit-risk", datetime.now(UTC) - timedelta(hours=1))
    assert len(rows) == 1 and rows[0]["ce_type"] == "org.kubeflow.serving.inference.response"
    frame = rows_to_frame(rows, ["loan_amnt"])
    assert frame["loan_amnt"].tolist() == [1.0, 2.0]
    assert rows[0]["inputs"]["user_id"][0].startswith("anon_")


def test_logger_writes_in_the_background_and_flushes_on_close(tmp_path: Path) -> None:
    store = _store(tmp_path)
    logger = _logger(store, tmp_path, b"the-mounted-secret")
    for _ in range(250):
        logger.log(_record())
    logger.close()
    assert store.count("credit-risk") == 250
    stored = store.window("credit-risk", datetime.now(UTC) - timedelta(hours=1), limit=1)[0]["inputs"]["user_id"]
    assert stored == [pseudonym("U1", b"the-mounted-secret"), pseudonym("U2", b"the-mounted-secret")]  # its key
    assert logger.counts.as_dict() == {"written": 250, "spilled": 0, "replayed": 0, "dropped": 0}


def test_a_server_reads_its_environment_once_into_its_config(tmp_path: Path, monkeypatch) -> None:
    """The key, the store and the switches come from the entry point's ServerConfig: a change
    to the environment afterwards reaches no logger already built from it."""
    from nivesh.catalog import CREDIT_RISK
    from nivesh.serving import server

    monkeypatch.setenv("NIVESH_HOME", str(tmp_path))
    monkeypatch.setenv("NIVESH_SERVE_HOST", "127.0.0.1")
    monkeypatch.setenv("NIVESH_LOG_HASH_KEY", "from-the-secret")
    monkeypatch.setenv("NIVESH_PREDICTION_STORE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    config = server.ServerConfig.from_env(CREDIT_RISK)
    assert config.log_hash_key == b"from-the-secret" and config.store_url.endswith("p.db")
    logger = server.prediction_logger(CREDIT_RISK, "predictor", config)
    monkeypatch.setenv("NIVESH_LOG_HASH_KEY", "changed-later")
    assert logger.config.key == b"from-the-secret"
    logger.close()
    monkeypatch.setenv("NIVESH_PREDICTION_LOG", "false")
    assert server.prediction_logger(CREDIT_RISK, "predictor", server.ServerConfig.from_env(CREDIT_RISK)) is None


def test_a_server_beyond_loopback_refuses_the_built_in_key_and_a_missing_token(tmp_path: Path, monkeypatch) -> None:
    """In a pod (0.0.0.0) the pseudonym key and the feedback token must come from their Secrets:
    without them the server stops before loading its model, naming the Secret to mount."""
    from nivesh.catalog import CREDIT_RISK, FINANCIAL_NER
    from nivesh.cluster.secrets import FEEDBACK_TOKEN, LOG_HASH
    from nivesh.serving import server

    monkeypatch.setenv("NIVESH_HOME", str(tmp_path))
    monkeypatch.setenv("NIVESH_SERVE_HOST", "0.0.0.0")
    monkeypatch.delenv("NIVESH_LOG_HASH_KEY", raising=False)
    with pytest.raises(SystemExit, match=LOG_HASH.name):
        server.ServerConfig.from_env(FINANCIAL_NER)
    monkeypatch.setenv("NIVESH_LOG_HASH_KEY", "short")
    with pytest.raises(SystemExit, match="at least 16 characters"):
        server.ServerConfig.from_env(FINANCIAL_NER)
    monkeypatch.setenv("NIVESH_LOG_HASH_KEY", "a-key-from-the-mounted-secret")
    assert server.ServerConfig.from_env(FINANCIAL_NER).feedback_token is None  # takes no feedback
    with pytest.raises(SystemExit, match=FEEDBACK_TOKEN.name):
        server.ServerConfig.from_env(CREDIT_RISK)
    token = tmp_path / "token"
    token.write_text("a-token-from-the-mounted-secret\n")
    monkeypatch.setenv(FEEDBACK_TOKEN.env, str(token))
    assert server.ServerConfig.from_env(CREDIT_RISK).feedback_token == "a-token-from-the-mounted-secret"
    assert not list(tmp_path.rglob("secrets"))  # no workspace token was made for a pod
    monkeypatch.setenv("NIVESH_SERVE_HOST", "127.0.0.1")  # on loopback: the workspace's own token
    monkeypatch.delenv(FEEDBACK_TOKEN.env)
    monkeypatch.delenv("NIVESH_LOG_HASH_KEY")
    local = server.ServerConfig.from_env(CREDIT_RISK)
    assert local.feedback_token and len(local.feedback_token) >= 32


def test_hostile_values_are_stored_as_markers_and_the_logger_goes_on(tmp_path: Path) -> None:
    """A lone surrogate in an id, NaN, a 400-digit integer, 600-deep nesting, a megabyte of
    text, a NUL: each once stopped the logger thread or failed its whole batch."""
    store = _store(tmp_path)
    logger = _logger(store, tmp_path)
    deep: list[object] = []
    for _ in range(600):
        deep = [deep]
    hostile: list[dict[str, Any]] = [
        {"user_id": ["\ud800"], "loan_amnt": [1.0]},
        {"loan_amnt": [float("nan"), float("inf"), -float("inf")]},
        {"loan_amnt": [10**400]},
        {"nested": deep},
        {"text": ["x" * 1_000_000 + "\x00"]},
        {"user_id": [b"\xff\xfe"]},
    ]
    for inputs in hostile:
        logger.log(PredictionRecord("credit-risk", "v1", "predictor", inputs, None, 400, 1.0))
    logger.log(_record())
    deadline = time.monotonic() + 10
    while store.count("credit-risk") < len(hostile) + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.count("credit-risk") == len(hostile) + 1 and logger._thread.is_alive()
    logger.close()
    stored = storable({"a": [float("nan"), 10**400, "\ud800\x00", "y" * 20_000]})
    assert stored["a"][:2] == ["<NaN>", "<integer of 401 digits>"]
    assert stored["a"][2] == "?\ufffd" and stored["a"][3].endswith("<+10000 characters>")
    assert storable(deep) != deep and "nested deeper than" in str(storable(deep))


def test_a_server_drops_a_parent_feasts_metrics_dir_and_keeps_one_set_on_purpose(monkeypatch, tmp_path: Path) -> None:
    """A parent that imported Feast hands down its temporary multiprocess directory: a server
    with it would write every metric to mmap'd files Feast deletes when that parent exits."""
    from nivesh.serving import server, workers

    monkeypatch.setattr("sys.argv", ["predictor"])
    for name in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY"):  # prepare_argv sets them: restored after
        monkeypatch.delenv(name, raising=False)
    feasts = str(tmp_path / f"{server.FEAST_METRICS_DIR_PREFIX}abc123")
    for name in workers.MULTIPROCESS_DIR_VARS:
        monkeypatch.setenv(name, feasts)
    server.prepare_argv()
    assert not any(name in os.environ for name in workers.MULTIPROCESS_DIR_VARS)
    for name in workers.MULTIPROCESS_DIR_VARS:
        monkeypatch.setenv(name, str(tmp_path / "metrics"))  # an operator's choice (several workers)
    server.prepare_argv()
    assert all(os.environ[name] == str(tmp_path / "metrics") for name in workers.MULTIPROCESS_DIR_VARS)


# What a request's tensors may hold: a model's names or hostile ones, numbers of every kind
# (NaN, infinities, 400-digit integers, booleans, missing), plain or hostile text, nesting.
_FULL_WIDTH_RENT = "\uff32\uff25\uff2e\uff34"  # NFKC reads it as RENT
_SCALARS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
    st.none(),
    st.sampled_from(
        # masked or cleaned: a card, a PAN, full-width letters (NFKC), a name, an e-mail; escaped in JSON
        [
            *("RENT", "N", "4111111111111111", "AAAPL1234C", "ok\x00", "\ud800", "₹500", "x" * 10_001),
            *(_FULL_WIDTH_RENT, "my name is Ravi", "a@okaxis", 'say "hi"', "back\\slash", "ऋण", "user_id", "x" * 600),
        ]
    ),
    st.text(max_size=8),
)
_TENSORS = st.dictionaries(
    st.one_of(st.sampled_from(["user_id", "loan_amnt", "pan", "loan_intent"]), st.text(max_size=4)),
    st.one_of(
        st.lists(_SCALARS, max_size=3),
        st.lists(st.text(max_size=6), min_size=1, max_size=3),  # an id's strings, pseudonymised in the text
        st.lists(st.lists(_SCALARS, max_size=2), max_size=2),
        _SCALARS,
    ),
    max_size=5,
)


@settings(max_examples=400, deadline=None)
@given(_TENSORS)
def test_the_fast_mask_stores_exactly_what_the_general_walk_stores(tensors: dict[str, Any]) -> None:
    """The log writer masks the usual row without the general walk (its cost was most of the
    writer's time); whatever a request holds, the row must be the same, byte for byte."""
    ids = {"user_id", "pan"}
    expected = general_mask(storable(tensors), ids, KEY, None)
    assert json.dumps(mask(tensors, ids, KEY)) == json.dumps(expected)  # 1, 1.0 and true differ


@settings(max_examples=400, deadline=None)
@given(_TENSORS, st.one_of(st.none(), _TENSORS), st.sampled_from([None, (), ("loan_intent", "")]))
def test_tensors_sent_to_the_writer_as_json_are_stored_as_the_objects_would_be(
    inputs: dict[str, Any], outputs: dict[str, Any] | None, text_outputs: tuple[str, ...] | None
) -> None:
    """The serving process sends tensors to the log writer as orjson's JSON where that says
    everything, and the writer stores a response's JSON as it came where storable() would
    change nothing: whatever a request holds, the stored row is the one the objects make."""

    def stored(record: PredictionRecord) -> tuple[str, str]:
        row = record.row(["user_id", "pan"], KEY, text_outputs)
        return to_json(row["inputs"]), to_json(row["outputs"])

    def record() -> PredictionRecord:
        return PredictionRecord("m", "v1", "predictor", copy.deepcopy(inputs), copy.deepcopy(outputs), 200, 1.0, "r")

    wired = record()
    assert to_wire(wired) > 0
    assert stored(pickle.loads(pickle.dumps(wired))) == stored(record())


def test_plain_tensors_are_stored_as_the_json_they_came_in_and_masked_ones_are_not() -> None:
    """The usual credit-risk row needs no masking beyond its user id: its JSON is stored as it
    crossed the pipe, the id's string pseudonymised in the text (decoding and walking it was
    half the writer's time). Anything else masking would change takes the walk: a card
    number, full-width letters, an escaped character, an identifier that is not a string."""
    ids = ("user_id", "pan", "account_number")

    def row_inputs(inputs: dict[str, Any]) -> Any:
        record = PredictionRecord("m", "v1", "predictor", inputs, {"decision": ["approve"]}, 200, 1.0, "r")
        to_wire(record)
        return record.row(ids, KEY, ())["inputs"]

    plain = {"loan_intent": ["EDUCATION"], "loan_amnt": [12000.5], "person_age": [31], "ok": [True]}
    assert row_inputs(plain) == JsonText(orjson.dumps(plain).decode())
    assert row_inputs(plain) == JsonText(orjson.dumps(plain).decode())  # its strings remembered
    for in_text in (
        {"loan_amnt": [1.0], "user_id": ["U1"]},
        {"user_id": ["U1", "U2"], "pan": ["AAAPL1234C"], "note": ["user_id"]},
        {"x": [{"user_id": ["U1"]}], "y": {"a": "user_id"}},
    ):
        masked = mask(copy.deepcopy(in_text), set(ids), KEY)
        assert "anon_" in str(masked) and "U1" not in str(masked)
        assert row_inputs(in_text) == JsonText(orjson.dumps(masked).decode())
    walks: tuple[dict[str, Any], ...] = (
        {"note": ["card 4111 1111 1111 1111"]},
        {"loan_intent": [_FULL_WIDTH_RENT], "user_id": ["U1"]},
        {"note": ['he said "pan"']},
        {"account_number": [12345]},
        {"user_id": ["U1", 7]},
        {"user_id": "U1"},
        {"user_id": [["U1"]]},
        {"user_id": []},
    )
    for walked in walks:
        assert row_inputs(walked) == mask(copy.deepcopy(walked), set(ids), KEY)
        assert not isinstance(row_inputs(walked), JsonText)


def test_the_remembered_clean_strings_start_over_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """A flood of new strings cannot grow the writer's memory: the set is bounded, and a string
    seen before the reset is checked again after it."""
    monkeypatch.setattr(predictions, "MASK_CACHE_SIZE", 8)
    monkeypatch.setattr(predictions, "_UNMASKED", set())
    for i in range(50):
        assert predictions._clean([f"t{i}", f"v{i}"])
        assert len(predictions._UNMASKED) <= 8
    assert not predictions._clean(["t", "AAAPL1234C"])
    assert "AAAPL1234C" not in predictions._UNMASKED


def test_the_ids_pseudonymised_in_the_text_are_not_remembered_as_clean_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The set of clean strings holds a model's names and categories; an id is pseudonymised,
    never scrubbed, so a flood of new users neither checks nor remembers each raw id."""
    monkeypatch.setattr(predictions, "_UNMASKED", set())
    for user in ("U1", "U2"):
        inputs = {"user_id": [user], "loan_intent": ["EDUCATION"]}
        record = PredictionRecord("m", "v1", "predictor", inputs, None, 200, 1.0)
        to_wire(record)
        assert isinstance(record.row(["user_id"], KEY)["inputs"], JsonText)
    assert "EDUCATION" in predictions._UNMASKED and not {"U1", "U2"} & predictions._UNMASKED


def test_a_value_the_store_cannot_bind_drops_that_row_and_keeps_the_batch(tmp_path: Path) -> None:
    """The log's insert binds values itself (SQLAlchemy's per-row handling was most of the
    insert's cost): a value a column refuses is still that row's loss alone, and counted."""
    store = _store(tmp_path)
    logger = _logger(store, tmp_path)
    rows = [_record().row([], KEY) for _ in range(3)]
    rows[1]["created_at"] = "not a time"
    logger._write(rows)
    assert (logger.counts.written, logger.counts.dropped, store.count("credit-risk")) == (2, 1, 2)
    logger.close()
