"""Audio measures, streamed: loudness, clipping, noise, silence and speech of a file's first audio track.

``measure_audio(path)`` decodes the track twice as a stream (audio decodes at hundreds of times
real time): once at its own sample rate and channels (mono or stereo) for loudness and clipping —
resampling would round off the flat tops clipping leaves — and once as the 16 kHz mono stream
speech recognition uses, for the 20 ms frame energies (noise, silence) and voice activity
(``speech_measures``). Where speech recognition reads that stream anyway, the second pass is its
own (``asr.vad.Heard``): ``measure_audio(path, speech=False)`` leaves the speech measures to it.

Measures (absent when the file has no audio):

- ``loudness_lufs``: integrated loudness, ITU-R BS.1770-4 (``quality.loudness``);
- ``clipping_ratio``: share of samples at or beyond 99 % of full scale;
- ``snr_db``: estimated speech-to-noise ratio: mean power of the 20 ms frames inside voiced regions
  (less the noise) over the mean power of the pauses between them; 60 dB at most, which is also what
  digital silence between sentences reads; absent without speech (a steady tone or music has no
  pauses to tell its noise by);
- ``silence_ratio``: share of 20 ms frames below -50 dBFS;
- ``speech_ratio``: share of the duration Silero VAD judges to be speech.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import av
import numpy as np

from mediasift.asr.vad import FRAME_S, Heard, heard
from mediasift.errors import CorruptMedia
from mediasift.media.audio import iter_audio
from mediasift.media.probe import audio_stream, open_media
from mediasift.quality.loudness import LoudnessMeter

CLIP_LEVEL = 0.99  # |sample| at or above this is clipped (full scale is 1.0)
SILENT_DBFS = -50.0
MAX_SNR_DB = 60.0


def measure_audio(path: Path, speech: bool = True) -> dict[str, Any]:
    """The audio measures of ``path``; ``{}`` when it has no audio track. ``speech=False``: those
    of its native signal only, without ``speech_measures``, which a caller adds from the pass
    speech recognition made (``asr.vad.Heard``)."""
    native = _native_measures(path)
    if not native or not speech:
        return native
    return {**native, **speech_measures(heard(iter_audio(path)))}


def speech_measures(gathered: Heard) -> dict[str, Any]:
    """``silence_ratio``, ``speech_ratio`` and ``snr_db`` from one pass over the 16 kHz stream."""
    power = np.concatenate(gathered.powers) if gathered.powers else np.zeros(0)
    if not power.size:
        return {}
    speech = np.zeros(power.size, dtype=bool)
    for start_s, end_s in gathered.voiced:
        speech[int(start_s / FRAME_S) : math.ceil(end_s / FRAME_S)] = True
    measures: dict[str, Any] = {
        "silence_ratio": round(float(np.mean(power < 10 ** (SILENT_DBFS / 10))), 4),
        "speech_ratio": round(float(speech.mean()), 4),
    }
    snr = _speech_snr_db(power, speech)
    if snr is not None:
        measures["snr_db"] = snr
    return measures


def _speech_snr_db(power: np.ndarray, speech: np.ndarray) -> float | None:
    """Speech power over the noise floor: the pauses between voiced regions when there are enough
    of them (a second), else the quietest tenth of the voiced frames. ``None`` without speech: a
    steady tone or music has no pauses to tell its noise by."""
    if speech.sum() < 1.0 / FRAME_S:
        return None
    pauses = power[~speech]
    noise = float(pauses.mean()) if pauses.size >= 1.0 / FRAME_S else float(np.percentile(power[speech], 10))
    signal = float(power[speech].mean()) - noise
    if noise <= 1e-12:
        return MAX_SNR_DB
    return round(min(MAX_SNR_DB, 10 * math.log10(max(signal, 1e-12) / noise)), 1)


def _native_measures(path: Path) -> dict[str, Any]:
    try:
        with open_media(path) as container:
            stream = audio_stream(container)
            if stream is None:
                return {}
            channels = 1 if (stream.channels or 1) == 1 else 2
            rate = stream.rate or 48_000
            layout = "mono" if channels == 1 else "stereo"
            resampler = av.AudioResampler(format="flt", layout=layout, rate=rate)
            meter = LoudnessMeter(rate, channels)
            clipped = total = 0
            for decoded in container.decode(stream):
                decoded.pts = None
                for out in resampler.resample(decoded):
                    samples = out.to_ndarray().reshape(-1, channels)
                    meter.add(samples)
                    clipped += int(np.count_nonzero(np.abs(samples) >= CLIP_LEVEL))
                    total += samples.size
    except av.error.FFmpegError as exc:
        raise CorruptMedia(f"cannot decode audio: {exc}") from None
    if not total:
        return {}
    return {
        "loudness_lufs": meter.integrated_lufs(),
        "clipping_ratio": round(clipped / total, 5),
        "sample_rate": rate,
        "channels": channels,
    }
