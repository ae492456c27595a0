"""The model lifecycle: weights load lazily, once, are shared by threads, and unload when idle.

``ModelRegistry.model(key, build)`` gives the one ``InferenceModel`` (below) for a key;
its weights load the first time a call needs them, or at start (``preload``, for the models
``MEDIASIFT_PRELOAD_MODELS`` lists: ``ops/readiness.py``). However many threads ask at once, a model loads
once: the first loads it under the model's own lock, the others wait for it. The registry unloads
weights again when

- no call has used them for ``idle_s`` seconds (``MEDIASIFT_MODEL_IDLE_S``), which a background
  thread checks a few times per ``idle_s``; and
- loading another model would make more than ``max_loaded`` loaded (``MEDIASIFT_MAX_LOADED_MODELS``):
  the least recently used go first.

Weights a call is using are never unloaded (``InferenceModel.loaded()`` holds them for its block).
When every loaded model is in use, one more loads over the bound, and the surplus unloads as the
calls end. Unloaded weights load again at their next call. Both limits are off by default: a model
stays loaded for the life of the process, as it always had.

After a load, everything alive is moved out of the cyclic garbage collector's reach (``gc.freeze``):
the model, and the modules and app loaded before it, live as long as the process, yet every full
collection walked them all, holding the interpreter lock meanwhile: 230-280 ms here with every
model loaded, during which all 16 searches in flight of the load benchmark stalled at once.
Reference counting still frees frozen objects; only cycles among them are never collected, so an
unload unfreezes, collects and freezes again: one such pause per unload, when a model is idle.

``get(key, loader)`` keeps other shared objects (the answer models: an API client, or a GGUF the
LLM library owns) for the life of the process, built once per key.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from mediasift.config import Settings

T = TypeVar("T")
M = TypeVar("M", bound="InferenceModel[Any]")
W = TypeVar("W")

log = logging.getLogger("mediasift.models")

_binding = threading.Lock()


class InferenceModel(ABC, Generic[W]):
    """One model, whose weights load on first use and may be unloaded when idle.

    Every ASR, OCR and embedding engine is one. Building it is cheap and loads nothing: it keeps the
    settings that shape it and its ``id`` (recorded on what it produces, so known without loading).
    ``load()`` builds the heavy part (an ONNX Runtime session, a CTranslate2 model, a quantised matrix)
    and returns it; the engine's calls use it inside ``with self.loaded() as weights:``. The registry
    decides when weights load and unload; a call never sees them unloaded
    under it, since ``loaded()`` keeps them until its block ends.
    """

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
                registry = ModelRegistry()
                registry.model(type(self).__name__, lambda: self)
            return registry


@dataclass(eq=False)
class _Slot:
    """One model's weights and how they are used; every field but ``loading`` is guarded by the
    registry's lock, and ``loading`` makes the model load once however many calls need it."""

    model: InferenceModel[Any]
    weights: Any = None
    loaded: bool = False
    users: int = 0  # calls inside ``loaded()`` now
    last_used: float = 0.0  # the registry's clock when the last of them ended
    loading: threading.Lock = field(default_factory=threading.Lock)


class ModelRegistry:
    def __init__(
        self, idle_s: float = 0.0, max_loaded: int = 0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.idle_s = idle_s  # 0: never unload an idle model
        self.max_loaded = max_loaded  # 0: no bound
        self._clock = clock
        self._guard = threading.Lock()
        self._slots: dict[str, _Slot] = {}
        self._held: dict[str, Any] = {}
        self._held_locks: dict[str, threading.Lock] = {}
        self._reaper: threading.Thread | None = None
        self._closed = threading.Event()
        self.load_seconds: dict[str, float] = {}  # the latest load of each model, by key

    @classmethod
    def for_settings(cls, settings: Settings) -> ModelRegistry:
        return cls(idle_s=settings.model_idle_s, max_loaded=settings.max_loaded_models)

    # -- models with a lifecycle ---------------------------------------------------------------------

    def model(self, key: str, build: Callable[[], M]) -> M:
        """The one model for ``key``, made by ``build`` the first time (which loads no weights)."""
        with self._guard:
            slot = self._slots.get(key)
        if slot is None:
            built = build()  # outside the lock: a model reads its config file, say, meanwhile
            with self._guard:
                slot = self._slots.get(key)
                if slot is None:
                    built.bind(self, key)
                    slot = self._slots[key] = _Slot(built)
        return slot.model  # type: ignore[return-value]

    @contextmanager
    def using(self, model: InferenceModel[W]) -> Iterator[W]:
        """``model``'s weights, loaded if they are not, and not unloaded before the block ends."""
        slot = self._slots[model.key]
        with self._guard:
            slot.users += 1
            loaded = slot.loaded
        try:
            if not loaded:
                self._load(slot)
            yield slot.weights
        finally:
            with self._guard:
                slot.users -= 1
                slot.last_used = self._clock()
                surplus = self._over_bound(0)
            self._unload(surplus)

    def preload(self, model: InferenceModel[Any]) -> None:
        """Load ``model``'s weights now rather than at its first call (idle, they unload like any)."""
        with self.using(model):
            pass

    def unload_idle(self) -> list[str]:
        """Unload the weights no call has used for ``idle_s`` seconds; the keys of those unloaded."""
        if self.idle_s <= 0:
            return []
        with self._guard:
            now = self._clock()
            idle = [
                s
                for s in self._slots.values()
                if s.loaded and not s.users and now - s.last_used >= self.idle_s
            ]
            unloading = [self._detach(slot) for slot in idle]
        keys = [key for key, _ in unloading]
        self._unload(unloading)
        return keys

    def loaded(self) -> list[str]:
        """Keys of the models loaded now, and of the objects ``get`` keeps."""
        with self._guard:
            return sorted([k for k, s in self._slots.items() if s.loaded] + list(self._held))

    def close(self) -> None:
        """Stop the thread that unloads idle models (loaded ones stay loaded)."""
        self._closed.set()

    # -- objects kept for the life of the process ----------------------------------------------------

    def get(self, key: str, loader: Callable[[], T]) -> T:
        """The one object for ``key``, built by ``loader`` the first time and never unloaded."""
        held = self._held.get(key)
        if held is not None:
            return held
        with self._guard:
            lock = self._held_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._held:
                started = time.perf_counter()
                built = loader()
                with self._guard:
                    self._held[key] = built
                    self.load_seconds[key] = time.perf_counter() - started
                _freeze_long_lived_objects()
            return self._held[key]

    # -- loading and unloading -----------------------------------------------------------------------

    def _load(self, slot: _Slot) -> None:
        with slot.loading:
            if slot.loaded:  # another call loaded it while this one waited
                return
            with self._guard:
                room = self._over_bound(1)  # unloaded before this load, so both are never in memory
            self._unload(room)
            started = time.perf_counter()
            weights = slot.model.load()
            with self._guard:
                slot.weights, slot.loaded = weights, True
                self.load_seconds[slot.model.key] = time.perf_counter() - started
            _freeze_long_lived_objects()
            self._start_reaper()

    def _over_bound(self, adding: int) -> list[tuple[str, Any]]:
        """Detach the least recently used idle weights until ``adding`` more fit under the bound
        (the guard is held)."""
        if self.max_loaded <= 0:
            return []
        loaded = [s for s in self._slots.values() if s.loaded]
        excess = len(loaded) + adding - self.max_loaded
        if excess <= 0:
            return []
        idle = sorted((s for s in loaded if not s.users), key=lambda s: s.last_used)
        return [self._detach(slot) for slot in idle[:excess]]

    @staticmethod
    def _detach(slot: _Slot) -> tuple[str, Any]:
        weights, slot.weights, slot.loaded = slot.weights, None, False
        return slot.model.key, weights

    def _unload(self, detached: list[tuple[str, Any]]) -> None:
        """Free detached weights: the registry held their last reference (no call is using them)."""
        if not detached:
            return
        keys = [key for key, _ in detached]
        detached.clear()
        _collect_unloaded()
        log.info("models unloaded: %s", ", ".join(keys))

    def _start_reaper(self) -> None:
        if self.idle_s <= 0 or self._closed.is_set():
            return
        with self._guard:
            if self._reaper is not None and self._reaper.is_alive():
                return
            every_s = min(max(self.idle_s / 4, 0.01), 30.0)
            self._reaper = threading.Thread(
                target=_unload_idle_models,
                args=(weakref.ref(self), self._closed, every_s),
                name="model-reaper",
                daemon=True,
            )
            self._reaper.start()


def _unload_idle_models(ref: weakref.ref[ModelRegistry], closed: threading.Event, every_s: float) -> None:
    # A weak reference: a registry nothing else uses (a test's) is freed, and this thread ends.
    while not closed.wait(every_s):
        registry = ref()
        if registry is None:
            return
        registry.unload_idle()
        del registry


def _freeze_long_lived_objects() -> None:
    # No collection first: it found 0-148 unreachable objects a load (under 25 KB, other threads'
    # SQL statement building, none of a model's) and took 31-126 ms of the interpreter each,
    # ~0.15 s of a cold video ingest's start and 0.13 s of a cold CLI search. Garbage frozen
    # here is collected at the next unload, which unfreezes everything first.
    gc.freeze()


def _collect_unloaded() -> None:
    # The unloaded weights were frozen with everything else at their load: only unfrozen are
    # cycles among them collected.
    gc.unfreeze()
    gc.collect()
    gc.freeze()
