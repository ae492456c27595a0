"""The offline answerer: the sentences of the sources that best answer the question, each cited.

No language model: every sentence of the strongest sources is scored against the question by the
text embedder (e5 cosine, the same model search uses, so English and Spanish mix) plus a small
bonus per content word they share; the best sentence leads and up to ``max_sentences - 1`` others
close to it follow, each ending in its source's ``[n]``. What it says is always a verbatim quote.

Follow-up questions (``task="rewrite"``) are made standalone by a heuristic: a short question, or
one that points back ("it", "that", "eso"...), is joined to the previous question.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from mediasift.answer.base import NOT_FOUND, Prompt
from mediasift.answer.sentences import Sentence, sentence_units
from mediasift.embed.text.base import TextEmbedder
from mediasift.enrich.terms import fold, match_score, terms

WORD_BONUS = 0.02  # per question word a sentence shares (stemmed), at most three
MAX_SOURCES = 6  # sentences are drawn from this many strongest sources (bounds embedding work)
MAX_UNITS = 80
_POINTS_BACK = re.compile(
    r"^\s*(and|y|what about|how about|¿?y qué|also)\b"
    r"|\b(it|its|that|those|these|they|them|there|same|else|eso|esto|ese|esa|ello|ellos|ellas|allí|ahí)\b",
    re.IGNORECASE,
)


class ExtractiveAnswerer:
    id = "extractive"

    def __init__(self, embedder: TextEmbedder, max_sentences: int = 3, margin: float = 0.02) -> None:
        self._embedder = embedder
        self._max_sentences = max_sentences
        self._margin = margin

    def generate(self, prompt: Prompt, *, max_tokens: int | None = None) -> str:
        if prompt.task == "rewrite":
            return standalone_question(prompt.question, prompt.history)
        chosen = self.select(prompt)
        if not chosen:
            return NOT_FOUND
        return " ".join(_cited(s.text, s.n) for s in chosen)

    def stream(self, prompt: Prompt, *, max_tokens: int | None = None) -> Iterator[str]:
        words = self.generate(prompt, max_tokens=max_tokens).split(" ")
        for i, word in enumerate(words):
            yield word if i == len(words) - 1 else word + " "

    def select(self, prompt: Prompt) -> list[Sentence]:
        """The sentences the answer is made of, best first."""
        numbered = sorted(enumerate(prompt.sources, 1), key=lambda pair: -pair[1].score)[:MAX_SOURCES]
        units = [u for n, source in numbered for u in sentence_units(source, n) if terms(u.text)][:MAX_UNITS]
        if not units:
            return []
        # The asking tenant's cached embedder, when the prompt carries one: re-ranking has just
        # embedded the question and most of these sentences, and another tenant's must not be reused.
        embedder = prompt.embedder or self._embedder
        query = embedder.embed_query(prompt.question)
        cosine = embedder.embed_passages([u.text for u in units]) @ query
        scores = [
            float(c) + WORD_BONUS * min(3, match_score(u.text, prompt.question))
            for u, c in zip(units, cosine, strict=True)
        ]
        order = np.argsort(scores)[::-1]
        best = scores[order[0]]
        chosen: list[Sentence] = []
        seen: set[str] = set()
        for i in order:
            if scores[i] < best - self._margin or len(chosen) >= self._max_sentences:
                break
            key = fold(units[i].text)
            if key not in seen:  # overlapping chunks repeat sentences: say each once
                seen.add(key)
                chosen.append(units[i])
        return chosen


def standalone_question(question: str, history: list[tuple[str, str]]) -> str:
    """``question`` alone, or joined to the previous question when it depends on it."""
    previous = next((text for role, text in reversed(history) if role == "user"), None)
    if not previous:
        return question
    if len(terms(question)) <= 3 or _POINTS_BACK.search(question):
        return f"{previous.rstrip()} {question.strip()}"
    return question


def _cited(text: str, n: int) -> str:
    """``"The shop opens at nine [2]."``: the marker goes before the sentence's closing mark."""
    text = text.strip()
    body, end = (text[:-1], text[-1]) if text[-1:] in ".!?…" else (text, ".")
    return f"{body.rstrip()} [{n}]{end}"
