"""Facets: how many of a tenant's ready media carry each label, entity, keyword, language or kind,
among media narrowed by the filters search takes (``catalog.facets``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediasift.catalog import facets
from mediasift.catalog.facets import FIELDS, FacetCounts
from mediasift.enrich.media import KEYWORDS_IN_INDEX
from mediasift.errors import InvalidRequest
from mediasift.services.search import normalize_filters

if TYPE_CHECKING:
    from mediasift.domain import Filters
    from mediasift.runtime import Runtime

DEFAULT_LIMIT = 20
MAX_LIMIT = 200

__all__ = ["DEFAULT_LIMIT", "FIELDS", "MAX_LIMIT", "FacetCounts", "count"]


def count(
    rt: Runtime, tenant_id: str, field: str, filters: Filters | None = None, limit: int = DEFAULT_LIMIT
) -> FacetCounts:
    """The ``limit`` values of ``field`` carried by most media. An unknown field, a limit out of
    1..``MAX_LIMIT`` or a malformed filter is ``InvalidRequest``."""
    if field not in FIELDS:
        raise InvalidRequest(f"unknown facet field {field!r}: one of {', '.join(FIELDS)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    normalized = normalize_filters(filters) if filters is not None else None
    with rt.catalog.read_session() as s:
        # Only the keywords index points carry: every keyword counted is one a filter finds.
        return facets.count_facet(
            s, tenant_id, field, normalized, limit=limit, keywords_per_media=KEYWORDS_IN_INDEX
        )
