"""Evidence's word and allowance rules, with each sentence's cosine set by hand (a stand-in
embedder), so that a test states the rule rather than the text model's scores: one question word
in common is the topic a near miss shares, and earns no bonus; two do. A translation may lead an
answer on the cross-lingual allowance, not join one on it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mediasift.answer.evidence import CROSS_LINGUAL_GAP, EVIDENCE_MARGIN, MIN_EVIDENCE, WORD_BONUS, evidence
from mediasift.answer.extractive import ExtractiveAnswerer
from mediasift.domain import Hit
from mediasift.services.ask import build_prompt, with_evidence
from tests.rag.test_evidence import document

DIM = 32


class HandSetEmbedder:
    """Every question is the same unit vector; each sentence's cosine with it is ``cosines[text]``."""

    id = "hand-set"
    dim = DIM

    def __init__(self, cosines: dict[str, float]) -> None:
        self._cosines = cosines

    def embed_query(self, text: str) -> np.ndarray:
        return np.eye(DIM, dtype=np.float32)[0]

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            cosine = self._cosines[text]
            out[i, 0] = cosine
            out[i, 1 + i % (DIM - 1)] = np.sqrt(1.0 - cosine**2)  # the rest, orthogonal to the question
        return out


KETTLE = "how often should I descale the kettle"  # its content words: "descale", "kettle"
TOPIC = "Electric kettles switch off by themselves once the water boils."  # "kettle" alone
ANSWER_ES = "Descalcifica el hervidor cada cuatro semanas."  # a translation shares no word


def answer(cosines: dict[str, float], sources: list[Hit], question: str = KETTLE) -> tuple[str, list[str]]:
    """What the extractive answerer says, and the segments every answer model is given."""
    embedder = HandSetEmbedder(cosines)
    given = with_evidence(question, sources, embedder, 0.87)
    text = ExtractiveAnswerer(embedder).generate(build_prompt(question, given, embedder))
    return text, [src.segment_id for src in given]


def test_a_sentence_sharing_only_the_topic_word_is_not_quoted_beside_the_answer():
    # With one word's bonus the topic sentence would reach the threshold and sit within the
    # margin of the Spanish answer, which scores its cosine plus the cross-lingual allowance.
    topic = MIN_EVIDENCE - 0.01
    cosines = {TOPIC: topic, ANSWER_ES: topic + WORD_BONUS + EVIDENCE_MARGIN / 2 - CROSS_LINGUAL_GAP}
    sources = [document(1, TOPIC, "en"), document(2, ANSWER_ES, "es")]

    assert answer(cosines, sources) == ("Descalcifica el hervidor cada cuatro semanas [1].", ["seg2"])


def test_a_sentence_sharing_only_the_topic_word_is_no_answer_on_its_own():
    assert answer({TOPIC: MIN_EVIDENCE - 0.01}, [document(1, TOPIC, "en")])[1] == []


def test_a_sentence_sharing_two_question_words_earns_their_bonus():
    both = "Descale the kettle every four weeks with vinegar."
    sources = [document(1, both, "en")]

    found = evidence(KETTLE, sources, HandSetEmbedder({both: 0.85}))

    assert [(e.sentence.text, e.words, e.score) for e in found] == [(both, 2, 0.89)]


def test_the_one_content_word_of_a_question_earns_its_bonus():
    sentence = "Carnival falls in February this year."
    sources = [document(1, sentence, "en")]

    found = evidence("when is carnival", sources, HandSetEmbedder({sentence: 0.86}))

    assert [(e.words, e.score) for e in found] == [(1, 0.88)]


def test_a_translation_does_not_join_an_answer_in_the_questions_language_on_its_allowance():
    question = "how cold should the freezer be"
    answer_en = "Keep the freezer at minus 18 degrees."
    translation = "Sirve el vino blanco frío, a unos 8 grados."
    # Within the margin of the English answer only with its allowance.
    cosines = {answer_en: 0.9, translation: 0.9 - EVIDENCE_MARGIN / 2 - CROSS_LINGUAL_GAP}
    sources = [document(1, answer_en, "en"), document(2, translation, "es")]

    assert answer(cosines, sources, question) == ("Keep the freezer at minus 18 degrees [1].", ["seg1"])
