"""What a conversion's output really holds, found by decoding all of it (not trusting headers)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np


@dataclass(slots=True)
class VideoTrack:
    codec: str
    width: int
    height: int
    frames: int
    seconds: float  # from the first frame to the end of the last one
    first_s: float


@dataclass(slots=True)
class AudioTrack:
    codec: str
    sample_rate: int
    channels: int
    seconds: float  # decoded samples / sample rate
    samples: np.ndarray  # mono float32, for comparisons


@dataclass(slots=True)
class Decoded:
    container: str
    video: VideoTrack | None
    audio: AudioTrack | None


def decode(path: Path) -> Decoded:
    video = audio = None
    with av.open(str(path)) as container:
        fmt = container.format.name
        if container.streams.video:
            stream = container.streams.video[0]
            times = []
            for frame in container.decode(stream):
                times.append(float(frame.time))
            rate = float(stream.average_rate or stream.guessed_rate or 25)
            video = VideoTrack(
                stream.codec_context.name,
                stream.codec_context.width,
                stream.codec_context.height,
                len(times),
                max(times) - min(times) + 1 / rate,
                min(times),
            )
    with av.open(str(path)) as container:
        if container.streams.audio:
            stream = container.streams.audio[0]
            pieces = []
            resampler = av.AudioResampler(format="flt", layout="mono", rate=stream.codec_context.sample_rate)
            count = 0
            for frame in container.decode(stream):
                count += frame.samples
                for out in resampler.resample(frame):
                    pieces.append(out.to_ndarray().reshape(-1))
            audio = AudioTrack(
                stream.codec_context.name,
                stream.codec_context.sample_rate,
                stream.codec_context.channels,
                count / stream.codec_context.sample_rate,
                np.concatenate(pieces) if pieces else np.zeros(0, np.float32),
            )
    return Decoded(fmt, video, audio)
