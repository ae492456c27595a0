"""Voice activity, streamed: the voiced regions of an audio stream, found by Silero VAD (shipped
inside faster-whisper), so silence and music are never sent to the recognizer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from mediasift.media.audio import SAMPLE_RATE

_VAD_WINDOW_S = 60.0  # audio examined per VAD call
_VAD_GUARD_S = 2.0  # a region ending this close to the window's end may continue in the next one
WHISPER_WINDOW_S = 30.0  # Whisper sees 30 s at a time; shorter inputs are padded (same cost)


@dataclass(frozen=True, slots=True)
class VoicedRegion:
    """A stretch of audio the VAD judged to be speech; ``start_s`` is its place in the stream."""

    start_s: float
    samples: np.ndarray

    @property
    def end_s(self) -> float:
        return self.start_s + self.samples.size / SAMPLE_RATE


def voiced_regions(
    blocks: Iterable[np.ndarray],
    min_silence_s: float = 0.6,
    pad_s: float = 0.2,
    threshold: float = 0.5,
) -> Iterator[VoicedRegion]:
    """The voiced regions of a block stream, each at most ~29 s, in order.

    Regions are separated by at least ``min_silence_s`` of non-speech (a sentence pause: short enough
    that a speaker switching language is split off, long enough not to cut words) and padded by
    ``pad_s`` each side. Memory stays at about one VAD window (60 s)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        threshold=threshold,
        min_silence_duration_ms=int(min_silence_s * 1000),
        speech_pad_ms=int(pad_s * 1000),
        max_speech_duration_s=WHISPER_WINDOW_S - 1.0,
        min_speech_duration_ms=250,
    )
    window = int(_VAD_WINDOW_S * SAMPLE_RATE)
    guard = int(_VAD_GUARD_S * SAMPLE_RATE)
    buffer = np.zeros(0, dtype=np.float32)
    offset = 0  # stream sample index of buffer[0]
    for block in blocks:
        buffer = np.concatenate([buffer, block.astype(np.float32, copy=False)])
        if buffer.size < window:
            continue
        spans = get_speech_timestamps(buffer, options)
        keep_from = buffer.size - guard
        for span in spans:
            if span["end"] > buffer.size - guard:
                keep_from = min(keep_from, span["start"])  # unfinished: examine again with more audio
                break
            yield VoicedRegion(
                offset / SAMPLE_RATE + span["start"] / SAMPLE_RATE, buffer[span["start"] : span["end"]]
            )
            keep_from = span["end"]
        else:
            keep_from = max(keep_from, spans[-1]["end"]) if spans else keep_from
        buffer = buffer[keep_from:].copy()
        offset += keep_from
    if buffer.size:
        for span in get_speech_timestamps(buffer, options):
            yield VoicedRegion((offset + span["start"]) / SAMPLE_RATE, buffer[span["start"] : span["end"]])
