"""The peer benchmark's data: English and Spanish passages, keyword-style queries, and their e5
vectors computed once by mediasift's own text embedder and cached under ``bench/.cache/``.

Passages are ``tests/textgen.passages`` (the enrichment test sets' hand-written sentences, joined to
~640 characters); queries are 3 to 6 consecutive words of one of those sentences (at least two of
four letters or more), English and Spanish in turn, as people type them. Vectors are cached in
slices of ``SLICE`` texts, each file named by the sha256 of the model id and its texts, so an
interrupted run keeps what it embedded and a changed corpus never reads stale vectors.
"""

from __future__ import annotations

import hashlib
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tests.textgen import passages, sentences

from mediasift.embed.text.e5_onnx_embedder import E5OnnxEmbedder

CACHE = Path(__file__).parent / ".cache" / "peer"
SLICE = 1000
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class PeerData:
    chunks: list[str]
    queries: list[str]
    chunk_vectors: np.ndarray  # (chunks, 384) float32, unit length
    query_vectors: np.ndarray  # (queries, 384) float32, unit length


def make_queries(count: int, seed: int = 23) -> list[str]:
    """``count`` distinct queries, English and Spanish in turn: a few consecutive words of a sentence."""
    rng = random.Random(seed)
    pools = sentences()
    out: dict[str, None] = {}
    while len(out) < count:
        words = _WORD.findall(rng.choice(pools["en" if len(out) % 2 == 0 else "es"]))
        size = min(len(words), rng.randint(3, 6))
        start = rng.randint(0, len(words) - size)
        picked = words[start : start + size]
        if sum(len(w) >= 4 for w in picked) >= 2:  # something to search for besides stopwords
            out[" ".join(picked)] = None
    return list(out)


def load(chunks: int, queries: int, threads: int = 2) -> PeerData:
    """The passages, queries and their vectors (embedded now where not cached)."""
    texts = passages(chunks, seed=21)
    asked = make_queries(queries)
    embedder = E5OnnxEmbedder(threads, 32, [CACHE / "models"], "int8")
    chunk_vectors = _cached(embedder, texts, "passage")
    query_vectors = _cached(embedder, asked, "query")
    return PeerData(texts, asked, chunk_vectors, query_vectors)


def _cached(embedder: E5OnnxEmbedder, texts: list[str], kind: str) -> np.ndarray:
    CACHE.mkdir(parents=True, exist_ok=True)
    parts = []
    for start in range(0, len(texts), SLICE):
        part = texts[start : start + SLICE]
        digest = hashlib.sha256("\n".join([embedder.id, kind, *part]).encode()).hexdigest()[:24]
        path = CACHE / f"{kind}-{digest}.npy"
        if not path.exists():
            started = time.perf_counter()
            embed = embedder.embed_passages if kind == "passage" else embedder.embed_queries
            vectors = np.asarray(embed(part), dtype=np.float32)
            np.save(path, vectors)
            print(
                f"{kind} texts {start}..{start + len(part)}: {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
                flush=True,
            )
        parts.append(np.load(path))
    return np.vstack(parts)


if __name__ == "__main__":  # python -m bench.peer_corpus [chunks]: embed (and cache) ahead of a run
    data = load(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000, 200)
    print(len(data.chunks), data.chunk_vectors.shape, len(data.queries), data.query_vectors.shape)
