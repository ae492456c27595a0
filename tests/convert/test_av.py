"""Audio and video conversions, checked by decoding every output: codec, dimensions, sample rate
and duration (within 0.1 s), and that a clip holds the source's own samples from its start."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mediasift.config import Settings
from mediasift.convert.av import transcode
from mediasift.convert.targets import ConversionInvalid, resolve
from mediasift.errors import CorruptMedia, LimitExceeded, UnsupportedMedia
from tests import mediagen
from tests.conftest import test_settings
from tests.convert.decoding import decode

TOLERANCE_S = 0.1


def convert(source: Path, tmp: Path, to: str, settings: Settings, kind: str = "video", **options) -> Path:
    target, canonical = resolve(kind, "video/mp4" if kind == "video" else "audio/wav", to, options)
    dest = tmp / f"out{target.ext}"
    info = transcode(source, dest, target.name, canonical, settings)
    assert dest.stat().st_size > 0 and info["duration_s"] > 0
    return dest


def test_video_to_mp4_resized_keeps_h264_aac_and_its_length(pattern: Path, tmp_path: Path, convert_settings):
    out = decode(convert(pattern, tmp_path, "mp4", convert_settings, width=320))
    assert out.video and out.video.codec == "h264" and (out.video.width, out.video.height) == (320, 180)
    assert out.audio and out.audio.codec == "aac" and out.audio.sample_rate == 44_100
    assert abs(out.video.seconds - 6.0) <= TOLERANCE_S and abs(out.audio.seconds - 6.0) <= TOLERANCE_S


def test_video_clip_to_webm_is_vp9_opus_of_the_clips_length(pattern: Path, tmp_path: Path, convert_settings):
    out = decode(convert(pattern, tmp_path, "webm", convert_settings, start=1.5, end=4.0, height=180))
    assert out.container.startswith("matroska")
    assert out.video and out.video.codec == "vp9" and (out.video.width, out.video.height) == (320, 180)
    assert out.audio and out.audio.codec == "opus" and out.audio.sample_rate == 48_000  # Opus's own rate
    assert abs(out.video.seconds - 2.5) <= TOLERANCE_S and abs(out.audio.seconds - 2.5) <= TOLERANCE_S
    assert out.video.first_s <= 0.07  # timestamps start again at 0


@pytest.mark.parametrize(
    ("to", "options", "codec", "rate", "channels", "seconds"),
    [
        ("mp3", {"bitrate": "96k", "sample_rate": 22050}, "mp3float", 22050, 1, 6.0),
        ("wav", {"start": 2.5, "end": 3.5}, "pcm_s16le", 44100, 1, 1.0),
        ("opus", {"sample_rate": 24000, "channels": 2}, "opus", 48000, 2, 6.0),  # Opus decodes at 48 kHz
        ("m4a", {"start": 1.0, "end": 5.0, "sample_rate": 16000}, "aac", 16000, 1, 4.0),
    ],
)
def test_video_to_audio_formats(
    pattern, tmp_path, convert_settings, to, options, codec, rate, channels, seconds
):
    out = decode(convert(pattern, tmp_path, to, convert_settings, **options))
    assert out.video is None and out.audio is not None
    assert (out.audio.codec, out.audio.sample_rate, out.audio.channels) == (codec, rate, channels)
    assert abs(out.audio.seconds - seconds) <= TOLERANCE_S


def test_audio_to_audio_changes_format_and_sample_rate(pattern: Path, tmp_path: Path, convert_settings):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    wav = convert(pattern, tmp_path / "a", "wav", convert_settings)
    out = decode(convert(wav, tmp_path / "b", "mp3", convert_settings, kind="audio", sample_rate=8000))
    assert out.audio and (out.audio.codec, out.audio.sample_rate) == ("mp3float", 8000)
    assert abs(out.audio.seconds - 6.0) <= TOLERANCE_S


def test_a_clip_holds_the_sources_samples_from_its_first_second(tmp_path: Path, convert_settings):
    # A tone whose pitch rises every second: where a clip begins is audible in its samples.
    source = tmp_path / "steps.wav"
    rate = 16_000
    t = np.arange(rate * 8) / rate
    steps = (np.sin(2 * np.pi * (300 + 100 * np.floor(t)) * t) * 0.5 * 32767).astype(np.int16)
    import wave

    with wave.open(str(source), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(steps.tobytes())
    clip = decode(convert(source, tmp_path, "wav", convert_settings, kind="audio", start=3.25, end=5.5)).audio
    assert clip is not None and abs(clip.seconds - 2.25) <= 1 / rate
    expected = steps[int(3.25 * rate) : int(5.5 * rate)].astype(np.float32) / 32768
    assert np.abs(clip.samples - expected).max() < 1e-3  # sample for sample: it starts at 3.25 s


def test_options_that_make_no_sense_are_refused_before_any_job():
    with pytest.raises(ConversionInvalid, match="width"):
        resolve("audio", "audio/wav", "mp3", {"width": 320})  # audio has no pictures
    with pytest.raises(ConversionInvalid, match="end must be after start"):
        resolve("video", "video/mp4", "mp4", {"start": 5, "end": 2})
    with pytest.raises(ConversionInvalid, match="sample_rate"):
        resolve("video", "video/mp4", "mp3", {"sample_rate": 12345})
    with pytest.raises(ConversionInvalid, match="cannot be converted to 'docx'"):
        resolve("image", "image/png", "docx", {})
    _, canonical = resolve("video", "video/mp4", "gif", {})
    assert canonical == {"width": 320, "fps": 10.0}  # defaults filled in: the cache sees one request


def test_a_corrupt_source_is_corrupt_media(pattern: Path, tmp_path: Path, convert_settings):
    cut = mediagen.truncated_copy(
        mediagen.faststart_copy(pattern, tmp_path / "fast.mp4"), tmp_path / "cut.mp4", 0.4
    )
    with pytest.raises(CorruptMedia, match=r"truncated|decode"):
        convert(cut, tmp_path, "mp3", convert_settings)


def test_an_output_over_the_size_limit_is_limit_exceeded(pattern: Path, tmp_path: Path):
    small = test_settings(tmp_path / "home", convert_max_output_bytes=20_000)
    with pytest.raises(LimitExceeded, match="20000 bytes"):
        convert(pattern, tmp_path, "wav", small)


def test_a_source_over_the_duration_limit_is_limit_exceeded(pattern: Path, tmp_path: Path):
    with pytest.raises(LimitExceeded, match="limit is 5 s"):
        convert(pattern, tmp_path, "mp3", test_settings(tmp_path / "home", max_duration_s=5.0))


def test_audio_formats_of_a_video_without_sound_are_unsupported(tmp_path: Path, convert_settings):
    silent = tmp_path / "silent.mp4"
    mediagen._run(
        ["ffmpeg", "-y", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=10:d=2",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(silent)]
    )  # fmt: skip
    with pytest.raises(UnsupportedMedia, match="no audio"):
        convert(silent, tmp_path, "mp3", convert_settings)
    out = decode(convert(silent, tmp_path, "mp4", convert_settings))
    assert out.video and out.audio is None and abs(out.video.seconds - 2.0) <= TOLERANCE_S


def test_a_converter_made_anew_is_a_new_cache_key_and_the_rest_stay(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import hashlib
    import json

    from mediasift.convert import targets

    mp3, options = targets.resolve("audio", "audio/wav", "mp3", {})
    canonical = json.dumps(options, sort_keys=True, separators=(",", ":"))
    made_before = hashlib.sha256(f"abc\nav:mp3\n{canonical}".encode()).hexdigest()
    assert targets.cache_key("abc", mp3, options) == made_before  # version 1: earlier keys stay valid
    md, nothing = targets.resolve("document", "application/pdf", "md", {})
    first = targets.cache_key("abc", md, nothing)
    monkeypatch.setitem(targets.CONVERTER_VERSIONS, "text", targets.CONVERTER_VERSIONS["text"] + 1)
    assert targets.cache_key("abc", md, nothing) != first  # the Markdown asked again is made again
