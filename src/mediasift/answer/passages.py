"""Passage embeddings remembered across questions: re-ranking and the extractive answerer embed
the same segments and sentences again and again (every question about a video re-reads its
transcript), so their vectors are kept in a bounded LRU keyed by the text's hash."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from mediasift.embed.text import TextEmbedder, get_text_embedder

if TYPE_CHECKING:
    from mediasift.config import Settings
    from mediasift.models import ModelRegistry


class CachedPassages:
    """A ``TextEmbedder`` that remembers up to ``size`` passage vectors (384 floats: ~1.5 KiB each)."""

    def __init__(self, embedder: TextEmbedder, size: int = 20_000) -> None:
        self.id, self.dim = embedder.id, embedder.dim
        self._embedder = embedder
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed_query(self, text: str) -> np.ndarray:
        return self._embedder.embed_query(text)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        with self._lock:
            known = {k: self._vectors[k] for k in keys if k in self._vectors}
            for k in known:
                self._vectors.move_to_end(k)
        missing = list(dict.fromkeys(k for k in keys if k not in known))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            fresh = self._embedder.embed_passages([text_of[k] for k in missing])
            with self._lock:
                for k, vector in zip(missing, fresh, strict=True):
                    known[k] = self._vectors[k] = vector
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        if not keys:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([known[k] for k in keys])


def get_passage_embedder(models: ModelRegistry, settings: Settings) -> CachedPassages:
    return models.get(
        f"text-passages:{settings.text_embedder}",
        lambda: CachedPassages(get_text_embedder(models, settings)),
    )
