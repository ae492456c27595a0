"""Search hits grouped by a metadata key of their media: "which products look like this photo?".

A search with ``group_by=sku`` runs the ordinary search deeper than the groups asked for, then
keeps one group per value of the key in the order of each group's best hit, with that group's best
few hits. Grouping after retrieval, not inside the engine, gives every index backend the same
answer; the depth bounds it: a group whose best hit is not among the ``search_depth`` best hits of
the tenant is not found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mediasift.domain import EXTRACTED_METADATA, Filters, Hit, metadata_value
from mediasift.errors import InvalidRequest
from mediasift.services import search as search_service

if TYPE_CHECKING:
    from mediasift.runtime import Runtime

DEFAULT_GROUP_SIZE = 3  # hits shown per group: a product's best images or frames
MAX_GROUP_SIZE = 20
MAX_KEY_LENGTH = 100
MIN_DEPTH = 50  # hits searched for however few groups are asked for


@dataclass(slots=True)
class HitGroup:
    key: str
    value: str
    score: float  # the best hit's
    hits: list[Hit] = field(default_factory=list)


def search_depth(limit: int, group_size: int) -> int:
    """How many hits to group for ``limit`` groups: groups share the ranking with media of other
    groups and with hits beyond ``group_size``, so several times what is shown."""
    return min(search_service.MAX_LIMIT, max(limit * group_size * 4, MIN_DEPTH))


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidRequest(f"group_by must be a metadata key of 1-{MAX_KEY_LENGTH} characters, e.g. sku")
    if key == EXTRACTED_METADATA:
        raise InvalidRequest(f"group_by: {EXTRACTED_METADATA!r} holds extraction's details, not a value")
    return key


def group_hits(hits: Iterable[Hit], key: str, limit: int, group_size: int) -> list[HitGroup]:
    """Hits (best first) in groups by their media's ``key``: at most ``limit`` groups of at most
    ``group_size`` hits, ranked by their best hit. Hits of media without the key (or with a nested
    value) belong to no group."""
    groups: dict[str, HitGroup] = {}
    for hit in hits:
        value = metadata_value(hit.media_meta, key)
        if value is None:
            continue
        group = groups.get(value)
        if group is None:
            if len(groups) == limit:
                continue  # a later group's hits could only follow, never overtake
            group = groups[value] = HitGroup(key=key, value=value, score=hit.score)
        if len(group.hits) < group_size:
            group.hits.append(hit)
    return list(groups.values())


def search_groups(
    rt: Runtime,
    tenant_id: str,
    query: str | None,
    key: str,
    *,
    image: bytes | None = None,
    filters: Filters | None = None,
    limit: int = 10,
    group_size: int = DEFAULT_GROUP_SIZE,
    mode: search_service.Mode = "hybrid",
) -> list[HitGroup]:
    """``search``'s hits grouped by ``key`` (``group_hits``); ``limit`` counts groups."""
    key = check_key(key)
    if not 1 <= group_size <= MAX_GROUP_SIZE:
        raise InvalidRequest(f"group_size must be between 1 and {MAX_GROUP_SIZE}")
    if not 1 <= limit <= search_service.MAX_LIMIT:
        raise InvalidRequest(f"limit must be between 1 and {search_service.MAX_LIMIT}")
    hits = search_service.search(
        rt,
        tenant_id,
        query,
        image=image,
        filters=filters,
        limit=search_depth(limit, group_size),
        mode=mode,
    )
    return group_hits(hits, key, limit, group_size)
