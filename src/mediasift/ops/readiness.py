"""Readiness: the models named in ``preload_models`` load in the background at start-up, and the
process reports ready only once they have and its backends answer (``GET /ready``). A model not
preloaded loads at its first use (``models/registry.py``).

The probes (``catalog_error``, ``index_error``, ``queue_error``, ``cache_error``) are shared with
``mediasift doctor``: each returns the exception a backend answered with, or None when it answered,
within ``PROBE_TIMEOUT_S`` (``probe``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from mediasift.asr.factory import get_whisper
from mediasift.embed.image.factory import get_image_embedder
from mediasift.embed.text.factory import get_text_embedder
from mediasift.errors import MediasiftError, public_message
from mediasift.ocr.factory import get_ocr_engine
from mediasift.ops.probes import probe
from mediasift.ops.thread_priority import BESIDE_SPEECH_NICENESS, lower_current_thread_priority

if TYPE_CHECKING:
    from mediasift.cache.base import Cache
    from mediasift.catalog.db import Catalog
    from mediasift.config import Settings
    from mediasift.index.base import Index
    from mediasift.models.registry import InferenceModel, ModelRegistry
    from mediasift.queue.base import Queue
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.readiness")
# preload name -> the factory of the model it stands for (every one an InferenceModel)
PRELOADABLE: dict[str, Callable[[ModelRegistry, Settings], Any]] = {
    "text": get_text_embedder,
    "image": get_image_embedder,
    "asr": get_whisper,
    "ocr": get_ocr_engine,
}


# What a media kind's job loads besides the text model (which every kind's text needs), each in
# the order its stages first ask for them: speech recognition before the frame lane's OCR and
# pictures. A video's list holds every one, in that order.
KIND_MODELS: dict[str, tuple[str, ...]] = {
    "video": ("asr", "ocr", "image"),
    "audio": ("asr",),
    "image": ("ocr", "image"),
}


def models_for_kinds(kinds: Iterable[str]) -> list[str]:
    """The preload names of the models jobs of ``kinds`` (``Sniffed.kind``) load, speech first."""
    wanted = {name for kind in kinds for name in KIND_MODELS.get(kind, ())}
    return [name for name in KIND_MODELS["video"] if name in wanted]


def preload(models: ModelRegistry, settings: Settings, name: str) -> InferenceModel[Any]:
    """The model a preload name stands for, its weights loaded now; ``KeyError`` for an unknown
    name, ``BackendUnavailable`` (or what a broken package raises) when it does not load."""
    model: InferenceModel[Any] = PRELOADABLE[name](models, settings)
    models.preload(model)
    return model


def _error(name: str, backend: object, check: Callable[[], Any]) -> Exception | None:
    try:
        probe(name, backend, check)
    except Exception as exc:
        return exc
    return None


def catalog_error(catalog: Catalog) -> Exception | None:
    return _error("catalog", catalog, catalog.ping)


def index_error(index: Index) -> Exception | None:
    return _error("index", index, index.count)


def queue_error(queue: Queue) -> Exception | None:
    return _error("queue", queue, queue.stats)


def cache_error(cache: Cache) -> Exception | None:
    return _error("cache", cache, cache.ping)


def _status(error: Exception | None) -> str:
    return "ok" if error is None else f"error: {_said(error)}"


def _said(error: Exception) -> str:
    """What went wrong, as a probe may show it: the class, and the message mediasift wrote for
    it (``BackendUnavailable: pgvector index unavailable: …``), never a driver's own text."""
    if isinstance(error, MediasiftError):
        return f"{type(error).__name__}: {public_message(error.message)[:300]}"
    return type(error).__name__


class Readiness:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.models_ready = threading.Event()
        self.model_error: str | None = None
        self._loading: threading.Thread | None = None

    def start(self, preload: bool = True, first: Sequence[str] = (), only: bool = False) -> Readiness:
        """Preload in the background: ``first`` (names of ``PRELOADABLE``), then ``preload_models``
        unless ``only``. Without ``preload`` (a CLI command's in-process API) every model loads at
        its first use. A command that preloads ``wait_preloaded`` before it closes its runtime and
        exits, rather than leave a model half loaded."""
        if preload:
            names = list(dict.fromkeys([*first, *(() if only else self.rt.settings.preload_models)]))
            # A command whose work starts with speech recognition loads the rest beside it, as the
            # pipeline's later models load: recognition gets the cores first.
            beside = 1 if first and first[0] == "asr" else len(names)
            self._loading = threading.Thread(
                target=self._preload, args=(names, beside, set(first)), name="model-preload", daemon=True
            )
            self._loading.start()
        else:
            self.models_ready.set()
        return self

    def wait_preloaded(self, timeout_s: float | None = None) -> None:
        """Until the background loads have ended (loaded or failed); at most ``timeout_s``."""
        if self._loading is not None:
            self._loading.join(timeout_s)

    def _preload(self, names: list[str], beside: int, ahead: set[str]) -> None:
        """Load ``names`` in turn, from the ``beside``-th on at the priority of work beside speech
        recognition (the threads a model starts keep its loader's). A model of ``ahead`` (a
        command's guess at what its work needs) that fails to load is passed over with a line in
        the log: the job that needs it fails with the error, as it would have without the guess."""
        # Loading is background work, and the threads a model starts (CTranslate2's, ONNX Runtime's)
        # inherit this thread's priority: at the workers' priority, ingest on them yields to searches.
        lower_current_thread_priority(self.rt.settings.worker_niceness)
        for i, name in enumerate(names):
            if i == beside:
                lower_current_thread_priority(BESIDE_SPEECH_NICENESS)
            if name not in PRELOADABLE:
                self.model_error = (
                    f"unknown model {name!r} in preload_models; choose from {sorted(PRELOADABLE)}"
                )
                log.error(self.model_error)
                return
            try:
                preload(self.rt.models, self.rt.settings, name)
            except Exception as exc:
                if name in ahead:
                    log.warning("model %s did not load ahead of its jobs: %s", name, exc)
                    continue
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
            reasons.append(f"queue error: {_said(queue)}")
        return reasons
