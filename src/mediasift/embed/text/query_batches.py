"""Queries asked while the model embeds others, embedded together in its next call.

Search embeds one short query per request. Concurrent requests each ran the model on their own
query: on 2 cores two such runs at once took ~8.6 ms of CPU a query, where one call for 4 queries
takes ~5.5 ms a query (the matrix products of 4 x 12 tokens use the cores better than 12). So a
query that finds the model busy with other queries (``calls`` calls at once: two on two cores)
waits for a call to end, and then every query waiting by then is embedded in one call, run by one
of their threads. A query that finds a call free runs at once, alone: no timer, so no latency is
added when requests do not overlap.

The caller decides what a batch may contain: ``embed_many`` must give each item the vector it
would get alone (``e5_onnx_embedder.py`` runs a batch on its per-text graph for that).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

Item = TypeVar("Item")


@dataclass(eq=False)
class _Asked(Generic[Item]):
    item: Item
    vector: np.ndarray | None = None
    error: BaseException | None = None

    @property
    def answered(self) -> bool:
        return self.vector is not None or self.error is not None


class QueryBatches(Generic[Item]):
    """``embed(item)`` for many threads, through ``embed_many`` (items -> one vector each, in
    order), called by at most ``calls`` threads at a time, each with at most ``most`` items."""

    def __init__(
        self, embed_many: Callable[[list[Item]], Iterable[np.ndarray]], most: int, calls: int = 1
    ) -> None:
        self._embed_many, self._most, self._calls = embed_many, max(1, most), max(1, calls)
        self._changed = threading.Condition()
        self._waiting: list[_Asked[Item]] = []
        self._running = 0  # calls in progress, at most ``calls``

    def embed(self, item: Item) -> np.ndarray:
        """``item``'s vector; an error ``embed_many`` raised for its batch is raised here too."""
        asked = _Asked(item)
        with self._changed:
            self._waiting.append(asked)
        while True:
            with self._changed:
                # A free call is taken by a query still waiting, never by one another call holds.
                self._changed.wait_for(
                    lambda: asked.answered or (self._running < self._calls and asked in self._waiting)
                )
                if asked.answered:
                    break
                batch, self._waiting = self._waiting[: self._most], self._waiting[self._most :]
                self._running += 1
            try:
                self._run(batch)
            finally:
                with self._changed:
                    self._running -= 1
                    self._changed.notify_all()
        if asked.error is not None:
            raise asked.error
        assert asked.vector is not None
        return asked.vector

    def _run(self, batch: list[_Asked[Item]]) -> None:
        """Answers every query of ``batch``: a vector each, or the error of the call."""
        try:
            vectors = list(self._embed_many([asked.item for asked in batch]))
            if len(vectors) != len(batch):
                raise ValueError(f"{len(vectors)} vectors for {len(batch)} queries")
        except BaseException as exc:  # each waiting caller raises it (a KeyboardInterrupt too)
            for asked in batch:
                asked.error = exc
            return
        for asked, vector in zip(batch, vectors, strict=True):
            asked.vector = vector
