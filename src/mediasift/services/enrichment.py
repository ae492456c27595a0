"""Enrichment in the platform: the tenant's taxonomies and models in, a catalog record out.

``enrich/media.py`` works out what a media is about; this module gives it the tenant's
taxonomies and the process's shared sentence model, turns its result into the catalog's record
(``catalog/enrichments.py``) and into the index payload. A failure is a value here, not an
exception: enrichment is an extra, so a media whose enrichment fails is still ready, with the
error on its enrichment row and in the log.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mediasift.catalog import enrichments, repo, taxonomies
from mediasift.domain import MediaStatus
from mediasift.enrich.embedding import PassageEmbedder, QueryEmbedder
from mediasift.enrich.media import MediaEnrichment, StoredSegment, enrich_media, index_terms
from mediasift.enrich.taxonomy import Taxonomy, TaxonomyInvalid, parse_taxonomy
from mediasift.index.points import MediaPayload

if TYPE_CHECKING:
    from mediasift.catalog.db import Session
    from mediasift.catalog.models import MediaEnrichment as EnrichmentRow
    from mediasift.catalog.models import SegmentRow
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.enrich")


@dataclass
class Enriched:
    """A media's enrichment as the catalog stores it (``record``), or why there is none (``error``)."""

    record: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def save(self, s: Session, tenant_id: str, media_id: str) -> None:
        if self.error is not None:
            enrichments.save_enrichment_error(s, tenant_id, media_id, self.error)
        else:
            enrichments.save_enrichment(s, tenant_id, media_id, self.record)

    def payload(self, base: MediaPayload) -> MediaPayload:
        """``base`` with the media's labels, entities and keywords for the index to filter on."""
        return with_terms(base, self.record)


def embedder(rt: Runtime, tenant_id: str) -> QueryEmbedder:
    """The sentence model: the text embedder search uses (``settings.text_embedder``), one model
    loaded once per process and shared by every thread, through its batched queries, cached for
    the tenant (``embed/cached.py``): a sentence or phrase that recurs in its media, as boilerplate
    and a field's terms do, is embedded once."""
    return rt.query_batches(tenant_id)


def passages(rt: Runtime, tenant_id: str) -> PassageEmbedder:
    """The passages search embeds, through the ingest lane and the tenant's cache: the summary's
    sentences and keywords' media vector reuse them. The pipeline embeds a media before enriching
    it, so there they are cache hits; a re-enrichment whose vectors were evicted embeds them again."""
    return rt.text_embedder(tenant_id, ingest=True)


def tenant_taxonomies(rt: Runtime, tenant_id: str) -> dict[str, Taxonomy]:
    """The tenant's taxonomies by name. Each was validated when it was put; one that no longer
    parses (a stricter release) is skipped with a log line rather than failing every media."""
    with rt.catalog.read_session() as s:
        documents = {row.name: row.document for row in taxonomies.list_taxonomies(s, tenant_id)}
    parsed = {}
    for name, document in documents.items():
        try:
            parsed[name] = parse_taxonomy(document)
        except TaxonomyInvalid as exc:
            log.warning("tenant %s: taxonomy %r skipped: %s", tenant_id, name, exc.message)
    return parsed


def enrich(
    rt: Runtime, tenant_id: str, media_id: str, segments: Sequence[StoredSegment], language: str | None
) -> Enriched:
    """The media's enrichment, or its error (logged); never raises for a failure of its own."""
    try:
        result = enrich_media(
            segments,
            tenant_taxonomies(rt, tenant_id),
            embedder(rt, tenant_id),
            language,
            passages(rt, tenant_id),
        )
    except Exception as exc:  # any failure of an optional stage leaves the media ready
        log.exception("media %s: enrichment failed", media_id)
        return Enriched(error=f"{type(exc).__name__}: {exc}")
    return Enriched(record(result))


def record(result: MediaEnrichment) -> dict[str, Any]:
    """The catalog's record (``catalog.enrichments.FIELDS``) of an enrichment."""
    return {
        "summary": [s.to_dict() for s in result.summary],
        "keywords": [k.to_dict() for k in result.keywords],
        "entities": [e.to_dict() for e in result.entities],
        "labels": [label.to_dict() for label in result.labels.media],
        "segment_labels": {
            seg_id: [label.to_dict() for label in found] for seg_id, found in result.labels.segments.items()
        },
        "languages": result.languages,
        "notes": result.notes,
        "models": result.models,
    }


def stored_record(row: EnrichmentRow | None) -> dict[str, Any]:
    """A stored row as a record (empty without a row)."""
    if row is None:
        return {}
    return {name: getattr(row, name) for name in enrichments.FIELDS}


def with_terms(base: MediaPayload, stored: dict[str, Any]) -> MediaPayload:
    labels, entities, keywords = index_terms(
        stored.get("labels") or [], stored.get("entities") or [], stored.get("keywords") or []
    )
    return dataclasses.replace(base, labels=labels, entities=entities, keywords=keywords)


def reenrich_media(rt: Runtime, tenant_id: str, media_id: str) -> Enriched | None:
    """Enrich a ready media again from its stored segments, never re-extracting, and store the
    result (or its error); None when it is not ready. Its index points are the caller's to rebuild."""
    with rt.catalog.read_session() as s:
        language = repo.get_media(s, tenant_id, media_id).language
    rows = ready_segments(rt, tenant_id, media_id)
    if rows is None:
        return None
    enriched = enrich(rt, tenant_id, media_id, rows, language)
    with rt.catalog.session() as s:
        enriched.save(s, tenant_id, media_id)
    return enriched


def ready_segments(rt: Runtime, tenant_id: str, media_id: str) -> list[SegmentRow] | None:
    """A ready media's stored segments in order; None when it is not ready (a job is making them)."""
    with rt.catalog.read_session() as s:
        if repo.get_media(s, tenant_id, media_id).status != MediaStatus.READY.value:
            return None
        return repo.media_segments(s, tenant_id, media_id)
