"""The text detector's input: rapidocr's own resizing and normalisation, normalised by table lookup.

rapidocr's ``DetPreProcess`` normalises a picture in float64, ``(float32(v) / 255 - mean) / std``
over every pixel in three whole-picture passes, and casts the result to float32. Each value depends
only on the pixel's level and channel, so ``DetectorInput`` runs the library's own ``normalize`` on
the 256 levels once and looks every pixel up: the same float32 array, bit for bit
(tests/extract/test_ocr.py), in a fifth of the time on a 960 x 720 picture (docs/benchmarks.md,
"Images and scanned pages").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np

_LEVELS = np.arange(256, dtype=np.uint8)[:, None, None].repeat(3, axis=2)  # 256 x 1 x 3 "picture"


class DetectorInput:
    """``DetPreProcess(limit_side_len, limit_type, mean, std)``'s result for a BGR picture: a
    1 x 3 x H x W float32 array, H and W multiples of 32, or None when the picture is too small."""

    def __init__(
        self, limit_side_len: int, limit_type: str, mean: Sequence[float] | None, std: Sequence[float] | None
    ) -> None:
        from rapidocr.ch_ppocr_det.utils import DetPreProcess

        self._library = DetPreProcess(limit_side_len, limit_type, mean, std)
        # one row per channel: what the library's arithmetic makes of each of the 256 levels
        self._table = self._library.normalize(_LEVELS)[:, 0, :].astype(np.float32).T.copy()

    def __call__(self, bgr: np.ndarray) -> np.ndarray | None:
        resized = self._library.resize(bgr)
        if resized is None:
            return None
        if resized.dtype != np.uint8 or resized.shape[2:] != (3,):  # not 8-bit BGR: no table for it
            return cast("np.ndarray", self._library(bgr))
        pixels = np.empty((1, 3, *resized.shape[:2]), dtype=np.float32)
        for channel in range(3):
            np.take(self._table[channel], resized[:, :, channel], out=pixels[0, channel])
        return pixels
