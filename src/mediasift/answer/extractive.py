"""The offline answerer: the sentences of the sources that best answer the question, each cited.

No language model: the answer is the evidence (``answer/evidence.py``: the sentences whose e5
cosine with the question plus a small bonus per content word they share reaches a threshold and
is close to the best one's); the best sentence leads and up to ``max_sentences - 1`` others
follow, each ending in its source's ``[n]``. What it says is always a verbatim quote; without
evidence it says "Not found in your media." rather than quote the nearest unrelated sentence.

Follow-up questions (``task="rewrite"``) are made standalone by a heuristic: a short question, or
one that points back ("it", "that", "eso"...), is joined to the previous question.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mediasift.answer.base import Prompt, not_found
from mediasift.answer.evidence import MIN_EVIDENCE, evidence
from mediasift.answer.sentences import Sentence
from mediasift.embed.text.base import TextEmbedder
from mediasift.enrich.terms import fold, terms

_POINTS_BACK = re.compile(
    r"^\s*(and|y|what about|how about|¿?y qué|also)\b"
    r"|\b(it|its|that|those|these|they|them|there|same|else|eso|esto|ese|esa|ello|ellos|ellas|allí|ahí)\b",
    re.IGNORECASE,
)


class ExtractiveAnswerer:
    id = "extractive"

    def __init__(
        self,
        embedder: TextEmbedder,
        max_sentences: int = 3,
        min_evidence: float = MIN_EVIDENCE,
    ) -> None:
        self._embedder = embedder
        self._max_sentences = max_sentences
        self._min_evidence = min_evidence

    def generate(self, prompt: Prompt, *, max_tokens: int | None = None) -> str:
        if prompt.task == "rewrite":
            return standalone_question(prompt.question, prompt.history)
        chosen = self.select(prompt)
        if not chosen:
            return not_found(prompt.question)
        return " ".join(_cited(s.text, s.n) for s in chosen)

    def stream(self, prompt: Prompt, *, max_tokens: int | None = None) -> Iterator[str]:
        words = self.generate(prompt, max_tokens=max_tokens).split(" ")
        for i, word in enumerate(words):
            yield word if i == len(words) - 1 else word + " "

    def select(self, prompt: Prompt) -> list[Sentence]:
        """The sentences the answer is made of, best first: evidence only (``answer/evidence.py``),
        at most ``max_sentences``; ``[]`` when no sentence answers."""
        # The asking tenant's cached embedder, when the prompt carries one: re-ranking has just
        # embedded the question and most of these sentences, and another tenant's must not be reused.
        embedder = prompt.embedder or self._embedder
        found = evidence(
            prompt.question, prompt.sources, embedder, self._min_evidence, prompt.sentence_vectors
        )
        chosen: list[Sentence] = []
        seen: set[str] = set()
        for item in found:
            if len(chosen) >= self._max_sentences:
                break
            key = fold(item.sentence.text)
            if key not in seen:  # overlapping chunks repeat sentences: say each once
                seen.add(key)
                chosen.append(item.sentence)
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
