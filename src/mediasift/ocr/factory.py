"""The OCR engine named by ``settings.ocr_engine``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediasift.errors import BackendUnavailable

if TYPE_CHECKING:
    from mediasift.config import Settings
    from mediasift.models.registry import ModelRegistry
    from mediasift.ocr.base import OcrEngine


def engine_missing(name: str) -> str | None:
    """Why the OCR engine ``name`` cannot run here, or None when it can."""
    import shutil

    if name == "rapidocr":
        return None  # a core dependency
    if name == "tesseract":
        if shutil.which("tesseract") is None:
            return "OCR engine 'tesseract' is not installed: apt-get install tesseract-ocr tesseract-ocr-spa"
        return None
    return f"unknown OCR engine {name!r}; choose rapidocr or tesseract"


def get_ocr_engine(models: ModelRegistry, settings: Settings) -> OcrEngine:
    """The engine named by ``settings.ocr_engine``, its weights loaded at its first call."""
    # The engines' modules are imported by a process that reads text off pictures, not by every
    # process that imports this factory (an API that preloads nothing, through ops/readiness.py).
    from mediasift.ocr.rapidocr import RapidOcrEngine
    from mediasift.ocr.tesseract import TesseractEngine

    name = settings.ocr_engine
    if name == "rapidocr":
        threads, scout = settings.model_threads, settings.ocr_scout
        return models.model(
            f"ocr:rapidocr:{threads}:{'scout' if scout else 'full'}",
            lambda: RapidOcrEngine(threads, scout=scout, cache_dirs=(settings.resolved_model_cache,)),
        )
    if name == "tesseract":
        langs = list(settings.ocr_languages)
        return models.model(f"ocr:tesseract:{'+'.join(langs)}", lambda: TesseractEngine(langs))
    raise BackendUnavailable(f"unknown OCR engine {name!r}; choose rapidocr or tesseract")
