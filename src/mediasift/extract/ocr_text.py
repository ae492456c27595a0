"""OCR lines as ``ocr`` segments: one segment per picture or page, split when it grows long.

Shared by the image, slide and scanned-page extractors so OCR text looks the same everywhere:
lines joined with newlines in reading order, confidence = character-weighted mean of the line
confidences, and the lines with their pixel boxes kept in ``meta["lines"]`` for highlighting.
"""

from __future__ import annotations

from typing import Any

from mediasift.domain import Modality, Segment
from mediasift.extract.base import ExtractContext
from mediasift.ocr.base import OcrLine


def _chunks(lines: list[OcrLine], max_chars: int) -> list[list[OcrLine]]:
    chunks: list[list[OcrLine]] = [[]]
    size = 0
    for line in lines:
        if chunks[-1] and size + len(line.text) > max_chars:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line.text) + 1
    return [chunk for chunk in chunks if chunk]


def ocr_segments(
    ctx: ExtractContext,
    stage: str,
    lines: list[OcrLine],
    engine_id: str,
    page: int | None = None,
    meta: dict[str, Any] | None = None,
) -> list[Segment]:
    """Segments for the lines read in one picture/page (none when nothing was read).

    ``stage`` keys the deterministic segment ids; ``meta`` is merged into each segment's meta.
    Box coordinates are pixels of the image given to the engine.
    """
    segments = []
    for chunk in _chunks(lines, ctx.settings.chunk_chars):
        chars = sum(len(line.text) for line in chunk)
        confidence = sum(line.confidence * len(line.text) for line in chunk) / max(chars, 1)
        segments.append(
            ctx.segment(
                stage,
                Modality.OCR,
                "\n".join(line.text for line in chunk),
                page=page,
                confidence=round(confidence, 4),
                meta={
                    "ocr_engine": engine_id,
                    "lines": [
                        {
                            "text": ln.text,
                            "confidence": round(ln.confidence, 4),
                            "box": [round(v, 1) for v in ln.box],
                        }
                        for ln in chunk
                    ],
                    **(meta or {}),
                },
            )
        )
    return segments
