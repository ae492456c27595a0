"""Near-duplicate images of one tenant, by perceptual-hash distance (shown on media detail)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediasift.catalog import repo
from mediasift.media.images import phash_distance

if TYPE_CHECKING:
    from mediasift.catalog.db import Session
    from mediasift.catalog.models import Media

# 64-bit pHash: resized, recompressed or lightly edited copies differ in a handful of bits;
# unrelated photos differ in about half of them.
MAX_DISTANCE = 10


def near_duplicates(s: Session, media: Media, max_distance: int = MAX_DISTANCE) -> list[dict]:
    """Other images of the same tenant whose pHash is within ``max_distance`` bits, closest first.

    A linear scan over the tenant's images: fine for thousands; a larger library would want a
    BK-tree or the image vectors instead.
    """
    mine = ((media.meta or {}).get("extracted") or {}).get("phash")
    if media.kind != "image":
        return []
    return near_duplicates_of_hash(s, media, mine, max_distance)


def near_duplicates_of_hash(
    s: Session, media: Media, mine: str | None, max_distance: int = MAX_DISTANCE
) -> list[dict]:
    """``near_duplicates`` for a pHash not yet stored on ``media`` (the quality stage runs before
    extraction's facts are saved)."""
    if not mine:
        return []
    found = []
    for media_id, filename, meta in repo.other_images(s, media):
        other = (meta.get("extracted") or {}).get("phash")
        if other:
            distance = phash_distance(mine, other)
            if distance <= max_distance:
                found.append({"media_id": media_id, "filename": filename, "distance": distance})
    return sorted(found, key=lambda d: d["distance"])
