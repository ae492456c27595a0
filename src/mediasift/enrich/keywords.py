"""Keywords and keyphrases of a media's whole text, in any language E5 reads.

Candidates are phrases of one to three content words as they occur between stopwords and
punctuation, plus "X de Y" / "X of Y" ("aceite de oliva", "cup of coffee"). Each gets a
statistical score (how often, and in how many segments, it occurs; longer phrases that recur
beat their single words); the best are read by the language's part-of-speech tagger, and one that
holds a verb or an adverb ("deja reposar", "bake", "twice") is no keyword. With an embedder, the
best candidates are then re-ranked by how close each is to the document as a whole (embedding
similarity, as EmbedRank/KeyBERT do), and picked with maximal marginal relevance so the list is
not five spellings of one idea.

Scores are in [0, 1], relative to the media: the top keyword of any media scores near 1.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from mediasift.enrich.embedding import QueryEmbedder, document_vector
from mediasift.enrich.ner_models import ner_model
from mediasift.enrich.text_units import Coverage, Segment, as_segments, sentences_of, within_budget
from mediasift.enrich.words import is_content, stem, tokens

MAX_CHARS = 200_000
_CONNECTORS = {"de", "del", "of"}
# Units of time and measure recur in every lesson and recipe and say nothing about the topic.
_UNIT_WORDS = """
second seconds minute minutes hour hours day days week weeks month months year years time times
gram grams degree degrees percent segundo segundos minuto minutos hora horas semana semanas mes
meses año años vez veces gramo gramos grado grados ciento
"""
_NOT_KEYWORDS = frozenset(_UNIT_WORDS.split())
_RERANKED = 40  # candidates embedded: bounds the model's cost per media
_DIVERSITY = 0.3  # maximal marginal relevance: weight of "unlike what is already picked"


@dataclass(frozen=True)
class Keyword:
    text: str
    score: float

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "score": round(self.score, 4)}


@dataclass
class Keywords:
    items: list[Keyword]
    coverage: Coverage

    def to_list(self) -> list[dict[str, object]]:
        return [k.to_dict() for k in self.items]


_Ranked = tuple[tuple[str, ...], "_Candidate"]  # a candidate's stems and its counts


@dataclass
class _Candidate:
    words: int
    count: int = 0
    segments: int = 0
    spellings: Counter[str] | None = None
    example: tuple[list[str], str, str | None] | None = None  # (its words, a sentence, its language)

    def display(self) -> str:
        assert self.spellings
        spelling, _ = self.spellings.most_common(1)[0]
        # Lowercase unless every occurrence is capitalised (a name: "Nestlé", "Ethiopia").
        if any(s[:1].islower() for s in self.spellings):
            return spelling.lower()
        return spelling


def extract_keywords(
    segments: Iterable[Sequence | Segment],
    lang: str | None,
    embedder: QueryEmbedder | None = None,
    top_n: int = 10,
    max_chars: int = MAX_CHARS,
    document: np.ndarray | None = None,
) -> Keywords:
    """The ``top_n`` keywords, best first. ``document`` is the media's ``document_vector`` when
    the caller already has it (it classifies the media too)."""
    chosen, coverage = within_budget(as_segments(segments), max_chars)
    candidates = _candidates(chosen, lang)
    if not candidates:
        return Keywords([], coverage)
    ranked = sorted(candidates.items(), key=lambda kv: -_statistical(kv[1]))[: 2 * _RERANKED]
    ranked = [
        kv for kv, named in zip(ranked, _reads_as_a_noun_phrase([c for _, c in ranked]), strict=True) if named
    ]
    ranked = ranked[:_RERANKED]
    stat = np.array([_statistical(c) for _, c in ranked])
    texts = [c.display() for _, c in ranked]
    if embedder is None or len(ranked) == 1:
        picked = list(range(len(ranked)))
        scores = stat / stat.max()
    else:
        vectors = embedder.embed_queries(texts)
        if document is None:
            document = document_vector([s.text for s in chosen], embedder)
        relevance = vectors @ document
        scores = 0.5 * _scaled(stat) + 0.5 * _scaled(relevance)
        picked = _maximal_marginal_relevance(scores, vectors, 2 * top_n)
    picked = _without_parts_of_picked(picked, ranked)[:top_n]
    return Keywords([Keyword(texts[i], float(scores[i])) for i in picked], coverage)


def _without_parts_of_picked(
    picked: list[int], ranked: list[tuple[tuple[str, ...], _Candidate]]
) -> list[int]:
    """``picked`` without a phrase said only as part of another one picked ("John" and "Mr John"
    beside "Mr John Dashwood", each said once; "man" inside "young man"), wherever it ranked:
    a short text keeps phrases said once, which ``_without_parts_of_longer`` leaves alone."""
    keys = {i: ranked[i][0] for i in picked}
    return [
        i
        for i in picked
        if not any(
            j != i and keys[i] in _proper_parts(keys[j]) and ranked[i][1].count <= ranked[j][1].count
            for j in picked
        )
    ]


# Not in a keyword: a verb ("deja", "bake", "vende carteles"), an adverb ("twice"), a pronoun...
# Adjectives stay: the small English tagger calls "oven" and "gluten" adjectives in a recipe.
_NOT_IN_A_KEYWORD = frozenset({"VERB", "AUX", "ADV", "PRON", "DET", "CCONJ", "SCONJ", "INTJ", "PART"})
_WORDY = frozenset({"NOUN", "PROPN", "ADJ"})  # not a number alone ("thirty", "billion")
_WINDOW = 200  # characters of a candidate's sentence the tagger reads, about, either side of it


def _reads_as_a_noun_phrase(candidates: list[_Candidate]) -> list[bool]:
    """Whether each candidate reads as a noun phrase where it first occurs, as the language's
    part-of-speech tagger (the entity model's package, ``ner_models``) reads that sentence: only
    nouns, adjectives, numbers and "de"/"of" ("tren nocturno", "aceite de oliva"), not a number
    alone. A verb or an adverb between stopwords ("deja", "bake", "preheat", "vende carteles",
    "twice") is no keyword. True wherever no tagger is installed for the language, or the phrase
    is not found again in its sentence."""
    verdicts = [True] * len(candidates)
    by_language: dict[str | None, list[tuple[int, tuple[int, int, str]]]] = defaultdict(list)
    for i, cand in enumerate(candidates):
        if cand.example is not None and (found := _occurrence(*cand.example[:2])) is not None:
            by_language[cand.example[2]].append((i, found))
    for language, examples in by_language.items():
        model = ner_model(language) if language else None
        if model is None or model.tagger is None:
            continue
        with model.lock:
            tagged = model.tagger.pipe([window for _, (_, _, window) in examples])
        for (i, (start, end, _)), sentence in zip(examples, tagged, strict=True):
            tags = [t.pos_ for t in sentence if t.idx < end and t.idx + len(t) > start]
            verdicts[i] = (
                bool(tags)
                and tags[-1] != "ADP"
                and not _NOT_IN_A_KEYWORD.intersection(tags)
                and bool(_WORDY.intersection(tags))
            )
    return verdicts


def _occurrence(words: list[str], sentence: str) -> tuple[int, int, str] | None:
    """Where ``words`` occur in ``sentence``: (start, end) in a window of it, and the window, its
    first letter lowered when the phrase opens the sentence (a capital says nothing there)."""
    found = re.search(r"\b" + r"\W+".join(re.escape(w) for w in words) + r"\b", sentence)
    if found is None:
        return None
    lo = sentence.rfind(" ", 0, found.start() - _WINDOW) + 1 if found.start() > _WINDOW else 0
    hi = sentence.find(" ", found.end() + _WINDOW)
    window = sentence[lo : hi if hi >= 0 else len(sentence)]
    start, end = found.start() - lo, found.end() - lo
    if not window[:start].strip("¿¡\"'“«(- "):
        window = window[:start] + window[start].lower() + window[start + 1 :]
    return start, end, window


def _candidates(segments: list[Segment], lang: str | None) -> dict[tuple[str, ...], _Candidate]:
    found: dict[tuple[str, ...], _Candidate] = {}
    in_segments: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for sentence in sentences_of(segments):
        words = tokens(sentence.text)
        for start in range(len(words)):
            for phrase in _phrases_from(words, start):
                key = tuple(stem(w, sentence.segment.language or lang) for w in phrase)
                cand = found.setdefault(key, _Candidate(words=len(phrase), spellings=Counter()))
                cand.count += 1
                assert cand.spellings is not None
                cand.spellings[" ".join(phrase)] += 1
                if cand.example is None:
                    cand.example = (phrase, sentence.text, sentence.segment.language or lang)
                in_segments[key].add(sentence.segment.segment_id)
    for key, cand in found.items():
        cand.segments = len(in_segments[key])
    return _without_parts_of_longer(found)


def _phrases_from(words: list[str], start: int) -> Iterable[list[str]]:
    """The candidate phrases that begin at ``words[start]``."""
    if not is_content(words[start]) or words[start].lower() in _NOT_KEYWORDS:
        return
    yield words[start : start + 1]
    connectors = 0
    for end in range(start + 1, min(start + 3, len(words))):
        word = words[end]
        if word.lower() in _CONNECTORS and connectors == 0:
            connectors += 1
            continue
        if not is_content(word):
            return
        if word.lower() not in _NOT_KEYWORDS:
            yield words[start : end + 1]


def _without_parts_of_longer(found: dict[tuple[str, ...], _Candidate]) -> dict[tuple[str, ...], _Candidate]:
    """Drop a phrase that only ever occurs inside one longer phrase ("olive" in "olive oil")."""
    # The most occurrences of a longer recurring phrase that each shorter run of words is part
    # of: one pass over the longer phrases, where comparing every candidate with every longer
    # phrase cost ~0.1 CPU-s per 10 KB document.
    most_inside: dict[tuple[str, ...], int] = {}
    for key, cand in found.items():
        if cand.words > 1 and cand.count > 1:
            for part in _proper_parts(key):
                most_inside[part] = max(most_inside.get(part, 0), cand.count)
    keep = {}
    for key, cand in found.items():
        inside = most_inside.get(key, 0) >= cand.count
        if not inside and (cand.words == 1 or cand.count > 1 or len(found) < 30):
            keep[key] = cand
    return keep


def _proper_parts(key: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Every run of consecutive words of ``key`` shorter than ``key``."""
    n = len(key)
    return {key[i : i + size] for size in range(1, n) for i in range(n - size + 1)}


def _statistical(c: _Candidate) -> float:
    # Spread over segments says "the media is about this" more than repetition in one place.
    return math.log1p(c.count) * (1 + math.log1p(c.segments)) * (1 + 0.5 * (c.words - 1))


def _scaled(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.ones_like(values)


def _maximal_marginal_relevance(scores: np.ndarray, vectors: np.ndarray, top_n: int) -> list[int]:
    picked: list[int] = []
    left = list(range(len(scores)))
    while left and len(picked) < top_n:
        redundancy = (vectors[left] @ vectors[picked].T).max(axis=1) if picked else np.zeros(len(left))
        best = int(np.argmax((1 - _DIVERSITY) * scores[left] - _DIVERSITY * redundancy))
        picked.append(left.pop(best))
    return sorted(picked, key=lambda i: -scores[i])
