"""What runs for each media, in order: probe → extract (by kind) → embed → enrich → index → catalog.

Every stage is idempotent: segment ids are deterministic, the index drops a media's points before
upserting its new ones, and the catalog swaps a media's segments in one transaction. A job re-run
after a crash therefore replaces its earlier partial output and never duplicates it.

Enrichment (what the media is about: ``services/enrichment.py``) runs before the index stage, since
every point carries the media's labels, entities and keywords, and after the embed stage, whose
passage and sentence vectors (in the tenant's cache) its summary and keywords reuse; its failure is
recorded on the media's enrichment row and never fails the ingest. ``MEDIASIFT_ENRICH=false`` skips it.

Once the media is ready, a nutrition job is queued for it when its collection is one of
``nutrition_collections`` or it was analysed before (``services/nutrition.py``).

A collection with a workflow (``services/workflows.py``) runs only the extraction its workflow asks
for (``transcribe``, ``ocr``), with its options; its media's steps are written as the ingest begins,
and enrichment, classification, quality, nutrition and the rest run after it as step jobs of their
own (``jobs/steps.py``), never inside the ingest.

While an audio or video file's speech is recognised, a thread of lower priority beside it loads the
models the later stages need and measures the signal's quality, so that on few cores recognition
gets them first and a cold start does not wait for those models after it.

Quality (``services/quality.py``) is measured while the original is still at hand (the signal beside
extraction, as above; the rest after it); its overall score rides on every index point
(``min_quality`` filters on it). A failure leaves the media without quality and never fails the
ingest. ``MEDIASIFT_QUALITY=false`` skips it.
"""

from __future__ import annotations

import contextvars
import importlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mediasift import meters
from mediasift.catalog import quality as stored_quality
from mediasift.catalog import repo
from mediasift.domain import IMAGE_SPACE, TEXT_SPACE
from mediasift.embed.text.factory import get_text_embedder
from mediasift.enrich import ner_models
from mediasift.enrich.language import label_languages
from mediasift.enrich.ner_models import import_spacy
from mediasift.errors import UnsupportedMedia
from mediasift.extract.base import ExtractContext, Extraction
from mediasift.index.points import MediaPayload, index_points
from mediasift.media.sniff import sniff
from mediasift.ops import metrics
from mediasift.ops.thread_priority import BESIDE_SPEECH_NICENESS, lower_current_thread_priority
from mediasift.ops.tracing import span
from mediasift.quality import measure_signal
from mediasift.services import enrichment, nutrition, saved_searches, workflows
from mediasift.services import quality as quality_service
from mediasift.services.sentence_vectors import embed_segments
from mediasift.store.base import CONVERSIONS, processed_key
from mediasift.workflow.plan import Plan

if TYPE_CHECKING:
    from mediasift.config import Settings
    from mediasift.runtime import Runtime

Extractor = Callable[[ExtractContext], Extraction]

# Extractors by kind, imported on first use so a worker that never sees video never loads PyAV's
# heavier paths or the ASR model.
EXTRACTORS: dict[str, str] = {
    "text": "mediasift.extract.documents:extract_document",
    "document": "mediasift.extract.documents:extract_document",
    "image": "mediasift.extract.image:extract_image",
    "video": "mediasift.extract.av:extract_video",
    "audio": "mediasift.extract.av:extract_audio",
    "code": "mediasift.extract.code.extract:extract_code",
}

ProgressFn = Callable[[str, float], None]

_TIMED_KINDS = ("audio", "video")  # media whose extraction is speech recognition, seconds per minute


def extractor_for(kind: str) -> Extractor:
    target = EXTRACTORS.get(kind)
    if target is None:
        raise UnsupportedMedia(f"no extractor for media kind {kind!r}")
    module, _, name = target.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError as exc:
        raise UnsupportedMedia(f"{kind} support is not installed: {exc}") from None


@contextmanager
def _stage(progress: ProgressFn, name: str, **attributes: str | int) -> Iterator[None]:
    """A pipeline stage: reported as the job's stage, a span in the job's trace, and (when it
    completes) an observation of ``mediasift_stage_duration_seconds``."""
    progress(name, 0.0)
    started = time.perf_counter()
    with span(f"mediasift.stage.{name}", None, **attributes):
        yield
    meters.observe_stage(name, time.perf_counter() - started)


def run_ingest(
    rt: Runtime, tenant_id: str, media_id: str, progress: ProgressFn, job_id: str | None = None
) -> int:
    """Process one media end to end; returns the number of segments indexed. ``job_id``: the job
    doing it, which a workflow's ``ingest`` step records."""
    with rt.catalog.session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        original_key, filename, collection = media.original_key, media.filename, media.collection
        new_bytes = repo.is_new_version(media)  # only then can an earlier run have left artifacts
    planned = workflows.plan_for(rt, tenant_id, collection)
    plan = planned[1] if planned else None
    if planned is not None:
        with rt.catalog.session() as s:
            workflows.start_plan(s, tenant_id, media_id, planned[0], planned[1], job_id)

    with rt.store.local_path(original_key) as path:
        with _stage(progress, "probe"):
            sniffed = sniff(path, filename)
        with rt.catalog.session() as s:
            media = repo.start_processing(s, tenant_id, media_id, sniffed.kind, sniffed.mime)
            payload = MediaPayload.of(media)
        ctx = ExtractContext(
            media_id=media_id,
            tenant_id=tenant_id,
            kind=sniffed.kind,
            mime=sniffed.mime,
            path=path,
            filename=filename,
            settings=_extraction_settings(rt.settings, plan),
            models=rt.models,
            store=rt.store,
            progress=progress,
            beside_speech=_lower_priority_beside_speech,
            **_extraction_options(plan),
        )
        measure_quality = rt.settings.quality and plan is None
        with ThreadPoolExecutor(1, "beside-speech", initializer=_lower_priority_beside_speech) as beside:
            signal = None
            if sniffed.kind in _TIMED_KINDS:
                # In the order the stages after extraction need them: quality first, then
                # embedding's model, then enrichment's spaCy.
                if measure_quality:
                    # its speech measures come from recognition's own pass (``with_speech``)
                    signal = beside.submit(
                        contextvars.copy_context().run, measure_signal, sniffed.kind, path, False
                    )
                beside.submit(contextvars.copy_context().run, _warm_later_models, rt, plan)
            with _stage(progress, "extract", kind=sniffed.kind):
                extraction = extractor_for(sniffed.kind)(ctx)
                extraction.normalise()
            metrics.count_ocr_pages(extraction)
            label_languages(extraction)
            if rt.settings.enrich and plan is None:
                ner_models.load_in_background(_languages(extraction))
            quality = None
            if measure_quality:
                with _stage(progress, "quality", kind=sniffed.kind):
                    quality = quality_service.assess_extracted(
                        rt,
                        tenant_id,
                        media_id,
                        sniffed.kind,
                        path,
                        extraction.segments,
                        extraction.info,
                        signal,
                        picture=extraction.picture,
                        heard=extraction.heard,
                    )
        extraction.picture = extraction.heard = None  # not needed past here: freed before enriching
        if quality is not None:
            payload = replace(payload, quality=quality["overall"])

    with _stage(progress, "embed", segments=len(extraction.segments)):
        vectors = {
            TEXT_SPACE: embed_segments(rt, tenant_id, extraction.segments, sniffed.kind, progress),
            IMAGE_SPACE: extraction.image_vectors,
        }
    enriched = None
    if rt.settings.enrich and plan is None:
        with _stage(progress, "enrich", segments=len(extraction.segments)):
            language = extraction.info.get("language")
            enriched = enrichment.enrich(rt, tenant_id, media_id, extraction.segments, language)
        payload = enriched.payload(payload)
    points = index_points(payload, extraction.segments, vectors)
    with _stage(progress, "index", points=len(points)):
        rt.index.replace_media(tenant_id, media_id, points)
        with rt.catalog.session() as s:
            repo.finish_media(s, tenant_id, media_id, extraction.segments, extraction.info)
            if enriched is not None:
                enriched.save(s, tenant_id, media_id)
            stored_quality.save_quality(s, tenant_id, media_id, quality)
    if new_bytes:  # a listing a job (a LIST on S3) only where it can find something
        _drop_stale_artifacts(rt, tenant_id, media_id, ctx.written)
    rt.invalidate_tenant(tenant_id)
    if plan is None:
        # A step of its own, on the queue: its collection asks for nutrition, or it had some before
        nutrition.after_ingest(rt, tenant_id, media_id)
    saved_searches.after_ingest(rt, tenant_id, media_id)  # users' alerts for what they saved
    progress("done", 1.0)
    return len(points)


def _drop_stale_artifacts(rt: Runtime, tenant_id: str, media_id: str, written: set[str]) -> None:
    """Delete what an earlier run extracted that this one did not write: a new version of a
    three-page PDF with one page had kept the old pages 2 and 3 listed and downloadable.
    Conversions are the user's and stay (``conversions/``)."""
    prefix = processed_key(tenant_id, media_id, "")
    for key in rt.store.list(prefix):
        if key not in written and not key[len(prefix) :].startswith(CONVERSIONS):
            rt.store.delete(key)


def _languages(extraction: Extraction) -> list[str | None]:
    """The languages of the media's text, whose NER models its enrichment will load."""
    return [extraction.info.get("language"), *(seg.language for seg in extraction.segments if seg.text)]


def _lower_priority_beside_speech() -> None:
    lower_current_thread_priority(BESIDE_SPEECH_NICENESS)


def _warm_later_models(rt: Runtime, plan: Plan | None) -> None:
    """Load what the stages after extraction will need, while speech is being recognised: the text
    model (built from its weights on first use in a new home: seconds), spaCy for enrichment's
    entities and the entity models of the languages the speech may be in (``_speech_languages``):
    loaded once the transcript told which, they kept a cold process's enrichment waiting ~0.4 s
    after recognition."""
    rt.models.preload(get_text_embedder(rt.models, rt.settings))
    if rt.settings.enrich and plan is None:
        import_spacy()
        for language in _speech_languages(rt.settings):
            ner_models.ner_model(language)


def _speech_languages(settings: Settings) -> list[str]:
    """The languages with an entity model that the settings let speech recognition find."""
    from mediasift.asr.factory import languages_heard  # as the extractors: imported where speech is

    heard = languages_heard(settings)
    return [lang for lang in ner_models.LANGUAGES if heard is None or lang in heard]


def _extraction_options(plan: Plan | None) -> dict[str, Any]:
    """What extraction runs: everything by default; what the workflow's ingest step asks for else."""
    if plan is None:
        return {}
    transcribe, ocr = plan.ingest.config.get("transcribe"), plan.ingest.config.get("ocr")
    return {
        "speech": transcribe is not None,
        "ocr": ocr is not None,
        "ocr_frames": ocr is not None and bool(ocr.get("frames", True)),
    }


def _extraction_settings(settings: Settings, plan: Plan | None) -> Settings:
    """The settings with the workflow's model options in place of the server's."""
    if plan is None:
        return settings
    transcribe = plan.ingest.config.get("transcribe") or {}
    ocr = plan.ingest.config.get("ocr") or {}
    update: dict[str, object] = {}
    if "model" in transcribe:
        update["asr_model"] = transcribe["model"]
    if "beam_size" in transcribe:
        update["asr_beam_size"] = transcribe["beam_size"]
    languages = transcribe.get("languages")
    if languages and len(languages) == 1:
        update["asr_language"] = languages[0]
    elif languages:
        update["asr_candidate_languages"] = list(languages)
    if "engine" in ocr:
        update["ocr_engine"] = ocr["engine"]
    return settings.model_copy(update=update) if update else settings
