"""An extractive summary: three to five sentences of the media itself, each with its segment
(so a summary line links to the second or page it came from), in the media's order.

Sentences are ranked by centrality: a sentence that many others resemble states what the media is
about. A cheap TF-IDF centrality (no model) picks at most ``_EMBEDDED`` candidates from a long
text; with an embedder, E5 similarity ranks those (closeness to the centroid of all candidates)
and maximal marginal relevance keeps two sentences that say the same thing from both appearing.
With ``passages`` the candidates are embedded as passages, as search embeds every sentence of
prose: at ingest they are the vectors the embed stage just computed, found in the cache, not a
second embedding of the same sentences (``query:`` and ``passage:`` vectors picked the same
summary sentence 4 times in 5 on the benchmark texts: docs/benchmarks.md "Cold CLI").
Greetings and sign-offs are short and central to nothing, so they rarely make it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from mediasift.enrich.embedding import PassageEmbedder, QueryEmbedder, unit
from mediasift.enrich.text_units import Coverage, Segment, Sentence, as_segments, sentences_of, within_budget
from mediasift.enrich.words import is_content, stem, tokens

MAX_CHARS = 200_000
_EMBEDDED = 40  # sentences embedded at most: ~1.6 CPU-s per media at one thread
_MIN_WORDS, _MAX_WORDS = 6, 60
_DIVERSITY = 0.35


@dataclass(frozen=True)
class SummarySentence:
    text: str
    segment_id: str
    start_s: float | None
    page: int | None

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "segment_id": self.segment_id, "start_s": self.start_s, "page": self.page}


@dataclass
class Summary:
    items: list[SummarySentence]
    coverage: Coverage

    def to_list(self) -> list[dict[str, object]]:
        return [s.to_dict() for s in self.items]


def summarize(
    segments: Iterable[Sequence | Segment],
    lang: str | None,
    embedder: QueryEmbedder | None = None,
    min_sentences: int = 3,
    max_sentences: int = 5,
    max_chars: int = MAX_CHARS,
    passages: PassageEmbedder | None = None,
) -> Summary:
    chosen, coverage = within_budget(as_segments(segments), max_chars)
    sentences = _distinct(
        [s for s in _whole(sentences_of(chosen)) if _MIN_WORDS <= len(tokens(s.text)) <= _MAX_WORDS]
    )
    if not sentences:  # only short lines (slides, captions): take what there is
        sentences = _distinct(sentences_of(chosen))
    # One in fifteen sentences, within [min, max]: a short clip gets three, a lecture five.
    k = min(len(sentences), max(min_sentences, min(max_sentences, round(len(sentences) / 15))))
    if len(sentences) <= k:
        return Summary([_item(s) for s in sentences], coverage)
    centrality = _tfidf_centrality(sentences, lang)
    candidates = sorted(np.argsort(-centrality)[:_EMBEDDED].tolist())
    if embedder is None:
        picked = sorted(candidates, key=lambda i: -centrality[i])[:k]
    else:
        texts = [sentences[i].text for i in candidates]
        vectors = passages.embed_passages(texts) if passages is not None else embedder.embed_queries(texts)
        # Both views of centrality: words shared (TF-IDF) and meaning shared (E5).
        scores = 0.5 * _scaled(vectors @ unit(vectors.mean(axis=0))) + 0.5 * _scaled(centrality[candidates])
        picked = [candidates[i] for i in _maximal_marginal_relevance(scores, vectors, k)]
    return Summary([_item(sentences[i]) for i in sorted(picked)], coverage)


def _whole(sentences: list[Sentence]) -> list[Sentence]:
    """Without a chunk's opening piece of a sentence its previous chunk holds whole: chunks of a
    document overlap, and the next one starts inside a sentence ("cincuenta euros), que se
    pagará…", a contract's rent cut short, had been its summary's second line beside the first)."""
    out = []
    for k, s in enumerate(sentences):
        before = sentences[k - 1].segment if k > 0 else None
        first = next((ch for ch in s.text if ch.isalnum()), "")  # past "¿", "«", a quote
        if before is not None and before is not s.segment and first.islower() and _held(s.text, before.text):
            continue  # a page starting inside a sentence keeps it: its previous page does not hold it
        out.append(s)
    return out


def _held(piece: str, text: str) -> bool:
    return " ".join(piece.split()) in " ".join(text.split())


def _item(s: Sentence) -> SummarySentence:
    return SummarySentence(s.text, s.segment.segment_id, s.segment.start_s, s.segment.page)


def _distinct(sentences: list[Sentence]) -> list[Sentence]:
    """Repeated lines (a slide footer on every page, a chorus) count once."""
    seen: set[str] = set()
    out = []
    for s in sentences:
        key = " ".join(tokens(s.text.lower()))
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _tfidf_centrality(sentences: list[Sentence], lang: str | None) -> np.ndarray:
    bags = [
        Counter(stem(w, s.segment.language or lang) for w in tokens(s.text) if is_content(w))
        for s in sentences
    ]
    vocabulary = {w: i for i, w in enumerate(sorted({w for bag in bags for w in bag}))}
    if not vocabulary:
        return np.zeros(len(sentences))
    df = Counter(w for bag in bags for w in bag)
    idf = np.array([math.log((1 + len(bags)) / (1 + df[w])) + 1 for w in vocabulary])
    matrix = np.zeros((len(bags), len(vocabulary)), dtype=np.float32)
    for row, bag in enumerate(bags):
        for w, count in bag.items():
            matrix[row, vocabulary[w]] = count
    matrix = unit(matrix * idf)
    similarity = matrix @ matrix.T
    np.fill_diagonal(similarity, 0)
    return similarity.sum(axis=1)


def _scaled(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.ones_like(values)


def _maximal_marginal_relevance(scores: np.ndarray, vectors: np.ndarray, k: int) -> list[int]:
    picked: list[int] = []
    left = list(range(len(scores)))
    while left and len(picked) < k:
        redundancy = (vectors[left] @ vectors[picked].T).max(axis=1) if picked else np.zeros(len(left))
        best = int(np.argmax((1 - _DIVERSITY) * scores[left] - _DIVERSITY * redundancy))
        picked.append(left.pop(best))
    return picked
