"""Adaptive batching: concurrent requests share model calls, each gets its own rows' results in
order, a lone request is not held back, a batch never exceeds its rows, a failure reaches
every request of its batch and no other."""

from __future__ import annotations

import asyncio
import threading

import pytest

from nivesh.serving.batching import MicroBatcher


def test_concurrent_requests_share_calls_and_get_their_own_results() -> None:
    calls: list[list[int]] = []
    gate = threading.Event()

    def double(rows: list[int]) -> list[int]:
        calls.append(list(rows))
        gate.wait(5)  # the first call holds the model while the others queue
        return [2 * r for r in rows]

    async def main() -> list[list[int]]:
        batcher: MicroBatcher[int, int] = MicroBatcher(double, max_rows=5)
        first = asyncio.create_task(batcher([1]))
        await asyncio.sleep(0.05)
        rest = [asyncio.create_task(batcher(rows)) for rows in ([2, 3], [4], [5, 6, 7], [8])]
        await asyncio.sleep(0.05)
        gate.set()
        return [await first, *[await t for t in rest]]

    answers = asyncio.run(main())
    assert answers == [[2], [4, 6], [8], [10, 12, 14], [16]]
    assert calls[0] == [1]  # alone: not held back for company
    assert calls[1:] == [[2, 3, 4], [5, 6, 7, 8]]  # whole requests, at most max_rows rows


def test_a_failure_reaches_its_batch_only() -> None:
    def fails_on_three(rows: list[int]) -> list[int]:
        if 3 in rows:
            raise ValueError("bad row")
        return rows

    async def main() -> tuple[BaseException | list[int], list[int]]:
        batcher: MicroBatcher[int, int] = MicroBatcher(fails_on_three, max_rows=1)
        bad, good = await asyncio.gather(batcher([3]), batcher([4]), return_exceptions=True)
        assert isinstance(good, list)
        return bad, good

    bad, good = asyncio.run(main())
    assert isinstance(bad, ValueError) and good == [4]


def test_a_function_that_loses_rows_is_an_error() -> None:
    def loses_one(rows: list[int]) -> list[int]:
        return rows[:-1]

    async def main() -> None:
        await MicroBatcher(loses_one)([1, 2])

    with pytest.raises(RuntimeError, match="1 results for 2 rows"):
        asyncio.run(main())
