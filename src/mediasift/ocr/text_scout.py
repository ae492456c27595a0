"""The scout: a text-detection pass at half scale that says where a picture's lines are, when it can.

``scout_regions(detector, bgr)`` runs PP-OCR's detector (rapidocr's ``TextDetector``: its session,
normalisation and DB post-processing) on a quarter of the pixels the library's own pass would use,
and returns

- an empty array: no pixel reached the detector's text threshold, so the picture holds no text the
  full pass would find (at half scale, every line the full pass read in our trials still lit
  pixels above it: tests/extract/test_ocr_scout.py);
- the line boxes (4 x 2 corner points each, picture pixels, top to bottom): every lit pixel lies
  in one, and each is one plausible line, ``_LINE_PX`` tall at scout scale;
- None: the scout cannot vouch for what it saw, and the caller runs the full pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mediasift.ocr.detector_input import DetectorInput

if TYPE_CHECKING:
    from rapidocr.ch_ppocr_det import TextDetector

_SCALE = 0.5  # of the library's detection side: a quarter of its pixels, a quarter of its time
# The library's own detection input below which scouting saves too little to pay for itself.
_MIN_FULL_SIDE = 256
# Box height in pixels at scout scale (DB's boxes include a margin: 16 px holds letters of about
# 10). Below, the scout sees letters too small to place well (at 10 px, a 30 px line at a tile's
# edge was cut wrong and lost: tests/extract/test_ocr_tiles.py); above, a "line" is more often a
# textured surface (a cup, a coin) or several lines run together. Either way the full pass decides.
_LINE_PX = (16.0, 48.0)
# Pictures the library resizes or pads before detecting (rapidocr's Global.max_side_len,
# min_side_len, min_height and width_height_ratio): the full pass handles them as it always has.
_MAX_PICTURE_SIDE, _MIN_PICTURE_SIDE, _MAX_WIDTH_RATIO = 2000, 31, 8.0


def scout_regions(detector: TextDetector, bgr: np.ndarray) -> np.ndarray | None:
    """Line boxes in ``bgr`` (H x W x 3 uint8), none when it holds no text, or None: read it whole."""
    import cv2

    height, width = bgr.shape[:2]
    if (
        max(height, width) > _MAX_PICTURE_SIDE
        or min(height, width) < _MIN_PICTURE_SIDE
        or width / height > _MAX_WIDTH_RATIO
    ):
        return None
    full_side = min(int(detector.limit_side_len or 0), max(height, width))  # limit_type "max"
    if full_side < _MIN_FULL_SIDE:
        return None
    pixels = DetectorInput(round(full_side * _SCALE), "max", detector.mean, detector.std)(bgr)
    if pixels is None:
        return None
    post = detector.postprocess_op
    prediction = detector.session(pixels)
    lit = prediction[0, 0] > post.thresh
    if not lit.any():
        return np.zeros((0, 4, 2), dtype=np.int32)
    quads, _scores = post(prediction, (height, width))
    if not len(quads):
        return None
    at_scout = quads.astype(np.float32) * np.array(
        [pixels.shape[3] / width, pixels.shape[2] / height], dtype=np.float32
    )
    # corners clockwise from top-left: a line's height is its shorter side
    sides = np.linalg.norm(at_scout - np.roll(at_scout, -1, axis=1), axis=2)
    heights = np.minimum(sides[:, 0], sides[:, 1])
    if heights.min() < _LINE_PX[0] or heights.max() > _LINE_PX[1]:
        return None
    covered = np.zeros(lit.shape, dtype=np.uint8)
    cv2.fillPoly(covered, list(np.round(at_scout).astype(np.int32)), 1)
    if (lit & (covered == 0)).any():  # lit pixels no box holds: text too small or too faint to box
        return None
    return detector.sorted_boxes(quads)
