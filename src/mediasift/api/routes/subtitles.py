"""``/v1/media/{id}/subtitles``: the subtitle files kept beside a media's original, listed, added
after its upload (a direct upload's, a bucket's, or subtitles found later) and removed; a change
runs the media's pipeline again, which reads them as its tracks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field

from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.routes.jobs import job_out
from mediasift.api.schemas import JobOut, error_responses
from mediasift.errors import LimitExceeded
from mediasift.services import ingest
from mediasift.services import subtitles as subtitle_service

router = APIRouter(prefix="/v1/media", tags=["media"])
# every file at its limit, and the form's own bytes around them
_MAX_BODY = ingest.MAX_SUBTITLE_FILES * ingest.MAX_SUBTITLE_BYTES + 64 * 1024


class SubtitleFileOut(BaseModel):
    """A kept file (``services.subtitles.SubtitleFile``), read by its attributes."""

    model_config = ConfigDict(from_attributes=True)

    name: str = Field(description="As kept: its number, language, flags and format (`01.es.forced.srt`)")
    language: str | None = Field(description="Read from the filename it was sent as; null if it named none")
    forced: bool
    hearing_impaired: bool
    format: str = Field(description="srt | vtt")
    read_language: str | None = Field(
        default=None,
        description="The language the media's last processing read it in: the name's, else told by "
        "its words (`language` null, `read_language` `en`); null until it has been read",
    )


class SubtitlesOut(BaseModel):
    files: list[SubtitleFileOut]
    job: JobOut | None = Field(
        default=None, description="The job running the media's pipeline again (after a change)"
    )


@router.get(
    "/{media_id}/subtitles",
    response_model=SubtitlesOut,
    responses=error_responses(404),
    summary="The subtitle files kept beside a media",
)
def list_subtitles(rt: RuntimeDep, tenant: TenantDep, media_id: str) -> SubtitlesOut:
    kept = subtitle_service.list_subtitles(rt, tenant, media_id)
    return SubtitlesOut(files=[SubtitleFileOut.model_validate(f) for f in kept])


@router.post(
    "/{media_id}/subtitles",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SubtitlesOut,
    responses={
        **error_responses(400, 404, 409, 413),
        200: {"model": SubtitlesOut, "description": "Every file sent was kept already: nothing runs"},
    },
    summary="Add subtitle files to a video or audio file already uploaded; its pipeline runs again",
    description="`subtitles` file parts (SubRip or WebVTT, up to "
    f"{ingest.MAX_SUBTITLE_BYTES // 1024 // 1024} MB each, at most {ingest.MAX_SUBTITLE_FILES} a "
    "media), named as players name them (`talk.es.srt`, `talk.en.forced.vtt`: the language and a "
    "forced track are read from the name). Every file is checked before any is kept; the answer "
    "lists the media's files and the reprocess job that reads them (Concepts, Subtitle tracks); "
    "a file the media has already is kept once, and where every one was, the answer is 200 with "
    "`job` null. "
    "400 for a file that is not subtitles or a media that is not a video or audio file; 409 when "
    "retention deleted the original.",
)
def add_subtitles(
    request: Request,
    response: Response,
    rt: RuntimeDep,
    tenant: TenantDep,
    media_id: str,
    subtitles: Annotated[list[UploadFile], File(description="The subtitle files")],
) -> SubtitlesOut:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > _MAX_BODY:
        raise LimitExceeded(f"subtitle files exceed {_MAX_BODY} bytes in all")
    sent = [(f.filename or "subtitles.srt", f.file.read(ingest.MAX_SUBTITLE_BYTES + 1)) for f in subtitles]
    kept, job, _ = subtitle_service.add_subtitles(rt, tenant, media_id, sent)
    if job is None:
        response.status_code = status.HTTP_200_OK
    return SubtitlesOut(
        files=[SubtitleFileOut.model_validate(f) for f in kept], job=job_out(rt, job) if job else None
    )


@router.delete(
    "/{media_id}/subtitles",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SubtitlesOut,
    responses=error_responses(404, 409),
    summary="Remove every subtitle file kept beside a media; its pipeline runs again without them",
    description="404 when the media has none.",
)
def remove_subtitles(rt: RuntimeDep, tenant: TenantDep, media_id: str) -> SubtitlesOut:
    job = subtitle_service.remove_subtitles(rt, tenant, media_id)
    return SubtitlesOut(files=[], job=job_out(rt, job))


@router.delete(
    "/{media_id}/subtitles/{name}",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SubtitlesOut,
    responses=error_responses(404, 409),
    summary="Remove one subtitle file kept beside a media; its pipeline runs again without it",
    description="`name` as the media's list gives it (`01.es.srt`). 404 when the media keeps no "
    "file of that name.",
)
def remove_subtitle_file(rt: RuntimeDep, tenant: TenantDep, media_id: str, name: str) -> SubtitlesOut:
    job = subtitle_service.remove_subtitles(rt, tenant, media_id, [name])
    kept = subtitle_service.list_subtitles(rt, tenant, media_id)
    return SubtitlesOut(files=[SubtitleFileOut.model_validate(f) for f in kept], job=job_out(rt, job))
