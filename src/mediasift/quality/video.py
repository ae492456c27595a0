"""Video measures, streamed: resolution, frame rate, bitrate, blur, black, frozen and dark stretches.

``measure_video(path)`` reads the header (``media.probe``) and then one frame every
``SAMPLE_S`` seconds through ``media.frames.iter_frames`` at ``ANALYSIS_SIDE`` pixels: memory is
two small frames whatever the length. Measures:

- ``width``, ``height``, ``fps``, ``bitrate_kbps`` (the file's bits over its duration),
  ``bits_per_pixel`` (bitrate per pixel per frame);
- ``sharpness``: median variance of the Laplacian over sampled frames that have any structure
  (frames of one flat colour say nothing about focus);
- ``brightness``: mean level (0–255) of sampled frames that are not black (None when all are);
- ``black_ratio`` and ``black_stretches`` ``[[start_s, end_s], ...]``: frames whose mean level is
  under 20 and all but 1 % of whose pixels lie within ``pixels.FLAT_LEVELS`` levels of each other
  (one flat dark colour: a dark title card's letters, or a picture shot dark, are content), in
  runs of at least ``MIN_STRETCH_S``;
- ``frozen_ratio`` and ``frozen_stretches``: runs of at least ``MIN_FROZEN_S`` in which consecutive
  sampled frames differ by under ``FROZEN_DIFF`` levels on average (and are not black);
- ``shake``: how much the camera jitters, in per cent of the picture's width. The global shift
  between frames ``SHAKE_SAMPLE_S`` apart (phase correlation at ``SHAKE_SIDE`` pixels) is summed
  into the camera's path on an even clock; ``shake`` is the median jolt (the path's second
  difference). A steady shot or a smooth pan moves at a steady velocity (shake ≈ 0), and a pan that
  starts, stops or turns jolts only at those few samples, which the median ignores; a hand-held
  camera jolts at every sample. A cut's shift (a weak correlation peak) counts as none.

Shake needs frames closer together than the other measures: frames are read every
``SHAKE_SAMPLE_S`` and the picture measures use those on the ``SAMPLE_S`` grid.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import cv2
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
_FLAT_STD = 4.0  # grey levels: a frame this uniform has nothing for phase correlation to follow
SHAKE_SAMPLE_S = 0.1
SHAKE_SIDE = 160
_MIN_PEAK = 0.15  # phase-correlation peak under which two frames share no picture (a cut, a fade)
_MIN_SHIFT_SIDE = 8  # pixels: a shake sample narrower than this (a 3,840 x 2 video's) is not measured


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
    shifts: list[tuple[float, float]] = []  # camera shift between consecutive shake samples
    shift_times: list[float] = []
    small_before: np.ndarray | None = None
    small_spread_before = 0.0
    next_due = 0.0
    for frame in iter_frames(
        path, every_s=SHAKE_SAMPLE_S, max_side=ANALYSIS_SIDE, expected_duration_s=None, gray=True
    ):
        gray = pixels.to_gray(frame.image, ANALYSIS_SIDE)
        small = pixels.to_gray(gray, SHAKE_SIDE).astype(np.float32)
        small_spread = _spread(small)[1]
        if small_before is not None:
            shifts.append(_shift(small_before, small, small_spread_before, small_spread))
            shift_times.append(frame.time_s)
        small_before, small_spread_before = small, small_spread
        if frame.time_s + 1e-6 < next_due:
            continue
        next_due = (int(frame.time_s / SAMPLE_S + 1e-6) + 1) * SAMPLE_S
        times.append(frame.time_s)
        level = _spread(gray)[0]
        is_black = level < BLACK_LEVEL and _flat(gray)
        if is_black:
            black.append(frame.time_s)
        else:
            bright.append(level)
            if pixels.has_structure(gray):  # not one flat colour: it has edges to judge focus by
                sharp.append(pixels.sharpness(gray))
            if previous is not None and _unchanged(previous, gray):
                frozen.append(frame.time_s)
        previous = gray
    width_px = small_before.shape[1] if small_before is not None else SHAKE_SIDE
    if not times:
        return measures
    span_s = max(media.duration_s, times[-1] + SAMPLE_S)
    black_runs = _stretches(black, MIN_STRETCH_S)
    # a frozen frame repeats the one sampled before it: the stretch starts one sample earlier
    frozen_runs = [[max(0.0, a - SAMPLE_S), b] for a, b in _stretches(frozen, MIN_FROZEN_S - SAMPLE_S)]
    measures.update(
        sharpness=round(float(np.median(sharp)), 1) if sharp else None,
        brightness=round(float(np.mean(bright)), 1) if bright else None,  # no frame to judge: no measure
        black_ratio=round(sum(b - a for a, b in black_runs) / span_s, 4),
        black_stretches=black_runs,
        frozen_ratio=round(sum(b - a for a, b in frozen_runs) / span_s, 4),
        frozen_stretches=frozen_runs,
        shake=_shake(shift_times, shifts, width_px),
    )
    return measures


def _flat(gray: np.ndarray) -> bool:
    """Whether all but 1 % of a frame's pixels lie within ``pixels.FLAT_LEVELS`` levels (its 0.5th
    to 99.5th percentiles). A bound on the spread alone had read white letters on navy (mean 17,
    spread 25, 1 % of the pixels lit) as black, and a picture shot dark (levels 0-22) too, whose
    brightness then went unmeasured; a channel's small logo on black (0.1 %) leaves it black."""
    counts = np.cumsum(cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel())
    low, high = np.searchsorted(counts, [0.005 * counts[-1], 0.995 * counts[-1]])
    return int(high) - int(low) <= pixels.FLAT_LEVELS


def _unchanged(before: np.ndarray, after: np.ndarray) -> bool:
    """Whether two pictures differ by under ``FROZEN_DIFF`` levels on average."""
    return before.shape == after.shape and cv2.mean(cv2.absdiff(before, after))[0] < FROZEN_DIFF


def _spread(gray: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of a one-channel picture, in one pass (OpenCV's, in double
    precision: numpy's ``std`` took a third of the measures' time, ten pictures a second)."""
    mean, std = cv2.meanStdDev(gray)
    return float(mean[0, 0]), float(std[0, 0])


def _shift(before: np.ndarray, after: np.ndarray, before_std: float, after_std: float) -> tuple[float, float]:
    """The picture's global shift from ``before`` to ``after`` in pixels (their standard
    deviations given); none across a cut."""
    if before.shape != after.shape or before_std < _FLAT_STD or after_std < _FLAT_STD:
        return (0.0, 0.0)
    if min(before.shape) < _MIN_SHIFT_SIDE:  # OpenCV's window needs 2 pixels a side; a strip shows no shake
        return (0.0, 0.0)
    (dx, dy), peak = cv2.phaseCorrelate(before, after, _hanning(before.shape))
    return (float(dx), float(dy)) if peak >= _MIN_PEAK else (0.0, 0.0)


@functools.cache
def _hanning(shape: tuple[int, ...]) -> np.ndarray:
    # read only: phaseCorrelate does not write its window
    return cv2.createHanningWindow(shape[::-1], cv2.CV_32F)


def _shake(times: list[float], shifts: list[tuple[float, float]], width_px: int) -> float | None:
    """Median change of the camera's velocity between samples, in per cent of the width."""
    if len(shifts) < 3:
        return None
    # Samples fall on frames, so at 25 fps they alternate 0.08 and 0.12 s apart: the path is put
    # on an even clock first, or a steady scroll would look like a wobble.
    raw = np.cumsum(np.asarray(shifts, dtype=np.float64), axis=0)
    clock = np.arange(times[0], times[-1] + 1e-9, SHAKE_SAMPLE_S)
    if len(clock) < 3:
        return None
    path = np.stack([np.interp(clock, times, raw[:, i]) for i in (0, 1)], axis=1)
    jolts = path[2:] - 2 * path[1:-1] + path[:-2]
    return round(float(np.median(np.hypot(jolts[:, 0], jolts[:, 1]))) / width_px * 100, 3)


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
