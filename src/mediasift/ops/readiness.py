"""Readiness: the models named in ``preload_models`` load in the background at start-up, and the
process reports ready only once they have and its backends answer (``GET /ready``).

The probes (``catalog_error``, ``index_error``, ``queue_error``, ``cache_error``) are shared with
``mediasift doctor``: each returns the exception a backend answered with, or None when it answered.
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from mediasift.ops.thread_priority import lower_current_thread_priority

if TYPE_CHECKING:
    from mediasift.cache.base import Cache
    from mediasift.catalog.db import Catalog
    from mediasift.config import Settings
    from mediasift.index.base import Index
    from mediasift.models.registry import ModelRegistry
    from mediasift.queue.base import Queue
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.readiness")
# preload name → "module:function(models, settings)" that loads (once) and returns the model
LOADERS = {
    "text": "mediasift.embed.text.factory:get_text_embedder",
    "image": "mediasift.embed.image.factory:get_image_embedder",
    "asr": "mediasift.asr.factory:get_speech_recognizer",
    "ocr": "mediasift.ocr.factory:get_ocr_engine",
}


def load_named_model(models: ModelRegistry, settings: Settings, name: str) -> Any:
    """The model a preload name stands for, loaded once per registry; ``KeyError`` if unknown."""
    module, _, function = LOADERS[name].partition(":")
    return getattr(importlib.import_module(module), function)(models, settings)


def load_model(rt: Runtime, name: str) -> None:
    """Load (once per process) the model a preload name stands for; ``KeyError`` if unknown."""
    load_named_model(rt.models, rt.settings, name)


def catalog_error(catalog: Catalog) -> Exception | None:
    try:
        with catalog.session() as s:
            s.execute(text("SELECT 1"))
    except Exception as exc:
        return exc
    return None


def index_error(index: Index) -> Exception | None:
    try:
        index.count()
    except Exception as exc:
        return exc
    return None


def queue_error(queue: Queue) -> Exception | None:
    try:
        queue.stats()
    except Exception as exc:
        return exc
    return None


def cache_error(cache: Cache) -> Exception | None:
    try:
        cache.ping()
    except Exception as exc:
        return exc
    return None


def _status(error: Exception | None) -> str:
    return "ok" if error is None else f"error: {type(error).__name__}"


class Readiness:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.models_ready = threading.Event()
        self.model_error: str | None = None

    def start(self) -> Readiness:
        threading.Thread(target=self._preload, name="model-preload", daemon=True).start()
        return self

    def _preload(self) -> None:
        # Loading is background work, and the threads a model starts (CTranslate2's, ONNX Runtime's)
        # inherit this thread's priority: at the workers' priority, ingest on them yields to searches.
        lower_current_thread_priority(self.rt.settings.worker_niceness)
        for name in self.rt.settings.preload_models:
            if name not in LOADERS:
                self.model_error = f"unknown model {name!r} in preload_models; choose from {sorted(LOADERS)}"
                log.error(self.model_error)
                return
            try:
                load_model(self.rt, name)
            except Exception as exc:
                self.model_error = f"model {name!r} failed to load: {type(exc).__name__}: {exc}"
                log.exception("model %s failed to load", name)
                return
        self.models_ready.set()

    def check_catalog(self) -> str:
        return _status(catalog_error(self.rt.catalog))

    def check_index(self) -> str:
        return _status(index_error(self.rt.index))

    def reasons(self) -> list[str]:
        """Why this process is not ready (empty when it is)."""
        reasons = []
        if not self.models_ready.is_set():
            reasons.append(self.model_error or "models are loading")
        if (catalog := self.check_catalog()) != "ok":
            reasons.append(f"catalog {catalog}")
        if (index := self.check_index()) != "ok":
            reasons.append(f"index {index}")
        if (queue := queue_error(self.rt.queue)) is not None:
            reasons.append(f"queue error: {type(queue).__name__}")
        return reasons
