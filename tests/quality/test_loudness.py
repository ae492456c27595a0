"""The streaming BS.1770 meter reads what the standard and pyloudnorm (the reference) read."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from mediasift.quality.loudness import SILENT_LUFS, LoudnessMeter


def _fed_in_pieces(meter: LoudnessMeter, signal: np.ndarray, piece: int = 1234) -> float:
    for at in range(0, signal.shape[0], piece):
        meter.add(signal[at : at + piece])
    return meter.integrated_lufs()


def test_997_hz_sine_at_minus_20_dbfs_reads_minus_23_lufs() -> None:
    # ITU-R BS.1770-4: a 0 dBFS 997 Hz sine in one channel reads -3.01 LKFS
    rate = 48_000
    t = np.arange(rate * 5) / rate
    sine = 10 ** (-20 / 20) * np.sin(2 * np.pi * 997 * t)
    assert _fed_in_pieces(LoudnessMeter(rate), sine) == pytest.approx(-23.0, abs=0.1)


@pytest.mark.parametrize(("rate", "channels"), [(16_000, 1), (22_050, 1), (44_100, 2), (48_000, 2)])
def test_gated_loudness_matches_pyloudnorm(rate: int, channels: int) -> None:
    rng = np.random.default_rng(rate)
    seconds = 12
    envelope = np.abs(np.sin(np.linspace(0, 9, rate * seconds)))[:, None]  # loud and quiet passages
    signal = 0.2 * rng.standard_normal((rate * seconds, channels)) * envelope
    signal[: rate * 3] *= 0.001  # a near-silent opening the gates must leave out
    expected = pyloudnorm.Meter(rate).integrated_loudness(signal if channels > 1 else signal[:, 0])
    got = _fed_in_pieces(LoudnessMeter(rate, channels), signal if channels > 1 else signal[:, 0])
    assert got == pytest.approx(expected, abs=0.05)


def test_silence_and_too_short_read_as_silent() -> None:
    assert _fed_in_pieces(LoudnessMeter(16_000), np.zeros(16_000 * 2)) == SILENT_LUFS
    assert _fed_in_pieces(LoudnessMeter(16_000), 0.5 * np.ones(1000)) == SILENT_LUFS


def test_measuring_imports_no_scipy_signal_or_fftpack() -> None:
    # Their imports cost a cold process ~0.7 s of CPU (scipy.signal ~0.5, scipy.fftpack ~0.2).
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "import mediasift.quality.audio\n"
        "from mediasift.quality.loudness import LoudnessMeter\n"
        "from mediasift.extract.keyframes import _phash\n"
        "meter = LoudnessMeter(48_000, 2)\n"
        "meter.add(np.repeat(0.1 * np.sin(np.arange(96_000) / 10)[:, None], 2, axis=1))\n"
        "assert meter.integrated_lufs() > -30\n"
        "_phash(np.zeros((64, 64, 3), np.uint8))\n"
        "print(sorted(m for m in sys.modules if m in ('scipy.signal', 'scipy.fftpack', 'scipy.fft')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
