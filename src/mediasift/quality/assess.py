"""One media's quality: the measures its kind calls for, judged by that kind's rules.

``assess(kind, path, segments, info, max_image_pixels)`` reads the original at ``path`` (audio and
video decoded as streams) and the segments extraction produced (recogniser confidences, pages), and
returns a ``Quality``. Kinds: ``audio``, ``video`` (its audio track too, when it has one),
``image``, ``document`` and ``text``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediasift.domain import Segment
from mediasift.errors import UnsupportedMedia
from mediasift.quality import rules
from mediasift.quality.score import Quality, score

if TYPE_CHECKING:
    from PIL import Image

    from mediasift.asr.vad import Heard

VERSION = 1  # bump when a measure or rule changes meaning: stored qualities then read as stale


def measure_signal(kind: str, path: Path, speech: bool = True) -> dict[str, Any]:
    """The measures of an audio or video file's decoded signal (they need no segments, so they
    can run while extraction does); empty for other kinds. ``speech=False``: without the audio's
    ``speech_measures``, which ``with_speech`` adds once speech recognition has made its pass."""
    measures: dict[str, Any] = {}
    if kind == "audio":
        from mediasift.quality.audio import measure_audio

        measures.update(measure_audio(path, speech))
    elif kind == "video":
        from mediasift.quality.audio import measure_audio
        from mediasift.quality.video import measure_video

        measures.update(measure_video(path))
        measures.update({k: v for k, v in measure_audio(path, speech).items() if k not in measures})
    return measures


def with_speech(signal: Mapping[str, Any], path: Path, gathered: Heard | None) -> dict[str, Any]:
    """``signal`` (``measure_signal(..., speech=False)``) with the speech measures of its audio:
    from the pass speech recognition made over it when that pass was whole, else from a pass of
    its own over ``path``. A signal without an audio track is returned as it is."""
    from mediasift.asr.vad import heard
    from mediasift.media.audio import iter_audio
    from mediasift.quality.audio import speech_measures

    if "clipping_ratio" not in signal:  # what every audio track's measures hold
        return dict(signal)
    if gathered is None or not gathered.whole:
        gathered = heard(iter_audio(path))
    speech = speech_measures(gathered)
    return {**signal, **{k: v for k, v in speech.items() if k not in signal}}


def assess(
    kind: str,
    path: Path,
    segments: list[Segment],
    info: Mapping[str, Any],
    max_image_pixels: int,
    signal: Mapping[str, Any] | None = None,
    picture: Image.Image | None = None,
) -> Quality:
    """``signal``: what ``measure_signal(kind, path)`` returned, when it was measured already;
    ``picture``: for an image, its pixels already decoded upright (``media.images.decode_image``),
    measured instead of decoding ``path`` again."""
    measures: dict[str, Any] = {}
    if kind in ("audio", "video"):
        measures.update(measure_signal(kind, path) if signal is None else signal)
    elif kind == "image":
        from mediasift.quality.image import measure_image

        measures.update(measure_image(path, max_image_pixels, picture))
        if _of_text(segments):
            # A screenshot or a photographed page is white by design: its white is the paper's, not
            # burnt highlights (a clean invoice screenshot had scored "overexposed: 99%").
            measures.pop("highlights_clipped", None)
    elif kind in ("document", "text"):
        from mediasift.quality.segments import document_measures

        measures.update(document_measures(segments, info))
    else:
        raise UnsupportedMedia(f"no quality measures for media kind {kind!r}")
    from mediasift.quality.segments import recogniser_measures

    measures.update(recogniser_measures(segments))
    return score(measures, rules.BY_KIND[kind])


TEXT_PICTURE_CHARS = 40  # characters read on a picture that make it a picture of text


def _of_text(segments: list[Segment]) -> bool:
    """Whether a still picture is mostly there to be read: its OCR holds a few lines of text."""
    return sum(len(s.text.strip()) for s in segments if str(s.modality) == "ocr") >= TEXT_PICTURE_CHARS
