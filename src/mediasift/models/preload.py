"""The models a process may load at start, by the names ``MEDIASIFT_PRELOAD_MODELS`` lists.

``GET /ready`` waits for them (``ops/readiness.py``); ``mediasift doctor`` loads each to check the
install. A model not preloaded loads at its first call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mediasift.asr.factory import get_whisper
from mediasift.embed.image.factory import get_image_embedder
from mediasift.embed.text.factory import get_text_embedder
from mediasift.ocr.factory import get_ocr_engine

if TYPE_CHECKING:
    from mediasift.config import Settings
    from mediasift.models.base import InferenceModel
    from mediasift.models.registry import ModelRegistry

# name -> the factory of the model it stands for (every one an InferenceModel)
PRELOADABLE: dict[str, Callable[[ModelRegistry, Settings], Any]] = {
    "text": get_text_embedder,
    "image": get_image_embedder,
    "asr": get_whisper,
    "ocr": get_ocr_engine,
}


def preload(models: ModelRegistry, settings: Settings, name: str) -> InferenceModel[Any]:
    """The model ``name`` stands for, its weights loaded now; ``KeyError`` for an unknown name,
    ``BackendUnavailable`` (or what a broken package raises) when it does not load."""
    model: InferenceModel[Any] = PRELOADABLE[name](models, settings)
    models.preload(model)
    return model
