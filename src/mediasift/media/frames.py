"""Stream a video's frames at a sampling rate, downscaled, without holding the video in memory.

``iter_frames(path, every_s=0.5, max_side=960)`` yields ``SampledFrame(time_s, image)``: one frame
per ``every_s`` seconds of presentation time (the first frame at or after each grid point), as an
RGB ``uint8`` array whose longer side is at most ``max_side`` pixels. Every frame is decoded (video
codecs cannot skip), but only sampled ones are converted and scaled, which is where the cost is.
With ``gray=True`` a frame of 8-bit YUV that needs no scaling is not converted at all: its luma
plane is read through the levels swscale would give it (``_luma``), the same pixels at a fraction
of the cost.

Decoding errors, and a stream that stops well before its declared duration (a file cut after a
valid header), raise ``CorruptMedia``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import av
import cv2
import numpy as np

from mediasift.errors import CorruptMedia
from mediasift.media.probe import open_media, video_stream


@dataclass(frozen=True, slots=True)
class SampledFrame:
    time_s: float  # presentation time, seconds from the start of the video
    image: np.ndarray  # RGB uint8, H x W x 3 (H x W with ``gray=True``)


def scaled_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """``(width, height)`` shrunk to fit ``max_side`` (never enlarged), rounded to even pixels."""
    scale = min(1.0, max_side / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def iter_frames(
    path: Path,
    every_s: float = 0.5,
    max_side: int = 960,
    expected_duration_s: float | None = None,
    threads: int = 1,
    on_progress: Callable[[float], None] | None = None,
    gray: bool = False,
) -> Iterator[SampledFrame]:
    """Yield sampled frames in presentation order; ``on_progress(seconds)`` after each one.

    ``threads`` bounds the decoder's own threads so a worker does not oversubscribe the cores that
    speech recognition is using at the same time. ``gray`` yields the luma plane only, which
    costs a fraction of an RGB conversion for measures that need no colour."""
    last_time = 0.0
    try:
        with open_media(path) as container:
            stream = video_stream(container)
            if stream is None:
                return
            stream.thread_type = "AUTO" if threads > 1 else "SLICE"
            stream.codec_context.thread_count = max(1, threads)
            width, height = scaled_size(stream.codec_context.width, stream.codec_context.height, max_side)
            start_time, time_base = stream.start_time, stream.time_base
            start = float(start_time * time_base) if start_time and time_base else 0.0
            next_due = 0.0
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                time_s = max(0.0, float(frame.time) - start)
                last_time = max(last_time, time_s)
                if time_s + 1e-6 < next_due:
                    continue
                if gray:
                    image = _luma(frame, width, height)
                else:
                    image = frame.to_ndarray(width=width, height=height, format="rgb24")
                yield SampledFrame(round(time_s, 3), image)
                # The next grid point after this frame: sampling never drifts with frame jitter.
                next_due = (int(time_s / every_s + 1e-6) + 1) * every_s
                if on_progress is not None:
                    on_progress(time_s)
    except av.error.FFmpegError as exc:
        _check_complete(last_time, expected_duration_s, str(exc))
        raise CorruptMedia(f"cannot decode video: {exc}") from None
    _check_complete(last_time, expected_duration_s)


# 8-bit YUV layouts whose first plane is the luma, one byte a pixel
_LUMA_FIRST = frozenset(("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21"))


def _luma(frame: av.VideoFrame, width: int, height: int) -> np.ndarray:
    """The frame as 8-bit gray at ``width`` x ``height``, as swscale converts it. Unscaled 8-bit YUV
    skips swscale: its gray is a per-pixel function of the luma (limited range stretched to full),
    so the luma plane goes through that function's table, read from swscale itself. A quality pass
    reads ten frames a second, and swscale's conversion was most of its cost."""
    name = frame.format.name
    if name not in _LUMA_FIRST or (frame.width, frame.height) != (width, height):
        return frame.to_ndarray(width=width, height=height, format="gray")
    plane = frame.planes[0]
    rows = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]
    return cv2.LUT(rows, _gray_levels(name, int(frame.color_range)))


@cache
def _gray_levels(format_name: str, color_range: int) -> np.ndarray:
    """What swscale makes of each luma level 0-255 of ``format_name`` frames in ``color_range``."""
    ramp = av.VideoFrame(256, 2, format_name)
    ramp.color_range = color_range
    for plane in ramp.planes:
        plane.update(bytes([128]) * plane.buffer_size)
    luma = np.zeros((ramp.planes[0].height, ramp.planes[0].line_size), np.uint8)
    luma[:, :256] = np.arange(256, dtype=np.uint8)
    ramp.planes[0].update(luma.tobytes())
    return np.ascontiguousarray(ramp.to_ndarray(width=256, height=2, format="gray")[0])


def _check_complete(last_time_s: float, expected_s: float | None, cause: str | None = None) -> None:
    # Streams in one container may end a little apart; 5% (at least 2 s) short is a cut file.
    if expected_s is not None and last_time_s < expected_s - max(2.0, 0.05 * expected_s):
        detail = f" ({cause})" if cause else ""
        raise CorruptMedia(
            f"video ends after {last_time_s:.1f} s of a declared {expected_s:.1f} s: "
            f"file is truncated{detail}"
        )
