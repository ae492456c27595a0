"""Audio and video transcoding with PyAV: mp4 (H.264/AAC), webm (VP9/Opus), mp3, wav, opus, m4a.

``transcode(source, dest, target, options, settings, on_progress)`` streams: packets are demuxed,
decoded, trimmed to ``[start, end)``, rescaled and encoded one frame at a time, so memory stays at
a few frames plus the codecs' buffers whatever the media's length. Audio is trimmed to the sample
(its clock is the count of samples since the first decoded frame, as in ``media/audio.py``);
video to the frame. Output timestamps start at 0.

Raises ``CorruptMedia`` (undecodable or truncated source), ``UnsupportedMedia`` (no stream of the
kind the target needs) and ``LimitExceeded`` (source over the duration or pixel limit, output
frames over the pixel limit, output file over ``max_output_bytes``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import numpy as np

from mediasift.errors import CorruptMedia, LimitExceeded, UnsupportedMedia
from mediasift.media.frames import scaled_size
from mediasift.media.probe import MediaProbe, audio_stream, open_media, probe, video_stream

if TYPE_CHECKING:
    from mediasift.config import Settings


@dataclass(frozen=True, slots=True)
class Format:
    container: str  # FFmpeg muxer
    audio_codec: str
    sample_format: str  # what the audio encoder takes
    video_codec: str | None = None
    video_options: tuple[tuple[str, str], ...] = ()
    sample_rates: tuple[int, ...] | None = None  # None: any of targets.SAMPLE_RATES


FORMATS = {
    "mp4": Format("mp4", "aac", "fltp", "libx264", (("preset", "veryfast"), ("crf", "23"))),
    "webm": Format(
        "webm",
        "libopus",
        "flt",
        "libvpx-vp9",
        (("deadline", "realtime"), ("cpu-used", "8"), ("row-mt", "1"), ("crf", "34"), ("b", "0")),
        (8000, 12000, 16000, 24000, 48000),
    ),
    "mp3": Format("mp3", "libmp3lame", "fltp"),
    "wav": Format("wav", "pcm_s16le", "s16"),
    "opus": Format("ogg", "libopus", "flt", sample_rates=(8000, 12000, 16000, 24000, 48000)),
    "m4a": Format("ipod", "aac", "fltp"),
}
_CHECK_EVERY = 64  # packets between two looks at the output's size
_TRUNCATION_TOLERANCE_S = 2.0


def transcode(
    source: Path,
    dest: Path,
    target: str,
    options: dict[str, Any],
    settings: Settings,
    on_progress: Callable[[float], None] = lambda fraction: None,
) -> dict[str, Any]:
    """Write ``source`` as ``target`` to ``dest``; returns what the output holds (``duration_s``,
    ``codecs``, ``width``/``height``/``fps`` for video, ``sample_rate``/``channels`` for audio)."""
    fmt = FORMATS[target]
    media = probe(source, settings)
    start = float(options.get("start") or 0.0)
    end = min(float(options["end"]), media.duration_s) if options.get("end") is not None else media.duration_s
    if start >= media.duration_s:
        raise LimitExceeded(f"start {start:g} s is past the end of the media ({media.duration_s:.2f} s)")
    with_video = fmt.video_codec is not None and media.kind == "video"
    if fmt.video_codec is None and not media.has_audio:
        raise UnsupportedMedia(f"the media has no audio to write as {target}")
    try:
        with open_media(source) as container, av.open(str(dest), "w", format=fmt.container) as out:
            job = _Transcode(container, out, fmt, media, options, settings, with_video, start, end, dest)
            job.run(on_progress)
    except av.error.FFmpegError as exc:
        raise CorruptMedia(f"cannot decode media: {exc}") from None
    if options.get("end") is None and job.last_time_s < media.duration_s - _TRUNCATION_TOLERANCE_S:
        raise CorruptMedia(
            f"media ends after {job.last_time_s:.1f} s of a declared {media.duration_s:.1f} s: "
            "file is truncated"
        )
    _check_size(dest, settings)
    return job.info()


def _check_size(dest: Path, settings: Settings) -> None:
    size = os.path.getsize(dest) if dest.exists() else 0  # the muxer creates it with its first packet
    if size > settings.convert_max_output_bytes:
        raise LimitExceeded(
            f"the output passed {settings.convert_max_output_bytes} bytes, the limit of one conversion"
        )


class _Transcode:
    """One transcoding: the streams it reads and writes and where it has got to."""

    def __init__(
        self,
        container: Any,
        out: Any,
        fmt: Format,
        media: MediaProbe,
        options: dict[str, Any],
        settings: Settings,
        with_video: bool,
        start: float,
        end: float,
        dest: Path,
    ) -> None:
        self.container, self.out, self.fmt, self.media = container, out, fmt, media
        self.start, self.end, self.dest, self.settings = start, end, dest, settings
        self.last_time_s = 0.0
        self.samples_written = 0
        self.audio_clock: int | None = None  # samples since the media's start, of the next sample
        self.last_pts = -1
        self.resampler: av.AudioResampler | None = None
        self.fps, self.rate, self.layout = Fraction(25), 48000, "stereo"
        self.video_in = video_stream(container) if with_video else None
        self.audio_in = audio_stream(container)
        self.video_out = self._video_stream(options) if self.video_in is not None else None
        self.audio_out = self._audio_stream(options) if self.audio_in is not None else None

    # -- set-up -----------------------------------------------------------------------------

    def _video_stream(self, options: dict[str, Any]) -> Any:
        assert self.video_in is not None
        src = self.video_in.codec_context
        width, height = _output_size(src.width, src.height, options.get("width"), options.get("height"))
        if width * height > self.settings.max_video_pixels:
            raise LimitExceeded(
                f"output frames of {width}x{height} pixels; the limit is {self.settings.max_video_pixels}"
            )
        rate = self.video_in.average_rate or self.video_in.guessed_rate or 25
        fps = Fraction(options["fps"]).limit_denominator(1001) if options.get("fps") else Fraction(rate)
        fps = min(fps, Fraction(120))
        assert self.fmt.video_codec is not None
        codec_options = dict(self.fmt.video_options)
        if bitrate := options.get("video_bitrate"):
            codec_options.pop("crf", None)
            codec_options["b"] = _bits(bitrate)
        stream = self.out.add_stream(self.fmt.video_codec, rate=fps, options=codec_options)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = 1 / fps
        self.fps = fps
        self.video_in.thread_type = "AUTO"
        return stream

    def _audio_stream(self, options: dict[str, Any]) -> Any:
        assert self.audio_in is not None
        src = self.audio_in.codec_context
        rate = int(options.get("sample_rate") or src.sample_rate or 48000)
        allowed = self.fmt.sample_rates
        if allowed is not None and rate not in allowed:
            if options.get("sample_rate"):
                raise LimitExceeded(
                    f"{self.fmt.audio_codec} cannot write {rate} Hz; it writes {', '.join(map(str, allowed))}"
                )
            rate = 48000
        channels = int(options.get("channels") or min(2, src.channels or 1))
        layout = "mono" if channels == 1 else "stereo"
        stream = self.out.add_stream(self.fmt.audio_codec, rate=rate, layout=layout)
        stream.codec_context.format = self.fmt.sample_format
        if bitrate := options.get("bitrate"):
            stream.codec_context.bit_rate = int(_bits(bitrate))
        self.rate, self.layout = rate, layout
        self.resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        return stream

    # -- the loop ---------------------------------------------------------------------------

    def run(self, on_progress: Callable[[float], None]) -> None:
        streams = [s for s in (self.video_in, self.audio_in if self.audio_out else None) if s is not None]
        if self.start > 0:
            self.container.seek(int(self.start * av.time_base), backward=True)
        span = max(self.end - self.start, 1e-6)
        video_done = self.video_out is None
        audio_done = self.audio_out is None
        for packets, packet in enumerate(self.container.demux(streams), start=1):
            if packet.stream is self.video_in and not video_done:
                for frame in packet.decode():
                    video_done = self._video_frame(frame) or video_done
            elif packet.stream is self.audio_in and not audio_done:
                for frame in packet.decode():
                    audio_done = self._audio_frame(frame) or audio_done
            if video_done and audio_done:
                break
            if packets % _CHECK_EVERY == 0:
                _check_size(self.dest, self.settings)
                on_progress(min(1.0, max(0.0, self.last_time_s - self.start) / span))
        self._flush()
        on_progress(1.0)

    def _video_frame(self, frame: Any) -> bool:
        """Encode one decoded frame; True once frames are past the end."""
        if frame.time is None:
            return False
        t = float(frame.time) - self._video_offset()
        self.last_time_s = max(self.last_time_s, t)
        if t >= self.end - 1e-6:
            return True
        if t < self.start - 1e-6:
            return False
        pts = math.floor((t - self.start) * self.fps + 1e-6)  # the output frame slot it falls in
        if pts >= round((self.end - self.start) * self.fps):  # the last frame would outlast the end
            return True
        if pts <= self.last_pts:  # a lower output rate drops frames
            return False
        self.last_pts = pts
        assert self.video_out is not None
        out = frame.reformat(width=self.video_out.width, height=self.video_out.height, format="yuv420p")
        out.pts, out.time_base = pts, self.video_out.codec_context.time_base
        for packet in self.video_out.encode(out):
            self.out.mux(packet)
        return False

    def _video_offset(self) -> float:
        assert self.video_in is not None
        start_time, time_base = self.video_in.start_time, self.video_in.time_base
        return float(start_time * time_base) if start_time and time_base else 0.0

    def _audio_frame(self, frame: Any) -> bool:
        """Resample, trim and encode one decoded audio frame; True once samples are past the end."""
        assert self.resampler is not None
        if self.audio_clock is None:
            # The first frame after a seek sets the clock; from then on sample counts keep it.
            first = float(frame.time) if frame.time is not None else 0.0
            offset = self._audio_offset()
            self.audio_clock = round(max(0.0, first - offset) * self.rate)
        frame.pts = None
        return any(self._write_samples(piece.to_ndarray()) for piece in self.resampler.resample(frame))

    def _audio_offset(self) -> float:
        assert self.audio_in is not None
        start_time, time_base = self.audio_in.start_time, self.audio_in.time_base
        return float(start_time * time_base) if start_time and time_base else 0.0

    def _write_samples(self, samples: np.ndarray) -> bool:
        """Write the part of ``samples`` (planar, channels x n) inside [start, end)."""
        assert self.audio_clock is not None and self.audio_out is not None
        first, count = self.audio_clock, samples.shape[1]
        self.audio_clock += count
        self.last_time_s = max(self.last_time_s, self.audio_clock / self.rate)
        lo = max(0, round(self.start * self.rate) - first)
        hi = min(count, round(self.end * self.rate) - first)
        if hi > lo:
            piece = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples[:, lo:hi]), format="fltp", layout=self.layout
            )
            piece.sample_rate = self.rate
            piece.pts, piece.time_base = self.samples_written, Fraction(1, self.rate)
            self.samples_written += hi - lo
            for packet in self.audio_out.encode(piece):
                self.out.mux(packet)
        return first + count >= round(self.end * self.rate)

    def _flush(self) -> None:
        if self.resampler is not None and self.audio_clock is not None:
            for piece in self.resampler.resample(None):
                self._write_samples(piece.to_ndarray())
        for stream in (self.video_out, self.audio_out):
            if stream is not None:
                for packet in stream.encode(None):
                    self.out.mux(packet)

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"codecs": {}}
        if self.video_out is not None:
            info["codecs"]["video"] = self.video_out.codec_context.name
            info.update(
                width=self.video_out.width, height=self.video_out.height, fps=round(float(self.fps), 3)
            )
        if self.audio_out is not None:
            info["codecs"]["audio"] = self.audio_out.codec_context.name
            info.update(sample_rate=self.rate, channels=1 if self.layout == "mono" else 2)
        video_s = (
            (self.last_pts + 1) / float(self.fps)
            if self.video_out is not None and self.last_pts >= 0
            else 0.0
        )
        audio_s = self.samples_written / self.rate if self.audio_out is not None else 0.0
        info["duration_s"] = round(max(video_s, audio_s), 3)
        return info


def _output_size(width: int, height: int, want_w: int | None, want_h: int | None) -> tuple[int, int]:
    """Even dimensions (H.264 and VP9 in 4:2:0 need them): as asked, one side following the
    source's aspect when only the other is given, the source's own when neither is."""
    if want_w and want_h:
        return max(2, want_w // 2 * 2), max(2, want_h // 2 * 2)
    if want_w:
        return max(2, want_w // 2 * 2), max(2, round(height * want_w / width / 2) * 2)
    if want_h:
        return max(2, round(width * want_h / height / 2) * 2), max(2, want_h // 2 * 2)
    return scaled_size(width, height, max(width, height))


def _bits(rate: str) -> str:
    """``128k`` → ``128000``; FFmpeg's options take plain numbers."""
    scale = {"k": 1000, "m": 1_000_000}.get(rate[-1].lower(), 1)
    return str(int(rate.rstrip("kKmM")) * scale)
