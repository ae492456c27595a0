"""Models load lazily, once per process, and are shared by worker threads.

``ModelRegistry.get(name, loader)`` returns the one instance for a name, loading it under a lock
the first time (and recording how long that took, for /metrics and /health).

After a load, everything alive is moved out of the cyclic garbage collector's reach (``gc.freeze``):
the model, and the modules and app loaded before it, live as long as the process, yet every full
collection walked them all, holding the interpreter lock meanwhile: 230-280 ms here with every
model loaded, during which all 16 searches in flight of the load benchmark stalled at once.
Reference counting still frees frozen objects; only cycles among them are never collected.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class ModelRegistry:
    def __init__(self) -> None:
        self._models: dict[str, Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.load_seconds: dict[str, float] = {}

    def get(self, name: str, loader: Callable[[], T]) -> T:
        model = self._models.get(name)
        if model is not None:
            return model
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._models:
                started = time.perf_counter()
                self._models[name] = loader()
                self.load_seconds[name] = time.perf_counter() - started
                _freeze_long_lived_objects()
            return self._models[name]

    def loaded(self) -> list[str]:
        return sorted(self._models)


def _freeze_long_lived_objects() -> None:
    gc.collect()  # garbage now would otherwise be frozen with the rest, never to be collected
    gc.freeze()
