"""Pictures of a video: a short animated preview (GIF or WebP) and a contact sheet of its frames.

``animated_preview`` samples ``fps`` frames a second of ``[start, end)`` (default: the first 5 s
after ``start``), ``width`` pixels wide. Pillow writes an animation from frames it holds, so the
preview is bounded: at most ``convert_max_preview_s`` seconds (``LimitExceeded`` beyond), 15 fps
and 480 pixels wide (the options' own bounds). Frame durations are spread so that their sum is
the preview's length to the centisecond GIF counts in.

``contact_sheet`` seeks to ``count`` evenly spaced moments and lays the frame shown at each on a
grid of ``columns``, each captioned with its time: one JPEG. Decoding never reads the whole video.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
from PIL import Image, ImageDraw, ImageFont

from mediasift.errors import CorruptMedia, LimitExceeded, UnsupportedMedia
from mediasift.media.frames import scaled_size
from mediasift.media.probe import MediaProbe, open_media, probe, video_stream

if TYPE_CHECKING:
    from mediasift.config import Settings

DEFAULT_PREVIEW_S = 5.0


def animated_preview(
    source: Path,
    dest: Path,
    fmt: str,
    options: dict[str, Any],
    settings: Settings,
    on_progress: Callable[[float], None] = lambda fraction: None,
) -> dict[str, Any]:
    """Write a GIF (``fmt="gif"``) or animated WebP (``"webp"``) of the video to ``dest``."""
    media = _video(source, settings)
    start = float(options.get("start") or 0.0)
    if start >= media.duration_s:
        raise LimitExceeded(f"start {start:g} s is past the end of the video ({media.duration_s:.2f} s)")
    end = options.get("end")
    end = min(float(end) if end is not None else start + DEFAULT_PREVIEW_S, media.duration_s)
    if end - start > settings.convert_max_preview_s + 1e-6:
        raise LimitExceeded(
            f"a preview of {end - start:g} s; the limit is {settings.convert_max_preview_s:g} s "
            "(MEDIASIFT_CONVERT_MAX_PREVIEW_S)"
        )
    fps, width = float(options["fps"]), int(options["width"])
    assert media.width and media.height
    size = _even_width(media.width, media.height, width)
    frames: list[Image.Image] = []
    for frame in _frames_between(source, start, end, fps, media):
        image = Image.fromarray(frame).resize(size, Image.Resampling.LANCZOS)
        frames.append(image.quantize(256, dither=Image.Dither.NONE) if fmt == "gif" else image)
        on_progress(len(frames) / max(1.0, (end - start) * fps))
    if not frames:
        raise CorruptMedia(f"no frames decoded between {start:g} s and {end:g} s")
    durations = _durations_ms(len(frames), end - start, 10 if fmt == "gif" else 1)
    save: dict[str, Any] = {"save_all": True, "append_images": frames[1:], "duration": durations, "loop": 0}
    if fmt == "webp":
        save.update(quality=70, method=4)
    frames[0].save(dest, format=fmt.upper(), **save)
    return {"width": size[0], "height": size[1], "frames": len(frames), "duration_s": round(end - start, 3)}


def _video(source: Path, settings: Settings) -> MediaProbe:
    media = probe(source, settings)
    if media.kind != "video":
        raise UnsupportedMedia("the media has no video stream to take pictures from")
    return media


def _even_width(width: int, height: int, want: int) -> tuple[int, int]:
    return max(2, want), max(2, round(height * want / width))


def _frames_between(source: Path, start: float, end: float, fps: float, media: MediaProbe) -> Any:
    """RGB arrays of the frames shown at ``start + k / fps`` for every such moment before ``end``."""
    due = start
    step = 1.0 / fps
    try:
        with open_media(source) as container:
            stream = video_stream(container)
            if stream is None:
                return
            stream.thread_type = "AUTO"
            if start > 0:
                container.seek(int(start * av.time_base), backward=True)
            offset = (
                float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0
            )
            width, height = scaled_size(media.width or 2, media.height or 2, 960)
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                t = float(frame.time) - offset
                if t + step <= due:  # well before the next moment: a later frame shows it
                    continue
                while due < end - 1e-6 and due <= t + 1e-6:
                    yield frame.to_ndarray(width=width, height=height, format="rgb24")
                    due += step
                if due >= end - 1e-6:
                    return
    except av.error.FFmpegError as exc:
        raise CorruptMedia(f"cannot decode video: {exc}") from None


def _durations_ms(frames: int, seconds: float, unit_ms: int) -> list[int]:
    """Per-frame durations in whole ``unit_ms`` that add up to ``seconds`` (rounded to the unit)."""
    ends = [round(seconds * 1000 * (i + 1) / frames / unit_ms) * unit_ms for i in range(frames)]
    return [max(unit_ms, b - a) for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def contact_sheet(
    source: Path,
    dest: Path,
    options: dict[str, Any],
    settings: Settings,
    on_progress: Callable[[float], None] = lambda fraction: None,
) -> dict[str, Any]:
    """Write a JPEG grid of ``count`` frames evenly spaced over the video, each with its time."""
    media = _video(source, settings)
    count, columns, tile_w = int(options["count"]), int(options["columns"]), int(options["width"])
    assert media.width and media.height
    tile_h = max(2, round(media.height * tile_w / media.width))
    rows = -(-count // columns)
    label_h = max(14, tile_w // 16)
    sheet = Image.new("RGB", (columns * tile_w, rows * (tile_h + label_h)), (16, 16, 16))
    if sheet.width * sheet.height > settings.max_pixels:
        raise LimitExceeded(
            f"a sheet of {sheet.width}x{sheet.height} pixels; the limit is {settings.max_pixels}"
        )
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=label_h - 4)
    moments = [media.duration_s * (i + 0.5) / count for i in range(count)]
    for i, (t, frame) in enumerate(_frames_at(source, moments, media)):
        x, y = (i % columns) * tile_w, (i // columns) * (tile_h + label_h)
        sheet.paste(Image.fromarray(frame).resize((tile_w, tile_h), Image.Resampling.LANCZOS), (x, y))
        draw.text((x + 4, y + tile_h + 1), _clock(t), fill=(230, 230, 230), font=font)
        on_progress((i + 1) / count)
    sheet.save(dest, format="JPEG", quality=85, optimize=True)
    return {"width": sheet.width, "height": sheet.height, "frames": count, "columns": columns, "rows": rows}


def _frames_at(source: Path, moments: list[float], media: MediaProbe) -> Any:
    """``(time_s, RGB array)`` of the frame shown at each moment, by seeking, never decoding all."""
    width, height = scaled_size(media.width or 2, media.height or 2, 1024)
    try:
        with open_media(source) as container:
            stream = video_stream(container)
            assert stream is not None
            offset = (
                float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0
            )
            for moment in moments:
                container.seek(int((moment + offset) * av.time_base), backward=True)
                shown = None
                for frame in container.decode(stream):
                    if frame.time is None:
                        continue
                    if shown is not None and float(frame.time) - offset > moment + 1e-6:
                        break
                    shown = frame
                if shown is None:
                    raise CorruptMedia(f"no frame decodes at {moment:.1f} s")
                yield moment, shown.to_ndarray(width=width, height=height, format="rgb24")
    except av.error.FFmpegError as exc:
        raise CorruptMedia(f"cannot decode video: {exc}") from None


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return (
        f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
        if whole >= 3600
        else f"{whole // 60:02d}:{whole % 60:02d}"
    )
