"""The square crop every image engine sees: what its network was trained on."""

from __future__ import annotations

import numpy as np
from PIL import Image


def center_crop(image: Image.Image, size: int) -> np.ndarray:
    """RGB uint8 (size x size x 3): shorter side resized to size/0.875, then the centre cut out."""
    rgb = image.convert("RGB")
    scale = round(size / 0.875) / min(rgb.size)
    w, h = max(size, round(rgb.width * scale)), max(size, round(rgb.height * scale))
    rgb = rgb.resize((w, h), Image.Resampling.BICUBIC, reducing_gap=3.0)
    left, top = (w - size) // 2, (h - size) // 2
    return np.asarray(rgb.crop((left, top, left + size, top + size)), dtype=np.uint8)
