"""The relabel job a taxonomy change queues for each ready media: it classifies the media again
from its stored segments, never re-extracting (no ASR, no OCR), keeps its entities, keywords and
summary, and swaps its index points for ones carrying the new labels.

The points are rebuilt as ``reindex`` builds them: text vectors come from the embedding cache
(re-embedded on a miss, with the same model), image vectors from the stored frames.

A media its collection's workflow processed is classified as its ``classify`` steps say: into
the taxonomies they name (every one for a step naming none), none without such a step. The
labels a ``when`` step added (``by``) and those of other taxonomies stay (a taxonomy put again
is no reason for a workflow's rule to forget what it concluded); a deleted taxonomy's go. A
``when`` step whose condition reads the labels is evaluated again on the new ones
(``workflow_steps.rules_on_labels_again``): its conclusion was about them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from mediasift.catalog import enrichments
from mediasift.catalog import steps as step_rows
from mediasift.enrich.media import classify_media
from mediasift.services import enrichment
from mediasift.services.reindex import ReindexReport, reindex_media
from mediasift.services.workflow_steps import rules_on_labels_again

if TYPE_CHECKING:
    from mediasift.catalog.models import MediaStep
    from mediasift.runtime import Runtime


def classified_into(steps: Sequence[MediaStep], tenant_taxonomies: set[str]) -> set[str]:
    """The taxonomies a media is classified into: every one of the tenant's without a workflow
    (no steps), else those its ``classify`` steps name."""
    if not steps:
        return tenant_taxonomies
    named: set[str] = set()
    for step in steps:
        if step.name == "classify":
            wanted = (step.config or {}).get("taxonomy")
            named |= tenant_taxonomies if wanted is None else {wanted} & tenant_taxonomies
    return named


def relabel_media(rt: Runtime, tenant_id: str, media_id: str, progress: Callable[[str, float], None]) -> bool:
    """Classify a ready media into the tenant's taxonomies again; False when it is not ready (a
    job that is processing it now labels it with the taxonomies it finds)."""
    progress("relabel", 0.0)
    rows = enrichment.ready_segments(rt, tenant_id, media_id)
    if rows is None:
        return False
    taxonomies = enrichment.tenant_taxonomies(rt, tenant_id)
    with rt.catalog.read_session() as s:
        named = classified_into(step_rows.media_steps(s, media_id), set(taxonomies))
    labels = classify_media(
        rows, {n: t for n, t in taxonomies.items() if n in named}, enrichment.embedder(rt, tenant_id)
    )

    def kept(label: dict, by_a_rule: bool = False) -> bool:  # a deleted taxonomy's labels go
        return label.get("taxonomy") in taxonomies and (by_a_rule or label.get("taxonomy") not in named)

    with rt.catalog.session() as s:
        row = enrichments.get_enrichment(s, tenant_id, media_id)
        held_labels = [x for x in (row.labels if row else []) if kept(x, bool(x.get("by")))]
        kept_segments = {
            seg: [x for x in found if kept(x)]
            for seg, found in ((row.segment_labels if row else None) or {}).items()
        }
        for seg, found_labels in labels.segments.items():
            kept_segments.setdefault(seg, []).extend(x.to_dict() for x in found_labels)
        held = {(x.get("taxonomy"), x.get("label")) for x in held_labels}
        enrichments.save_labels(
            s,
            tenant_id,
            media_id,
            held_labels + [x.to_dict() for x in labels.media if (x.taxonomy, x.label) not in held],
            {seg: found for seg, found in kept_segments.items() if found},
        )
    rules_on_labels_again(rt, tenant_id, media_id, taxonomies)  # on the taxonomies just read
    progress("index", 0.5)
    reindex_media(rt, tenant_id, media_id, ReindexReport())
    rt.invalidate_tenant(tenant_id)
    return True
