"""Image measures: resolution, sharpness, exposure and noise of a still picture.

``measure_image(path, max_pixels)`` decodes the picture upright (``media.images.decode_image``),
takes it to gray at ``pixels.ANALYSIS_SIDE`` pixels and returns ``width``, ``height``,
``megapixels`` and the ``pixels`` measures (``sharpness``, ``highlights_clipped``,
``shadows_clipped``, ``brightness``, ``noise_sigma``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from mediasift.media.images import decode_image
from mediasift.quality import pixels


def measure_image(path: Path, max_pixels: int, decoded: Image.Image | None = None) -> dict[str, Any]:
    """``decoded``: the picture at ``path`` already decoded by ``decode_image`` (not decoded again)."""
    image = decoded if decoded is not None else decode_image(path, max_pixels)
    width, height = image.size
    measures: dict[str, Any] = {
        "width": width,
        "height": height,
        "megapixels": round(width * height / 1e6, 3),
    }
    measures.update(picture_measures(np.asarray(image)))
    return measures


def picture_measures(rgb: np.ndarray) -> dict[str, float]:
    """The ``pixels`` measures; no ``sharpness`` for a picture of one flat colour, which has no
    edges to judge focus by (a 16x16 swatch had been "blurred: variance of the Laplacian 0")."""
    gray = pixels.to_gray(rgb)
    measured = {"sharpness": round(pixels.sharpness(gray), 1)} if pixels.has_structure(gray) else {}
    return {
        **measured,
        "highlights_clipped": round(pixels.highlights_clipped(gray), 4),
        "shadows_clipped": round(pixels.shadows_clipped(gray), 4),
        "brightness": round(pixels.brightness(gray), 1),
        "noise_sigma": round(pixels.noise_sigma(gray), 2),
    }
