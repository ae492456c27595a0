"""OCR of a whole picture, however long: ``read_picture`` returns its lines in original pixels.

A picture that fits ``max_side`` (or is not much taller than wide) is scaled down to fit and read
in one pass. A tall one — a full-page screenshot, a receipt, a long chat — would lose its text to
that scaling (a 1,000 × 8,000 screenshot shrunk to 2,000 px tall has quarter-size letters), so it
is cut into overlapping horizontal bands, each read at the scale where the width fits
``max_side``. Each band *owns* the middle of its span; a line is kept from the band that owns its
centre, so a line in an overlap is read whole once and reported once. Wide pictures are not cut:
their lines run along the long side, and a cut would split words.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from PIL import Image

from mediasift.media.images import bounded
from mediasift.ocr.base import OcrEngine, OcrLine

_ELONGATED = 1.5  # height / width past which scaling to fit would shrink text too much
_MAX_TILES = 8  # bounds time and memory; a taller picture is scaled down to fit in this many bands
_OVERLAP_PX = 200  # at band scale: taller than a line of text, so each line is whole in one band
# A strip narrower than this, once scaled to be read, holds no line of text. rapidocr would scale
# it up to 32 px and pad it to a quarter of its length: a 2,000 x 1 strip became a picture of
# 60,000 x 15,000 (2.5 GiB).
_MIN_SIDE_PX = 8


def read_picture(engine: OcrEngine, image: Image.Image, max_side: int) -> list[OcrLine]:
    """Lines of text in ``image`` (RGB), boxes in its own pixels, in reading order."""
    width, height = image.size
    if height <= max_side or height / max(1, width) <= _ELONGATED:
        small = bounded(image, max_side)
        if min(small.size) < _MIN_SIDE_PX:
            return []
        (lines,) = engine.read([np.asarray(small)])
        return _mapped(lines, width / small.width, 0.0, 0.0)
    step_cap = _MAX_TILES * (max_side - _OVERLAP_PX) + _OVERLAP_PX
    scale = min(1.0, max_side / width, step_cap / height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if size[0] < _MIN_SIDE_PX:
        return []
    scaled = image.resize(size, Image.Resampling.LANCZOS) if scale < 1 else image
    spans = _spans(scaled.height, max_side)
    bands = [scaled.crop((0, start, scaled.width, end)) for start, end, _, _ in spans]
    found = engine.read([np.asarray(band) for band in bands])
    kept: list[OcrLine] = []
    for (start, _, own_from, own_to), lines in zip(spans, found, strict=True):
        for line in lines:
            if own_from <= start + (line.box[1] + line.box[3]) / 2 < own_to:
                kept.extend(_mapped([line], 1 / scale, 0.0, start))
    return kept


def _spans(length: int, tile: int) -> list[tuple[int, int, float, float]]:
    """``(start, end, owned_from, owned_to)`` of each band down a picture ``length`` pixels tall."""
    count = max(1, math.ceil((length - _OVERLAP_PX) / (tile - _OVERLAP_PX)))
    starts = [min(i * (tile - _OVERLAP_PX), max(0, length - tile)) for i in range(count)]
    spans: list[tuple[int, int, float, float]] = []
    for i, start in enumerate(starts):
        end = min(length, start + tile)
        own_from = 0.0 if i == 0 else (start + spans[-1][1]) / 2  # midway through the overlap
        own_to = float(length) + 1 if i == count - 1 else (starts[i + 1] + end) / 2
        spans.append((start, end, own_from, own_to))
    return spans


def _mapped(lines: list[OcrLine], scale: float, dx: float, dy: float) -> list[OcrLine]:
    """Boxes moved by the tile's offset, then scaled back to original-image pixels."""
    if scale == 1 and dx == 0 and dy == 0:
        return lines
    return [
        replace(
            ln,
            box=(
                (ln.box[0] + dx) * scale,
                (ln.box[1] + dy) * scale,
                (ln.box[2] + dx) * scale,
                (ln.box[3] + dy) * scale,
            ),
        )
        for ln in lines
    ]
