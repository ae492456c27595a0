"""Probe an audio or video file with PyAV: what it holds, how long it lasts, and whether we accept it.

``probe(path, settings)`` returns a ``MediaProbe`` or raises:

- ``CorruptMedia`` for a zero-byte file, a container FFmpeg cannot open (e.g. an MP4 cut before
  its index), no audio or video stream FFmpeg has a decoder for (a track without one is left out
  as absent: ``audio_stream``, ``video_stream``), or a first packet that does not decode;
- ``LimitExceeded`` when the duration is over ``settings.max_duration_s`` or a video frame has more
  than ``settings.max_video_pixels`` pixels.

Only headers and the first decodable frame of each stream are read, so probing costs milliseconds
whatever the file's length. A file cut after a valid header is caught later, by the decoders
(``media.audio`` / ``media.frames``), which compare decoded seconds against the duration found here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av

from mediasift.errors import CorruptMedia, LimitExceeded

if TYPE_CHECKING:
    from mediasift.config import Settings

# MP3/M4A album art is a one-frame "video" stream flagged attached_pic; it does not make a video.
_ATTACHED_PIC = 0x400
# How many packets to read while looking for one decodable frame per stream.
_MAX_PROBE_PACKETS = 400


@dataclass(frozen=True, slots=True)
class MediaProbe:
    """What a media file holds. ``duration_s`` in seconds, ``width``/``height`` in pixels."""

    kind: str  # "video" | "audio"
    duration_s: float
    container: str
    has_audio: bool
    audio_codec: str | None = None
    sample_rate: int | None = None  # Hz, of the source audio
    channels: int | None = None
    video_codec: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    codecs: dict[str, str] = field(default_factory=dict)  # {"audio": "aac", "video": "h264"}
    # Each track's own duration where its header declares one: a track may end before the file
    # (audio cut short by ``ffmpeg -shortest``, a video's last frames silent), which is no damage.
    audio_duration_s: float | None = None
    video_duration_s: float | None = None

    @property
    def audio_expected_s(self) -> float:
        """How long decoding the audio must last for the file to be whole."""
        return self.audio_duration_s if self.audio_duration_s is not None else self.duration_s

    @property
    def video_expected_s(self) -> float:
        """How long decoding the pictures must last for the file to be whole."""
        return self.video_duration_s if self.video_duration_s is not None else self.duration_s


def open_media(path: Path) -> av.container.InputContainer:
    """``path`` opened for reading with PyAV. PyAV decodes every tag of the file as it opens it,
    and one byte that is not UTF-8 (a damaged or mis-encoded title) raised ``UnicodeDecodeError``
    for the whole file; such bytes are read as replacement characters instead."""
    return av.open(str(path), metadata_errors="replace")


def probe(path: Path, settings: Settings | None = None) -> MediaProbe:
    """Inspect ``path``; enforce duration and pixel limits when ``settings`` is given."""
    if not path.exists() or path.stat().st_size == 0:
        raise CorruptMedia("empty file (0 bytes)")
    try:
        with open_media(path) as container:
            result = _describe(container)
            _check_decodable(container, result)
    except av.error.FFmpegError as exc:
        raise CorruptMedia(f"cannot decode media: {exc}") from None
    if settings is not None:
        check_limits(result, settings)
    return result


def check_limits(media: MediaProbe, settings: Settings) -> None:
    if media.duration_s > settings.max_duration_s:
        raise LimitExceeded(
            f"media lasts {media.duration_s:.0f} s; the limit is {settings.max_duration_s:.0f} s"
        )
    if media.width and media.height and media.width * media.height > settings.max_video_pixels:
        raise LimitExceeded(
            f"video frames are {media.width}x{media.height} pixels; "
            f"the limit is {settings.max_video_pixels} pixels per frame"
        )


def is_cover_art(stream: av.stream.Stream) -> bool:
    return bool(getattr(stream, "disposition", 0) & _ATTACHED_PIC)


def video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    """The first real video stream (album art excluded) that FFmpeg has a decoder for, or None."""
    for stream in container.streams.video:
        if not is_cover_art(stream) and stream.codec_context is not None:
            return stream
    return None


def audio_stream(container: av.container.InputContainer) -> av.audio.stream.AudioStream | None:
    """The first audio stream that FFmpeg has a decoder for, or None.

    A stream whose codec FFmpeg does not know, or whose header damage hides it, has no codec
    context: it is left out as if absent, so a video with such a track keeps its pictures and the
    probe names what is missing rather than a worker failing on ``None``."""
    for stream in container.streams.audio:
        if stream.codec_context is not None:
            return stream
    return None


def _describe(container: av.container.InputContainer) -> MediaProbe:
    video = video_stream(container)
    audio = audio_stream(container)
    if video is None and audio is None:
        if container.streams.audio or container.streams.video:
            raise CorruptMedia("no audio or video stream with a known codec (damaged or unsupported)")
        raise CorruptMedia("media container has no audio or video stream")
    codecs: dict[str, str] = {}
    if audio is not None:
        codecs["audio"] = audio.codec_context.codec.canonical_name
    if video is not None:
        codecs["video"] = video.codec_context.codec.canonical_name
    fps = None
    if video is not None:
        rate = video.average_rate or video.guessed_rate or video.base_rate
        fps = round(float(rate), 3) if rate else None
    return MediaProbe(
        kind="video" if video is not None else "audio",
        duration_s=_duration_s(container),
        container=container.format.name.split(",")[0],
        has_audio=audio is not None,
        audio_codec=codecs.get("audio"),
        sample_rate=audio.codec_context.sample_rate if audio is not None else None,
        channels=audio.codec_context.channels if audio is not None else None,
        video_codec=codecs.get("video"),
        width=video.codec_context.width if video is not None else None,
        height=video.codec_context.height if video is not None else None,
        fps=fps,
        codecs=codecs,
        audio_duration_s=_stream_duration_s(audio),
        video_duration_s=_stream_duration_s(video),
    )


def _stream_duration_s(stream: av.stream.Stream | None) -> float | None:
    """The duration a stream's header declares, None where it declares none."""
    if stream is None or not stream.duration or not stream.time_base or stream.duration <= 0:
        return None
    return float(stream.duration * Fraction(stream.time_base))


def _duration_s(container: av.container.InputContainer) -> float:
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    # Some raw streams declare no container duration; take the longest stream's own.
    best = 0.0
    for stream in container.streams:
        if stream.duration and stream.time_base:
            best = max(best, float(stream.duration * Fraction(stream.time_base)))
    return best


def _check_decodable(container: av.container.InputContainer, media: MediaProbe) -> None:
    """Decode until each main stream yields one frame: headers alone do not prove the bytes decode."""
    streams = [s for s in (video_stream(container), audio_stream(container)) if s is not None]
    pending = {s.index for s in streams}
    packets = 0
    for packet in container.demux(streams):
        packets += 1
        if packet.stream.index in pending and packet.decode():
            pending.discard(packet.stream.index)
        if not pending or packets >= _MAX_PROBE_PACKETS:
            break
    if pending == {s.index for s in streams}:
        raise CorruptMedia(f"no decodable {media.kind} frames in the first {packets} packets")
