"""From raw recogniser segments to retrieval chunks and subtitle/transcript files.

- ``build_chunks`` groups raw segments into chunks of roughly ``min_s``..``max_s`` seconds (15–30 s
  by default) for search context. A chunk never mixes languages and never spans a long pause; its
  ``parts`` are the raw segments inside, so a hit can point at the second the words are said.
- ``to_srt`` / ``to_vtt`` / ``to_txt`` / ``to_json`` render the *raw* segments (subtitles want
  short cues); JSON carries word timestamps when the recogniser gave them.

Times are seconds from the start of the media.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mediasift.asr.base import RawSegment
from mediasift.enrich.text_units import ends_a_sentence


@dataclass(slots=True)
class TranscriptChunk:
    start_s: float
    end_s: float
    text: str
    language: str
    confidence: float  # duration-weighted mean of the parts' confidences, in [0, 1]
    parts: list[RawSegment] = field(default_factory=list)

    def parts_meta(self, with_words: bool = True) -> list[dict[str, Any]]:
        """The ``meta["parts"]`` of a speech segment: ``[{"start_s", "end_s", "text"[, "words"]}]``."""
        out = []
        for part in self.parts:
            item: dict[str, Any] = {"start_s": part.start_s, "end_s": part.end_s, "text": part.text}
            if with_words and part.words:
                item["words"] = [[w.start_s, w.end_s, w.word] for w in part.words]
            out.append(item)
        return out


def build_chunks(
    segments: list[RawSegment], min_s: float = 15.0, max_s: float = 30.0, max_gap_s: float = 5.0
) -> list[TranscriptChunk]:
    """Greedy grouping: a chunk closes once it lasts ``min_s`` and its last part ends a sentence,
    before it would pass ``max_s``, at a change of language, and at a pause longer than
    ``max_gap_s``. The recogniser cuts its parts where the speaker pauses, often inside a
    sentence; a chunk closed there split the sentence between two search hits and two summary
    lines ("…he might have been made" | "still more respectable than he was.")."""
    groups: list[list[RawSegment]] = []
    for seg in segments:
        current = groups[-1] if groups else None
        if current is None or _closes(current, seg, min_s, max_s, max_gap_s):
            groups.append([seg])
        else:
            current.append(seg)
    return [_chunk(group) for group in groups]


def _closes(current: list[RawSegment], seg: RawSegment, min_s: float, max_s: float, max_gap_s: float) -> bool:
    return (
        seg.language != current[0].language
        or seg.start_s - current[-1].end_s > max_gap_s
        or seg.end_s - current[0].start_s > max_s
        or (current[-1].end_s - current[0].start_s >= min_s and ends_a_sentence(current[-1].text))
    )


def _chunk(parts: list[RawSegment]) -> TranscriptChunk:
    weights = [max(0.01, p.end_s - p.start_s) for p in parts]
    confidence = sum(p.confidence * w for p, w in zip(parts, weights, strict=True)) / sum(weights)
    return TranscriptChunk(
        start_s=parts[0].start_s,
        end_s=parts[-1].end_s,
        text=" ".join(p.text for p in parts),
        language=parts[0].language,
        confidence=round(confidence, 4),
        parts=parts,
    )


def dominant_language(segments: list[RawSegment]) -> str | None:
    """The language spoken for the most seconds, or None without speech."""
    spoken = languages(segments)
    return spoken[0] if spoken else None


def languages(segments: list[RawSegment]) -> list[str]:
    """Every language heard, most-spoken first (first heard first on a tie); an unknown one
    (``""``, a subtitle track neither tagged nor told by its words) is left out."""
    seconds: dict[str, float] = {}
    for seg in segments:
        if not seg.language:
            continue
        seconds[seg.language] = seconds.get(seg.language, 0.0) + seg.end_s - seg.start_s
    return sorted(seconds, key=seconds.__getitem__, reverse=True)


# -- renderings -----------------------------------------------------------------------------------


def _timestamp(seconds: float, separator: str) -> str:
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def _cue_times(seg: RawSegment) -> tuple[float, float]:
    # Players reject cues that end before they start; give a zero-length cue a frame of life.
    return seg.start_s, max(seg.end_s, seg.start_s + 0.04)


def to_srt(segments: list[RawSegment]) -> str:
    """SubRip: numbered cues, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, blank line between cues."""
    cues = []
    for number, seg in enumerate(segments, start=1):
        start, end = _cue_times(seg)
        text = _one_line(seg.text)
        cues.append(f"{number}\n{_timestamp(start, ',')} --> {_timestamp(end, ',')}\n{text}\n")
    return "\n".join(cues)


def to_vtt(segments: list[RawSegment]) -> str:
    """WebVTT: ``WEBVTT`` header, ``HH:MM:SS.mmm`` times; ``&``/``<``/``>`` escaped as the spec asks."""
    cues = ["WEBVTT\n"]
    for seg in segments:
        start, end = _cue_times(seg)
        text = _one_line(seg.text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        cues.append(f"{_timestamp(start, '.')} --> {_timestamp(end, '.')}\n{text}\n")
    return "\n".join(cues)


def to_txt(segments: list[RawSegment]) -> str:
    """Plain text, one raw segment per line."""
    return "".join(_one_line(seg.text) + "\n" for seg in segments)


def to_json(segments: list[RawSegment], *, duration_s: float | None, model: str) -> str:
    """``{"model", "duration_s", "language", "languages", "segments": [{start_s, end_s, text,
    language, confidence, words: [{start_s, end_s, word, probability}]}]}``."""
    document = {
        "model": model,
        "duration_s": duration_s,
        "language": dominant_language(segments),
        "languages": languages(segments),
        "segments": [
            {
                "start_s": seg.start_s,
                "end_s": seg.end_s,
                "text": seg.text,
                "language": seg.language,
                "confidence": seg.confidence,
                "words": [
                    {"start_s": w.start_s, "end_s": w.end_s, "word": w.word, "probability": w.probability}
                    for w in seg.words
                ],
            }
            for seg in segments
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


def _one_line(text: str) -> str:
    # A blank line ends a cue in both formats, and "-->" would read as a timing line.
    return " ".join(text.split()).replace("-->", "->")
