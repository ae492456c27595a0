"""Audio decodes as a bounded stream of 16 kHz mono float32 blocks, from any container."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mediasift.errors import CorruptMedia
from mediasift.media.audio import SAMPLE_RATE, iter_audio
from mediasift.media.probe import probe
from tests import mediagen


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if samples.size else 0.0


def test_blocks_are_16khz_mono_float32_and_never_longer_than_asked(talk_mp4: mediagen.Talk) -> None:
    blocks = list(iter_audio(talk_mp4.path, block_s=5.0))
    assert all(b.dtype == np.float32 and b.ndim == 1 for b in blocks)
    assert all(b.size == 5 * SAMPLE_RATE for b in blocks[:-1])
    assert 0 < blocks[-1].size <= 5 * SAMPLE_RATE
    total_s = sum(b.size for b in blocks) / SAMPLE_RATE
    assert total_s == pytest.approx(talk_mp4.duration_s, abs=0.1)
    assert max(float(np.abs(b).max()) for b in blocks) <= 1.0


def test_speech_is_where_the_script_put_it(talk_mp4: mediagen.Talk) -> None:
    audio = np.concatenate(list(iter_audio(talk_mp4.path)))
    for said in talk_mp4.utterances:
        voiced = audio[int(said.start_s * SAMPLE_RATE) : int(said.end_s * SAMPLE_RATE)]
        after = audio[int((said.end_s + 0.3) * SAMPLE_RATE) : int((said.end_s + 1.5) * SAMPLE_RATE)]
        assert rms(voiced) > 20 * max(rms(after), 1e-5), said.text


@pytest.mark.parametrize("fmt", ["wav", "mp3", "ogg", "flac", "m4a", "opus"])
def test_every_audio_format_decodes_to_its_full_length(media_dir: Path, fmt: str) -> None:
    talk = mediagen.talk_audio(media_dir / f"a-{fmt}", fmt, [("es", "El agua está fría.")])
    seconds = sum(b.size for b in iter_audio(talk.path)) / SAMPLE_RATE
    # Lossy encoders add a few ms of priming or padding; the speech must all be there.
    assert seconds == pytest.approx(talk.duration_s, abs=0.1)


def test_progress_reports_seconds_decoded(talk_mp4: mediagen.Talk) -> None:
    seen: list[float] = []
    for _ in iter_audio(talk_mp4.path, block_s=10.0, on_progress=seen.append):
        pass
    assert seen == sorted(seen)
    assert seen[0] == pytest.approx(10.0)
    assert seen[-1] == pytest.approx(talk_mp4.duration_s, abs=0.1)


def test_index_first_mp4_cut_short_is_caught_as_truncated(talk_mp4: mediagen.Talk, tmp_path: Path) -> None:
    whole = mediagen.faststart_copy(talk_mp4.path, tmp_path / "fast.mp4")
    cut = mediagen.truncated_copy(whole, tmp_path / "cut.mp4", 0.5)
    declared = probe(cut).duration_s  # the index still promises the whole length
    assert declared == pytest.approx(talk_mp4.duration_s, abs=0.2)
    with pytest.raises(CorruptMedia, match="truncated"):
        for _ in iter_audio(cut, expected_duration_s=declared):
            pass
