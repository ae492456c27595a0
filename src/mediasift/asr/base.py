"""Speech recognition's interface: a ``SpeechRecognizer`` turns an audio stream into ``RawSegment``s.

A recognizer takes the audio as a *stream* of 16 kHz mono float32 blocks (``media.audio.iter_audio``)
and yields segments in time order as it goes, so a four-hour file never sits in memory. Times are
seconds from the start of the stream. Implementations: ``whisper.py``; ``factory.py`` picks one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from mediasift.asr.vad import Heard


@dataclass(frozen=True, slots=True)
class Word:
    start_s: float
    end_s: float
    word: str
    probability: float


@dataclass(slots=True)
class RawSegment:
    """One recogniser segment: a phrase or sentence with its own timing and language."""

    start_s: float
    end_s: float
    text: str
    language: str
    confidence: float  # in [0, 1]: exp(mean token log-probability)
    words: list[Word] = field(default_factory=list)


class SpeechRecognizer(Protocol):
    id: str  # recorded on every speech segment, so a model change can be reindexed

    def transcribe(
        self,
        audio: Iterable[np.ndarray],
        on_progress: Callable[[float], None] | None = None,
        heard: Heard | None = None,
    ) -> Iterator[RawSegment]:
        """Segments of the speech in ``audio`` (consecutive 16 kHz mono float32 blocks), in order.

        ``on_progress(seconds)`` is called with how much audio has been recognised so far; the
        model loads at the first call unless ``loaded()`` holds it. ``heard`` gathers what the
        recognizer's voice activity pass saw (``asr.vad.Heard``)."""
        ...

    def spoken_languages(self, audio: Iterable[np.ndarray], regions: int = 6) -> set[str]:
        """The languages of the first ``regions`` stretches of speech of ``audio`` (empty when it
        holds none), without transcribing them."""
        ...

    def loaded(self) -> AbstractContextManager[object]:
        """The recognizer's model, loaded now if it is not, and kept loaded until the block ends."""
        ...
