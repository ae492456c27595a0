"""/v1/facets: how many of the tenant's ready media carry each label, entity, keyword, language or
kind, narrowed by the filters ``/v1/search`` takes. Each value is written as the matching search
filter takes it (``label=temas:barismo``, ``entity=PER:jane austen``), so a UI turns a facet into a
filter as it is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from mediasift.api.answers import ENTITIES, KEYWORDS, LABELS
from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.routes.search import ADDED_AFTER, ADDED_BEFORE, MIN_QUALITY, filters_from
from mediasift.api.schemas import error_responses
from mediasift.services import facets

router = APIRouter(prefix="/v1/facets", tags=["search"])
ERRORS = error_responses(400, 401, 403, 422)


class FacetValueOut(BaseModel):
    value: str = Field(
        description="The value, as the search filter of the same field takes it: labels taxonomy:label, "
        "entities TYPE:casefolded text, keywords casefolded, a language code or a media kind; "
        "quality the lower end of a 0.2-wide band of the score (the min_quality that keeps it), "
        "quality_reasons a measure that lowered the score (docs/quality.md)"
    )
    count: int = Field(description="How many media carry it (each media counted once per value)")


class FacetsOut(BaseModel):
    field: str = Field(description="The field counted: " + ", ".join(facets.FIELDS))
    values: list[FacetValueOut] = Field(description="Most media first, then by value; at most `limit`")
    media: int = Field(description="How many ready media matched the filters (and were counted)")
    truncated: bool = Field(
        description="True when the tenant has more ready media than one count reads; "
        "the most recently added were counted"
    )
    distinct: int = Field(0, description="How many values were found; `values` holds the first `limit`")


@router.get(
    "",
    response_model=FacetsOut,
    responses=ERRORS,
    summary="Count media per label, entity, keyword, language, kind, quality band or quality reason",
)
def get_facets(
    rt: RuntimeDep,
    tenant: TenantDep,
    field: Annotated[str, Query(description="What to count: " + ", ".join(facets.FIELDS))],
    collection: Annotated[list[str] | None, Query(description="Only media of these collections")] = None,
    kind: Annotated[list[str] | None, Query(description="video, audio, image, document, text, code")] = None,
    language: Annotated[list[str] | None, Query(description="Only media in any of these languages")] = None,
    label: Annotated[list[str] | None, Query(description=LABELS)] = None,
    entity: Annotated[list[str] | None, Query(description=ENTITIES)] = None,
    keyword: Annotated[list[str] | None, Query(description=KEYWORDS)] = None,
    added_after: Annotated[str | None, Query(max_length=40, description=ADDED_AFTER)] = None,
    added_before: Annotated[str | None, Query(max_length=40, description=ADDED_BEFORE)] = None,
    min_quality: Annotated[float | None, Query(ge=0, le=1, description=MIN_QUALITY)] = None,
    limit: Annotated[
        int, Query(ge=1, le=facets.MAX_LIMIT, description="How many values")
    ] = facets.DEFAULT_LIMIT,
) -> FacetsOut:
    """Counts media, not segments: a media mentioning Nestlé ten times counts once for ORG:nestlé.
    An unknown `field` or a malformed filter is a 400."""
    filters = filters_from(
        kind, collection, None, language, None, None, added_after, added_before, label, entity, keyword,
        min_quality=min_quality,
    )  # fmt: skip
    counted = facets.count(rt, tenant, field, filters, limit)
    return FacetsOut(
        field=field,
        values=[FacetValueOut(value=v, count=n) for v, n in counted.values],
        media=counted.media,
        truncated=counted.truncated,
        distinct=counted.distinct,
    )
