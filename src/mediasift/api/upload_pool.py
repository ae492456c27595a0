"""A bounded set of threads for upload consumers, apart from the threads sync routes run on.

An upload's consumer holds a thread for as long as its bytes arrive (the store's ``put_stream``
reads a blocking stream), so a slow client holds one for as long as it is slow. Uploads borrow
from their own pool of ``threads`` slots: however many slow uploads there are, search, jobs and
the other sync routes keep the threadpool Starlette gives them. An upload that finds every slot
taken waits for one in line, at most ``slot_wait_s``, and is then refused with ``ServerBusy``
(503 + Retry-After) rather than left hanging.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from mediasift.errors import ServerBusy

T = TypeVar("T")


class UploadPool:
    def __init__(self, threads: int, slot_wait_s: float) -> None:
        self._slots = anyio.CapacityLimiter(threads)
        self.slot_wait_s = slot_wait_s

    async def start(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        """Run ``fn`` on a thread of the pool; return its future once it has a slot.

        Raises ``ServerBusy`` when no slot came free within ``slot_wait_s`` seconds.
        """
        slot = object()
        try:
            async with asyncio.timeout(self.slot_wait_s):
                await self._slots.acquire_on_behalf_of(slot)
        except TimeoutError:
            raise ServerBusy(
                "every upload slot is taken; try again shortly",
                retry_after_s=max(1.0, math.ceil(self.slot_wait_s)),
            ) from None
        return asyncio.ensure_future(self._run(fn, slot))

    async def _run(self, fn: Callable[[], T], slot: object) -> T:
        try:
            # The slot above is the bound; this limiter only keeps the call off the default one.
            return await anyio.to_thread.run_sync(fn, limiter=anyio.CapacityLimiter(1))
        finally:
            self._slots.release_on_behalf_of(slot)
