"""``/v1/media/{id}/quality``: a media's quality assessment, as stored or measured again now."""

from __future__ import annotations

from fastapi import APIRouter

from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.schemas import QualityOut, error_responses
from mediasift.errors import NotFound
from mediasift.services import quality
from mediasift.services.reindex import measure_quality as measure_and_reindex

router = APIRouter(prefix="/v1/media", tags=["media"])


@router.get(
    "/{media_id}/quality",
    response_model=QualityOut,
    responses=error_responses(404),
    summary="A media's quality: overall 0–1 score, the reasons that lowered it, every measure",
    description="The same object as `quality` on the media. 404 `not_found` when the media is "
    "unknown or its quality was never measured (measure it with POST).",
)
def get_quality(rt: RuntimeDep, tenant: TenantDep, media_id: str) -> QualityOut:
    stored = quality.get(rt, tenant, media_id)
    if stored is None:
        raise NotFound(f"the quality of media {media_id} has not been measured: POST to measure it")
    return QualityOut.model_validate(stored)


@router.post(
    "/{media_id}/quality",
    response_model=QualityOut,
    responses=error_responses(404, 409, 415, 422),
    summary="Measure a media's quality now (media ingested before quality existed, or rules changed)",
    description="Decodes the original again (audio and video as streams: about 2–4 s per minute "
    "of video here) and reads the stored segments; stores the result and gives the media's index "
    "points the new score. 409 `conflict` when the media is not ready or its original was deleted "
    "by retention.",
)
def measure_quality(rt: RuntimeDep, tenant: TenantDep, media_id: str) -> QualityOut:
    return QualityOut.model_validate(measure_and_reindex(rt, tenant, media_id))
