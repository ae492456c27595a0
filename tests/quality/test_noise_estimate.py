"""The noise estimate in integers gives, bit for bit, what Immerkær's estimate in float64 gives."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import skimage.data

from mediasift.quality import pixels


def _float64_estimate(gray: np.ndarray) -> float:
    # The estimate as it was written first: float64 filters, numpy's hypot and 90th percentile.
    g = gray.astype(np.float64)
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float64)
    response = np.abs(cv2.filter2D(g, -1, kernel, borderType=cv2.BORDER_REFLECT))[1:-1, 1:-1]
    edges = np.hypot(cv2.Sobel(g, cv2.CV_64F, 1, 0), cv2.Sobel(g, cv2.CV_64F, 0, 1))[1:-1, 1:-1]
    flat = edges <= np.percentile(edges, 90)
    return float(math.sqrt(math.pi / 2) * response[flat].mean() / 6)


def _pictures() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    photos = [
        pixels.to_gray(getattr(skimage.data, name)()) for name in ("astronaut", "camera", "coins", "coffee")
    ]
    noisy = np.clip(photos[0] + rng.normal(0, 12, photos[0].shape), 0, 255).astype(np.uint8)
    ramp = np.clip(np.linspace(0, 255, 301)[None, :] + rng.normal(0, 3, (7, 301)), 0, 255).astype(np.uint8)
    odd = rng.integers(0, 256, (3, 5), dtype=np.uint8)  # the smallest picture measured
    return [*photos, noisy, ramp, odd, np.full((40, 60), 128, dtype=np.uint8)]


@pytest.mark.parametrize("gray", _pictures(), ids=lambda g: f"{g.shape[0]}x{g.shape[1]}")
def test_the_integer_estimate_is_the_float64_one(gray: np.ndarray) -> None:
    assert pixels.noise_sigma(gray) == _float64_estimate(gray)


def test_added_noise_is_measured() -> None:
    clean = pixels.to_gray(skimage.data.camera())
    rng = np.random.default_rng(5)
    noisy = np.clip(clean + rng.normal(0, 10, clean.shape), 0, 255).astype(np.uint8)
    assert pixels.noise_sigma(noisy) > pixels.noise_sigma(clean) + 5
