"""The relabel job a taxonomy change queues for each ready media: it classifies the media again
from its stored segments, never re-extracting (no ASR, no OCR), keeps its entities, keywords and
summary, and swaps its index points for ones carrying the new labels.

The points are rebuilt as ``reindex`` builds them: text vectors come from the embedding cache
(re-embedded on a miss, with the same model), image vectors from the stored frames.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mediasift.catalog import enrichments
from mediasift.enrich.media import classify_media
from mediasift.services import enrichment
from mediasift.services.reindex import ReindexReport, reindex_media

if TYPE_CHECKING:
    from mediasift.runtime import Runtime


def relabel_media(rt: Runtime, tenant_id: str, media_id: str, progress: Callable[[str, float], None]) -> bool:
    """Classify a ready media into the tenant's taxonomies again; False when it is not ready (a
    job that is processing it now labels it with the taxonomies it finds)."""
    progress("relabel", 0.0)
    rows = enrichment.ready_segments(rt, tenant_id, media_id)
    if rows is None:
        return False
    taxonomies = enrichment.tenant_taxonomies(rt, tenant_id)
    labels = classify_media(rows, taxonomies, enrichment.embedder(rt, tenant_id))
    with rt.catalog.session() as s:
        enrichments.save_labels(
            s,
            tenant_id,
            media_id,
            [label.to_dict() for label in labels.media],
            {seg_id: [x.to_dict() for x in found] for seg_id, found in labels.segments.items()},
        )
    progress("index", 0.5)
    reindex_media(rt, tenant_id, media_id, ReindexReport())
    rt.invalidate_tenant(tenant_id)
    return True
