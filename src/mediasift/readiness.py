"""Readiness: the models named in ``preload_models`` load in the background at start-up, and the
process reports ready only once they have and its backends answer (``GET /ready``)."""

from __future__ import annotations

import importlib
import logging
import threading
from typing import TYPE_CHECKING

from sqlalchemy import text

from mediasift.thread_priority import lower_current_thread_priority

if TYPE_CHECKING:
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.readiness")
# preload name → "module:function(models, settings)" that loads (once) and returns the model
LOADERS = {
    "text": "mediasift.embed.text:get_text_embedder",
    "image": "mediasift.embed.image:get_image_embedder",
    "asr": "mediasift.extract.speech:get_speech_recognizer",
    "ocr": "mediasift.extract.ocr:get_ocr_engine",
}


def load_model(rt: Runtime, name: str) -> None:
    """Load (once per process) the model a preload name stands for; ``KeyError`` if unknown."""
    module, _, function = LOADERS[name].partition(":")
    getattr(importlib.import_module(module), function)(rt.models, rt.settings)


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
        try:
            with self.rt.catalog.session() as s:
                s.execute(text("SELECT 1"))
        except Exception as exc:
            return f"error: {type(exc).__name__}"
        return "ok"

    def check_index(self) -> str:
        try:
            self.rt.index.count()
        except Exception as exc:
            return f"error: {type(exc).__name__}"
        return "ok"

    def reasons(self) -> list[str]:
        """Why this process is not ready (empty when it is)."""
        reasons = []
        if not self.models_ready.is_set():
            reasons.append(self.model_error or "models are loading")
        if (catalog := self.check_catalog()) != "ok":
            reasons.append(f"catalog {catalog}")
        if (index := self.check_index()) != "ok":
            reasons.append(f"index {index}")
        try:
            self.rt.queue.stats()
        except Exception as exc:
            reasons.append(f"queue error: {type(exc).__name__}")
        return reasons
