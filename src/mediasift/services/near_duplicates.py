"""Near-duplicate images of one tenant, by perceptual-hash distance (shown on media detail)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mediasift.catalog.models import Media
from mediasift.media.images import phash_distance

# 64-bit pHash: resized, recompressed or lightly edited copies differ in a handful of bits;
# unrelated photos differ in about half of them.
MAX_DISTANCE = 10


def near_duplicates(s: Session, media: Media, max_distance: int = MAX_DISTANCE) -> list[dict]:
    """Other images of the same tenant whose pHash is within ``max_distance`` bits, closest first.

    A linear scan over the tenant's images: fine for thousands; a larger library would want a
    BK-tree or the image vectors instead.
    """
    mine = ((media.meta or {}).get("extracted") or {}).get("phash")
    if not mine or media.kind != "image":
        return []
    rows = s.execute(
        select(Media.id, Media.filename, Media.meta).where(
            Media.tenant_id == media.tenant_id, Media.kind == "image", Media.id != media.id
        )
    )
    found = []
    for media_id, filename, meta in rows:
        other = ((meta or {}).get("extracted") or {}).get("phash")
        if other:
            distance = phash_distance(mine, other)
            if distance <= max_distance:
                found.append({"media_id": media_id, "filename": filename, "distance": distance})
    return sorted(found, key=lambda d: d["distance"])
