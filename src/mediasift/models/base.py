"""``InferenceModel``: one model, whose weights load on first use and may be unloaded when idle.

Every ASR, OCR and embedding engine is one. Building it is cheap and loads nothing: it keeps the
settings that shape it and its ``id`` (recorded on what it produces, so known without loading).
``load()`` builds the heavy part (an ONNX Runtime session, a CTranslate2 model, a quantised matrix)
and returns it; the engine's calls use it inside ``with self.loaded() as weights:``. The registry
(``models/registry.py``) decides when weights load and unload; a call never sees them unloaded
under it, since ``loaded()`` keeps them until its block ends.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from mediasift.models.registry import ModelRegistry

W = TypeVar("W")

_binding = threading.Lock()


class InferenceModel(ABC, Generic[W]):
    id: str
    key = ""  # the registry's name for the model: "text:e5-small", "asr:whisper-base:cpu:int8:2"
    _registry: ModelRegistry | None = None

    @abstractmethod
    def load(self) -> W:
        """The weights, built from the model's files (called by the registry, once per load)."""

    def loaded(self) -> AbstractContextManager[W]:
        """The weights, loaded now if they are not, and kept loaded until the block ends."""
        return self._owner().using(self)

    def bind(self, registry: ModelRegistry, key: str) -> None:
        """Put the model's weights in ``registry``'s care, under ``key`` (done by the registry)."""
        self._registry, self.key = registry, key

    def _owner(self) -> ModelRegistry:
        if self._registry is not None:
            return self._registry
        with _binding:
            registry = self._registry
            if registry is None:  # built directly, as a test or a script may: a registry of its own
                from mediasift.models.registry import ModelRegistry

                registry = ModelRegistry()
                registry.model(type(self).__name__, lambda: self)
            return registry
