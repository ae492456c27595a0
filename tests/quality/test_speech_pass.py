"""Quality's speech measures come from the pass speech recognition makes over the audio: the same
figures as a pass of quality's own, and no second voice activity scan in an ingest."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from mediasift.asr import vad
from mediasift.asr.factory import get_speech_recognizer
from mediasift.asr.vad import Heard
from mediasift.catalog import quality as stored
from mediasift.config import Settings
from mediasift.media.audio import iter_audio
from mediasift.models.registry import ModelRegistry
from mediasift.quality import measure_signal, with_speech
from mediasift.runtime import Runtime
from mediasift.services.ingest import ingest_stream
from mediasift.worker.pipeline import run_ingest
from tests import mediagen


@pytest.mark.parametrize("copy", ["original", "noisy", "silent"])
def test_recognitions_pass_gives_the_measures_a_pass_of_its_own_gives(
    speech_copies: dict[str, Path], models: ModelRegistry, copy: str
) -> None:
    path = speech_copies[copy]
    recognizer = get_speech_recognizer(models, Settings(_env_file=None, model_threads=2))
    heard = Heard()
    segments = list(recognizer.transcribe(iter_audio(path), heard=heard))
    assert segments and heard.whole and heard.voiced

    own = measure_signal("audio", path)
    assert {"speech_ratio", "silence_ratio", "snr_db"} <= set(own)
    without = measure_signal("audio", path, speech=False)
    assert "speech_ratio" not in without
    assert with_speech(without, path, heard) == own
    cut_short = Heard(heard.powers[:1], heard.voiced[:1])  # a failed pass: listened to again
    assert with_speech(without, path, cut_short) == own


def test_a_video_ingest_scans_its_voices_once(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not mediagen.have_tools():
        pytest.skip("ffmpeg / espeak-ng not installed")
    talk = mediagen.talk_video(tmp_path)
    scans = []
    real = vad.voiced_regions

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        scans.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(vad, "voiced_regions", counted)
    monkeypatch.setattr("mediasift.asr.whisper.voiced_regions", counted)
    media = ingest_stream(runtime, "acme", io.BytesIO(talk.path.read_bytes()), talk.path.name).media
    run_ingest(runtime, "acme", media.id, lambda stage, fraction: None)

    assert len(scans) == 1
    with runtime.catalog.session() as s:
        quality = stored.get_quality(s, "acme", media.id)
    assert quality is not None
    assert 0.2 < quality["measures"]["speech_ratio"] < 1.0
    assert {"loudness_lufs", "silence_ratio", "sharpness"} <= set(quality["measures"])
