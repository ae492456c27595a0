"""Measures of one picture's pixels, shared by images and video frames.

Every function takes an 8-bit grayscale array (``H x W``, ``uint8``); callers scale pictures to
``ANALYSIS_SIDE`` pixels on their longer side first, so that the figures compare across sizes.

- ``sharpness``: variance of the Laplacian (Pech-Pacheco et al.): high for crisp edges, low for blur;
  a low-contrast picture's is measured as if its levels deviated ``FAIR_STD`` (dark is not blur);
- ``highlights_clipped`` / ``shadows_clipped``: share of pixels at >= 250 / <= 5 (burnt / crushed);
- ``brightness``: mean level, 0–255;
- ``noise_sigma``: standard deviation of the noise in levels, by Immerkær's fast estimate
  (a Laplacian-difference mask that cancels image structure, measured away from strong edges).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

ANALYSIS_SIDE = 1024
_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
_EDGE_SHARE = 0.9  # the gradients at most this percentile are the flat pixels noise is measured on


def to_gray(rgb: np.ndarray, max_side: int = ANALYSIS_SIDE) -> np.ndarray:
    """``rgb`` (``H x W x 3`` or already ``H x W``) as 8-bit gray, shrunk to ``max_side``."""
    gray = rgb if rgb.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    height, width = gray.shape
    scale = max_side / max(height, width)
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    return gray


# Grey levels between a picture's 1st and 99th percentiles, and their standard deviation: this few
# and this little, and it is one flat colour (a swatch, a black frame) with no edges to judge focus
# by. A dark photograph keeps more (scikit-image's photos at 6 % of their brightness span 9–14
# levels), and a page of text, its ink under 1 % of the pixels, spreads by its deviation.
FLAT_LEVELS = 8
FLAT_STD = 4.0
# Below this standard deviation, the Laplacian is measured as if the picture had it: its variance
# grows with the square of contrast, so a sharp photo shot dark read as blurred (scikit-image's cat
# at 15 % brightness: 10.6, below the blur rule's bad end, 15), while focus is what it is to judge.
# At and above it the variance is the plain one, which the rules' bounds were chosen on.
FAIR_STD = 24.0


def levels(gray: np.ndarray) -> tuple[int, int]:
    """The grey levels at a picture's 1st and 99th percentiles."""
    counts = np.cumsum(cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel())
    total = counts[-1]
    low = int(np.searchsorted(counts, 0.01 * total))
    high = int(np.searchsorted(counts, 0.99 * total))
    return low, high


def has_structure(gray: np.ndarray) -> bool:
    """Whether a picture is more than one flat colour (its sharpness says something)."""
    low, high = levels(gray)
    _, std = cv2.meanStdDev(gray)
    return high - low > FLAT_LEVELS or float(std[0, 0]) > FLAT_STD


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian, as if the picture's grey levels deviated at least ``FAIR_STD``."""
    _, lap = cv2.meanStdDev(cv2.Laplacian(gray, cv2.CV_64F))  # numpy's var: twice the time
    _, std = cv2.meanStdDev(gray)
    gain = FAIR_STD / max(float(std[0, 0]), 1.0) if float(std[0, 0]) < FAIR_STD else 1.0
    return (float(lap[0, 0]) * gain) ** 2


def highlights_clipped(gray: np.ndarray) -> float:
    return float(np.mean(gray >= 250))


def shadows_clipped(gray: np.ndarray) -> float:
    return float(np.mean(gray <= 5))


def brightness(gray: np.ndarray) -> float:
    return float(gray.mean())


def noise_sigma(gray: np.ndarray) -> float:
    """Immerkær (1996), restricted to pixels away from edges so texture is not counted as noise.

    On the 8-bit levels in integers (the mask's response is at most 16 x 255, a Sobel's 4 x 255),
    exactly what float64 filters gave, about 4x sooner (7 -> 1.8 ms at 512 x 512, scratch,
    2026-12-07: numpy's ``hypot`` and OpenCV's float64 Sobel were most of it). The pixels "away
    from edges" are those whose gradient is at most its 90th percentile (numpy's linear one): no
    gradient lies strictly between two neighbouring order statistics, so they are those at most
    the one it starts from, compared squared (the square root is monotonic)."""
    height, width = gray.shape
    if height < 3 or width < 3:
        return 0.0
    response = cv2.filter2D(gray, cv2.CV_16S, _IMMERKAER, borderType=cv2.BORDER_REFLECT)[1:-1, 1:-1]
    dx = cv2.Sobel(gray, cv2.CV_16S, 1, 0)[1:-1, 1:-1].astype(np.int32)
    dy = cv2.Sobel(gray, cv2.CV_16S, 0, 1)[1:-1, 1:-1].astype(np.int32)
    squared = dx * dx + dy * dy
    count = squared.size
    # numpy's virtual index of the 90th percentile (method "linear": alpha = beta = 1), as it computes it
    below = math.floor(count * _EDGE_SHARE + (1 + _EDGE_SHARE * (1 - 1 - 1)) - 1)
    flat = squared <= np.partition(squared.ravel(), below)[below]
    return float(math.sqrt(math.pi / 2) * np.abs(response)[flat].mean() / 6)
