"""Integrated loudness (LUFS) per ITU-R BS.1770-4, measured on a stream of blocks.

``LoudnessMeter(rate, channels)`` is fed float samples in [-1, 1] (``frames x channels``) with
``add(block)`` in any block sizes; ``integrated_lufs()`` then returns the programme's integrated
loudness. Memory is one mean-square value per 100 ms of audio (36,000 floats an hour), never the
audio itself — so a one-hour file is measured as it is decoded.

The algorithm is the standard's: K-weighting (a +4 dB high shelf at ~1.5 kHz and a ~38 Hz high
pass, as two biquads whose state carries across blocks), mean square over 400 ms blocks stepped by
100 ms, channels summed with weight 1.0 (left, right, centre; surround channels are not handled:
decoders hand us mono or stereo), an absolute gate at -70 LUFS and a relative gate 10 LU below the
absolutely-gated mean. The biquads are those of pyloudnorm's ``Meter`` (Brecht De Man's derivation
for any sample rate); tests check this meter against pyloudnorm and against the standard's
reference point (a 997 Hz sine at -20 dBFS in one channel reads -23.0 LUFS).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter

_BLOCK_S = 0.4  # gating block (s)
_STEP_S = 0.1  # 75 % overlap
_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = -10.0
SILENT_LUFS = -70.0  # what a programme with no block above the absolute gate reads


def _high_shelf(rate: int) -> tuple[np.ndarray, np.ndarray]:
    gain_db, q, fc = 4.0, 1 / math.sqrt(2), 1500.0
    a_ = 10 ** (gain_db / 40)
    w0 = 2 * math.pi * fc / rate
    alpha = math.sin(w0) / (2 * q)
    cos, root = math.cos(w0), 2 * math.sqrt(a_) * alpha
    b = [
        a_ * ((a_ + 1) + (a_ - 1) * cos + root),
        -2 * a_ * ((a_ - 1) + (a_ + 1) * cos),
        a_ * ((a_ + 1) + (a_ - 1) * cos - root),
    ]
    a = [(a_ + 1) - (a_ - 1) * cos + root, 2 * ((a_ - 1) - (a_ + 1) * cos), (a_ + 1) - (a_ - 1) * cos - root]
    return np.array(b) / a[0], np.array(a) / a[0]


def _high_pass(rate: int) -> tuple[np.ndarray, np.ndarray]:
    q, fc = 0.5, 38.0
    w0 = 2 * math.pi * fc / rate
    alpha = math.sin(w0) / (2 * q)
    cos = math.cos(w0)
    b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
    a = [1 + alpha, -2 * cos, 1 - alpha]
    return np.array(b) / a[0], np.array(a) / a[0]


class LoudnessMeter:
    """Integrated loudness of a stream of ``frames x channels`` float blocks at ``rate`` Hz."""

    def __init__(self, rate: int, channels: int = 1) -> None:
        self.rate = rate
        self.channels = channels
        self._filters = [_high_shelf(rate), _high_pass(rate)]
        self._state = [np.zeros((2, channels)) for _ in self._filters]
        self._step = round(_STEP_S * rate)
        self._pending = np.zeros(0)  # K-weighted squared samples (summed over channels) not yet stepped
        self._quarters: list[float] = []  # mean square of each 100 ms step

    def add(self, block: np.ndarray) -> None:
        """Feed ``block`` (``frames`` for mono, else ``frames x channels``), float in [-1, 1]."""
        x = np.asarray(block, dtype=np.float64).reshape(-1, self.channels)
        for i, (b, a) in enumerate(self._filters):
            x, self._state[i] = lfilter(b, a, x, axis=0, zi=self._state[i])
        power = np.concatenate([self._pending, np.sum(x * x, axis=1)])
        whole = power.size // self._step * self._step
        if whole:
            self._quarters += power[:whole].reshape(-1, self._step).mean(axis=1).tolist()
        self._pending = power[whole:]

    def integrated_lufs(self) -> float:
        """The gated integrated loudness in LUFS; ``SILENT_LUFS`` for silence or under 400 ms."""
        quarters = np.asarray(self._quarters)
        per_block = round(_BLOCK_S / _STEP_S)
        if quarters.size < per_block:
            return SILENT_LUFS
        blocks = np.convolve(quarters, np.ones(per_block) / per_block, mode="valid")
        loudness = -0.691 + 10 * np.log10(np.maximum(blocks, 1e-20))
        gated = blocks[loudness > _ABSOLUTE_GATE_LUFS]
        if not gated.size:
            return SILENT_LUFS
        relative = -0.691 + 10 * math.log10(gated.mean()) + _RELATIVE_GATE_LU
        kept = blocks[(loudness > _ABSOLUTE_GATE_LUFS) & (loudness > relative)]
        return round(-0.691 + 10 * math.log10(kept.mean()), 2)
