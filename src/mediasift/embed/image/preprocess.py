"""The square crop every image engine sees: what its network was trained on."""

from __future__ import annotations

import numpy as np
from PIL import Image

# Beyond this ratio of long to short side, the picture is cut to its centre before it is resized.
_MAX_ASPECT = 16


def center_crop(image: Image.Image, size: int) -> np.ndarray:
    """RGB uint8 (size x size x 3): shorter side resized to size/0.875, then the centre cut out.

    A strip far longer than it is wide (a 1,000,000 x 1 picture is under every pixel limit) would
    be resized to hundreds of millions of pixels first, so beyond ``_MAX_ASPECT`` only its centre
    square, the part the crop keeps, is resized. Pictures up to that ratio are resized whole, as
    always, so their vectors do not change."""
    rgb = image.convert("RGB")
    short, long = min(rgb.size), max(rgb.size)
    if long > _MAX_ASPECT * short:
        side = short
        left, top = (rgb.width - side) // 2, (rgb.height - side) // 2
        rgb = rgb.crop((left, top, left + side, top + side))
    scale = round(size / 0.875) / min(rgb.size)
    w, h = max(size, round(rgb.width * scale)), max(size, round(rgb.height * scale))
    rgb = rgb.resize((w, h), Image.Resampling.BICUBIC, reducing_gap=3.0)
    left, top = (w - size) // 2, (h - size) // 2
    return np.asarray(rgb.crop((left, top, left + size, top + size)), dtype=np.uint8)
