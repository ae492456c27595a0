"""The ``AnswerModel`` interface and the ``Prompt`` it answers: a question and numbered sources.

Every answerer (extractive, OpenAI-compatible, Gemini, llama.cpp) takes the same ``Prompt``: LLMs
read ``system`` and ``user`` (the sources already written into it, numbered), the extractive
answerer reads ``question`` and ``sources`` (``Hit``\\ s: source ``[n]`` is ``sources[n - 1]``)
directly, and scores sentences with the vectors ingest stored (``sentence_vectors``), else with
``embedder`` (the asking tenant's, so its vectors are cached per tenant; no LLM sees either).
``task="rewrite"`` asks for a standalone version of a follow-up question instead of an answer
(``history`` holds the earlier turns).

Errors: a provider that cannot be reached, times out or keeps failing raises
``BackendUnavailable`` (HTTP 503), never hangs; a misconfiguration raises ``InvalidRequest``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from mediasift.domain import Hit, code_reference
from mediasift.enrich.language import query_language

if TYPE_CHECKING:
    import numpy as np

    from mediasift.embed.text.base import TextEmbedder

NOT_FOUND = "Not found in your media."
NOT_FOUND_ES = "No se encuentra en tus medios."


def not_found(question: str) -> str:
    """What an answer says when nothing in the media answers ``question``, in its language
    (English unless it reads as Spanish); ``found: false`` says it to a program either way."""
    return NOT_FOUND_ES if query_language(question) == "es" else NOT_FOUND


@dataclass(slots=True)
class Prompt:
    system: str
    user: str
    question: str
    # Cited as [1], [2]… in this order; ``score`` is each one's relevance to the question.
    sources: list[Hit] = field(default_factory=list)
    task: Literal["answer", "rewrite"] = "answer"
    history: list[tuple[str, str]] = field(default_factory=list)  # (role, text), oldest first
    embedder: TextEmbedder | None = field(default=None, repr=False, compare=False)
    # The sources' stored sentence vectors by segment id (``answer/evidence.py`` reads them).
    sentence_vectors: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    # A follow-up's own words, when ``question`` joins it to what it follows up: they lead the
    # evidence (``answer/evidence.py``).
    focus: str | None = None

    def messages(self) -> list[dict[str, str]]:
        """Chat-completion messages: the system instructions, then the user turn."""
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


class AnswerModel(Protocol):
    id: str

    def generate(self, prompt: Prompt, *, max_tokens: int | None = None) -> str:
        """The whole answer text (citations as ``[n]`` markers)."""

    def stream(self, prompt: Prompt, *, max_tokens: int | None = None) -> Iterator[str]:
        """The answer as text chunks, in order; joined they equal what ``generate`` would return."""


def label(hit: Hit) -> str:
    """Where a hit is, for people: ``talk.mp4 @ 00:14``, ``manual.pdf p. 3``, and for code
    ``src/jobs.py:12-30`` (``in repo.tar.gz`` after it when the file is in a repository)."""
    lines = code_reference(hit.meta)
    if lines is not None:
        return lines if hit.meta.get("path") == hit.filename else f"{lines} in {hit.filename}"
    if hit.start_s is not None:
        return f"{hit.filename} @ {clock(hit.start_s)}"
    if hit.page is not None:
        return f"{hit.filename} p. {hit.page}"
    return hit.filename


def clock(seconds: float) -> str:
    """``mm:ss``, or ``h:mm:ss`` from one hour on."""
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"
