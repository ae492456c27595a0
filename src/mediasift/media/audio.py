"""Decode any container's audio as a stream of 16 kHz mono float32 blocks.

``iter_audio(path)`` yields ``numpy.float32`` arrays in [-1, 1], consecutive and gap-free, each about
``block_s`` seconds long (the last may be shorter): sample ``i`` of the whole stream is at
``i / SAMPLE_RATE`` seconds from the start of the audio. Memory stays at one block plus FFmpeg's
buffers whatever the file's length.

Decoding errors and a stream that stops well before its declared duration (a file cut after a
valid header) raise ``CorruptMedia``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import av
import numpy as np

from mediasift.errors import CorruptMedia
from mediasift.media.probe import audio_stream, open_media

SAMPLE_RATE = 16_000  # Hz: what Whisper and Silero VAD expect
# A stream this much shorter than its container says is a truncated file, not rounding.
_TRUNCATION_TOLERANCE_S = 2.0


def iter_audio(
    path: Path,
    block_s: float = 30.0,
    expected_duration_s: float | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> Iterator[np.ndarray]:
    """Yield the first audio stream as mono float32 blocks at ``SAMPLE_RATE`` Hz.

    ``expected_duration_s`` (from ``probe``) turns an early end of stream into ``CorruptMedia``.
    ``on_progress`` is called after each block with the seconds decoded so far.
    """
    block = max(1, int(block_s * SAMPLE_RATE))
    pending: list[np.ndarray] = []
    pending_samples = 0
    decoded = 0
    try:
        for samples in _resampled(path):
            pending.append(samples)
            pending_samples += samples.size
            while pending_samples >= block:
                joined = np.concatenate(pending)
                yield joined[:block]
                decoded += block
                rest = joined[block:]
                pending, pending_samples = ([rest] if rest.size else []), rest.size
                if on_progress is not None:
                    on_progress(decoded / SAMPLE_RATE)
    except CorruptMedia as exc:
        # What decoded before the damage counts, the samples short of a block too.
        _check_complete((decoded + pending_samples) / SAMPLE_RATE, expected_duration_s, exc.message)
        raise
    if pending_samples:
        decoded += pending_samples
        yield np.concatenate(pending)
    seconds = decoded / SAMPLE_RATE
    if on_progress is not None:
        on_progress(seconds)
    _check_complete(seconds, expected_duration_s)


def _check_complete(seconds: float, expected_s: float | None, cause: str | None = None) -> None:
    if expected_s is not None and seconds < expected_s - _TRUNCATION_TOLERANCE_S:
        detail = f" ({cause})" if cause else ""
        raise CorruptMedia(
            f"audio ends after {seconds:.1f} s of a declared {expected_s:.1f} s: file is truncated{detail}"
        )


def read_audio(path: Path) -> np.ndarray:
    """The whole audio track at once: for short clips and tests only (long media: ``iter_audio``)."""
    blocks = list(iter_audio(path))
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)


def _resampled(path: Path) -> Iterator[np.ndarray]:
    """Mono 16 kHz float32 pieces, in FFmpeg's own frame sizes."""
    try:
        with open_media(path) as container:
            stream = audio_stream(container)
            if stream is None:
                return
            stream.codec_context.thread_type = "AUTO"
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                # Timestamps are not trusted to be continuous; sample count is the clock.
                frame.pts = None
                for out in resampler.resample(frame):
                    yield out.to_ndarray().reshape(-1)
            for out in resampler.resample(None):
                yield out.to_ndarray().reshape(-1)
    except av.error.FFmpegError as exc:
        raise CorruptMedia(f"cannot decode audio: {exc}") from None
