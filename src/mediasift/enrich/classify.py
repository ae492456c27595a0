"""Zero-shot, multi-label classification into a tenant's taxonomy, in any language E5 reads.

Each label is embedded from ``"name: description"`` and from each of its examples; a text's
similarity to a label is its best similarity to any of them. The similarity is read against the
same text's similarities to ``BACKGROUND_TOPICS`` (standard deviations above their mean) and
squashed to a score in (0, 1); a label applies when its score reaches the taxonomy's threshold
(0.5 by default). ``_CENTRE`` and ``_SPREAD`` were tuned on ``tests/enrich/data/classify_dev.json``
(other labels, other sentences), then measured on ``classify.json``: English labels classify
Spanish text too, a little less well (macro-F1 0.78, English 0.89; docs/enrichment-models.md).

``KeywordClassifier`` is the baseline it is measured against: a label applies when a word of its
name, description or examples (stemmed) occurs in the text.

Texts are embedded as E5 queries; a segment's stored passage vector is not reused (see
``embedding.py``). ``classify_vectors`` takes vectors the caller already has from
``embed_queries`` (a media's vector: ``embedding.document_vector``).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mediasift.enrich.background_topics import BACKGROUND_TOPICS
from mediasift.enrich.embedding import QueryEmbedder
from mediasift.enrich.taxonomy import Taxonomy
from mediasift.enrich.words import is_content, stem, tokens

_CENTRE = 1.8  # background standard deviations at which a label's score is 0.5
_SPREAD = 0.5
_background: weakref.WeakKeyDictionary[object, np.ndarray] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class LabelScore:
    taxonomy: str
    label: str
    score: float

    def to_dict(self) -> dict[str, object]:
        return {"taxonomy": self.taxonomy, "label": self.label, "score": round(self.score, 4)}


class ZeroShotClassifier:
    """A taxonomy's labels, embedded once; classify any number of texts or vectors with it."""

    def __init__(self, taxonomy: Taxonomy, embedder: QueryEmbedder, name: str = "") -> None:
        self.taxonomy, self.name, self._embedder = taxonomy, name, embedder
        prompts, owners = [], []
        for i, label in enumerate(taxonomy.labels):
            for text in (f"{label.name}: {label.description}", *label.examples):
                prompts.append(text)
                owners.append(i)
        self._prototypes = embedder.embed_queries(prompts)
        self._owners = np.array(owners)
        self._background = _background_vectors(embedder)

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """(n, labels) scores in (0, 1) for (n, dim) L2-normalised query vectors."""
        vectors = np.atleast_2d(vectors)
        similarity = vectors @ self._prototypes.T
        per_label = np.full((len(vectors), len(self.taxonomy.labels)), -np.inf, dtype=np.float32)
        for column, owner in enumerate(self._owners):
            per_label[:, owner] = np.maximum(per_label[:, owner], similarity[:, column])
        background = vectors @ self._background.T
        mean = background.mean(axis=1, keepdims=True)
        spread = background.std(axis=1, keepdims=True) + 1e-6
        z = (per_label - mean) / spread
        return 1 / (1 + np.exp(-(z - _CENTRE) / _SPREAD))

    def classify_vectors(self, vectors: np.ndarray) -> list[list[LabelScore]]:
        """The labels at or over the threshold for each vector, best first."""
        return [self._over_threshold(row) for row in self.scores(vectors)]

    def classify_texts(self, texts: Sequence[str]) -> list[list[LabelScore]]:
        return self.classify_vectors(self._embedder.embed_queries(list(texts)))

    def _over_threshold(self, row: np.ndarray) -> list[LabelScore]:
        names = self.taxonomy.names
        found = [LabelScore(self.name, names[j], float(row[j])) for j in np.argsort(-row)]
        return [s for s in found if s.score >= self.taxonomy.threshold]


def _background_vectors(embedder: QueryEmbedder) -> np.ndarray:
    try:
        cached = _background.get(embedder)
    except TypeError:  # an embedder that cannot be weakly referenced is embedded each time
        return embedder.embed_queries(list(BACKGROUND_TOPICS))
    if cached is None:
        cached = _background[embedder] = embedder.embed_queries(list(BACKGROUND_TOPICS))
    return cached


class KeywordClassifier:
    """The baseline: a label applies when a stemmed word of its name, description or examples
    occurs in the text (stemmed as English and as Spanish, since labels may be in either)."""

    def __init__(self, taxonomy: Taxonomy, name: str = "") -> None:
        self.taxonomy, self.name = taxonomy, name
        self._terms = [
            _stems(" ".join((label.name, label.description, *label.examples))) for label in taxonomy.labels
        ]

    def classify_texts(self, texts: Sequence[str]) -> list[list[LabelScore]]:
        out = []
        for text in texts:
            words = _stems(text)
            hits = [len(terms & words) for terms in self._terms]
            out.append(
                [
                    LabelScore(self.name, label.name, min(1.0, h / 2))
                    for label, h in sorted(
                        zip(self.taxonomy.labels, hits, strict=True), key=lambda lh: -lh[1]
                    )
                    if h
                ]
            )
        return out


def _stems(text: str) -> set[str]:
    words = [w for w in tokens(text) if is_content(w)]
    return {stem(w, "en") for w in words} | {stem(w, "es") for w in words}
