"""Adaptive server-side batching: the rows of concurrent requests go to the model in one call.

KServe's batcher speaks v1 only. Here a text model's rows (one or a few per request) queue
while the model is busy in its worker thread; when it is free, everything queued (up to
`max_rows`, whole requests only) goes in the next call. No request waits for company: with
one client each call has one request's rows, under load the batches grow by themselves. One
call of spaCy's or ONNX Runtime's pipeline on eight short texts costs little more than on one
(the per-call overhead is most of a short text's cost), so throughput and tail latency both
improve (benchmarks/model_speed.py).
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar, cast

Row = TypeVar("Row")
Result = TypeVar("Result")


class MicroBatcher(Generic[Row, Result]):
    """`await batcher(rows)` -> `fn(rows + other requests' rows)`'s results for `rows`, in order;
    `fn` returns one result per row. A plain `fn` runs in a worker thread (the event loop keeps
    accepting requests meanwhile: for work that releases the GIL, as ONNX Runtime, XGBoost and
    spaCy's model do); `inline=True` runs it on the loop (pure-Python work, where a thread hop
    only adds a GIL hand-off), and a coroutine function is awaited (an async store read)."""

    def __init__(
        self,
        fn: Callable[[list[Row]], Sequence[Result]] | Callable[[list[Row]], Awaitable[Sequence[Result]]],
        max_rows: int = 64,
        inline: bool = False,
    ) -> None:
        self.fn = fn
        self.inline = inline
        self.max_rows = max_rows
        self.waiting: deque[tuple[list[Row], asyncio.Future[list[Result]]]] = deque()
        self.running: asyncio.Task[None] | None = None

    async def __call__(self, rows: list[Row]) -> list[Result]:
        future: asyncio.Future[list[Result]] = asyncio.get_running_loop().create_future()
        self.waiting.append((rows, future))
        if self.running is None or self.running.done():
            self.running = asyncio.create_task(self._drain())
        return await future

    def _take(self) -> list[tuple[list[Row], asyncio.Future[list[Result]]]]:
        """Whole requests from the queue, at least one, up to max_rows rows in all."""
        taken = [self.waiting.popleft()]
        size = len(taken[0][0])
        while self.waiting and size + len(self.waiting[0][0]) <= self.max_rows:
            size += len(self.waiting[0][0])
            taken.append(self.waiting.popleft())
        return taken

    async def _call(self, rows: list[Row]) -> Sequence[Result]:
        if inspect.iscoroutinefunction(self.fn):
            return await cast(Awaitable[Sequence[Result]], self.fn(rows))
        if self.inline:
            results = cast(Sequence[Result], self.fn(rows))
            await asyncio.sleep(0)  # the requests that arrived meanwhile join the next batch
            return results
        return await asyncio.to_thread(cast(Callable[[list[Row]], Sequence[Result]], self.fn), rows)

    async def _drain(self) -> None:
        while self.waiting:
            taken = [(rows, future) for rows, future in self._take() if not future.cancelled()]
            if not taken:
                continue
            flat = [row for rows, _ in taken for row in rows]
            try:
                results = await self._call(flat)
                if len(results) != len(flat):
                    raise RuntimeError(f"batch function gave {len(results)} results for {len(flat)} rows")
            except Exception as exc:  # noqa: BLE001 - each request in the batch gets the failure
                for _, future in taken:
                    if not future.done():
                        future.set_exception(exc)
                continue
            at = 0
            for rows, future in taken:
                if not future.done():
                    future.set_result(list(results[at : at + len(rows)]))
                at += len(rows)
