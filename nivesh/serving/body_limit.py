"""A request body larger than the model's limit is a 413 before it is parsed.

uvicorn reads any body it is sent; KServe then parses it whole. A Content-Length over the
limit is refused at once; a body without one (chunked, as a proxy may forward HTTP/2) is
counted as it is read and refused when it crosses the limit.

One guard for every route: the server wraps its whole ASGI chain (the infer lane and KServe's
app behind it) in `BodyLimit`; `install` gives KServe's FastAPI app the handler that answers
the guard's exception when it is raised inside one of its routes.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse


class BodyTooLarge(Exception):
    """Raised while a body is read, past the limit; answered 413 by the app's handler."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"body: larger than {limit:,} bytes")


def too_large(limit: int) -> dict[str, str]:
    """The 413's body, for this middleware and the infer route's lane alike."""
    return {"error": f"body: larger than {limit:,} bytes; send fewer rows per request"}


def _response(limit: int) -> JSONResponse:
    return JSONResponse(too_large(limit), status_code=413)


class BodyLimit:
    """Pure ASGI middleware (nothing is buffered here)."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _response(self.limit)(scope, receive, send)
            return
        seen = 0

        async def counted() -> dict[str, Any]:
            nonlocal seen
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counted, send)


def install(app: Any) -> None:
    """Answer BodyTooLarge, raised by the guard's receive inside one of `app`'s routes, 413."""

    async def too_large(request: Any, exc: BodyTooLarge) -> JSONResponse:
        return _response(exc.limit)

    app.add_exception_handler(BodyTooLarge, too_large)
