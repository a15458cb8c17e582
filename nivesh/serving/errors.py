"""Which HTTP status each failure gets, for every model server: one table.

A bad request is a 4xx naming the field (kserve's InvalidInput, FastAPI's validation); a
dependency that is down or slow is a 503 (or 504) with Retry-After, so that clients and
the mesh retry later instead of reading a 500 as a bug; nothing else is expected, and
anything else stays KServe's 500. The prediction log records the same status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy.exc
from kserve.errors import InvalidInput, ModelNotReady

from nivesh.errors import UpstreamUnavailable

RETRY_AFTER_S = 5


@dataclass(frozen=True)
class Failure:
    status: int
    what: str  # said to the client; never the exception's text (it may hold hosts or values)


Entry = tuple[type[BaseException], Failure]


def _redis() -> tuple[Entry, ...]:
    """Feature reads (transformers); predictor images carry no Redis client."""
    try:
        import redis.exceptions
    except ImportError:
        return ()
    return (
        (redis.exceptions.TimeoutError, Failure(503, "the feature store did not answer in time")),
        (redis.exceptions.ConnectionError, Failure(503, "the feature store is unavailable")),
    )


# Most specific first: the first entry whose type matches decides.
TABLE: tuple[Entry, ...] = (
    (InvalidInput, Failure(400, "bad input")),
    (ModelNotReady, Failure(503, "the model is not ready")),
    (UpstreamUnavailable, Failure(503, "a service the model needs is unavailable")),
    *_redis(),
    (httpx.TimeoutException, Failure(504, "the predictor did not answer in time")),
    (httpx.TransportError, Failure(503, "the predictor is unavailable")),
    (sqlalchemy.exc.OperationalError, Failure(503, "the prediction store is unavailable")),
)


def failure(exc: BaseException) -> Failure | None:
    """The table's entry for `exc`, or None (a 500: a bug, not a client's or a dependency's)."""
    for kind, entry in TABLE:
        if isinstance(exc, kind):
            return entry
    return None


def status(exc: BaseException) -> int:
    """The status a request that raised `exc` was answered with (for the prediction log)."""
    found = failure(exc)
    return found.status if found else 500


def unavailable_body(exc: BaseException, entry: Failure) -> tuple[dict[str, str], dict[str, str]]:
    """The JSON body and headers of a dependency failure: what failed, and Retry-After. Our
    own typed error names the dependency (no request content); a library's exception text
    may name hosts and addresses, so it is not passed on."""
    what = str(exc)[:300] if isinstance(exc, UpstreamUnavailable) else entry.what
    return {"error": f"{what}; retry later"}, {"Retry-After": str(RETRY_AFTER_S)}


def install(app: Any) -> None:
    """JSON answers with Retry-After for the dependency failures of the table (InvalidInput
    keeps KServe's own 400 handler, which names the field)."""
    from fastapi.responses import JSONResponse

    async def unavailable(request: Any, exc: Exception) -> JSONResponse:
        entry = failure(exc) or Failure(503, "unavailable")
        content, headers = unavailable_body(exc, entry)
        return JSONResponse(content, status_code=entry.status, headers=headers)

    for kind, entry in TABLE:
        if entry.status >= 500:
            app.add_exception_handler(kind, unavailable)
