"""/v1/recommendations (more like what the user liked and watched) and /v1/media/{id}/similar
(more like this media)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from mediasift.api.deps import RuntimeDep, TenantDep, UserDep
from mediasift.api.schemas import error_responses
from mediasift.services import recommendations

router = APIRouter(tags=["personalization"])
ERRORS = error_responses(400, 401, 403, 404, 422)


class RecommendationOut(BaseModel):
    media_id: str
    filename: str
    score: float = Field(description="Higher is better; comparable only within one list")
    reason: str = Field(
        description="Why: the liked or watched media it is most like, or the media it is like"
    )


class RecommendationsOut(BaseModel):
    items: list[RecommendationOut]


def _out(items: list[recommendations.Recommendation]) -> RecommendationsOut:
    return RecommendationsOut(
        items=[
            RecommendationOut(media_id=r.media_id, filename=r.filename, score=r.score, reason=r.reason)
            for r in items
        ]
    )


@router.get(
    "/v1/recommendations",
    response_model=RecommendationsOut,
    responses=ERRORS,
    summary="Media the user may want next (excluding what they liked, hid or finished)",
)
def get_recommendations(
    rt: RuntimeDep,
    tenant: TenantDep,
    user: UserDep,
    limit: Annotated[int, Query(ge=1, le=recommendations.MAX_LIMIT)] = 10,
) -> RecommendationsOut:
    return _out(recommendations.recommend(rt, tenant, user, limit))


@router.get(
    "/v1/media/{media_id}/similar",
    response_model=RecommendationsOut,
    responses=ERRORS,
    summary="More like this: the tenant's media closest to one media",
)
def get_similar(
    rt: RuntimeDep,
    tenant: TenantDep,
    media_id: str,
    limit: Annotated[int, Query(ge=1, le=recommendations.MAX_LIMIT)] = 10,
) -> RecommendationsOut:
    return _out(recommendations.similar(rt, tenant, media_id, limit))
