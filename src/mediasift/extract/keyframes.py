"""Choose a video's keyframes: scene changes, bounded by a minimum and maximum interval, with
near-duplicates dropped.

``KeyframeSelector.offer(frame)`` is fed sampled frames in time order and returns a ``Keyframe``
when that frame should be kept. A frame is kept when

- it is the first frame; or
- at least ``min_interval_s`` has passed since the last keyframe and the picture *changed* against
  that keyframe: more than ``changed_fraction`` of a 64 x 36 colour grid moved by more than
  ``level_change`` levels in some channel. This catches cuts and also a caption appearing on an unchanged
  background, which a perceptual hash alone does not see; or
- at least ``max_interval_s`` has passed and the frame is not a near-duplicate of the last
  keyframe by perceptual hash (Hamming distance over ``max_hash_distance``): slow drifts still get
  sampled, a static slide does not.

Each keyframe later represents the span from its time to the next keyframe's (``assign_spans``).
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
from PIL import Image

from mediasift.media.frames import SampledFrame, scaled_size
from mediasift.media.images import phash

if TYPE_CHECKING:
    import imagehash  # imported where a hash is made (media/images.py: phash)

_GRID = (64, 36)  # (width, height) of the change-detection signature


@dataclass(slots=True)
class Keyframe:
    time_s: float
    end_s: float  # set by assign_spans; until then equal to time_s
    image: np.ndarray | None  # RGB uint8; released once OCR and embedding are done
    phash: imagehash.ImageHash
    signature: np.ndarray  # RGB 64 x 36, uint8
    scene_change: bool  # kept because the picture changed (not for the interval)


def signature(image: np.ndarray) -> np.ndarray:
    """The frame shrunk to a 64 x 36 colour grid (colour, not grey: two scenes of equal
    brightness but different hue are different scenes)."""
    return cv2.resize(image, _GRID, interpolation=cv2.INTER_AREA)


def changed_fraction(a: np.ndarray, b: np.ndarray, level_change: int) -> float:
    """Share of signature cells where some colour channel moved by more than ``level_change``."""
    moved = np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2)
    return float(np.mean(moved > level_change))


class KeyframeSelector:
    def __init__(
        self,
        min_interval_s: float = 2.0,
        max_interval_s: float = 10.0,
        changed_fraction: float = 0.01,
        level_change: int = 20,
        max_hash_distance: int = 6,
    ) -> None:
        self.min_interval_s = min_interval_s
        self.max_interval_s = max(min_interval_s, max_interval_s)
        self.changed_fraction = changed_fraction
        self.level_change = level_change
        self.max_hash_distance = max_hash_distance
        self.last: Keyframe | None = None
        self.dropped_duplicates = 0

    def offer(self, frame: SampledFrame) -> Keyframe | None:
        sig = signature(frame.image)
        last = self.last
        if last is None:
            return self._keep(frame, sig, scene_change=True)
        elapsed = frame.time_s - last.time_s
        if elapsed + 1e-6 < self.min_interval_s:
            return None
        if changed_fraction(sig, last.signature, self.level_change) > self.changed_fraction:
            return self._keep(frame, sig, scene_change=True)
        if elapsed + 1e-6 < self.max_interval_s:
            return None
        phash = _phash(frame.image)
        if phash - last.phash <= self.max_hash_distance:
            self.dropped_duplicates += 1
            return None
        return self._keep(frame, sig, scene_change=False, phash=phash)

    def _keep(
        self,
        frame: SampledFrame,
        sig: np.ndarray,
        scene_change: bool,
        phash: imagehash.ImageHash | None = None,
    ) -> Keyframe:
        keyframe = Keyframe(
            time_s=frame.time_s,
            end_s=frame.time_s,
            image=frame.image,
            phash=phash if phash is not None else _phash(frame.image),
            signature=sig,
            scene_change=scene_change,
        )
        self.last = keyframe
        return keyframe


def _phash(image: np.ndarray) -> imagehash.ImageHash:
    return phash(Image.fromarray(image))


def assign_spans(keyframes: list[Keyframe], end_s: float) -> None:
    """Each keyframe stands for the time until the next one; the last one until ``end_s``."""
    for current, following in itertools.pairwise(keyframes):
        current.end_s = following.time_s
    if keyframes:
        keyframes[-1].end_s = max(keyframes[-1].time_s, end_s)


def jpeg_bytes(image: np.ndarray, max_side: int = 640, quality: int = 80) -> bytes:
    """A small JPEG of an RGB frame, its longer side at most ``max_side`` pixels."""
    picture = Image.fromarray(image)
    width, height = scaled_size(picture.width, picture.height, max_side)
    if (width, height) != picture.size:
        picture = picture.resize((width, height), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def frame_artifact_name(time_s: float) -> str:
    """``frames/{milliseconds:09d}.jpg``: sorts by time, and the name says where the frame is."""
    return f"frames/{round(time_s * 1000):09d}.jpg"
