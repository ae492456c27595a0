"""The offline answerer: the sentences of the sources that best answer the question, each cited.

No language model: the answer is the evidence (``answer/evidence.py``: the sentences whose e5
cosine with the question plus a small bonus per content word they share reaches a threshold and
is close to the best one's); the best sentence leads and up to ``max_sentences - 1`` others
follow, each ending in its source's ``[n]``. What it says is always a verbatim quote; without
evidence it says "Not found in your media." rather than quote the nearest unrelated sentence.

Follow-up questions (``task="rewrite"``) are made standalone by a heuristic: a question that opens
on "and", "what about", "y"…, one of three content words or fewer, or a short one that points back
("it", "that", "eso"…) is joined to the question it follows up: the last one that stood alone, and
the follow-up just before it if there was one, never the whole chat (a chat of follow-ups had
searched every question it held, and answered its first). The follow-up's own words then lead
the evidence (``evidence(focus=…)``): "And the bike chain?" after a question about the boiler is
answered by the chain's sentence, not the boiler's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mediasift.answer.base import Prompt, not_found
from mediasift.answer.evidence import MIN_EVIDENCE, evidence
from mediasift.answer.sentences import Sentence, without_heading
from mediasift.embed.text.base import TextEmbedder
from mediasift.enrich.terms import fold, terms

_OPENS_ON_MORE = re.compile(r"^\W*(and|y|what about|how about|qué tal|also|también)\b", re.IGNORECASE)
_POINTS_BACK = re.compile(
    r"\b(it|its|that|those|these|they|them|there|same|else|eso|esto|ese|esa|ello|ellos|ellas|allí|ahí)\b",
    re.IGNORECASE,
)
# A question of more content words than this has a subject of its own, whatever it points at:
# "What does that comet's tail point away from?" asks about a comet, not the chat's last question.
_POINTING_TERMS = 4
_SHORT_TERMS = 3  # a question of this many content words or fewer continues the one before
MAX_CHARS = 2000  # a standalone question's length (services/ask.py: MAX_QUESTION_CHARS)


def follows_up(question: str) -> bool:
    """Whether ``question`` continues the question before it rather than standing alone."""
    count = len(terms(question))
    if _OPENS_ON_MORE.search(question) or count <= _SHORT_TERMS:
        return True
    return count <= _POINTING_TERMS and bool(_POINTS_BACK.search(question))


def short_only(question: str) -> bool:
    """Whether ``question`` follows up only for being short: two or three content words, neither
    opening on "and…" nor pointing back. Such a question may have a subject of its own ("What was
    polished on the lighthouse?"), which its media can tell (``services/chats.py``)."""
    return (
        1 < len(terms(question)) <= _SHORT_TERMS
        and not _OPENS_ON_MORE.search(question)
        and not _POINTS_BACK.search(question)
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
        quoted: dict[str, int] = {}  # a sentence a page says twice (under its heading, then alone) once
        for sentence in chosen:
            quoted.setdefault(self._quoted(prompt, sentence), sentence.n)
        return " ".join(_cited(text, n) for text, n in quoted.items())

    @staticmethod
    def _quoted(prompt: Prompt, sentence: Sentence) -> str:
        """The sentence as the answer quotes it: without a heading it opens with (``without_heading``)."""
        if 0 < sentence.n <= len(prompt.sources):
            return without_heading(sentence.text, prompt.sources[sentence.n - 1].text)
        return sentence.text

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
            prompt.question,
            prompt.sources,
            embedder,
            self._min_evidence,
            prompt.sentence_vectors,
            focus=prompt.focus,
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
    """``question`` alone, or, when it follows up (``follows_up``), after what it follows up: the
    last question of ``history`` (role, the words written; oldest first) that stood alone, and
    the follow-up after it, if any, just before ``question``. At most ``MAX_CHARS``: what does
    not fit is cut from the start, never ``question`` itself."""
    asked = [text.strip() for role, text in history if role == "user" and text.strip()]
    if not asked or not follows_up(question):
        return question
    context = [asked[-1]]
    if len(asked) > 1 and follows_up(asked[-1]):
        topic = next((q for q in reversed(asked[:-1]) if not follows_up(q)), asked[0])
        context.insert(0, topic)
    joined = " ".join([*context, question.strip()])
    return joined if len(joined) <= MAX_CHARS else keep_end(joined, MAX_CHARS)


def keep_end(text: str, limit: int) -> str:
    """The end of ``text``, at most ``limit`` characters, from a word's start."""
    if len(text) <= limit:
        return text
    tail = text[-limit:]
    if not text[-limit - 1].isspace():  # cut inside a word: that word goes
        _, space, rest = tail.partition(" ")
        if space and rest:
            tail = rest
    return tail.lstrip()


def _cited(text: str, n: int) -> str:
    """``"The shop opens at nine [2]."``: the marker goes before the sentence's closing mark."""
    text = text.strip()
    body, end = (text[:-1], text[-1]) if text[-1:] in ".!?…" else (text, ".")
    return f"{body.rstrip()} [{n}]{end}"
