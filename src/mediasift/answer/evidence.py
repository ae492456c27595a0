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

from dataclasses import dataclass

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
) -> list[Evidence]:
    """The sentences of ``sources`` (source ``[n]`` is ``sources[n - 1]``) that answer
    ``question``, best first; ``[]`` when none does."""
    numbered = sorted(enumerate(sources, 1), key=lambda pair: -pair[1].score)[:MAX_SOURCES]
    units = [u for n, source in numbered for u in sentence_units(source, n) if terms(u.text)][:MAX_UNITS]
    if not units:
        return []
    query = embedder.embed_query(question)
    cosine = embedder.embed_passages([u.text for u in units]) @ query
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
