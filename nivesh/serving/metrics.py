"""Request metrics KServe's `/metrics` lacks: every HTTP request by route and status code,
and its whole latency, so p50/p95/p99, throughput and 4xx/5xx rates per model are
PromQL queries (monitors/alerts/serving.rules.yml records them).

KServe's own histograms (request_predict_seconds ...) time the model's steps only and
never see a request FastAPI rejected (a 400 on a malformed body) or one that failed;
an ASGI middleware sees all of them. Exposed on the same `/metrics` (the default
prometheus_client registry, which KServe serves).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, values
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

if TYPE_CHECKING:
    from nivesh.store.predictions import LogCounts


class PredictionLogger(Protocol):
    """What /metrics reads of a prediction log (the writer process's handle, or a logger)."""

    @property
    def counts(self) -> LogCounts: ...
    @property
    def pending_bytes(self) -> int: ...
    @property
    def journal_bytes(self) -> int: ...


# Fine around the 200 ms objective, up to a Gemini call or a Prophet fit.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
LABELS = ("model", "component", "route")

REQUESTS = Counter("nivesh_http_requests", "HTTP requests served, by status code", [*LABELS, "code"])
LATENCY = Histogram("nivesh_http_request_duration_seconds", "Whole HTTP request latency", LABELS, buckets=BUCKETS)
# With --workers (nivesh.serving.workers), every worker sets these: one series, not one a worker.
OBJECTIVE = Gauge(
    "nivesh_latency_objective_seconds",
    "The model's p95 latency objective (nivesh.catalog); the latency alert compares with it",
    ["model", "component"],
    multiprocess_mode="livemax",
)

INFO = Gauge(
    "nivesh_model_info",
    "1 for the model version this server runs",
    ["model", "component", "version"],
    multiprocess_mode="livemax",
)


# The prediction log (nivesh.store.log_writer, whose child process runs PredictionLogger):
# records by what became of them, and what waits in the spill journal. Every outcome is
# exported from the start (0), so the drop alert has a series before the first drop.
LOG_RECORDS = "nivesh_prediction_log_records"
LOG_JOURNAL_BYTES = "nivesh_prediction_log_journal_bytes"
LOG_QUEUE_BYTES = "nivesh_prediction_log_queue_bytes"
LOG_SERIES = (LOG_RECORDS, LOG_JOURNAL_BYTES, LOG_QUEUE_BYTES)


LOG_RECORDS_HELP = "Prediction log records by outcome: written, spilled to the journal, replayed from it, dropped"
LOG_JOURNAL_HELP = "Bytes of prediction records in the spill journal"
LOG_QUEUE_HELP = "Approximate bytes of prediction records queued"
LOG_LABELS = ("model", "component")


class LoggerCollector:
    """Reads the logger's counts at scrape time (the logger itself knows nothing of Prometheus)."""

    def __init__(self, logger: PredictionLogger, model: str, component: str) -> None:
        self.logger, self.labels = logger, [model, component]

    def collect(self) -> Iterator[Metric]:
        records = CounterMetricFamily(LOG_RECORDS, LOG_RECORDS_HELP, labels=[*LOG_LABELS, "outcome"])
        for outcome, n in self.logger.counts.as_dict().items():
            records.add_metric([*self.labels, outcome], n)
        journal = GaugeMetricFamily(LOG_JOURNAL_BYTES, LOG_JOURNAL_HELP, labels=LOG_LABELS)
        journal.add_metric(self.labels, self.logger.journal_bytes)
        queue = GaugeMetricFamily(LOG_QUEUE_BYTES, LOG_QUEUE_HELP, labels=LOG_LABELS)
        queue.add_metric(self.labels, self.logger.pending_bytes)
        yield from (records, journal, queue)


class LoggerMirror:
    """With --workers: a scrape reaches one worker, and a collector reads one process. Each
    worker copies its logger's counts into multiprocess-mode metrics (summed over workers at
    scrape) every MIRROR_S and before each scrape it answers."""

    def __init__(self, logger: PredictionLogger, model: str, component: str) -> None:
        self.logger, self.labels = logger, (model, component)
        self.copied: dict[str, int] = {}
        self.lock = threading.Lock()

    def sync(self) -> None:
        with self.lock:
            for outcome, n in self.logger.counts.as_dict().items():
                delta = n - self.copied.get(outcome, 0)
                _mirrored().records.labels(*self.labels, outcome).inc(max(delta, 0))
                self.copied[outcome] = n
            _mirrored().journal.labels(*self.labels).set(self.logger.journal_bytes)
            _mirrored().queue.labels(*self.labels).set(self.logger.pending_bytes)

    def run(self) -> None:
        """Until a newer logger for the same model and component replaces this one."""
        while _MIRRORS.get(self.labels) is self:
            time.sleep(MIRROR_S)
            self.sync()


MIRROR_S = 1.0


@dataclass(frozen=True)
class _Mirrored:
    records: Counter
    journal: Gauge
    queue: Gauge


@functools.cache
def _mirrored() -> _Mirrored:
    """Made on first use: in one process the collector exports these names."""
    return _Mirrored(
        Counter(LOG_RECORDS, LOG_RECORDS_HELP, [*LOG_LABELS, "outcome"]),
        Gauge(LOG_JOURNAL_BYTES, LOG_JOURNAL_HELP, LOG_LABELS, multiprocess_mode="livesum"),
        Gauge(LOG_QUEUE_BYTES, LOG_QUEUE_HELP, LOG_LABELS, multiprocess_mode="livesum"),
    )


def multiprocess() -> bool:
    """prometheus_client's multiprocess mode (a server's workers), as it decided at import."""
    return values.ValueClass is not values.MutexValue


_WATCHED: dict[tuple[str, str], LoggerCollector] = {}
_MIRRORS: dict[tuple[str, str], LoggerMirror] = {}


def watch_logger(logger: PredictionLogger, model: str, component: str) -> None:
    """Export the logger's counts on this process's /metrics (a new logger for the same
    model and component replaces the old one's series)."""
    if multiprocess():
        mirror = LoggerMirror(logger, model, component)
        _MIRRORS[(model, component)] = mirror
        for outcome in logger.counts.as_dict():
            _mirrored().records.labels(model, component, outcome)  # every outcome from 0
        threading.Thread(target=mirror.run, name="prediction-log-metrics", daemon=True).start()
        return
    old = _WATCHED.pop((model, component), None)
    if old is not None:
        REGISTRY.unregister(old)
    _WATCHED[(model, component)] = LoggerCollector(logger, model, component)
    REGISTRY.register(_WATCHED[(model, component)])


def serve_all_workers(app: Any) -> None:
    """In multiprocess mode, /metrics answers for every worker of the server (KServe's own
    route renders this process's registry). Added before KServe's routes, so it matches first."""
    if not multiprocess():
        return
    from fastapi import Response
    from prometheus_client import CollectorRegistry, exposition
    from prometheus_client.multiprocess import MultiProcessCollector

    async def all_workers(request: Any) -> Response:
        for mirror in _MIRRORS.values():
            mirror.sync()
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        encoder, content_type = exposition.choose_encoder(request.headers.get("accept"))
        return Response(content=encoder(registry), headers={"content-type": content_type})

    app.add_route("/metrics", all_workers, methods=["GET"], include_in_schema=False)  # a plain Starlette route


def route(path: str) -> str:
    """A bounded label for the path: the inference routes by protocol, the rest by kind."""
    if path.endswith("/infer"):
        return "v2_infer"
    if path.endswith(":predict"):
        return "v1_predict"
    if path.endswith("/feedback"):
        return "feedback"
    if path == "/metrics":
        return "metrics"
    if path.endswith("/ready") or path.endswith("/live") or path in ("/", "/v2/health/live", "/v2/health/ready"):
        return "health"
    return "other"


class RequestMetrics:
    """Pure ASGI middleware (no per-request task or body copy, unlike BaseHTTPMiddleware)."""

    def __init__(self, app: Any, model: str, component: str) -> None:
        self.app = app
        self.model = model
        self.component = component

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def send_and_record(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            labels = (self.model, self.component, route(scope.get("path", "")))
            REQUESTS.labels(*labels, str(status["code"])).inc()
            LATENCY.labels(*labels).observe(time.perf_counter() - start)


def publish(model: str, component: str, objective_s: float, version: str = "") -> None:
    """The objective the latency alert compares with and, for a predictor (which knows it at
    load), the version it serves. The server wraps its app in RequestMetrics itself."""
    OBJECTIVE.labels(model, component).set(objective_s)
    if version:
        INFO.labels(model, component, version).set(1)
