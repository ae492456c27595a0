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

The biquads run in FFmpeg's ``biquad`` filter (double precision, through PyAV, which decodes the
audio anyway) on about a second of samples at a time: SciPy's ``lfilter`` did the same arithmetic,
but importing ``scipy.signal`` cost ~0.5 s of CPU in every process that measured a file.
"""

from __future__ import annotations

import math

import av
import av.filter
import numpy as np

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


def _layout(channels: int) -> str:
    return {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")


def _k_weighting(rate: int, channels: int) -> av.filter.Graph:
    graph = av.filter.Graph()
    if hasattr(av.filter.Graph, "threads"):  # PyAV 18 on; before, FFmpeg's default
        graph.threads = 1  # a few multiply-adds a sample; FFmpeg's default (a thread a core) is for more
    nodes = [graph.add_abuffer(format="dbl", sample_rate=rate, layout=_layout(channels))]
    for b, a in (_high_shelf(rate), _high_pass(rate)):
        taps = ":".join(f"{name}={float(v)!r}" for name, v in zip(("b0", "b1", "b2"), b, strict=True))
        poles = ":".join(f"{name}={float(v)!r}" for name, v in zip(("a0", "a1", "a2"), a, strict=True))
        nodes.append(graph.add("biquad", f"{taps}:{poles}:precision=f64"))
    nodes.append(graph.add("abuffersink"))
    graph.link_nodes(*nodes).configure()
    return graph


class LoudnessMeter:
    """Integrated loudness of a stream of ``frames x channels`` float blocks at ``rate`` Hz."""

    def __init__(self, rate: int, channels: int = 1) -> None:
        self.rate = rate
        self.channels = channels
        self._graph = _k_weighting(rate, channels)
        self._held: list[np.ndarray] = []  # samples not yet filtered
        self._held_frames = 0
        self._pts = 0
        self._step = round(_STEP_S * rate)
        self._pending = np.zeros(0)  # K-weighted squared samples (summed over channels) not yet stepped
        self._quarters: list[float] = []  # mean square of each 100 ms step

    def add(self, block: np.ndarray) -> None:
        """Feed ``block`` (``frames`` for mono, else ``frames x channels``), float in [-1, 1]."""
        x = np.asarray(block, dtype=np.float64).reshape(-1, self.channels)
        self._held.append(x)
        self._held_frames += x.shape[0]
        # A second at a time: each frame through the graph costs ~0.2 ms, a decoder's frame is ~20 ms.
        if self._held_frames >= self.rate:
            self._filter_held()

    def _filter_held(self) -> None:
        if not self._held_frames:
            return
        samples = np.ascontiguousarray(np.concatenate(self._held))
        self._held, self._held_frames = [], 0
        frame = av.AudioFrame.from_ndarray(
            samples.reshape(1, -1), format="dbl", layout=_layout(self.channels)
        )
        frame.sample_rate = self.rate
        frame.pts = self._pts
        self._pts += samples.shape[0]
        self._graph.push(frame)
        while True:
            try:
                out = self._graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            weighted = out.to_ndarray()
            weighted = weighted.T if out.format.is_planar else weighted.reshape(-1, self.channels)
            self._add_power(np.sum(weighted * weighted, axis=1))

    def _add_power(self, power: np.ndarray) -> None:
        power = np.concatenate([self._pending, power])
        whole = power.size // self._step * self._step
        if whole:
            self._quarters += power[:whole].reshape(-1, self._step).mean(axis=1).tolist()
        self._pending = power[whole:]

    def integrated_lufs(self) -> float:
        """The gated integrated loudness in LUFS; ``SILENT_LUFS`` for silence or under 400 ms."""
        self._filter_held()
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
