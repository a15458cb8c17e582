"""The prediction store: every request/response, as KServe's CloudEvents payload logger
describes it, in table `model_predictions` (SQLite by default, PostgreSQL in a cluster).

Identifiers are masked before a row is written: ids are replaced by a keyed hash (so
feedback can still be joined) and long digit runs (account, card, phone numbers)
keep only their last four digits. Writes happen on a background thread in batches,
so logging never sits on a request's latency path.
"""

from __future__ import annotations

import atexit
import collections
import functools
import hashlib
import hmac
import logging
import math
import operator
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import orjson
import pandas as pd
import sqlalchemy as sa

from nivesh.pii import scrub
from nivesh.store.journal import Journal
from nivesh.store.tables import PREDICTOR, JsonText, engine_for, model_predictions

log = logging.getLogger(__name__)

RESPONSE_TYPE = "org.kubeflow.serving.inference.response"


def new_id() -> str:
    """A request id for a request that came without one: a UUIDv7 (RFC 9562), the time in
    milliseconds first, then 74 random bits. Ids made in time order go into the log's
    request-id indexes at their right-hand end; random UUIDv4s dirtied pages all over both
    indexes, and the writer spent 75 instead of 54 µs a row on a 200,000-row SQLite log
    (a throwaway replay of benchmarks/load.py's records). Formatted here rather than by
    uuid.UUID, which took 3.4 µs against 2.2-2.6 on every request that came without an id."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")  # 80 bits: 12 + 62 used
    value = (ms & _MS_MASK) << 80 | 0x7 << 76 | (rand >> 68) << 64 | 0b10 << 62 | (rand & _LOW_62)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_MS_MASK = (1 << 48) - 1
_LOW_62 = (1 << 62) - 1


@dataclass
class PredictionRecord:
    model: str
    version: str
    component: str
    # the tensors, or their JSON as they crossed from the serving process (wire_tensors)
    inputs: dict[str, Any] | bytes
    outputs: dict[str, Any] | bytes | None
    status_code: int
    latency_ms: float
    request_id: str = field(default_factory=lambda: new_id())
    ce_source: str = ""
    namespace: str | None = None
    endpoint: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def fields(self) -> Fields:
        """The record as the log's queues hold it (`Fields`)."""
        r = self
        values = (r.model, r.version, r.component, r.inputs, r.outputs, r.status_code, r.latency_ms, r.request_id)
        return (*values, r.ce_source, r.namespace, r.endpoint, micros(r.created_at))

    def row(self, identifiers: Iterable[str], key: bytes, text_outputs: Iterable[str] | None = None) -> dict[str, Any]:
        """The record as the store holds it (`fields_row`)."""
        return fields_row(self.fields(), set(identifiers), key, text_outputs)


# A record as the log's queues hold it, from the serving loop to the writer's inserts:
# PredictionRecord's fields in order, created_at as microseconds since the epoch (UTC). The
# serving loop makes these and never the record (LogWriterProcess.log_call), and the writer
# makes its rows from them, not from a record made again: 1.4-1.7 µs less a request on the
# loop and 0.3-1.6 µs less in the writer (timeit; stop 37 in benchmarks/RESULTS.md).
Fields = tuple[Any, ...]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(at: datetime) -> int:
    """A time as `Fields` hold it: microseconds since the epoch, a naive time taken as UTC
    (as the store takes it). Pickling a datetime took 0.5 µs on a warm cache and 2-4 µs on the
    sender thread's cold one, where the rest of a record took under one."""
    return ((at if at.tzinfo else at.replace(tzinfo=UTC)) - _EPOCH) // _MICROSECOND


def fields_row(fields: Fields, ids: set[str], key: bytes, text_outputs: Iterable[str] | None) -> dict[str, Any]:
    """A record's row as the store holds it: inputs masked, outputs masked where they may hold
    the user's words (`text_outputs`; None: all of them), the rest made storable."""
    model, version, component, inputs, outputs, status_code, latency_ms, request_id = fields[:8]
    ce_source, namespace, endpoint, at = fields[8:]
    return {
        "request_id": request_id[:64],
        "model": model,
        "version": version,
        "component": component,
        "ce_type": RESPONSE_TYPE,
        "ce_source": ce_source or f"urn:nivesh:{model}:{component}",
        "ce_specversion": "1.0",
        "namespace": namespace,
        "endpoint": endpoint,
        "inputs": _as_they_came(inputs, ids, key) or mask(_decoded(inputs), ids, key),
        "outputs": _outputs(outputs, ids, key, text_outputs),
        "status_code": status_code,
        "latency_ms": latency_ms,
        "created_at": _EPOCH + at * _MICROSECOND,
    }


# How _as_they_came treats tensors: masked whole, only checked that masking changes nothing, or as they are.
Masked = Literal["all", "text", "none"]


def _decoded(tensors: Any) -> Any:
    """Tensors as objects, whichever form they crossed the pipe in (wire_tensors)."""
    return orjson.loads(tensors) if type(tensors) is bytes else tensors


def _as_they_came(tensors: Any, ids: set[str], key: bytes, masked: Masked = "all") -> JsonText | None:
    """Tensors as the JSON they crossed the pipe in (wire_tensors), masked in the text, where
    storable() would change nothing; else None (the walk). `masked`: "all" masks them whole,
    "text" only checks that masking would change nothing (no identifier pseudonymised),
    "none" not at all. Decoding and walking a credit-risk row was half the log writer's time."""
    if type(tensors) is bytes and _stored_as_is(tensors):
        text = tensors.decode()
        if masked == "none":
            return JsonText(text)
        done = _masked_json(text, ids, key, pseudonymise=masked == "all")
        if done is not None:
            return JsonText(done)
    return None


def _outputs(
    outputs: dict[str, Any] | bytes | None, ids: set[str], key: bytes, text_outputs: Iterable[str] | None
) -> dict[str, Any] | JsonText | None:
    if outputs is None:
        return None
    scrubbed = None if text_outputs is None else set(text_outputs)
    stored = _as_they_came(outputs, ids, key, "all" if scrubbed is None else "text" if scrubbed else "none")
    if stored is not None:
        return stored
    tensors: dict[str, Any] = _decoded(outputs)
    if scrubbed is None:
        return dict(mask(tensors, ids, key))
    return {
        str(name): mask(values, ids, key, str(name)) if name in scrubbed else _storable_values(values)
        for name, values in tensors.items()
    }


def _stored_as_is(data: bytes) -> bool:
    """JSON from wire_tensors that storable() returns unchanged once decoded: no string beyond
    MAX_LOGGED_CHARS (the whole is shorter), no NUL, nesting no deeper than MAX_LOGGED_DEPTH
    (fewer brackets than that); NaN, infinities and huge integers never reach JSON there.
    A false "no" only costs the decode."""
    return (
        len(data) <= MAX_LOGGED_CHARS
        and b"\\u0000" not in data
        and data.count(b"[") + data.count(b"{") <= MAX_LOGGED_DEPTH
    )


def _masked_json(text: str, identifiers: set[str], key: bytes, pseudonymise: bool) -> str | None:
    """JSON from wire_tensors masked as `mask` would mask its objects, in the text; None where
    that takes the walk: an escape, a string mask_text changes, an identifier that is not a
    list of strings (or any identifier, unless `pseudonymise`). The usual row's strings were
    all seen before: one set lookup in C, no decode; an identifier's strings, the one-process
    server's `"user_id":["U1"]`, are pseudonymised in place (9 instead of 17 µs a row, timeit)."""
    if "\\" in text:
        return None
    pieces = text.split('"')  # with no escapes, every string's content lies at an odd index
    strings = pieces[1::2]
    named = identifiers.intersection(strings)
    if not named:
        return text if _clean(strings) else None
    at = _identifier_values(pieces, named) if pseudonymise else None
    if at is None:
        return None
    values = [pieces[i] for i in at]
    for i in at:
        pieces[i] = ""  # the ids are pseudonymised, not scrubbed: only the rest must be clean
    if not _clean(pieces[1::2]):
        return None
    for i, value in zip(at, values, strict=True):
        pieces[i] = pseudonym(value, key)
    return '"'.join(pieces)


def _identifier_values(pieces: list[str], named: set[str]) -> list[int] | None:
    """Where the strings listed under identifier keys lie in JSON split on quotes; None when an
    identifier key holds anything but a list of strings. A string followed by a piece opening
    with ':' is a key; the same name as a value is an ordinary string."""
    at: list[int] = []
    for name in named:
        i = 0
        while True:
            try:
                i = pieces.index(name, i + 1)
            except ValueError:
                break
            if i % 2 == 0:
                return None  # the name outside a string (a number or literal): never from orjson
            after = pieces[i + 1]
            if not after.startswith(":"):
                continue
            if after != ":[":
                return None  # a number, a nested list or an object under an identifier
            i += 2  # the list's first string
            while True:
                at.append(i)
                after = pieces[i + 1]
                if after == ",":
                    i += 2
                elif after.startswith("]"):
                    break
                else:
                    return None  # a number or null beside the strings
    return at


# Strings seen to mask to themselves (names, categories, decisions), up to MASK_CACHE_SIZE.
_UNMASKED: set[str] = set()


def _clean(strings: list[str]) -> bool:
    """Whether mask_text leaves every one of `strings` as it is (names too: a false "no" only
    costs the walk), remembering the ones it checked."""
    if _UNMASKED.issuperset(strings):
        return True
    for string in strings:
        if string not in _UNMASKED:
            if len(string) > MASK_CACHE_MAX_CHARS or _mask_short(string) != string:
                return False
            if len(_UNMASKED) >= MASK_CACHE_SIZE:
                _UNMASKED.clear()  # a flood of new strings: start over rather than grow
            _UNMASKED.add(string)
    return True


def _storable_values(values: Any) -> Any:
    flat = _flat(values)
    return storable(values) if flat is None else flat[0]


def pseudonym(value: Any, key: bytes) -> str:
    """A keyed hash of `value` (HMAC-SHA256): the same id always gets the same pseudonym, and
    without the key it cannot be reversed or recomputed from a guess."""
    digest = _keyed(key).copy()  # the key's HMAC state, made once: 1.9 instead of 3.0 µs
    digest.update(str(value).encode())
    return "anon_" + digest.hexdigest()[:16]


@functools.lru_cache(maxsize=8)
def _keyed(key: bytes) -> hmac.HMAC:
    return hmac.new(key, digestmod=hashlib.sha256)


def _partial(kind: str, value: str) -> str:
    """Keep what a bank statement shows: the last four digits, the PAN's last letter."""
    if kind == "PAN":
        return "X" * 9 + value[-1]
    if kind in ("EMAIL", "UPI_ID"):
        return f"[{kind}]"
    digits = re.sub(r"\D", "", value)
    return "X" * (len(digits) - 4) + digits[-4:]


# Most logged strings repeat (categories, decisions, reason codes): their masked form is kept,
# up to this many, so the logger thread scrubs each once (the scrub was 80 % of its time).
MASK_CACHE_SIZE = 8192
MASK_CACHE_MAX_CHARS = 512


def mask_text(text: str) -> str:
    if len(text) <= MASK_CACHE_MAX_CHARS:
        return _mask_short(text)
    return scrub(text, _partial).text


@functools.lru_cache(maxsize=MASK_CACHE_SIZE)
def _mask_short(text: str) -> str:
    return scrub(text, _partial).text


# What a log row holds of a hostile request: strings this long, nesting this deep, integers
# with this many digits; beyond, an explicit marker says what was there.
MAX_LOGGED_CHARS = 10_000
MAX_LOGGED_DEPTH = 32
MAX_LOGGED_DIGITS = 20


_BIGGEST_LOGGED_INT = 10**MAX_LOGGED_DIGITS


def storable(obj: Any, depth: int = 0) -> Any:
    """`obj` as JSON and PostgreSQL can hold it: NaN and infinities, lone surrogates, NUL
    characters, huge integers, deep nesting and megabyte strings become markers or are
    replaced, so that one hostile request can neither fail a batch nor stop the logger.
    The common kinds (float, short ASCII string, int) are decided first, by exact type: this
    runs on the logger thread for every value of every request."""
    kind = type(obj)
    if kind is float:
        if math.isfinite(obj):
            return obj
        return "<NaN>" if obj != obj else ("<Infinity>" if obj > 0 else "<-Infinity>")
    if kind is str and len(obj) <= MAX_LOGGED_CHARS and obj.isascii() and "\x00" not in obj:
        return obj
    if kind is int and -_BIGGEST_LOGGED_INT < obj < _BIGGEST_LOGGED_INT:
        return obj
    if depth > MAX_LOGGED_DEPTH:
        return f"<nested deeper than {MAX_LOGGED_DEPTH}>"
    if isinstance(obj, Mapping):
        return {str(storable(k, depth + 1)): storable(v, depth + 1) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [storable(v, depth + 1) for v in obj]
    if isinstance(obj, bytes):
        obj = obj.decode("utf-8", "replace")
    if isinstance(obj, str):
        if len(obj) > MAX_LOGGED_CHARS:
            obj = f"{obj[:MAX_LOGGED_CHARS]}<+{len(obj) - MAX_LOGGED_CHARS} characters>"
        return obj.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    if isinstance(obj, bool) or obj is None:
        return obj
    if isinstance(obj, float) and not math.isfinite(obj):
        return "<NaN>" if obj != obj else ("<Infinity>" if obj > 0 else "<-Infinity>")
    if isinstance(obj, int) and len(str(abs(obj))) > MAX_LOGGED_DIGITS:
        return f"<integer of {len(str(abs(obj)))} digits>"
    if isinstance(obj, int | float):
        return obj
    return storable(str(obj), depth)


def mask(obj: Any, identifiers: set[str], key: bytes, name: str | None = None) -> Any:
    """Mask recursively: identifier-named fields are pseudonymised, free text scrubbed
    (after `storable`, so that nothing here meets a value it cannot encode)."""
    if type(obj) is dict and name is None:
        flat = _mask_tensors(obj, identifiers, key)
        if flat is not None:
            return flat
    return _mask(storable(obj), identifiers, key, name)


def _plain(text: Any) -> bool:
    """A string `storable` returns as it is (short, ASCII, no NUL)."""
    return type(text) is str and len(text) <= MAX_LOGGED_CHARS and text.isascii() and "\x00" not in text


# Scalars `storable` keeps whatever their value: a missing feature (None) stays on the fast path.
_KEPT = frozenset({bool, type(None)})
_NUMBERS = _KEPT | {float, int}


def _number_ok(v: Any) -> bool:
    """A scalar `storable` keeps as it is: finite floats (x - x is 0.0 only for those),
    bounded integers, booleans, None."""
    kind = type(v)
    if kind is float:
        return bool(v - v == 0.0)
    if kind is int:
        return -_BIGGEST_LOGGED_INT < v < _BIGGEST_LOGGED_INT
    return kind in _KEPT


def _flat(values: Any) -> tuple[list[Any], bool] | None:
    """A list of finite floats, bounded integers, booleans and None, or of plain strings, as
    `storable` returns it (and whether it holds strings); None when it needs the general walk."""
    if type(values) is not list:
        return None
    if len(values) == 1:  # one row, the usual request: decided without building a set
        v = values[0]
        if type(v) is str:
            return (values, True) if _plain(v) else None
        return (values, False) if _number_ok(v) else None
    kinds = set(map(type, values))
    if kinds <= _NUMBERS:
        return (values, False) if all(map(_number_ok, values)) else None
    if kinds <= {str}:
        return (values, True) if all(map(_plain, values)) else None
    return None


# Tensor names repeat (a model's signature): the ones seen plain are remembered, up to this many.
_PLAIN_NAMES: set[str] = set()
_PLAIN_NAMES_MAX = 4096


def _plain_name(name: Any) -> bool:
    if name in _PLAIN_NAMES:
        return True
    if not _plain(name):
        return False
    if len(_PLAIN_NAMES) < _PLAIN_NAMES_MAX:
        _PLAIN_NAMES.add(name)
    return True


def _mask_tensors(tensors: dict[Any, Any], identifiers: set[str], key: bytes) -> dict[str, Any] | None:
    """The common row, {name: [numbers or short ASCII strings]}, masked in one pass with no
    recursion (the general walk cost 60 µs a credit-risk row: most of the log writer's time);
    None when anything needs the general walk (nesting, non-ASCII text, NaN, huge integers).
    The lists it returns are the record's own: the record is not used after its row is made."""
    out: dict[str, Any] = {}
    for name, values in tensors.items():
        if name not in _PLAIN_NAMES and not _plain_name(name):
            return None
        if type(values) is list and len(values) == 1 and name not in identifiers:
            # one row's short text or number, decided inline (3 instead of 5 µs a credit-risk row)
            v = values[0]
            if type(v) is str:
                if len(v) <= MASK_CACHE_MAX_CHARS and v.isascii() and "\x00" not in v:
                    out[name] = [_mask_short(v)]
                    continue
            elif _number_ok(v):
                out[name] = values
                continue
        flat = _flat(values)
        if flat is None:
            return None
        values, text = flat
        if name in identifiers:
            if not text:
                return None
            out[name] = [pseudonym(v, key) for v in values]
        else:
            out[name] = [mask_text(v) for v in values] if text else values
    return out


def _mask(obj: Any, identifiers: set[str], key: bytes, name: str | None) -> Any:
    kind = type(obj)
    if (kind is float or kind is int) and name not in identifiers:
        return obj
    if isinstance(obj, Mapping):
        return {k: _mask(v, identifiers, key, str(k)) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_mask(v, identifiers, key, name) for v in obj]
    if name in identifiers and obj is not None:
        return pseudonym(obj, key)
    if isinstance(obj, str):
        return mask_text(obj)
    return obj


class PredictionStore:
    """The log's reads and its idempotent writes (the schema is the migrations')."""

    def __init__(self, url: str, timeout_s: float = 30.0) -> None:
        self.engine = engine_for(url, timeout_s)
        self._insert: _Insert | None = None

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Insert `rows`; one whose (model, component, request id) is stored already is skipped,
        so a batch written twice (a retry, a replayed journal) is still one row per record."""
        if rows:
            with self.engine.begin() as conn:
                if self._insert is None:
                    self._insert = _Insert(conn.dialect)
                conn.exec_driver_sql(self._insert.sql, self._insert.parameters(rows))

    def window(
        self,
        model: str,
        since: datetime,
        until: datetime | None = None,
        component: str = PREDICTOR,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        t = model_predictions
        q = sa.select(t).where(
            t.c.model == model,
            t.c.component == component,
            t.c.created_at >= since,
            t.c.status_code < 400,
        )
        if until is not None:
            q = q.where(t.c.created_at < until)
        q = q.order_by(t.c.created_at.desc())
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def count(self, model: str | None = None) -> int:
        q = sa.select(sa.func.count()).select_from(model_predictions)
        if model:
            q = q.where(model_predictions.c.model == model)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())


class _Insert:
    """The log's insert, compiled once, and its rows bound with the columns' own processors
    (SQLAlchemy's JSON and, on SQLite, DATETIME). Executing the statement through SQLAlchemy
    per batch spent 12 of the log writer's 17 µs a row on its generic parameter handling
    (cProfile of a replay of benchmarks/load.py's records); the SQL and the bound values
    are the same."""

    def __init__(self, dialect: sa.Dialect) -> None:
        columns = [c for c in model_predictions.columns if not c.primary_key]
        compiled = _insert_once(dialect.name).compile(dialect=dialect, column_keys=[c.key for c in columns])
        self.sql = str(compiled)
        processors = {c.key: c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns}
        self.keys = list(compiled.positiontup or ()) if compiled.positional else [c.key for c in columns]
        self.positional = compiled.positional
        self.processors: list[tuple[int, Callable[[Any], Any]]] = [
            (i, process) for i, k in enumerate(self.keys) if (process := processors.get(k)) is not None
        ]
        self._values = operator.itemgetter(*self.keys)

    def parameters(self, rows: list[dict[str, Any]]) -> list[Any]:
        """The rows as the driver takes them: tuples in the statement's order (SQLite), or
        dicts (PostgreSQL's psycopg); a value that cannot be bound is a StatementError, as
        SQLAlchemy's own execution raises (the logger then writes the batch row by row)."""
        out: list[Any] = []
        for row in rows:
            try:
                values = list(self._values(row))  # every key, as PredictionRecord.row makes it
            except KeyError:
                values = [row.get(k) for k in self.keys]
            try:
                for i, process in self.processors:
                    values[i] = process(values[i])
            except Exception as exc:  # noqa: BLE001 - a value the column's type refuses
                raise sa.exc.StatementError("a value could not be bound", self.sql, None, exc) from None
            out.append(tuple(values) if self.positional else dict(zip(self.keys, values, strict=True)))
        return out


def _insert_once(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING on the unique key (PostgreSQL and SQLite alike)."""
    from sqlalchemy.dialects import postgresql, sqlite

    if dialect == "postgresql":
        return postgresql.insert(model_predictions).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(model_predictions).on_conflict_do_nothing()
    return model_predictions.insert()  # the store runs on PostgreSQL or SQLite


def rows_to_frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Explode logged v2 tensors ({name: [values]} per request, inputs then outputs) into
    one row per instance; a column may name an input or an output."""
    data: dict[str, list[Any]] = {c: [] for c in columns}
    for r in rows:
        tensors = {**(r.get("outputs") or {}), **(r["inputs"] or {})}
        n = len(next(iter((r["inputs"] or {}).values()), []))
        for c in columns:
            values = tensors.get(c)
            data[c].extend(values if isinstance(values, list) and len(values) == n else [None] * n)
    return pd.DataFrame(data)


# Python objects take about this many times their JSON length in memory (boxed numbers, list
# slots, string headers): measured on logged v2 tensors, for the queue's bound.
MEMORY_PER_JSON_BYTE = 4


def record_bytes(obj: Any) -> int:
    """What a record's tensors cost in memory, roughly: from their JSON length (orjson, a
    microsecond on the serving thread), or by walking them when orjson cannot encode them."""
    try:
        return _objects_bytes(len(orjson.dumps(obj, option=_JSON_OPTIONS)))
    except TypeError:
        return approx_bytes(obj)


def _objects_bytes(json_length: int) -> int:
    """What tensors whose JSON is `json_length` bytes long cost as Python objects, roughly."""
    return 64 + MEMORY_PER_JSON_BYTE * json_length


_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def approx_bytes(obj: Any, depth: int = 0) -> int:
    """What a record's tensors cost in memory, roughly (for the queue's bound, not billing)."""
    if isinstance(obj, str | bytes):
        return 50 + len(obj)
    if depth < 4 and isinstance(obj, Mapping):
        return 64 + sum(approx_bytes(k, depth + 1) + approx_bytes(v, depth + 1) for k, v in obj.items())
    if depth < 4 and isinstance(obj, list | tuple):
        if obj and not isinstance(obj[0], str | bytes | list | tuple | Mapping):
            return 56 + 32 * len(obj)  # numbers: a list slot and a boxed value each
        return 56 + sum(approx_bytes(v, depth + 1) for v in obj)
    return 32


@dataclass
class LogCounts:
    """What the logger did with records since the process started (nivesh.serving.metrics
    exposes them as nivesh_prediction_log_records_total{outcome})."""

    written: int = 0  # to the store, first time
    spilled: int = 0  # to the journal, the store being down
    replayed: int = 0  # from the journal to the store
    dropped: int = 0  # lost: queue or journal full, or a row the store refused on its own

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)

    def plus(self, other: LogCounts) -> LogCounts:
        """Both tallies together (a writer process's counts and its predecessors')."""
        return LogCounts(**{k: v + getattr(other, k) for k, v in self.as_dict().items()})


# What a queued record costs in memory beyond its tensors (its fields, the dataclass, the queue).
RECORD_OVERHEAD_BYTES = 512


def record_size(record: PredictionRecord) -> int:
    """What a queued record costs in memory, roughly (the queues' bound in bytes)."""
    return record_bytes(record.inputs) + record_bytes(record.outputs) + RECORD_OVERHEAD_BYTES


def wire_tensors(tensors: Any) -> tuple[Any, int]:
    """A record's tensors as they cross to the log writer process, and what they cost queued.
    As orjson's JSON where that says everything: encoding took about a microsecond on the
    serving process, where pickling the same dicts took 2.5-6.8 µs and unpickling them in the
    writer 2.7-6.6 (a credit-risk record; names and strings are new objects each request).
    orjson writes NaN and infinities as null, so JSON with any null at all stays objects, as
    do tensors orjson refuses (bytes, integers beyond 64 bits, lone surrogates, numpy)."""
    try:
        data = orjson.dumps(tensors)
    except TypeError:
        return tensors, record_bytes(tensors)
    if b"null" in data:
        return tensors, _objects_bytes(len(data))
    return data, 64 + len(data)


def wired(inputs: Any, outputs: Any) -> tuple[Any, Any, int]:
    """A record's tensors as they cross to the log writer (wire_tensors), and what the whole
    record costs queued."""
    inputs, inputs_size = wire_tensors(inputs)
    outputs, outputs_size = wire_tensors(outputs)
    return inputs, outputs, inputs_size + outputs_size + RECORD_OVERHEAD_BYTES


def to_wire(record: PredictionRecord) -> int:
    """Encode the record's tensors for the pipe to the log writer (`wired`), in place, as the
    serving process sends them (tests and callers holding a record). Returns what it costs queued."""
    record.inputs, record.outputs, size = wired(record.inputs, record.outputs)
    return size


def report_loss(total: int, n: int, why: str) -> None:
    """Log lost records: the first loss, then about once per thousand (an alert counts them all)."""
    if total <= n or total % 1000 < n:
        log.error("prediction log: %d record(s) lost (%s); %d so far", n, why, total)


# close()'s default: at most half of it waiting on the store, the rest writing the journal.
CLOSE_BUDGET_S = 20.0


class PredictionLogger:
    """At-least-once prediction log, off the request path.

    Requests append to a deque (atomic, no lock); one daemon thread writes it to the store
    every `flush_s` in batches. When the store is down a batch goes to the journal (local
    disk) instead, and the journal is replayed once the store answers again; writes are
    idempotent (nivesh.store.tables' unique key), so a record replayed twice is one row.
    The queue is bounded in bytes; what does not fit is counted as dropped, and an alert
    fires on drops. At SIGTERM (a rollout, a scale-down) the queue goes to the store or
    the journal within `close`'s budget, inside the pod's grace period.
    """

    def __init__(
        self,
        store: PredictionStore,
        identifiers: Iterable[str],
        key: bytes,
        journal: Journal,
        text_outputs: Iterable[str] | None = None,
        max_pending_bytes: int = 64 * 2**20,
        batch: int = 1000,
        flush_s: float = 1.0,
        retry_s: tuple[float, float] = (1.0, 10.0),
    ) -> None:
        self.store = store
        self.identifiers = tuple(identifiers)
        self.key = key  # NIVESH_LOG_HASH_KEY (a Kubernetes Secret in the cluster), for pseudonym()
        # the outputs that may hold the user's words (ModelSpec.text_outputs); None: every output
        self.text_outputs = None if text_outputs is None else tuple(text_outputs)
        self._ids = set(self.identifiers)
        self.journal = journal
        self.pending: collections.deque[tuple[Fields, int]] = collections.deque()
        # Each counter has one writer (the serving thread adds, the logger thread takes), so
        # no update is lost without a lock; their difference is what the queue holds.
        self.added_bytes = 0
        self.taken_bytes = 0
        self.max_pending_bytes = max_pending_bytes
        self.batch = batch
        self.flush_s = flush_s
        self.retry_s = retry_s
        self.counts = LogCounts()
        self._store_down_until = 0.0  # monotonic: before then, batches go straight to the journal
        self._backoff = retry_s[0]
        self._deadline: float | None = None  # set by close(): beyond it, the journal only
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prediction-logger", daemon=True)
        self._thread.start()
        # SIGTERM: KServe stops serving gracefully and the process exits; what is still
        # queued is written then (atexit), within the pod's grace period.
        atexit.register(self.close)

    @property
    def pending_bytes(self) -> int:
        """Approximate bytes of the records queued in memory."""
        return max(0, self.added_bytes - self.taken_bytes)

    @property
    def journal_bytes(self) -> int:
        """Bytes of batches waiting in the spill journal."""
        return self.journal.bytes

    def log(self, record: PredictionRecord, size: int | None = None) -> None:
        """Queue a record; `size` is record_size(record) where the caller measured it already."""
        self.log_fields(record.fields(), record_size(record) if size is None else size)

    def log_fields(self, fields: Fields, size: int) -> None:
        """Queue a record as the serving process sent it (`Fields`), `size` what it costs queued."""
        if self.pending_bytes + size > self.max_pending_bytes:
            self._dropped(1, "the queue is full")
            return
        self.added_bytes += size
        self.pending.append((fields, size))

    def close(self, timeout: float = CLOSE_BUDGET_S) -> None:
        """Write what is queued (to the store, else the journal) and stop; idempotent, and run
        at interpreter exit. Half the budget may go to the store, the rest is for the journal."""
        if self._stop.is_set():
            return
        self._deadline = time.monotonic() + timeout / 2
        self._store_down_until = 0.0  # one more try at the store, whatever the back-off said
        self._stop.set()
        self._thread.join(timeout)
        atexit.unregister(self.close)

    def _dropped(self, n: int, why: str) -> None:
        self.counts.dropped += n
        report_loss(self.counts.dropped, n, why)

    def _row(self, fields: Fields) -> dict[str, Any]:
        """The record's row; one that cannot be made (whatever the request held) is still a
        row, with a marker in place of its tensors: the request happened."""
        try:
            return fields_row(fields, self._ids, self.key, self.text_outputs)
        except Exception as exc:  # noqa: BLE001 - any request content: the logger must go on
            log.warning("prediction record %s: tensors not loggable (%s)", str(fields[7])[:64], type(exc).__name__)
            bare = (*fields[:3], {"<unloggable>": [type(exc).__name__]}, None, *fields[5:])
            return fields_row(bare, self._ids, self.key, self.text_outputs)

    def _store_is_down(self) -> bool:
        now = time.monotonic()
        return now < self._store_down_until or (self._deadline is not None and now > self._deadline)

    def _to_store(self, rows: list[dict[str, Any]]) -> int:
        """Write a batch; returns the rows stored. A batch the store refuses for its content
        goes row by row, so that a row it rejects (counted as dropped) does not take the
        others with it. Raises StoreDown when the store cannot take writes at all."""
        try:
            self.store.write(rows)
            return len(rows)
        except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.ProgrammingError, sa.exc.TimeoutError) as exc:
            raise StoreDown(_why(exc)) from exc  # refused, timed out, no such table ...
        except sa.exc.StatementError as exc:  # DataError, IntegrityError, a value it cannot bind
            if len(rows) == 1:
                self._dropped(1, f"the store refused the row: {_why(exc)}")
                return 0
        except Exception as exc:  # unknown: keep the batch (the journal) rather than lose it
            raise StoreDown(type(exc).__name__) from exc
        return sum(self._to_store([row]) for row in rows)

    def _write(self, rows: list[dict[str, Any]]) -> None:
        """To the store when it is up, else to the journal; neither: counted as dropped."""
        if not self._store_is_down():
            try:
                self.counts.written += self._to_store(rows)
                self._backoff = self.retry_s[0]
                return
            except StoreDown as exc:
                log.warning("prediction store unavailable (%s); spilling to %s", exc, self.journal.folder)
                self._down()
        if self.journal.append(rows):
            self.counts.spilled += len(rows)
        else:
            self._dropped(len(rows), "the store is down and the journal is full")

    def _down(self) -> None:
        """Send batches to the journal for a while (doubling up to retry_s[1]) before trying again."""
        self._store_down_until = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, self.retry_s[1])

    def _replay(self) -> None:
        """Journal -> store while the store answers (oldest batch first)."""
        if not len(self.journal) or self._store_is_down():
            return

        def write(rows: list[dict[str, Any]]) -> None:
            self.counts.replayed += self._to_store(rows)  # idempotent: replayed twice, stored once

        try:
            done = self.journal.replay(write, self._deadline)
        except StoreDown as exc:
            log.warning("prediction store unavailable during replay (%s)", exc)
            self._down()
            return
        if done:
            log.info("prediction log: replayed %d journalled records", done)

    def _drain(self) -> None:
        """Batches of `batch` rows, one transaction each, back to back: this runs in the log
        writer's process (nivesh.store.log_writer), where no request waits on its GIL."""
        while self.pending:
            rows: list[dict[str, Any]] = []
            while self.pending and len(rows) < self.batch:
                fields, size = self.pending.popleft()
                self.taken_bytes += size
                rows.append(self._row(fields))
            self._write(rows)

    def _flush(self) -> None:
        self._replay()
        self._drain()

    def _run(self) -> None:
        """Never ends before close(): an error here is logged and the next flush tries again."""
        _yield_to_requests()
        while not self._stop.wait(self.flush_s):
            try:
                self._flush()
            except Exception:  # the thread is the only writer: it must outlive any one failure
                log.exception("prediction logger: flush failed; retrying at the next one")
        try:
            self._flush()
        finally:
            if len(self.journal):
                left = len(self.journal)
                log.warning("prediction log: %d batch(es) left in the journal %s", left, self.journal.folder)


# The logger thread's niceness above the serving threads': on a busy core the kernel runs the
# request path first and the log's writes in the gaps (Linux schedules threads one by one).
LOGGER_NICENESS = 10


def _yield_to_requests() -> None:
    """Lower this thread's CPU priority (never raises it; best effort where the OS refuses)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOGGER_NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: the default priority
        pass


def _why(exc: BaseException) -> str:
    """An error's kind without its text: SQLAlchemy's message holds the statement's
    parameters (personal data). The driver's class and SQLSTATE say enough."""
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None) or ""
    return " ".join(x for x in (type(exc).__name__, type(orig).__name__ if orig else "", state) if x)


class StoreDown(Exception):
    """The store cannot take writes now (down, unreachable, slow, or not migrated yet)."""
