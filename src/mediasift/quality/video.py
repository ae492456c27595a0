"""Video measures, streamed: resolution, frame rate, bitrate, blur, black, frozen and dark stretches.

``measure_video(path)`` reads the header (``media.probe``) and then one frame every
``SAMPLE_S`` seconds through ``media.frames.iter_frames`` at ``ANALYSIS_SIDE`` pixels: memory is
two small frames whatever the length. Measures:

- ``width``, ``height``, ``fps``, ``bitrate_kbps`` (the file's bits over its duration),
  ``bits_per_pixel`` (bitrate per pixel per frame);
- ``sharpness``: median variance of the Laplacian over sampled frames that have any structure
  (frames of one flat colour say nothing about focus);
- ``brightness``: mean level (0–255) of sampled frames that are not black;
- ``black_ratio`` and ``black_stretches`` ``[[start_s, end_s], ...]``: frames whose mean level is
  under 20 with little variation, in runs of at least ``MIN_STRETCH_S``;
- ``frozen_ratio`` and ``frozen_stretches``: runs of at least ``MIN_FROZEN_S`` in which consecutive
  sampled frames differ by under ``FROZEN_DIFF`` levels on average (and are not black).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mediasift.media.frames import iter_frames
from mediasift.media.probe import probe
from mediasift.quality import pixels

SAMPLE_S = 0.5
ANALYSIS_SIDE = 640
BLACK_LEVEL = 20.0
FROZEN_DIFF = 0.5  # mean absolute difference, levels of 255
MIN_STRETCH_S = 1.0
MIN_FROZEN_S = 2.0
_FLAT_STD = 4.0  # a frame this uniform has no edges to judge focus by


def measure_video(path: Path) -> dict[str, Any]:
    media = probe(path)
    measures: dict[str, Any] = {"width": media.width, "height": media.height, "fps": media.fps}
    if media.duration_s > 0:
        kbps = path.stat().st_size * 8 / media.duration_s / 1000
        measures["bitrate_kbps"] = round(kbps, 1)
        if media.width and media.height and media.fps:
            measures["bits_per_pixel"] = round(kbps * 1000 / (media.width * media.height * media.fps), 4)
    sharp: list[float] = []
    bright: list[float] = []
    black: list[float] = []  # times of black frames
    frozen: list[float] = []  # times of frames equal to the one before
    times: list[float] = []
    previous: np.ndarray | None = None
    for frame in iter_frames(path, every_s=SAMPLE_S, max_side=ANALYSIS_SIDE, expected_duration_s=None):
        gray = pixels.to_gray(frame.image, ANALYSIS_SIDE)
        times.append(frame.time_s)
        level, spread = float(gray.mean()), float(gray.std())
        is_black = level < BLACK_LEVEL and spread < 2 * BLACK_LEVEL
        if is_black:
            black.append(frame.time_s)
        else:
            bright.append(level)
            if spread > _FLAT_STD:
                sharp.append(pixels.sharpness(gray))
            if previous is not None and np.mean(np.abs(gray.astype(np.int16) - previous)) < FROZEN_DIFF:
                frozen.append(frame.time_s)
        previous = gray.astype(np.int16)
    if not times:
        return measures
    span_s = max(media.duration_s, times[-1] + SAMPLE_S)
    black_runs = _stretches(black, MIN_STRETCH_S)
    # a frozen frame repeats the one sampled before it: the stretch starts one sample earlier
    frozen_runs = [[max(0.0, a - SAMPLE_S), b] for a, b in _stretches(frozen, MIN_FROZEN_S - SAMPLE_S)]
    measures.update(
        sharpness=round(float(np.median(sharp)), 1) if sharp else None,
        brightness=round(float(np.mean(bright)), 1) if bright else 0.0,
        black_ratio=round(sum(b - a for a, b in black_runs) / span_s, 4),
        black_stretches=black_runs,
        frozen_ratio=round(sum(b - a for a, b in frozen_runs) / span_s, 4),
        frozen_stretches=frozen_runs,
    )
    return measures


def _stretches(times: list[float], min_s: float) -> list[list[float]]:
    """Runs of consecutive samples (``SAMPLE_S`` apart), each as ``[start_s, end_s]``, at least
    ``min_s`` long; a sample stands for the ``SAMPLE_S`` seconds that follow it."""
    runs: list[list[float]] = []
    for t in times:
        if runs and t - runs[-1][1] <= SAMPLE_S * 0.5 + 1e-6:
            runs[-1][1] = round(t + SAMPLE_S, 3)
        else:
            runs.append([round(t, 3), round(t + SAMPLE_S, 3)])
    return [r for r in runs if r[1] - r[0] >= min_s - 1e-6]
