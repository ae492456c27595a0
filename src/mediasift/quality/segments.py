"""Measures read from a media's extracted segments: what recognisers said about themselves.

- ``asr_confidence``: mean word probability of the transcript (each speech segment's confidence is
  its words' mean probability), weighted by the segment's duration;
- ``ocr_confidence``: mean confidence of OCR segments (text read from pictures, frames or scans);
- documents: ``complete`` (0 where the file was cut off before its end; absent otherwise),
  ``pages``, ``pages_without_text`` (page numbers), ``text_coverage`` (share of pages
  with any text), ``language_consistency`` (share of the text, in characters, written in the
  dominant language).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from mediasift.domain import Modality, Segment

_TEXT = {Modality.TEXT, Modality.OCR, Modality.NOTE}


def recogniser_measures(segments: Iterable[Segment]) -> dict[str, Any]:
    weighted = seconds = 0.0
    ocr: list[float] = []
    for seg in segments:
        if seg.confidence is None:
            continue
        if seg.modality == Modality.SPEECH:
            length = max(0.01, (seg.end_s or 0.0) - (seg.start_s or 0.0))
            weighted += seg.confidence * length
            seconds += length
        elif seg.modality == Modality.OCR:
            ocr.append(seg.confidence)
    measures: dict[str, Any] = {}
    if seconds:
        measures["asr_confidence"] = round(weighted / seconds, 3)
    if ocr:
        measures["ocr_confidence"] = round(sum(ocr) / len(ocr), 3)
    return measures


def document_measures(segments: list[Segment], info: Mapping[str, Any]) -> dict[str, Any]:
    texts = [s for s in segments if s.modality in _TEXT and s.text.strip()]
    measures: dict[str, Any] = {}
    pages = info.get("pages")
    if isinstance(pages, int) and pages > 0:
        with_text = {s.page for s in texts if s.page is not None}
        empty = [p for p in range(1, pages + 1) if p not in with_text]
        measures.update(pages=pages, pages_without_text=empty, text_coverage=round(1 - len(empty) / pages, 3))
    else:
        measures["text_coverage"] = 1.0 if texts else 0.0
    by_language: Counter[str] = Counter()
    for seg in texts:
        if seg.language:
            by_language[seg.language] += len(seg.text)
    if by_language:
        measures["language"] = by_language.most_common(1)[0][0]
        measures["language_consistency"] = round(
            by_language.most_common(1)[0][1] / sum(by_language.values()), 3
        )
    measures["characters"] = sum(len(s.text) for s in texts)
    if (info.get("metadata") or {}).get("cut_short"):
        measures["complete"] = 0.0
    return measures
