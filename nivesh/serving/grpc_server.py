"""The Open Inference Protocol over gRPC, with the REST side's rules.

KServe 0.21's gRPC server binds every interface (`[::]`), serves the model repository RPCs
(RepositoryModelLoad / Unload: unauthenticated, and an unload is permanent), logs a line per
call, and answers a dependency that is down with INTERNAL. Ours keeps KServe's servicer (the
same dataplane, so the model's __call__ and the prediction log) and changes what is around
it: bound to NIVESH_SERVE_HOST, repository RPCs refused (PERMISSION_DENIED), the message
size limit from the catalogue, failures mapped by `errors.TABLE` (400 -> INVALID_ARGUMENT,
503 -> UNAVAILABLE with a retry-after trailer, 504 -> DEADLINE_EXCEEDED), and every call
counted in the same request metrics as REST (route grpc_*, code as its HTTP equivalent, so
the alert rules read both).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from concurrent import futures
from typing import Any

import grpc
from grpc import aio
from kserve.errors import ModelNotFound

from nivesh.serving import errors, metrics

log = logging.getLogger(__name__)

SERVICE = "inference.GRPCInferenceService"
REFUSED = frozenset({"RepositoryModelLoad", "RepositoryModelUnload", "RepositoryIndex"})

# gRPC status -> the HTTP status the metrics and alerts count it as.
HTTP_EQUIVALENT = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 413,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}
_STATUS_CODE = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}


def route(method: str) -> str:
    """A bounded metrics label: grpc_infer, grpc_health, grpc_other."""
    name = method.rsplit("/", 1)[-1]
    if name == "ModelInfer":
        return "grpc_infer"
    if name in ("ServerLive", "ServerReady", "ModelReady"):
        return "grpc_health"
    return "grpc_other"


async def _answer(exc: BaseException, context: aio.ServicerContext) -> None:
    """Abort the call with the status `exc` maps to (never the exception's text for a 5xx)."""
    if isinstance(exc, ModelNotFound):
        await context.abort(grpc.StatusCode.NOT_FOUND, str(exc)[:200])
    if isinstance(exc, NotImplementedError):
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, "not implemented")
    found = errors.failure(exc)
    if found is None:
        log.error("gRPC call failed", exc_info=exc)
        await context.abort(grpc.StatusCode.INTERNAL, f"internal error ({type(exc).__name__})")
        return
    code = _STATUS_CODE.get(found.status, grpc.StatusCode.UNAVAILABLE)
    if found.status < 500:
        await context.abort(code, str(exc))
    content, headers = errors.unavailable_body(exc, found)
    context.set_trailing_metadata(tuple((k.lower(), v) for k, v in headers.items()))
    await context.abort(code, content["error"])


class Guard(aio.ServerInterceptor):
    """Refuses the repository RPCs, maps failures, and counts every call."""

    def __init__(self, model: str, component: str) -> None:
        self.model, self.component = model, component

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        method = details.method
        if handler is None or handler.unary_unary is None:
            return handler
        inner = handler.unary_unary
        labels = (self.model, self.component, route(method))

        async def guarded(request: Any, context: aio.ServicerContext) -> Any:
            start = time.perf_counter()
            try:
                if method.rsplit("/", 1)[-1] in REFUSED:
                    await context.abort(
                        grpc.StatusCode.PERMISSION_DENIED,
                        "the model repository API is not served: models are loaded when the server starts",
                    )
                try:
                    return await inner(request, context)
                except aio.AbortError:
                    raise
                except Exception as exc:  # noqa: BLE001 - each is answered with its status
                    await _answer(exc, context)
            finally:
                code = context.code() or grpc.StatusCode.OK
                if not isinstance(code, grpc.StatusCode):
                    code = grpc.StatusCode.UNKNOWN
                metrics.REQUESTS.labels(*labels, str(HTTP_EQUIVALENT.get(code, 500))).inc()
                metrics.LATENCY.labels(*labels).observe(time.perf_counter() - start)

        return grpc.unary_unary_rpc_method_handler(
            guarded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def install(host: str, model: str, component: str, max_message_bytes: int) -> None:
    """Replace KServe's GRPCServer.start with ours (KServe constructs the server object)."""
    from kserve.protocol.grpc import grpc_predict_v2_pb2_grpc as services
    from kserve.protocol.grpc import server
    from kserve.protocol.grpc.servicer import InferenceServicer

    async def start(self: Any, max_workers: int) -> None:
        self._server = aio.server(
            futures.ThreadPoolExecutor(max_workers=max_workers),
            interceptors=(Guard(model, component),),
            options=[
                ("grpc.max_receive_message_length", max_message_bytes),
                ("grpc.max_send_message_length", max_message_bytes),
            ],
        )
        services.add_GRPCInferenceServiceServicer_to_server(
            InferenceServicer(self._data_plane, self._model_repository_extension), self._server
        )
        address = f"[{host}]:{self._port}" if ":" in host else f"{host}:{self._port}"
        if self._server.add_insecure_port(address) == 0:
            raise OSError(f"gRPC: cannot bind {address}")
        log.info("gRPC (Open Inference Protocol) on %s", address)
        await self._server.start()
        await self._server.wait_for_termination()

    server.GRPCServer.start = start
