"""A media's transcript (the ``transcript.json`` its ingest wrote) as SRT, WebVTT, text, JSON or DOCX.

With ``start``/``end``, only the cues that overlap ``[start, end)`` are kept, cut to it, and their
times counted from ``start``: the subtitles of a clip made with the same options.
"""

from __future__ import annotations

import io
import json
from typing import Any

from mediasift.asr.base import RawSegment, Word
from mediasift.errors import CorruptMedia
from mediasift.extract.transcripts import to_json, to_srt, to_txt, to_vtt


def parse(document: bytes) -> tuple[list[RawSegment], dict[str, Any]]:
    """The raw segments of a ``transcript.json`` and its header (``model``, ``duration_s``)."""
    try:
        data = json.loads(document)
        segments = [
            RawSegment(
                start_s=float(seg["start_s"]),
                end_s=float(seg["end_s"]),
                text=str(seg["text"]),
                language=str(seg.get("language") or ""),
                confidence=float(seg.get("confidence") or 0.0),
                words=[
                    Word(float(w["start_s"]), float(w["end_s"]), str(w["word"]), float(w["probability"]))
                    for w in seg.get("words") or []
                ],
            )
            for seg in data["segments"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptMedia(f"the stored transcript is not readable: {exc}") from None
    return segments, {"model": data.get("model"), "duration_s": data.get("duration_s")}


def clip(segments: list[RawSegment], start: float, end: float | None) -> list[RawSegment]:
    """The segments inside ``[start, end)``, shifted so that ``start`` is 0."""
    kept = []
    for seg in segments:
        if seg.end_s <= start or (end is not None and seg.start_s >= end):
            continue
        stop = seg.end_s if end is None else min(seg.end_s, end)
        words = [
            Word(max(0.0, w.start_s - start), max(0.0, w.end_s - start), w.word, w.probability)
            for w in seg.words
            if w.end_s > start and (end is None or w.start_s < end)
        ]
        kept.append(
            RawSegment(
                max(0.0, seg.start_s - start), stop - start, seg.text, seg.language, seg.confidence, words
            )
        )
    return kept


def render(fmt: str, document: bytes, options: dict[str, Any], title: str) -> tuple[bytes, dict[str, Any]]:
    """The transcript as ``fmt`` (srt, vtt, txt, json, docx) and what it holds (``cues``)."""
    segments, header = parse(document)
    start, end = float(options.get("start") or 0.0), options.get("end")
    if start or end is not None:
        segments = clip(segments, start, end)
    info: dict[str, Any] = {"cues": len(segments)}
    if fmt == "srt":
        return to_srt(segments).encode(), info
    if fmt == "vtt":
        return to_vtt(segments).encode(), info
    if fmt == "txt":
        return to_txt(segments).encode(), info
    if fmt == "json":
        duration = header["duration_s"]
        if duration is not None and (start or end is not None):
            duration = round((min(float(end), duration) if end is not None else duration) - start, 3)
        return to_json(segments, duration_s=duration, model=str(header["model"])).encode(), info
    return to_docx(segments, title), info


def to_docx(segments: list[RawSegment], title: str) -> bytes:
    """A Word document: the title, then one paragraph per cue led by its time in bold."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for seg in segments:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"[{_clock(seg.start_s)}] ").bold = True
        paragraph.add_run(" ".join(seg.text.split()))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
