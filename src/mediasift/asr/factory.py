"""The speech recognizer named by ``settings.asr_model``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediasift.asr.whisper import (
    Hardware,
    WhisperRecognizer,
    load_whisper,
    load_whisper_base,
    load_whisper_tiny_en,
)
from mediasift.errors import BackendUnavailable

if TYPE_CHECKING:
    from mediasift.asr.base import SpeechRecognizer
    from mediasift.config import Settings
    from mediasift.models.registry import ModelRegistry


def get_speech_recognizer(models: ModelRegistry, settings: Settings) -> SpeechRecognizer:
    """The recognizer named by ``settings.asr_model``, its model loaded once per process."""
    name, hw = settings.asr_model, Hardware.of(settings)
    multilingual = {
        "language": settings.asr_language,
        "beam_size": settings.asr_beam_size,
        "candidate_languages": settings.asr_candidate_languages,
    }
    if name == "whisper-base":
        model = models.get(f"asr:whisper-base:{hw.key}", lambda: load_whisper_base(hw))
        return WhisperRecognizer(model, f"whisper-base-{hw.compute_type}", **multilingual)  # type: ignore[arg-type]
    if name == "whisper-tiny.en":
        model = models.get(f"asr:whisper-tiny.en:{hw.key}", lambda: load_whisper_tiny_en(hw))
        return WhisperRecognizer(
            model, f"whisper-tiny.en-{hw.compute_type}", language="en", beam_size=settings.asr_beam_size
        )
    if name == "whisper-dir":
        directory = settings.asr_model_dir
        if directory is None or not (directory / "model.bin").is_file():
            raise BackendUnavailable(
                "asr_model=whisper-dir needs MEDIASIFT_ASR_MODEL_DIR: a CTranslate2 Whisper model directory "
                f"with model.bin (got {directory})"
            )
        model = models.get(f"asr:dir:{directory}:{hw.key}", lambda: load_whisper(str(directory), hw))
        return WhisperRecognizer(model, f"whisper-dir:{directory.name}-{hw.compute_type}", **multilingual)  # type: ignore[arg-type]
    raise BackendUnavailable(
        f"unknown ASR model {name!r}; choose whisper-base, whisper-tiny.en or whisper-dir"
    )
