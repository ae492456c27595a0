"""What runs for each media, in order: probe → extract (by kind) → embed → index → catalog.

Every stage is idempotent: segment ids are deterministic, the index drops a media's points before
upserting its new ones, and the catalog swaps a media's segments in one transaction. A job re-run
after a crash therefore replaces its earlier partial output and never duplicates it.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from mediasift.catalog import repo
from mediasift.domain import IMAGE_SPACE, TEXT_SPACE, IndexPoint, Modality, epoch_seconds
from mediasift.embed.cached import tenant_text_embedder
from mediasift.enrich.language import label_languages
from mediasift.errors import UnsupportedMedia
from mediasift.extract.base import ExtractContext, Extraction
from mediasift.media.sniff import sniff
from mediasift.ops import metrics
from mediasift.ops.tracing import span

if TYPE_CHECKING:
    from mediasift.catalog.models import Media
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
}

TEXT_MODALITIES = {Modality.SPEECH, Modality.OCR, Modality.TEXT, Modality.TAG, Modality.NOTE}

ProgressFn = Callable[[str, float], None]


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
def _stage(progress: ProgressFn, name: str, **attributes: object) -> Iterator[None]:
    """A pipeline stage: reported as the job's stage, a span in the job's trace, and (when it
    completes) an observation of ``mediasift_stage_duration_seconds``."""
    progress(name, 0.0)
    started = time.perf_counter()
    with span(f"mediasift.stage.{name}", **attributes):
        yield
    metrics.observe_stage(name, time.perf_counter() - started)


def run_ingest(rt: Runtime, tenant_id: str, media_id: str, progress: ProgressFn) -> int:
    """Process one media end to end; returns the number of segments indexed."""
    with rt.catalog.session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        original_key, filename = media.original_key, media.filename

    with rt.store.local_path(original_key) as path:
        with _stage(progress, "probe"):
            sniffed = sniff(path)
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
            settings=rt.settings,
            models=rt.models,
            store=rt.store,
            progress=progress,
        )
        with _stage(progress, "extract", kind=sniffed.kind):
            extraction = extractor_for(sniffed.kind)(ctx)
        metrics.count_ocr_pages(extraction)

    label_languages(extraction)
    with _stage(progress, "embed", segments=len(extraction.segments)):
        items = [(seg.id, str(seg.modality), seg.text) for seg in extraction.segments]
        vectors = {
            TEXT_SPACE: embed_texts(rt, tenant_id, items, progress),
            IMAGE_SPACE: extraction.image_vectors,
        }
        points = index_points(payload, extraction.segments, vectors)
    with _stage(progress, "index", points=len(points)):
        rt.index.delete_media(tenant_id, media_id)
        rt.index.upsert(points)
        with rt.catalog.session() as s:
            repo.finish_media(s, tenant_id, media_id, extraction.segments, extraction.info)
    rt.invalidate_tenant(tenant_id)
    progress("done", 1.0)
    return len(points)


def embed_texts(
    rt: Runtime,
    tenant_id: str,
    items: list[tuple[str, str, str]],
    progress: ProgressFn | None = None,
) -> dict[str, list[float]]:
    """Text vectors, batched, for the text-bearing items among ``(id, modality, text)``.

    Cached by content hash for the tenant: a reprocess or a reindex with the same model, or a
    document repeating another's chunks, sends only text the tenant has not embedded to the model."""
    textual = [(i, text) for i, modality, text in items if modality in TEXT_MODALITIES and text.strip()]
    embedder = tenant_text_embedder(rt, tenant_id, ingest=True)
    vectors: dict[str, list[float]] = {}
    batch = max(1, rt.settings.embed_batch)
    for start in range(0, len(textual), batch):
        part = textual[start : start + batch]
        for (item_id, _), vec in zip(part, embedder.embed_passages([t for _, t in part]), strict=True):
            vectors[item_id] = vec.tolist()
        if progress:
            progress("embed", min(1.0, (start + len(part)) / len(textual)))
    return vectors


@dataclass(frozen=True, slots=True)
class MediaPayload:
    """What every index point of one media carries besides its segment's own fields."""

    kind: str
    collection: str
    metadata: dict[str, str]  # the user's scalar metadata (sku, source…), as strings
    added_at: float  # when the media was added, epoch seconds

    @classmethod
    def of(cls, media: Media) -> MediaPayload:
        return cls(
            kind=media.kind or "",
            collection=media.collection,
            # Only scalar user metadata becomes filterable payload.
            metadata={
                k: str(v) for k, v in (media.meta or {}).items() if isinstance(v, str | int | float | bool)
            },
            added_at=epoch_seconds(media.created_at),
        )


class SegmentFields(Protocol):
    """What a point takes from a segment: extraction's ``Segment`` and the catalog's row both have it."""

    @property
    def id(self) -> str: ...
    @property
    def tenant_id(self) -> str: ...
    @property
    def media_id(self) -> str: ...
    @property
    def modality(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def language(self) -> str | None: ...


def index_points(
    media: MediaPayload,
    segments: Iterable[SegmentFields],
    vectors: Mapping[str, Mapping[str, Sequence[float]]],
) -> list[IndexPoint]:
    """The index points of one media, for ingest and reindex alike.

    ``vectors`` maps each embedding space to the vectors by segment id. A segment becomes a point
    when it has a vector or text to search; it carries the vectors it has.
    """
    points = []
    for seg in segments:
        spaces = {
            space: [float(x) for x in by_segment[seg.id]]
            for space, by_segment in vectors.items()
            if seg.id in by_segment
        }
        if not spaces and not seg.text.strip():
            continue
        points.append(
            IndexPoint(
                id=seg.id,
                tenant_id=seg.tenant_id,
                media_id=seg.media_id,
                kind=media.kind,
                collection=media.collection,
                modality=str(seg.modality),
                text=seg.text,
                language=seg.language,
                metadata=media.metadata,
                vectors=spaces,
                added_at=media.added_at,
            )
        )
    return points
