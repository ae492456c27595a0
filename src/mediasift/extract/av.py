"""The audio and video extractors: ``extract_audio(ctx)`` and ``extract_video(ctx)``.

Audio: probe → stream 16 kHz audio → speech recognition → transcript artifacts and one ``speech``
segment per 15–30 s retrieval chunk (``meta["parts"]`` holds the raw recogniser segments inside,
for ``moment.locate_moment``).

Video: the same speech lane, and *at the same time* a frame lane in a second thread: sampled frames
→ keyframes (``frames/{ms:09d}.jpg``, one ``frame`` segment each with its image vector) → OCR →
``ocr`` segments spanning the time their text is on screen. CTranslate2, ONNX Runtime and FFmpeg
release the GIL, so the two lanes run at once; the frame lane first calls ``ctx.beside_speech()``
(the pipeline lowers its priority there), so where cores are few speech recognition, the longer
lane, gets them first.

Progress goes to ``ctx.progress`` as ``("asr", fraction)`` and ``("keyframes", fraction)``, fraction
= seconds processed / media duration. Times everywhere are seconds from the start of the media.
"""

from __future__ import annotations

import contextvars
import difflib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from mediasift import meters
from mediasift.asr.base import RawSegment
from mediasift.asr.factory import get_speech_recognizer
from mediasift.asr.vad import Heard
from mediasift.domain import SUBTITLE_TRACK, Modality, Segment
from mediasift.extract.base import ExtractContext, Extraction
from mediasift.extract.keyframes import (
    Keyframe,
    KeyframeSelector,
    assign_spans,
    frame_artifact_name,
    jpeg_bytes,
)
from mediasift.extract.subtitle_tracks import MODEL as SUBTITLES
from mediasift.extract.subtitle_tracks import Reading, read_tracks
from mediasift.extract.transcripts import (
    build_chunks,
    dominant_language,
    languages,
    to_json,
    to_srt,
    to_txt,
    to_vtt,
)
from mediasift.media.audio import iter_audio
from mediasift.media.frames import iter_frames
from mediasift.media.probe import MediaProbe, probe
from mediasift.ocr.base import OcrEngine, OcrLine

FRAME_SAMPLE_S = 0.5  # how often frames are examined for keyframes (s)
FRAME_MAX_SIDE = 960  # frames are analysed (OCR, embedding) at most this large (px): OCR's own cap
_BATCH = 8  # keyframes per OCR/embedding batch: bounds frames held in memory
_SAME_TEXT = 0.85  # OCR text this similar on consecutive keyframes is the same text, read twice
# A keyframe whose every channel spans at most this many levels is not shown to OCR: letters need
# contrast, and RapidOCR read none under 9 levels (white, grey or blue on flat grounds; 9 and up it
# reads whole lines). Fades, black and one-colour title cards are such keyframes, and each cost a
# detection pass (0.07 CPU-s at 640 x 360) to find nothing.
_NO_TEXT_SPREAD = 4


@dataclass(slots=True)
class SpeechResult:
    model: str
    segments: list[RawSegment] = field(default_factory=list)
    heard: Heard | None = None  # what recognition's voice activity pass saw, for quality


@dataclass(slots=True)
class FrameFacts:
    """What the frame lane learned about one keyframe, once its pixels are released."""

    keyframe: Keyframe
    key: str  # artifact key of the keyframe JPEG
    text: str = ""
    confidence: float | None = None
    vector: list[float] | None = None


@dataclass(slots=True)
class FrameResult:
    facts: list[FrameFacts] = field(default_factory=list)
    ocr_model: str | None = None
    image_model: str | None = None
    thumb_key: str | None = None


def extract_audio(ctx: ExtractContext) -> Extraction:
    media = probe(ctx.path, ctx.settings)
    progress = _locked(ctx)
    subtitles = read_tracks(ctx)
    speech = _transcript(ctx, media, progress, subtitles) if ctx.speech else None
    return _extraction(ctx, media, speech, None, subtitles)


def extract_video(ctx: ExtractContext) -> Extraction:
    media = probe(ctx.path, ctx.settings)
    if media.kind != "video":  # e.g. an MP4 holding only audio: nothing to look at
        return extract_audio(ctx)
    progress = _locked(ctx)
    subtitles = read_tracks(ctx)
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="frames") as pool:
        # in this job's context, so the frame lane's log lines carry its ids
        frames = pool.submit(contextvars.copy_context().run, _frame_lane, ctx, media, progress, stop)
        try:
            speech = _transcript(ctx, media, progress, subtitles) if ctx.speech else None
        except BaseException:
            stop.set()  # the job failed: do not keep decoding frames for it
            raise
        frame_result = frames.result()
    return _extraction(ctx, media, speech, frame_result, subtitles)


def _locked(ctx: ExtractContext) -> Any:
    """The job's progress as the speech and frame lanes report it, one at a time. A lane that
    ends while the other runs leaves the job showing the one still running: the frame lane's
    "keyframes 1.0" had stood for a minute and more of speech recognition."""
    lock = threading.Lock()
    latest: dict[str, float] = {}

    def report(stage: str, fraction: float) -> None:
        with lock:
            fraction = max(0.0, min(1.0, fraction))
            latest[stage] = fraction
            ctx.progress(stage, fraction)
            running = [(lane, at) for lane, at in latest.items() if at < 1.0]
            if fraction >= 1.0 and running:  # said ended, the job shows the lane still running
                ctx.progress(*running[-1])

    return report


# -- speech lane ----------------------------------------------------------------------------------


def _transcript(
    ctx: ExtractContext, media: MediaProbe, progress: Any, subtitles: Reading
) -> SpeechResult | None:
    """What is said: the subtitle track that stands for it (``extract/subtitle_tracks.py``), else
    speech recognised in the audio, if there is any."""
    if subtitles.transcript is not None and subtitles.check_audio and media.has_audio:
        recognizer = get_speech_recognizer(ctx.models, ctx.settings)
        subtitles.heard(
            recognizer.spoken_languages(iter_audio(ctx.path, expected_duration_s=media.audio_expected_s))
        )
    if subtitles.transcript is not None:
        result = SpeechResult(SUBTITLES, subtitles.transcript.parts)
        progress("asr", 1.0)
        _write_transcripts(ctx, result, media.duration_s)
        return result
    return _speech_lane(ctx, media, progress) if media.has_audio else None


def _speech_lane(ctx: ExtractContext, media: MediaProbe, progress: Any) -> SpeechResult:
    recognizer = get_speech_recognizer(ctx.models, ctx.settings)
    duration = max(media.duration_s, 1e-6)
    progress("asr", 0.0)
    blocks = iter_audio(ctx.path, expected_duration_s=media.audio_expected_s)
    heard = Heard()

    def recognise() -> list[RawSegment]:
        def on_progress(seconds: float) -> None:
            progress("asr", seconds / duration)

        return list(recognizer.transcribe(blocks, on_progress=on_progress, heard=heard))

    with recognizer.loaded():  # before the clock starts: the metric times recognition alone
        segments = meters.timed_asr(ctx.kind, media.duration_s, recognise)
    progress("asr", 1.0)
    result = SpeechResult(recognizer.id, segments, heard)
    _write_transcripts(ctx, result, media.duration_s)
    return result


def _write_transcripts(ctx: ExtractContext, speech: SpeechResult, duration_s: float) -> None:
    raw = speech.segments
    ctx.artifact(
        "transcript.json",
        to_json(raw, duration_s=duration_s, model=speech.model).encode(),
        "application/json",
    )
    ctx.artifact("transcript.srt", to_srt(raw).encode(), "application/x-subrip")
    ctx.artifact("transcript.vtt", to_vtt(raw).encode(), "text/vtt")
    ctx.artifact("transcript.txt", to_txt(raw).encode(), "text/plain; charset=utf-8")


def _speech_segments(
    ctx: ExtractContext, parts: list[RawSegment], model: str, track: int | None = None
) -> list[Segment]:
    """``parts`` (recognised, or a subtitle track's cues) as retrieval chunks; ``track``: the
    subtitle stream they were read from, where that is not the transcript."""
    where = {} if track is None else {SUBTITLE_TRACK: track}
    return [
        ctx.segment(
            "speech",
            Modality.SPEECH,
            chunk.text,
            start_s=chunk.start_s,
            end_s=chunk.end_s,
            language=chunk.language or None,
            confidence=chunk.confidence,
            meta={"parts": chunk.parts_meta(), "model": model, **where},
        )
        for chunk in build_chunks(parts)
    ]


# -- frame lane -----------------------------------------------------------------------------------


def _frame_lane(ctx: ExtractContext, media: MediaProbe, progress: Any, stop: threading.Event) -> FrameResult:
    from mediasift.embed.image.factory import get_image_embedder
    from mediasift.ocr.factory import get_ocr_engine

    ctx.beside_speech()
    settings = ctx.settings
    ocr = get_ocr_engine(ctx.models, settings) if ctx.ocr and ctx.ocr_frames else None
    embedder = get_image_embedder(ctx.models, settings)
    result = FrameResult(ocr_model=ocr.id if ocr else None, image_model=embedder.id)
    selector = KeyframeSelector(settings.keyframe_min_interval_s, settings.keyframe_max_interval_s)
    duration = max(media.duration_s, 1e-6)
    pending: list[FrameFacts] = []
    progress("keyframes", 0.0)
    frames = iter_frames(ctx.path, FRAME_SAMPLE_S, FRAME_MAX_SIDE, expected_duration_s=media.video_expected_s)
    for frame in frames:
        if stop.is_set():
            break
        keyframe = selector.offer(frame)
        if keyframe is None:
            continue
        facts = FrameFacts(
            keyframe,
            ctx.artifact(frame_artifact_name(keyframe.time_s), jpeg_bytes(frame.image), "image/jpeg"),
        )
        if result.thumb_key is None and _looks_like_a_picture(frame.image):
            result.thumb_key = ctx.artifact("thumb.jpg", jpeg_bytes(frame.image, max_side=320), "image/jpeg")
        result.facts.append(facts)
        pending.append(facts)
        if len(pending) >= _BATCH:
            _read_and_embed(pending, ocr, embedder)
            pending = []
            progress("keyframes", frame.time_s / duration)
    _read_and_embed(pending, ocr, embedder)
    if result.thumb_key is None and result.facts:
        # Only flat frames (a title card, black): the first keyframe is still better than nothing.
        first = result.facts[0]
        result.thumb_key = ctx.artifact("thumb.jpg", ctx.store.get_bytes(first.key), "image/jpeg")
    assign_spans([f.keyframe for f in result.facts], media.duration_s)
    progress("keyframes", 1.0)
    return result


def _read_and_embed(batch: list[FrameFacts], ocr: Any, embedder: Any) -> None:
    if not batch:
        return
    images: list[np.ndarray] = []
    for facts in batch:
        assert facts.keyframe.image is not None, "a keyframe's pixels are released after its batch"
        images.append(facts.keyframe.image)
    for facts, lines in zip(batch, _read(ocr, images), strict=True):
        if lines:
            facts.text = "\n".join(line.text for line in lines)
            facts.confidence = round(sum(line.confidence for line in lines) / len(lines), 4)
    vectors = embedder.embed([Image.fromarray(image) for image in images])
    for facts, vector in zip(batch, vectors, strict=True):
        facts.vector = [float(x) for x in vector]
        facts.keyframe.image = None  # the pixels are no longer needed: keep memory bounded


def _read(ocr: OcrEngine | None, images: list[np.ndarray]) -> list[list[OcrLine]]:
    """The OCR lines of each image; none, without asking the engine, for a flat one."""
    found: list[list[OcrLine]] = [[] for _ in images]
    shown = [i for i, image in enumerate(images) if not _flat(image)]
    if ocr is None or not shown:
        return found
    for i, lines in zip(shown, ocr.read([images[i] for i in shown]), strict=True):
        found[i] = lines
    return found


def _flat(image: np.ndarray) -> bool:
    """Every colour channel within ``_NO_TEXT_SPREAD`` levels: no contrast to draw letters with."""
    return int(np.ptp(image.reshape(-1, image.shape[-1]), axis=0).max()) <= _NO_TEXT_SPREAD


def _looks_like_a_picture(image: np.ndarray) -> bool:
    """Not black, not white, not one flat colour: worth a thumbnail."""
    grey = image.mean(axis=2)
    return 16 < float(grey.mean()) < 240 and float(grey.std()) > 8


def _frame_segments(ctx: ExtractContext, frames: FrameResult) -> tuple[list[Segment], dict[str, list[float]]]:
    segments, vectors = [], {}
    for facts in frames.facts:
        kf = facts.keyframe
        seg = ctx.segment(
            "frame",
            Modality.FRAME,
            "",
            start_s=kf.time_s,
            end_s=kf.end_s,
            frame_key=facts.key,
            meta={
                "phash": str(kf.phash),
                "scene_change": kf.scene_change,
                "ocr_text": facts.text,
                "image_model": frames.image_model,
            },
        )
        segments.append(seg)
        if facts.vector is not None:
            vectors[seg.id] = facts.vector
    return segments, vectors


def _ocr_segments(ctx: ExtractContext, frames: FrameResult) -> list[Segment]:
    """One segment per run of consecutive keyframes showing the same text, spanning the run."""
    runs: list[list[FrameFacts]] = []
    previous: FrameFacts | None = None
    for facts in frames.facts:
        if facts.text and previous is not None and previous.text and _same_text(previous.text, facts.text):
            runs[-1].append(facts)
        elif facts.text:
            runs.append([facts])
        previous = facts
    segments = []
    for run in runs:
        confidences = [f.confidence for f in run if f.confidence is not None]
        segments.append(
            ctx.segment(
                "ocr",
                Modality.OCR,
                max((f.text for f in run), key=lambda text: len(text)),
                start_s=run[0].keyframe.time_s,
                end_s=run[-1].keyframe.end_s,
                frame_key=run[0].key,
                confidence=round(sum(confidences) / len(confidences), 4) if confidences else None,
                meta={"frame_keys": [f.key for f in run], "engine": frames.ocr_model},
            )
        )
    return segments


def _same_text(a: str, b: str) -> bool:
    a, b = " ".join(a.casefold().split()), " ".join(b.casefold().split())
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= _SAME_TEXT


# -- result ---------------------------------------------------------------------------------------


def _extraction(
    ctx: ExtractContext,
    media: MediaProbe,
    speech: SpeechResult | None,
    frames: FrameResult | None,
    subtitles: Reading,
) -> Extraction:
    extraction = Extraction(heard=speech.heard if speech else None)
    raw = speech.segments if speech else []
    if speech is not None:
        extraction.segments += _speech_segments(ctx, speech.segments, speech.model)
    for track in subtitles.others:
        extraction.segments += _speech_segments(ctx, track.parts, SUBTITLES, track.source.index)
    if frames is not None:
        frame_segments, vectors = _frame_segments(ctx, frames)
        extraction.segments += frame_segments + _ocr_segments(ctx, frames)
        extraction.image_vectors.update(vectors)
    extraction.info = {
        "duration_s": round(media.duration_s, 3),
        "width": media.width,
        "height": media.height,
        "language": dominant_language(raw),
        "metadata": {
            "container": media.container,
            "codecs": media.codecs,
            "fps": media.fps,
            "has_audio": media.has_audio,
            "languages": languages(raw),
            "asr_model": speech.model if speech and speech.model != SUBTITLES else None,
            "ocr_model": frames.ocr_model if frames else None,
            "image_model": frames.image_model if frames else None,
            "keyframes": len(frames.facts) if frames else 0,
            "thumb_key": frames.thumb_key if frames else None,
        },
    }
    if subtitles.transcript or subtitles.others:
        read = [subtitles.transcript.describe(True)] if subtitles.transcript else []
        extraction.info["metadata"]["subtitle_tracks"] = read + [t.describe(False) for t in subtitles.others]
    return extraction
