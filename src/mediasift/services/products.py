"""A product page: the media of one sku, what they are labelled, and the products that look alike.

A product is the tenant's media sharing one value of the ``sku`` metadata key (bucket keys
``clients/{client}/products/{sku}/…`` set it; uploads may give it). Its look-alikes come from the
image vectors already in the index: each of the product's pictures (at most ``PICTURES_PER_MEDIA``
of each media, ``MAX_PICTURES`` in all) is searched for, and every other product is ranked by the
best similarity any of its pictures reached.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mediasift.catalog import products as product_rows
from mediasift.catalog import repo
from mediasift.domain import EXTRACTED_METADATA, IMAGE_SPACE, metadata_value
from mediasift.errors import NotFound

if TYPE_CHECKING:
    from mediasift.catalog.models import Media
    from mediasift.runtime import Runtime

PRODUCT_KEY = "sku"
MAX_MEDIA = 500  # listed on one page; a product with more shows the oldest
PICTURE_MODALITIES = ("image", "frame")
PICTURES_PER_MEDIA = 4  # a video's first keyframes, an image's one picture
MAX_PICTURES = 24  # nearest-neighbour searches per page
NEIGHBOURS = 50  # hits read per picture
MAX_LOOK_ALIKES = 50


@dataclass(slots=True)
class ProductLabel:
    taxonomy: str
    label: str
    media: int  # how many of the product's media carry it
    score: float  # the best score any of them has


@dataclass(slots=True)
class LookAlike:
    sku: str
    score: float  # cosine similarity of the closest pair of pictures, 0-1
    media_id: str  # the media of that closest picture
    filename: str
    segment_id: str
    frame_key: str | None


@dataclass(slots=True)
class Product:
    sku: str
    media: list[Media]
    labels: list[ProductLabel] = field(default_factory=list)
    tags: list[tuple[str, int]] = field(default_factory=list)  # (picture tag, media carrying it)
    look_alikes: list[LookAlike] = field(default_factory=list)


def product(rt: Runtime, tenant_id: str, sku: str, look_alikes: int = 5) -> Product:
    """The tenant's product ``sku``; ``NotFound`` when the tenant has no media of it."""
    with rt.catalog.read_session() as s:
        media = product_rows.product_media(s, tenant_id, PRODUCT_KEY, sku, MAX_MEDIA)
        if not media:
            raise NotFound(f"product {sku} not found")
        ids = [m.id for m in media]
        labels = product_rows.media_labels(s, tenant_id, ids)
        pictures = product_rows.picture_segments(s, tenant_id, ids, PICTURE_MODALITIES, PICTURES_PER_MEDIA)
    return Product(
        sku=sku,
        media=media,
        labels=_labels(labels.values()),
        tags=_tags(media),
        look_alikes=_look_alikes(rt, tenant_id, sku, pictures[:MAX_PICTURES], look_alikes),
    )


def _labels(per_media: Iterable[list[dict[str, Any]]]) -> list[ProductLabel]:
    merged: dict[tuple[str, str], ProductLabel] = {}
    for labels in per_media:
        for item in {(x["taxonomy"], x["label"]): x for x in labels}.values():
            key = (item["taxonomy"], item["label"])
            found = merged.setdefault(key, ProductLabel(*key, media=0, score=0.0))
            found.media += 1
            found.score = max(found.score, float(item.get("score") or 0.0))
    return sorted(merged.values(), key=lambda x: (-x.media, -x.score, x.taxonomy, x.label))


def _tags(media: list[Media]) -> list[tuple[str, int]]:
    counts = Counter(
        tag for m in media for tag in set(((m.meta or {}).get(EXTRACTED_METADATA) or {}).get("tags") or [])
    )
    return sorted(counts.items(), key=lambda x: (-x[1], x[0]))


def _look_alikes(rt: Runtime, tenant_id: str, sku: str, pictures: list[str], limit: int) -> list[LookAlike]:
    if not pictures or limit <= 0:
        return []
    best: dict[str, tuple[float, str]] = {}  # media id -> (best score, the segment reaching it)
    for vector in rt.index.point_vectors(IMAGE_SPACE, tenant_id, pictures).values():
        for hit in rt.index.search_vector(IMAGE_SPACE, tenant_id, vector, NEIGHBOURS):
            if hit.media_id not in best or hit.score > best[hit.media_id][0]:
                best[hit.media_id] = (hit.score, hit.id)
    with rt.catalog.read_session() as s:
        media = repo.media_by_ids(s, tenant_id, best)
        segments = repo.segments_by_ids(s, tenant_id, (segment for _, segment in best.values()))
    by_sku: dict[str, LookAlike] = {}
    for media_id, (score, segment_id) in best.items():
        m = media.get(media_id)
        other = metadata_value(m.meta if m else None, PRODUCT_KEY)
        if m is None or other is None or other == sku:
            continue  # deleted meanwhile, no product, or this product's own
        if other not in by_sku or score > by_sku[other].score:
            segment = segments.get(segment_id)
            by_sku[other] = LookAlike(
                sku=other,
                score=round(float(score), 6),
                media_id=media_id,
                filename=m.filename,
                segment_id=segment_id,
                frame_key=segment.frame_key if segment else None,
            )
    return sorted(by_sku.values(), key=lambda x: (-x.score, x.sku))[:limit]
