"""Rebuild the index from the catalog: re-embed every stored segment, never re-extract.

With ``enrich`` (``mediasift reindex --enrich``) each media is first enriched again from its
stored segments (entities, keywords, summary, labels), so new enrichment models or taxonomies
reach media ingested before them. With ``quality`` (``mediasift reindex --quality``) each media
whose quality was not measured by this version of the measures is measured first.

The catalog is the source of truth and the index its projection (DESIGN.md), so after changing
the text embedding model (a setting) ``mediasift reindex`` recomputes every vector from what the
catalog already holds: text vectors from each segment's text (and each prose segment's sentence
vectors, stored back on the segment: ``services/sentence_vectors.py``), image vectors from the stored frame
(``frame_key``), else the media's original, else its thumbnail. The points are built as ingest
builds them (``index.points.index_points``), so they carry every payload field the index filters on,
``added_at`` included: a reindex gives it to points indexed before it existed. Per media it
deletes the old points and upserts the new ones (the same idempotent swap the pipeline does), so
it can be interrupted and run again. A change of vector size needs the index emptied first:
``open_runtime(wipe_index=True)`` (``mediasift reindex --wipe``) opens it empty, whichever backend.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mediasift.catalog import enrichments, repo
from mediasift.domain import IMAGE_SPACE, TEXT_SPACE, Modality, Segment
from mediasift.errors import MediasiftError
from mediasift.index.points import MediaPayload, index_points
from mediasift.services import quality as quality_service
from mediasift.services import sentence_vectors
from mediasift.services.enrichment import reenrich_media, stored_record, with_terms
from mediasift.services.sentence_vectors import embed_segments
from mediasift.store.base import processed_key

if TYPE_CHECKING:
    from mediasift.catalog.models import SegmentRow
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.reindex")
IMAGE_MODALITIES = {"frame", "image"}


@dataclass
class ReindexReport:
    media: int = 0
    segments: int = 0
    text_vectors: int = 0
    image_vectors: int = 0
    sentence_vectors: int = 0  # prose segments whose sentences were embedded (stored on the segment)
    images_missing: int = 0  # image segments whose picture is gone (e.g. original deleted by retention)
    enriched: int = 0  # media enriched again (``enrich=True``)
    enrich_failed: int = 0  # of those, media whose enrichment failed (the error is on their row)
    quality_measured: int = 0  # media whose quality was measured (``quality=True``)
    quality_failed: int = 0  # media whose quality could not be measured (e.g. original deleted)


def reindex(
    rt: Runtime,
    tenant_id: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    enrich: bool = False,
    quality: bool = False,
) -> ReindexReport:
    """Re-embed every ready media's segments (one tenant's, or all) into the index; with
    ``enrich``, enrich each again from its stored segments first (after the enrichment models or
    the taxonomies changed); with ``quality``, measure the quality of each media not measured by this
    version of the measures (``services.quality``) first."""
    with rt.catalog.read_session() as s:
        targets = repo.ready_media(s, tenant_id)
    report = ReindexReport()
    for done, (media_id, tenant) in enumerate(targets, 1):
        if enrich and (enriched := reenrich_media(rt, tenant, media_id)) is not None:
            report.enriched += 1
            report.enrich_failed += enriched.error is not None
        if quality:
            _measure_if_stale(rt, tenant, media_id, report)
        reindex_media(rt, tenant, media_id, report)
        if progress:
            progress(done, len(targets))
    rt.index.optimize()
    for tenant in {t for _, t in targets}:
        rt.invalidate_tenant(tenant)
    return report


def measure_quality(rt: Runtime, tenant_id: str, media_id: str) -> dict[str, Any]:
    """Measure one media's quality now (``services.quality.measure``) and give its index points the
    new score, which ``min_quality`` filters on."""
    measured = quality_service.measure(rt, tenant_id, media_id)
    reindex_media(rt, tenant_id, media_id, ReindexReport())
    rt.invalidate_tenant(tenant_id)
    return measured


def _measure_if_stale(rt: Runtime, tenant_id: str, media_id: str, report: ReindexReport) -> None:
    if quality_service.is_current(quality_service.get(rt, tenant_id, media_id)):
        return
    try:
        quality_service.measure(rt, tenant_id, media_id)
        report.quality_measured += 1
    except MediasiftError as exc:  # e.g. retention deleted the original: the media keeps none
        log.warning("quality of %s not measured: %s", media_id, exc)
        report.quality_failed += 1


def reindex_media(rt: Runtime, tenant_id: str, media_id: str, report: ReindexReport) -> None:
    """Replace one media's points with points built from the catalog (its segments, and the
    labels, entities and keywords of its stored enrichment)."""
    with rt.catalog.session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        stored = stored_record(enrichments.get_enrichment(s, tenant_id, media_id))
        payload, original = with_terms(MediaPayload.of(media), stored), media.original_key
        media_kind = media.kind or ""
        rows: list[SegmentRow] = repo.media_segments(s, tenant_id, media_id)
    # Each prose segment's sentences are embedded again with the passages: after a change of model
    # the stored ones belong to the old model, and media from before 0015 have none.
    segments = [
        Segment(r.id, r.media_id, r.tenant_id, Modality(r.modality), r.text, meta=r.meta or {}) for r in rows
    ]
    text_vectors = embed_segments(rt, tenant_id, segments, media_kind)
    with rt.catalog.session() as s:
        repo.store_sentence_vectors(s, tenant_id, {seg.id: seg.sentence_vectors for seg in segments})
    sentence_vectors.RECENT.clear()
    image_vectors: dict[str, list[float]] = {}
    for row in rows:
        if row.modality in IMAGE_MODALITIES:
            vector = _image_vector(rt, tenant_id, media_id, row, original)
            if vector is None:
                report.images_missing += 1
            else:
                image_vectors[row.id] = vector
    points = index_points(payload, rows, {TEXT_SPACE: text_vectors, IMAGE_SPACE: image_vectors})
    rt.index.replace_media(tenant_id, media_id, points)
    report.media += 1
    report.segments += len(rows)
    report.text_vectors += len(text_vectors)
    report.sentence_vectors += sum(seg.sentence_vectors is not None for seg in segments)
    report.image_vectors += len(image_vectors)


def _image_vector(
    rt: Runtime, tenant_id: str, media_id: str, row: SegmentRow, original: str
) -> list[float] | None:
    from PIL import Image

    from mediasift.embed.image.factory import get_image_embedder

    for key in (row.frame_key, original, processed_key(tenant_id, media_id, "thumb.jpg")):
        if not key or not rt.store.exists(key):
            continue
        try:
            with Image.open(io.BytesIO(rt.store.get_bytes(key))) as img:
                picture = img.convert("RGB")
        except (OSError, MediasiftError):
            continue  # not a picture (a video original): try the next source
        return get_image_embedder(rt.models, rt.settings).embed([picture])[0].tolist()
    return None
