"""/v1/feedback: what a user did with a result (opened, played, liked, hid), for their ranking."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from mediasift.api.deps import PrincipalDep, RuntimeDep, TenantDep, UserDep
from mediasift.api.rate_limit import RateLimiter
from mediasift.api.schemas import error_responses
from mediasift.services import feedback

router = APIRouter(prefix="/v1/feedback", tags=["personalization"])
ERRORS = error_responses(400, 401, 403, 404, 422, 429)


class FeedbackIn(BaseModel):
    media_id: str = Field(max_length=26, description="The media the user acted on (of the caller's tenant)")
    segment_id: str | None = Field(None, max_length=36, description="The hit they acted on, if one")
    signal: Literal["open", "play", "like", "hide"]
    value: float | None = Field(
        None, description="play: seconds watched (a play of 90% of a media's duration finished it)"
    )


class FeedbackOut(BaseModel):
    id: str
    user: str
    media_id: str
    segment_id: str | None
    signal: str
    value: float | None
    created_at: datetime


def _spend_feedback_token(request: Request, principal: PrincipalDep) -> None:
    """One token of the caller's feedback bucket (its key, or address in open mode, and user):
    on top of the request rate limit, so a tight loop of events cannot flood a user's log."""
    limiter: RateLimiter = request.app.state.feedback_limiter
    client = request.client.host if request.client else "unknown"
    limiter.take(f"{principal.key_id or 'open:' + client}|{principal.user_id}")


@router.post(
    "",
    status_code=201,
    response_model=FeedbackOut,
    responses=ERRORS,
    summary="Record a user's signal about a media",
    dependencies=[Depends(_spend_feedback_token)],
)
def post_feedback(rt: RuntimeDep, tenant: TenantDep, user: UserDep, body: FeedbackIn) -> FeedbackOut:
    row = feedback.record_feedback(rt, tenant, user, body.media_id, body.signal, body.value, body.segment_id)
    return FeedbackOut(
        id=row.id,
        user=user,
        media_id=row.media_id,
        segment_id=row.segment_id,
        signal=row.signal,
        value=row.value,
        created_at=row.created_at,
    )
