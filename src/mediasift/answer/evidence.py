"""The evidence for an answer: the sentences of the sources that answer the question, and nothing else.

Every sentence of the strongest sources is scored against the question: the text embedder's
cosine (e5, the model search uses, so English and Spanish mix) plus ``WORD_BONUS`` per content
word of the question it holds (question words such as "how" or "cuánto" do not count, at most
three), plus ``CROSS_LINGUAL_GAP`` for a sentence in the other of English and Spanish than the
question's (the model scores a translation below a same-language paraphrase, as search allows for
in ``services/ranking.py``). A sentence is evidence only when that score reaches ``MIN_EVIDENCE``;
the threshold and the gap were chosen on the development half of ``bench/answer_accuracy.py`` and
checked on its held-back half.
No sentence reaching it means the media do not say: the answer is "Not found in your media."

The extractive answerer quotes the evidence; ``services/ask.py`` gives an LLM only the sources that
hold some, so every answerer reads the same evidence set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from mediasift.answer.sentences import Sentence, sentence_units
from mediasift.domain import Hit
from mediasift.embed.text.base import TextEmbedder
from mediasift.enrich.language import other_language, query_language
from mediasift.enrich.terms import evidence_words, terms

WORD_BONUS = 0.02  # per question content word a sentence holds, at most three
MIN_EVIDENCE = 0.87  # cosine + word bonus a sentence needs to answer the question
CROSS_LINGUAL_GAP = 0.03  # added for a sentence in the other language than the question's
MAX_SOURCES = 6  # sentences are drawn from this many strongest sources (bounds embedding work)
MAX_UNITS = 80


@dataclass(slots=True)
class Evidence:
    sentence: Sentence
    score: float  # cosine + word bonus


def evidence(
    question: str,
    sources: list[Hit],
    embedder: TextEmbedder,
    min_score: float = MIN_EVIDENCE,
    sentences: Mapping[str, np.ndarray] | None = None,
) -> list[Evidence]:
    """The sentences of ``sources`` (source ``[n]`` is ``sources[n - 1]``) that answer
    ``question``, best first; ``[]`` when none does. ``sentences`` holds, by segment id, the
    vectors ingest stored for a source's sentences (``services/sentence_vectors.py``); only the
    sentences of sources without them are embedded here."""
    numbered = sorted(enumerate(sources, 1), key=lambda pair: -pair[1].score)[:MAX_SOURCES]
    units: list[Sentence] = []
    known: list[np.ndarray | None] = []  # each unit's stored vector, if its source has them
    for n, source in numbered:
        every = sentence_units(source, n)
        stored = (sentences or {}).get(source.segment_id)
        if stored is not None and len(stored) != len(every):
            stored = None  # not the sentences ingest embedded (a source cut to the budget)
        for k, unit in enumerate(every):
            if terms(unit.text):
                units.append(unit)
                known.append(None if stored is None else stored[k])
    units, known = units[:MAX_UNITS], known[:MAX_UNITS]
    if not units:
        return []
    query = embedder.embed_query(question)
    cosine = np.zeros(len(units), dtype=np.float32)
    todo = [i for i, vector in enumerate(known) if vector is None]
    if todo:
        cosine[todo] = embedder.embed_passages([units[i].text for i in todo]) @ query
    for i, vector in enumerate(known):
        if vector is not None:
            cosine[i] = vector @ query
    other = other_language(query_language(question))
    scored = [
        Evidence(
            u,
            round(
                float(c)
                + WORD_BONUS * min(3, evidence_words(u.text, question))
                + (CROSS_LINGUAL_GAP if other is not None and sources[u.n - 1].language == other else 0.0),
                6,
            ),
        )
        for u, c in zip(units, cosine, strict=True)
    ]
    return sorted((e for e in scored if e.score >= min_score), key=lambda e: -e.score)
