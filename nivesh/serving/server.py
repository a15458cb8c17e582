"""Starting a KServe ModelServer for a Nivesh model.

kserve parses sys.argv when it is first imported (kserve.model_server builds its
app then), so entry points call `prepare_argv()` before importing anything that
imports kserve. Every server speaks the Open Inference Protocol over REST (--http_port,
8080) and gRPC (--grpc_port, 8081); local launchers give each server its own ports.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nivesh.errors import NiveshError
from nivesh.heap import freeze_startup_heap
from nivesh.serving.workers import MULTIPROCESS_DIR_VARS
from nivesh.settings import LogSettings, ServingSettings, StoreSettings, Workspace

if TYPE_CHECKING:
    from nivesh.catalog import ModelSpec

# KServe defaults we override unless the caller sets them: a bounded transformer -> predictor
# timeout (KServe's default is 600 s).
DEFAULT_FLAGS = {
    "--predictor_request_timeout_seconds": "10",
    # a log line per request costs ~5 % of a core; Prometheus metrics carry the latencies
    "--enable_latency_logging": "false",
    # we configure logging ourselves (start()), so per-request lines can be switched off
    "--configure_logging": "false",
}


# The prefix of the temporary directory feast.metrics makes for prometheus_client's
# multiprocess mode when it is imported where neither of its names is set.
FEAST_METRICS_DIR_PREFIX = "feast_metrics_"


def prepare_argv(predictor_timeout_s: int | None = None) -> None:
    """Transformers pass their model's predictor timeout (the catalogue's). Also pins
    OpenMP to one thread per server process before numpy/xgboost load: idle OpenMP
    workers spin on the other cores and starve the transformer and the client."""
    import os

    from nivesh.serving import workers

    workers.supervise_if_asked()  # with --workers N: this process only supervises, and exits here
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # prometheus_client picks its value class at import; importing feast first (feast.metrics)
    # sets PROMETHEUS_MULTIPROC_DIR and every counter then writes an mmap'd file under a lock.
    # One process per server: plain in-memory values (with --workers N, the folder its
    # supervisor made: workers.py). A parent that imported Feast (the CLI, a benchmark) passes
    # its temporary directory down too: not ours to write to (Feast removes it when that parent
    # exits), and about 3 % of a credit-risk predictor's throughput.
    for name in MULTIPROCESS_DIR_VARS:
        if Path(os.environ.get(name, "")).name.startswith(FEAST_METRICS_DIR_PREFIX):
            del os.environ[name]
    import prometheus_client  # noqa: F401

    flags = dict(DEFAULT_FLAGS)
    if predictor_timeout_s is not None:
        flags["--predictor_request_timeout_seconds"] = str(predictor_timeout_s)
    for flag, value in flags.items():
        if not any(a.startswith(flag) for a in sys.argv[1:]):
            sys.argv.append(f"{flag}={value}")


def parse_args(model_name: str, extra: list[tuple[str, dict[str, Any]]] | None = None) -> argparse.Namespace:
    """KServe's own flags plus the model's; --model_name defaults to the catalogue name."""
    from kserve import model_server

    parser = argparse.ArgumentParser(parents=[model_server.parser])
    parser.set_defaults(model_name=model_name)
    for flag, options in extra or []:
        parser.add_argument(flag, **options)
    args, _ = parser.parse_known_args()
    return args


@dataclass(frozen=True)
class ServerConfig:
    """What a model server reads from its environment: read once, in its entry point, and
    passed down (nothing below reads the environment again, on a request or otherwise)."""

    serving: ServingSettings
    store_url: str
    log_hash_key: bytes
    access_log: bool
    feedback_token: str | None  # the feedback route's bearer token, for models that take feedback
    journal: Path  # the prediction log's spill journal (a folder per model and component below it)

    @classmethod
    def from_env(cls, spec: ModelSpec) -> ServerConfig:
        """Before the model loads, so that a server beyond loopback without its Secrets (the
        built-in hash key, no feedback token) stops at once with one line naming the Secret."""
        from nivesh import auth
        from nivesh.cluster.secrets import FEEDBACK_TOKEN

        serving, store, ws = ServingSettings(), StoreSettings(), Workspace()
        host = serving.serve_host
        try:
            key = auth.log_hash_key(store.log_hash_key, host)
            token = None
            if spec.feedback is not None:
                token = auth.bearer_token(FEEDBACK_TOKEN, serving.feedback_token_file, host, ws)
        except NiveshError as exc:
            raise SystemExit(f"{spec.name}: refusing to start: {exc}") from exc
        journal = serving.prediction_journal or ws.path("journal")
        return cls(serving, store.resolved_url(ws), key, LogSettings().access_log, token, journal)


# The logger's store calls: short, so that a store that hangs spills to the journal quickly.
LOG_STORE_TIMEOUT_S = 5.0
# The serving process sends its log queue to the writer process ten times a second: pickling
# a batch holds the GIL, and a second's batch at once held requests behind it (p99 76 -> 14 ms
# at 1,000 req/s, credit-risk predictor, benchmarks/load.py). The writer process writes to the
# store at its own pace (nivesh.store.log_writer.STORE_FLUSH_S).
LOG_FLUSH_S = 0.1
# How long a thread may hold the GIL while another waits (Python's default: 5 ms). The serving
# loop gives the GIL up at every socket or SQLite call and then waited up to 5 ms behind the
# log writer each time: a one-process credit-risk server (Feast read + log) had p99 107 ms at
# 1 ms 16 ms, and 5 % more throughput (benchmarks/load.py).
GIL_SWITCH_S = 0.001


def prediction_logger(spec: ModelSpec, component: str, config: ServerConfig) -> Any:
    """The prediction log (a writer process beside this one; its counters on /metrics), or
    None when NIVESH_PREDICTION_LOG=false. Needs no database to start: the first flush finds out."""
    from nivesh.serving import metrics
    from nivesh.store.log_writer import LogWriterProcess, WriterConfig

    if not config.serving.prediction_log:
        return None
    logger = LogWriterProcess(
        WriterConfig(
            store_url=config.store_url,
            store_timeout_s=LOG_STORE_TIMEOUT_S,
            identifiers=tuple(spec.identifier_fields),
            text_outputs=spec.text_outputs,
            key=config.log_hash_key,
            journal=config.journal / f"{spec.name}-{component}",
            # the workers of one server share its journal folder, and its bound
            journal_max_bytes=config.serving.prediction_journal_max_mb * 2**20 // config.serving.serve_workers,
            flush_s=LOG_FLUSH_S,
        )
    )
    metrics.watch_logger(logger, spec.name, component)
    return logger


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "InferenceRequest") and not isinstance(p, int)]
    return ".".join(parts) or "body"


def _use_400_for_bad_bodies(app: Any) -> None:
    """FastAPI answers a body that fails validation with 422; clients of a v2 server expect
    400 with the field named, as for every other bad input."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    async def handler(request: Any, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = next((e for e in errors if "bytes" not in str(e.get("loc", ""))), errors[0])
        return JSONResponse(status_code=400, content={"error": f"{_field(tuple(first['loc']))}: {first['msg']}"})

    app.add_exception_handler(RequestValidationError, handler)


# KServe's model repository extension: POST .../load and .../unload take a model in and out
# of service, unauthenticated, and `load` cannot bring back a model the server was started
# with. Models here are loaded once, when the server starts; a rollout changes them.
REPOSITORY_ROUTES = "/v2/repository/{rest:path}"


def _refuse_repository_routes(app: Any) -> None:
    """403 for every model repository route. Added before KServe registers its own (at
    start), so ours match first; the model keeps serving whatever such a call asked."""
    from fastapi.responses import JSONResponse

    async def refused(rest: str) -> JSONResponse:
        return JSONResponse(
            {"error": "the model repository API is not served: models are loaded when the server starts"},
            status_code=403,
        )

    app.add_api_route(REPOSITORY_ROUTES, refused, methods=["GET", "POST"], include_in_schema=False)


def start(model: Any, spec: ModelSpec, config: ServerConfig) -> None:
    """Serve `model`: KServe's log format (per-request lines only with NIVESH_ACCESS_LOG=true),
    bad bodies as 400, request metrics on /metrics, bound to NIVESH_SERVE_HOST (0.0.0.0 in
    a pod, 127.0.0.1 locally)."""
    import asyncio

    import kserve
    import uvloop
    from kserve import model_server

    from nivesh.serving import body_limit, errors, grpc_server, metrics
    from nivesh.serving.fast_lane import FastLane
    from nivesh.serving.json_default import JsonByDefault

    _configure_logging(config.access_log)
    _refuse_repository_routes(model_server.app)
    _use_400_for_bad_bodies(model_server.app)
    errors.install(model_server.app)  # a dependency down: 503 with Retry-After
    body_limit.install(model_server.app)
    model_server.app.add_middleware(JsonByDefault)  # tritonclient's JSON bodies carry no Content-Type
    if spec.feedback is not None:
        from nivesh.serving.feedback_route import add_feedback_route

        assert config.feedback_token is not None  # from_env(spec) read it
        add_feedback_route(model_server.app, spec, config.store_url, config.feedback_token)
    objective_s = spec.latency_objective_ms / 1000
    metrics.publish(model.name, model.component, objective_s, model.served_version)
    lanes = body_limit.BodyLimit(FastLane(model_server.app, model), spec.limits.max_body_bytes)
    app = metrics.RequestMetrics(lanes, model.name, model.component)
    metrics.serve_all_workers(model_server.app)
    _serve_app(app, config.serving.serve_host, config.serving.serve_worker is not None)
    grpc_server.install(config.serving.serve_host, model.name, model.component, spec.limits.max_body_bytes)
    # KServe runs its servers under asyncio.run(): with uvloop's policy that loop is uvloop's
    # (its setup first asks for a current loop, which uvloop's policy does not create).
    uvloop.install()
    sys.setswitchinterval(GIL_SWITCH_S)
    asyncio.set_event_loop(asyncio.new_event_loop())
    freeze_startup_heap()
    kserve.ModelServer().start([model])


def _configure_logging(per_request: bool) -> None:
    """KServe's own logging config; uvicorn.access and kserve.trace (KServe's per-request
    timing lines) raised to WARNING unless per-request lines are asked for."""
    import copy
    import logging.config

    from kserve.logging import KSERVE_LOG_CONFIG

    from nivesh.logs import route_warnings_to_logging

    config = copy.deepcopy(KSERVE_LOG_CONFIG)
    if not per_request:
        for name in ("uvicorn.access", "kserve.trace"):
            config["loggers"].setdefault(name, {})["level"] = "WARNING"
    logging.config.dictConfig(config)
    route_warnings_to_logging()


def _serve_app(app: Any, host: str, shared_port: bool) -> None:
    """What uvicorn serves: `app` (our ASGI chain in front of KServe's FastAPI app, which
    KServe still builds and registers its routes on), bound to `host`: KServe 0.21's REST
    server hard-codes 0.0.0.0 and its own app in the uvicorn config, read when it starts.
    One of several workers (`shared_port`) listens on a socket its siblings share."""
    from kserve.protocol.rest import server as rest

    from nivesh.serving import workers

    original = rest.RESTServer.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.config.host = host
        self.config.app = app
        if shared_port:
            sock = workers.listening_socket(host, self.config.port, self.config.backlog)
            serve = self._server.serve

            async def serve_shared(sockets: Any = None) -> None:
                await serve(sockets=[sock])

            self._server.serve = serve_shared

    rest.RESTServer.__init__ = init
