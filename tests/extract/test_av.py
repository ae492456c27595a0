"""The audio and video extractors: what is said is found at its second, what is shown at its span,
and broken files fail cleanly (issue 3, "Done means")."""

from __future__ import annotations

import io
import json
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediasift.config import Settings
from mediasift.domain import Modality, Segment
from mediasift.enrich.terms import fold
from mediasift.errors import CorruptMedia
from mediasift.extract.av import extract_audio, extract_video
from mediasift.extract.base import ExtractContext, Extraction
from mediasift.media.probe import probe
from mediasift.media.sniff import sniff
from mediasift.models.registry import ModelRegistry
from mediasift.services.moment import locate_moment
from mediasift.store.local import LocalStore
from tests import mediagen

from .test_speech import parse_srt, parse_vtt


@dataclass
class Run:
    talk: mediagen.Talk
    extraction: Extraction
    store: LocalStore
    progress: list[tuple[str, float]] = field(default_factory=list)
    asr_rtf: tuple[float, float] = (0.0, 0.0)  # (observations, sum) added to the ASR RTF histogram

    def of(self, modality: Modality) -> list[Segment]:
        return [s for s in self.extraction.segments if s.modality == modality]

    def artifact(self, name: str) -> bytes:
        return self.store.get_bytes(f"processed/t1/m1/{name}")


def context(path: Path, root: Path, models: ModelRegistry, progress: list | None = None) -> ExtractContext:
    events = progress if progress is not None else []
    settings = Settings(_env_file=None, home=root / "home", model_threads=2)  # type: ignore[call-arg]
    return ExtractContext(
        media_id="m1",
        tenant_id="t1",
        kind="video",
        mime="video/mp4",
        path=path,
        filename=path.name,
        settings=settings,
        models=models,
        store=LocalStore(root / "store"),
        progress=lambda stage, fraction: events.append((stage, fraction)),
    )


@pytest.fixture(scope="module")
def video(models: ModelRegistry, tmp_path_factory: pytest.TempPathFactory) -> Run:
    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg, espeak-ng and fonts-dejavu-core")
    root = tmp_path_factory.mktemp("video")
    talk = mediagen.talk_video(root, "mp4")
    progress: list[tuple[str, float]] = []
    ctx = context(talk.path, root, models, progress)
    _preload(ctx)  # as `mediasift serve` does: the lanes then start working at once
    before = _asr_rtf_samples()
    extraction = extract_video(ctx)
    after = _asr_rtf_samples()
    rtf = (after[0] - before[0], after[1] - before[1])
    return Run(talk, extraction, ctx.store, progress, rtf)  # type: ignore[arg-type]


def _asr_rtf_samples() -> tuple[float, float]:
    from mediasift.ops.metrics import REGISTRY

    labels = {"kind": "video"}
    count = REGISTRY.get_sample_value("mediasift_asr_realtime_factor_count", labels) or 0.0
    return count, REGISTRY.get_sample_value("mediasift_asr_realtime_factor_sum", labels) or 0.0


def _preload(ctx: ExtractContext) -> None:
    from mediasift.ops.readiness import preload

    for name in ("asr", "ocr", "image"):
        preload(ctx.models, ctx.settings, name)


# -- speech ---------------------------------------------------------------------------------------


def test_search_points_each_sentence_within_2_s_of_where_it_is_said(video: Run) -> None:
    for said in video.talk.utterances:
        best = max(
            ((chunk, locate_moment(chunk.meta["parts"], said.text)) for chunk in video.of(Modality.SPEECH)),
            key=lambda pair: pair[1]["score"],
        )
        chunk, moment = best
        assert moment["score"] >= 3, said.text
        assert abs(moment["start_s"] - said.start_s) <= 2.0, (said, moment)
        assert chunk.language == said.language, (said.text, chunk.text)


def test_speech_segments_are_retrieval_chunks_with_their_raw_parts(video: Run) -> None:
    chunks = video.of(Modality.SPEECH)
    assert [c.language for c in chunks] == ["en", "es"]  # the file switches language once
    for chunk in chunks:
        parts = chunk.meta["parts"]
        assert chunk.start_s == parts[0]["start_s"] and chunk.end_s == parts[-1]["end_s"]
        assert chunk.text == " ".join(p["text"] for p in parts)
        assert chunk.end_s - chunk.start_s <= 30.0
        assert 0.0 < chunk.confidence <= 1.0
        assert all(set(p) >= {"start_s", "end_s", "text"} for p in parts)
        assert all(len(word) == 3 for p in parts for word in p.get("words", []))
        assert chunk.meta["model"] == "whisper-base-int8"


def test_transcript_artifacts_validate_and_agree(video: Run) -> None:
    document = json.loads(video.artifact("transcript.json"))
    raw = document["segments"]
    srt = parse_srt(video.artifact("transcript.srt").decode())
    vtt = parse_vtt(video.artifact("transcript.vtt").decode())
    assert len(srt) == len(vtt) == len(raw) == len(video.talk.utterances)
    assert [cue[0] for cue in srt] == pytest.approx([s["start_s"] for s in raw], abs=0.001)
    assert video.artifact("transcript.txt").decode().splitlines() == [s["text"] for s in raw]
    assert sorted(document["languages"]) == ["en", "es"]
    assert all(s["words"] for s in raw)


# -- on screen ------------------------------------------------------------------------------------


def test_each_caption_is_read_by_ocr_within_its_on_screen_span(video: Run) -> None:
    ocr = video.of(Modality.OCR)
    for caption in video.talk.captions:
        found = [s for s in ocr if fold(caption.text) in fold(s.text)]
        assert found, (caption.text, [s.text for s in ocr])
        assert caption.start_s <= found[0].start_s <= caption.end_s, (caption, found[0])
        assert found[0].end_s > found[0].start_s
        assert found[0].frame_key in found[0].meta["frame_keys"]


def test_consecutive_keyframes_showing_one_text_make_one_ocr_segment(video: Run) -> None:
    texts = [fold(s.text) for s in video.of(Modality.OCR)]
    assert len(texts) == len(set(texts)) == len(video.talk.captions)


def test_every_keyframe_is_a_frame_segment_with_an_image_vector_and_a_jpeg(video: Run) -> None:
    frames = video.of(Modality.FRAME)
    assert 3 <= len(frames) <= video.talk.duration_s / 2  # at most one per minimum interval
    for frame in frames:
        assert frame.text == ""
        assert frame.frame_key == f"processed/t1/m1/frames/{round(frame.start_s * 1000):09d}.jpg"
        assert Image.open(io.BytesIO(video.store.get_bytes(frame.frame_key))).format == "JPEG"
        vector = video.extraction.image_vectors[frame.id]
        assert len(vector) == 1280 and sum(x * x for x in vector) == pytest.approx(1.0, abs=1e-3)
    # Spans tile the video: each keyframe stands until the next.
    assert [f.end_s for f in frames[:-1]] == [f.start_s for f in frames[1:]]
    assert frames[-1].end_s == pytest.approx(video.talk.duration_s, abs=0.3)


@pytest.mark.parametrize("ground", [30, 128, 220])
def test_keyframes_too_flat_for_letters_skip_ocr_which_would_read_none(
    models: ModelRegistry, tmp_path: Path, ground: int
) -> None:
    from PIL import ImageDraw, ImageFont

    from mediasift.extract.av import _NO_TEXT_SPREAD, _flat
    from mediasift.ocr.factory import get_ocr_engine

    def caption(contrast: int) -> np.ndarray:
        picture = Image.new("RGB", (640, 360), (ground, ground, ground))
        level = ground + contrast if ground < 200 else ground - contrast
        font = ImageFont.truetype(mediagen.FONT, 48)
        ImageDraw.Draw(picture).text((40, 150), "MOUNTAIN BIKE SALE", fill=(level,) * 3, font=font)
        return np.asarray(picture)

    faint, readable = caption(_NO_TEXT_SPREAD), caption(_NO_TEXT_SPREAD + 8)
    assert _flat(faint) and not _flat(readable)
    ocr = get_ocr_engine(models, context(tmp_path / "none.mp4", tmp_path, models).settings)
    skipped, read = ocr.read([faint, readable])
    assert skipped == []  # what the skip leaves out, the engine would not have read
    assert [line.text.replace(" ", "") for line in read] == ["MOUNTAINBIKESALE"]


def test_a_thumbnail_is_made_from_a_frame_with_something_on_it(video: Run) -> None:
    thumb = Image.open(io.BytesIO(video.artifact("thumb.jpg")))
    assert max(thumb.size) == 320
    assert thumb.convert("L").getextrema()[1] > 200  # the caption's white text, not a flat colour


# -- media info and progress ----------------------------------------------------------------------


def test_info_reports_duration_size_codecs_and_languages(video: Run) -> None:
    info = video.extraction.info
    assert info["duration_s"] == pytest.approx(video.talk.duration_s, abs=0.2)
    assert (info["width"], info["height"], info["language"]) == (640, 360, "en")
    meta = info["metadata"]
    assert meta["codecs"] == {"audio": "aac", "video": "h264"}
    assert meta["fps"] == pytest.approx(15.0)
    assert meta["languages"] == ["en", "es"]
    assert meta["keyframes"] == len(video.of(Modality.FRAME))


def test_progress_reaches_the_end_of_both_lanes(video: Run) -> None:
    for stage in ("asr", "keyframes"):
        fractions = [f for s, f in video.progress if s == stage]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0
        assert all(0.0 <= f <= 1.0 for f in fractions)


def test_frames_are_analysed_while_speech_is_recognised(video: Run) -> None:
    # Overlap, not a serial order either way: each lane starts before the other one ends.
    assert video.progress.index(("keyframes", 0.0)) < video.progress.index(("asr", 1.0))
    assert video.progress.index(("asr", 0.0)) < video.progress.index(("keyframes", 1.0))


def test_the_asr_real_time_factor_metric_times_speech_recognition_alone(video: Run) -> None:
    observations, total = video.asr_rtf
    assert observations == 1
    assert 0.0 < total < 1.0  # ASR alone: faster than real time on this machine's 2 cores


# -- audio and broken files -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["wav", "mp3", "ogg", "flac", "m4a", "opus"])
def test_audio_files_of_every_format_are_transcribed(models: ModelRegistry, tmp_path: Path, fmt: str) -> None:
    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg and espeak-ng")
    talk = mediagen.talk_audio(tmp_path, fmt, [("en", mediagen.EN_SENTENCES[1])])
    ctx = context(talk.path, tmp_path, models)
    extraction = extract_audio(ctx)
    (chunk,) = extraction.segments
    moment = locate_moment(chunk.meta["parts"], "charge the battery")
    assert moment["score"] == 2 and abs(moment["start_s"] - talk.utterances[0].start_s) <= 2.0
    assert extraction.info["width"] is None and extraction.info["language"] == "en"
    assert ctx.store.exists("processed/t1/m1/transcript.vtt")


@pytest.mark.parametrize("ext", ["ts", "flv"])
def test_a_recorders_transport_stream_and_an_old_flash_video_are_heard_and_read(
    models: ModelRegistry, tmp_path: Path, ext: str
) -> None:
    # Both were refused as "unrecognised binary content" though FFmpeg reads them.
    if not mediagen.have_tools():
        pytest.skip("needs ffmpeg and espeak-ng")
    talk = mediagen.talk_video(tmp_path, ext, [("en", mediagen.EN_SENTENCES[1])])
    sniffed = sniff(talk.path)
    ctx = context(talk.path, tmp_path, models)
    extraction = extract_video(replace(ctx, mime=sniffed.mime))
    speech = [s for s in extraction.segments if s.modality == Modality.SPEECH]
    assert speech and locate_moment(speech[0].meta["parts"], "charge the battery")["score"] == 2
    read = " ".join(fold(s.text) for s in extraction.segments if s.modality == Modality.OCR)
    assert any(fold(c.text) in read for c in talk.captions), read


def test_a_rerun_replaces_rather_than_duplicates(models: ModelRegistry, tmp_path: Path) -> None:
    talk = mediagen.talk_audio(tmp_path, "wav", [("es", mediagen.ES_SENTENCES[2])])
    first = extract_audio(context(talk.path, tmp_path, models))
    second = extract_audio(context(talk.path, tmp_path, models))
    assert [s.id for s in first.segments] == [s.id for s in second.segments]


@pytest.mark.parametrize("extractor", [extract_video, extract_audio])
def test_a_zero_byte_file_is_corrupt_media(models: ModelRegistry, tmp_path: Path, extractor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CorruptMedia, match="0 bytes"):
        extractor(context(mediagen.zero_byte_file(tmp_path), tmp_path, models))


def test_a_truncated_video_is_corrupt_media(video: Run, models: ModelRegistry, tmp_path: Path) -> None:
    cut = mediagen.truncated_copy(video.talk.path, tmp_path / "cut.mp4", 0.6)
    with pytest.raises(CorruptMedia):
        extract_video(context(cut, tmp_path, models))


def test_a_truncated_index_first_video_is_corrupt_media(
    video: Run, models: ModelRegistry, tmp_path: Path
) -> None:
    whole = mediagen.faststart_copy(video.talk.path, tmp_path / "fast.mp4")
    cut = mediagen.truncated_copy(whole, tmp_path / "cut.mp4", 0.6)
    with pytest.raises(CorruptMedia, match="truncated") as raised:
        extract_video(context(cut, tmp_path, models))
    # what decoded before the cut is counted, not only whole 30-s blocks ("after 0.0 s" before)
    assert "after 0.0 s" not in str(raised.value)


@pytest.mark.parametrize(("picture_s", "sound_s"), [(8.0, 3.0), (3.0, 8.0)])
def test_a_track_that_ends_before_the_other_is_no_damage(
    models: ModelRegistry, tmp_path: Path, picture_s: float, sound_s: float
) -> None:
    # ffmpeg without -shortest: one track outlasts the other, and the file plays whole
    path = tmp_path / "uneven.mp4"
    subprocess.run(
        [
            "ffmpeg", "-y", "-v", "error",
            "-f", "lavfi", "-i", f"testsrc2=s=320x180:r=10:d={picture_s}",
            "-f", "lavfi", "-i", f"sine=f=440:r=16000:d={sound_s}",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path),
        ],
        check=True,
    )  # fmt: skip
    probed = probe(path)
    assert probed.duration_s == pytest.approx(max(picture_s, sound_s), abs=0.3)
    assert probed.audio_expected_s == pytest.approx(sound_s, abs=0.3)
    assert probed.video_expected_s == pytest.approx(picture_s, abs=0.3)
    extraction = extract_video(context(path, tmp_path, models))
    assert any(s.modality == Modality.FRAME for s in extraction.segments)


def _unknown_codec(data: bytes, *tags: bytes) -> bytes:
    """``data`` with each of ``tags`` (a sample entry's four-character code and the box that
    describes its codec) renamed to one FFmpeg does not know, every offset kept."""
    for tag in tags:
        assert data.count(tag) == 1, tag
        data = data.replace(tag, b"zzzz")
    return data


def test_a_video_whose_audio_track_has_no_decoder_keeps_its_pictures(
    video: Run, models: ModelRegistry, tmp_path: Path
) -> None:
    # FFmpeg opens the file but has no decoder for the track (PyAV gives it no codec context): a
    # worker failed on ``None`` in every attempt; the pictures and their words are still there.
    path = tmp_path / "mute.mp4"
    path.write_bytes(_unknown_codec(video.talk.path.read_bytes(), b"mp4a", b"esds"))

    extraction = extract_video(context(path, tmp_path, models))

    assert not [s for s in extraction.segments if s.modality == Modality.SPEECH]
    read = " ".join(fold(s.text) for s in extraction.segments if s.modality == Modality.OCR)
    assert all(fold(c.text) in read for c in video.talk.captions), read
    meta = extraction.info["metadata"]
    assert (meta["codecs"], meta["has_audio"]) == ({"video": "h264"}, False)


def test_audio_of_a_codec_ffmpeg_does_not_know_is_corrupt_media(
    models: ModelRegistry, tmp_path: Path
) -> None:
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(bytes(32_000))
    data = bytearray(buffer.getvalue())
    assert data[12:16] == b"fmt " and data[20:22] == b"\x01\x00"  # PCM
    data[20:22] = (0x1234).to_bytes(2, "little")  # a format tag no decoder claims
    path = tmp_path / "odd.wav"
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptMedia, match="known codec"):
        extract_audio(context(path, tmp_path, models))


def test_a_lane_that_ends_leaves_the_job_showing_the_one_still_running() -> None:
    """The frame lane's "keyframes 1.0" had stood for a minute and more of speech recognition."""
    from types import SimpleNamespace

    from mediasift.extract.av import _locked

    shown: list[tuple[str, float]] = []
    report = _locked(SimpleNamespace(progress=lambda stage, fraction: shown.append((stage, fraction))))
    report("asr", 0.0)
    report("keyframes", 0.5)
    report("asr", 0.25)
    report("keyframes", 1.0)  # the frames are done; speech is not
    report("asr", 1.0)
    assert shown == [
        ("asr", 0.0), ("keyframes", 0.5), ("asr", 0.25), ("keyframes", 1.0), ("asr", 0.25), ("asr", 1.0)
    ]  # fmt: skip
