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
import hashlib
import hmac
import logging
import math
import re
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from nivesh.pii import scrub
from nivesh.store.tables import engine_for, metadata, model_predictions

log = logging.getLogger(__name__)

RESPONSE_TYPE = "org.kubeflow.serving.inference.response"


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class PredictionRecord:
    model: str
    version: str
    component: str
    inputs: dict[str, Any]
    outputs: dict[str, Any] | None
    status_code: int
    latency_ms: float
    request_id: str = field(default_factory=lambda: new_id())
    ce_source: str = ""
    namespace: str | None = None
    endpoint: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def row(self, identifiers: Iterable[str], key: bytes) -> dict[str, Any]:
        ids = set(identifiers)
        return {
            "request_id": self.request_id[:64],
            "model": self.model,
            "version": self.version,
            "component": self.component,
            "ce_type": RESPONSE_TYPE,
            "ce_source": self.ce_source or f"urn:nivesh:{self.model}:{self.component}",
            "ce_specversion": "1.0",
            "namespace": self.namespace,
            "endpoint": self.endpoint,
            "inputs": mask(self.inputs, ids, key),
            "outputs": mask(self.outputs, ids, key) if self.outputs is not None else None,
            "status_code": self.status_code,
            "latency_ms": self.latency_ms,
            "created_at": self.created_at,
        }


def pseudonym(value: Any, key: bytes) -> str:
    return "anon_" + hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()[:16]


def _partial(kind: str, value: str) -> str:
    """Keep what a bank statement shows: the last four digits, the PAN's last letter."""
    if kind == "PAN":
        return "X" * 9 + value[-1]
    if kind in ("EMAIL", "UPI_ID"):
        return f"[{kind}]"
    digits = re.sub(r"\D", "", value)
    return "X" * (len(digits) - 4) + digits[-4:]


def mask_text(text: str) -> str:
    return scrub(text, _partial).text


# What a log row holds of a hostile request: strings this long, nesting this deep, integers
# with this many digits; beyond, an explicit marker says what was there.
MAX_LOGGED_CHARS = 10_000
MAX_LOGGED_DEPTH = 32
MAX_LOGGED_DIGITS = 20


def storable(obj: Any, depth: int = 0) -> Any:
    """`obj` as JSON and PostgreSQL can hold it: NaN and infinities, lone surrogates, NUL
    characters, huge integers, deep nesting and megabyte strings become markers or are
    replaced, so that one hostile request can neither fail a batch nor stop the logger."""
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
    return _mask(storable(obj), identifiers, key, name)


def _mask(obj: Any, identifiers: set[str], key: bytes, name: str | None) -> Any:
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
    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)
        metadata.create_all(self.engine)

    def write(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            with self.engine.begin() as conn:
                conn.execute(model_predictions.insert(), rows)

    def window(
        self,
        model: str,
        since: datetime,
        until: datetime | None = None,
        component: str = "predictor",
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


class PredictionLogger:
    """Non-blocking logger: requests append to a deque (atomic, no lock on the request
    path); one daemon thread drains it every `flush_s` in batches of up to `batch` rows."""

    def __init__(
        self,
        store: PredictionStore,
        identifiers: Iterable[str],
        key: bytes,
        max_pending: int = 50_000,
        batch: int = 500,
        flush_s: float = 1.0,
    ) -> None:
        self.store = store
        self.identifiers = tuple(identifiers)
        self.key = key  # NIVESH_LOG_HASH_KEY (a Kubernetes Secret in the cluster), for pseudonym()
        self.pending: collections.deque[PredictionRecord] = collections.deque()
        self.max_pending = max_pending
        self.batch = batch
        self.flush_s = flush_s
        self.dropped = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="prediction-logger", daemon=True)
        self._thread.start()
        # SIGTERM (a rollout, a scale-down): KServe stops serving gracefully and the process
        # exits; what is still queued is written then, within the pod's grace period.
        atexit.register(self.close)

    def log(self, record: PredictionRecord) -> None:
        if len(self.pending) >= self.max_pending:
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.warning("prediction log backlog full; dropped %d records so far", self.dropped)
            return
        self.pending.append(record)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued and stop (idempotent; also run at interpreter exit)."""
        self._stop.set()
        self._thread.join(timeout)
        atexit.unregister(self.close)

    def _row(self, record: PredictionRecord) -> dict[str, Any]:
        """The record's row; one that cannot be made (whatever the request held) is still a
        row, with a marker in place of its tensors: the request happened."""
        try:
            return record.row(self.identifiers, self.key)
        except Exception as exc:  # noqa: BLE001 - any request content: the logger must go on
            log.warning("prediction record %s: tensors not loggable (%s)", record.request_id[:64], type(exc).__name__)
            bare = PredictionRecord(**{**record.__dict__, "inputs": {"<unloggable>": [type(exc).__name__]}})
            bare.outputs = None
            return bare.row(self.identifiers, self.key)

    def _write(self, rows: list[dict[str, Any]]) -> None:
        """The batch at once; when the store refuses it, row by row, so that one row the
        database rejects does not take the others with it."""
        try:
            self.store.write(rows)
            return
        except sa.exc.SQLAlchemyError as exc:
            if len(rows) == 1:
                self.dropped += 1
                log.error("could not write a prediction record (%s)", type(exc).__name__)
                return
        for row in rows:
            self._write([row])

    def _drain(self) -> None:
        while self.pending:
            rows: list[dict[str, Any]] = []
            while self.pending and len(rows) < self.batch:
                rows.append(self._row(self.pending.popleft()))
            self._write(rows)

    def _run(self) -> None:
        """Never ends before close(): an error here is logged and the next flush tries again."""
        while not self._stop.wait(self.flush_s):
            try:
                self._drain()
            except Exception:  # the thread is the only writer: it must outlive any one failure
                log.exception("prediction logger: flush failed; retrying at the next one")
        self._drain()
