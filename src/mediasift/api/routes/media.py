"""/v1/media: upload, list, detail, delete, reprocess, original, artifacts and report."""

from __future__ import annotations

import json
import logging
import mimetypes
from typing import Annotated, Any, BinaryIO, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.requests import ClientDisconnect

from mediasift.api import text_guard
from mediasift.api.deps import PublicUrlDep, RuntimeDep, TenantDep
from mediasift.api.head import is_head
from mediasift.api.middleware import CLIENT_CLOSED_REQUEST
from mediasift.api.reports import REPORT_RESPONSES, ReportFormat, report_response
from mediasift.api.routes.jobs import job_out
from mediasift.api.schemas import (
    CURSOR_HELP,
    ErrorOut,
    ErrorResponses,
    JobOut,
    MediaDetailOut,
    MediaListOut,
    MediaOut,
    MediaStepOut,
    SegmentOut,
    UploadOut,
    error_responses,
    file_responses,
    transcript_responses,
)
from mediasift.api.streaming_form import Form, receive_upload
from mediasift.catalog import enrichments, repo
from mediasift.catalog import jobs as job_rows
from mediasift.catalog import nutrition as nutrition_rows
from mediasift.catalog import steps as step_rows
from mediasift.catalog.paging import cursor_of, read_cursor
from mediasift.domain import JobType, MediaKind, MediaStatus
from mediasift.errors import InvalidRequest, LimitExceeded, NotFound, RangeNotSatisfiable
from mediasift.services import ingest, reports, versions
from mediasift.services import media as media_service
from mediasift.services.near_duplicates import near_duplicates
from mediasift.services.retention import original_deleted
from mediasift.store.base import processed_key
from mediasift.text_form import unstorable

log = logging.getLogger("mediasift.api")
router = APIRouter(prefix="/v1/media", tags=["media"])
ERRORS = error_responses(400, 404, 413, 415, 422)
UPLOAD_ERRORS: ErrorResponses = {
    **ERRORS,
    408: {"model": ErrorOut, "description": "The client sent nothing for `upload_idle_timeout_s`"},
    503: {"model": ErrorOut, "description": "Every upload slot is taken (`server_busy`, Retry-After)"},
}
MAX_METADATA_DEPTH = 32
# The upload parses its own multipart stream (streaming_form.py), so its body is described here.
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "collection": {"type": "string", "default": "default"},
                    "source": {
                        "type": "string",
                        "description": (
                            "Where the file came from, in your own terms (a path, a URL; "
                            "`mediasift ingest` sends `file://host/path`), up to 2,048 bytes. An "
                            "upload from a source you have a media of is a new version of it: the "
                            "same media id gets the new bytes and is processed again (`replaced`), "
                            "its results replaced when the job ends; the same bytes change nothing. "
                            "Without it, new bytes are a new media."
                        ),
                    },
                    "metadata": {
                        "type": "string",
                        "description": "JSON object of your own metadata (e.g. sku)",
                    },
                    "subtitles": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "maxItems": ingest.MAX_SUBTITLE_FILES,
                        "description": "A video's or audio file's subtitles (SubRip or WebVTT, up to "
                        f"{ingest.MAX_SUBTITLE_BYTES // 1024 // 1024} MB each), sent before `file`: "
                        "the language and a forced track are read from the name, as players read "
                        "them (`talk.es.srt`, `talk.en.forced.vtt`). See Concepts, Subtitle tracks.",
                    },
                    "file": {"type": "string", "format": "binary", "description": "The media file"},
                },
            }
        }
    },
}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=UploadOut,
    responses={
        **UPLOAD_ERRORS,
        200: {"model": UploadOut, "description": "Duplicate: the same bytes already exist"},
    },
    summary="Upload a file; it is processed by a job",
    description="Streamed: the size limit applies while the bytes arrive. Send `collection`, "
    "`metadata` and `subtitles` before `file`.",
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def upload(request: Request, rt: RuntimeDep, tenant: TenantDep) -> Response:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > rt.settings.max_upload_bytes + 64 * 1024:
        raise LimitExceeded(f"upload exceeds the limit of {rt.settings.max_upload_bytes} bytes")

    def consume(filename: str | None, form: Form, stream: BinaryIO) -> tuple[ingest.Ingested, bool]:
        meta = _parse_metadata(form.fields.get("metadata"))
        subtitles = [(a.filename, a.data) for a in form.attachments]
        return versions.ingest_version(
            rt,
            tenant,
            stream,
            filename,
            source=form.fields.get("source"),
            collection=form.fields.get("collection") or "default",
            metadata=meta,
            subtitles=subtitles,
        )

    try:
        result, replaced = await receive_upload(
            request,
            consume,
            max_file_bytes=rt.settings.max_upload_bytes,
            pool=request.app.state.upload_pool,
            idle_timeout_s=rt.settings.upload_idle_timeout_s,
            attachments={"subtitles": ingest.MAX_SUBTITLE_BYTES},
        )
    except ClientDisconnect:
        # The client's doing, not a server error: nobody is left to read an answer, and the
        # partial upload has been removed. 499 is what the access log and metrics then record.
        log.info("upload abandoned: the client disconnected before sending the whole body")
        return Response(status_code=CLIENT_CLOSED_REQUEST)
    step = None
    if result.duplicate and result.job is not None and result.job.type == JobType.STEP.value:
        with rt.catalog.read_session() as s:  # a media's latest job can be a workflow step's
            step = job_rows.step_keys(s, [result.job]).get(result.job.id)
    body = UploadOut(
        media=MediaOut.of(result.media),
        job=JobOut.of(result.job, result.media.filename, step) if result.job else None,
        duplicate=result.duplicate,
        replaced=replaced,
    )
    code = status.HTTP_200_OK if result.duplicate else status.HTTP_202_ACCEPTED
    return JSONResponse(body.model_dump(mode="json"), status_code=code)


RESERVED_METADATA = "metadata cannot hold the key 'extracted': it is mediasift's (what extraction read)"


def _parse_metadata(raw: str | None) -> dict:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise InvalidRequest("metadata must be a JSON object") from None
    except RecursionError:  # json's decoder recurses once per nested array or object
        raise InvalidRequest(f"metadata nests deeper than {MAX_METADATA_DEPTH} levels") from None
    if not isinstance(value, dict):
        raise InvalidRequest(f"metadata must be a JSON object ({{...}}), not {type(value).__name__}")
    if "extracted" in value:
        raise InvalidRequest(RESERVED_METADATA)
    if _depth(value) > MAX_METADATA_DEPTH:  # pydantic refuses to serialise a few hundred levels
        raise InvalidRequest(f"metadata nests deeper than {MAX_METADATA_DEPTH} levels")
    if unstorable(value):  # a multipart field: the text guard reads JSON bodies only
        raise InvalidRequest(f"metadata: {text_guard.MESSAGE}")
    return value


def _depth(value: object) -> int:
    """How many arrays and objects nest in a parsed JSON value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest


@router.get("", response_model=MediaListOut, summary="List media")
def list_media(
    rt: RuntimeDep,
    tenant: TenantDep,
    status: MediaStatus | None = None,
    kind: MediaKind | None = None,
    collection: str | None = None,
    source_prefix: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=2048,
            description="Only media whose `source` starts with this (a folder's "
            "`file://host/path/`, a bucket's `s3://bucket/prefix/`)",
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, description="How many, newest first; more than 1000 answers 1000")
    ] = 100,
    offset: Annotated[
        int, Query(ge=0, le=2**31 - 1, description="Rows to skip; `cursor` pages without repeats or gaps")
    ] = 0,
    cursor: Annotated[str | None, Query(max_length=200, description=CURSOR_HELP)] = None,
) -> MediaListOut:
    if cursor is not None and offset:
        raise InvalidRequest("give cursor or offset, not both: a cursor says where the page starts")
    limit = min(limit, 1000)
    with rt.catalog.read_session() as s:
        rows = repo.list_media(
            s,
            tenant,
            status=status,
            kind=kind,
            collection=collection,
            source_prefix=source_prefix,
            limit=limit,
            offset=offset,
            cursor=read_cursor(cursor) if cursor is not None else None,
        )
        full = len(rows) == limit
        return MediaListOut(
            media=[MediaOut.of(m) for m in rows],
            next_cursor=cursor_of(rows[-1].created_at, rows[-1].id) if full else None,
        )


@router.get(
    "/{media_id}",
    response_model=MediaDetailOut,
    responses=ERRORS,
    summary="A media with its segments and what it is about",
)
def get_media(rt: RuntimeDep, tenant: TenantDep, media_id: str) -> MediaDetailOut:
    with rt.catalog.read_session() as s:
        m = repo.get_media(s, tenant, media_id)
        segments = repo.media_segments(s, tenant, media_id)
        job = repo.latest_job(s, media_id)
        duplicates = near_duplicates(s, m)
        enriched = MediaDetailOut.enrichment_fields(enrichments.get_enrichment(s, tenant, media_id))
        base = MediaOut.of(m).model_dump()
        rows = step_rows.media_steps(s, media_id)
        step = next(
            (job_rows.StepRef(r.step_key, r.status) for r in rows if job is not None and r.job_id == job.id),
            None,
        )
        job_out = JobOut.of(job, m.filename, step) if job else None
        steps = [MediaStepOut.of(row) for row in rows]
        nutrition = _nutrition_state(s, tenant, media_id)
    prefix = processed_key(tenant, media_id, "")
    artifacts = [key[len(prefix) :] for key in rt.store.list(prefix)]
    return MediaDetailOut(
        **base,
        segments=[SegmentOut.of(x) for x in segments],
        job=job_out,
        steps=steps,
        artifacts=artifacts,
        duplicates=duplicates,
        nutrition=nutrition,
        **enriched,
    )


class MediaPatch(BaseModel):
    # A field this does not know (``metadata``, a typo) is refused, not dropped as if applied.
    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        description="What the media follows from now on (a file moved: its new path, as `source` "
        "on upload); 409 when another media follows it"
    )
    filename: str | None = Field(
        None,
        max_length=1000,
        description="Its new file name (a file renamed as it moved): what hits and listings show",
    )

    @field_validator("filename")
    @classmethod
    def _named(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("a file name cannot be empty (leave filename out to keep the name)")
        return value


@router.patch(
    "/{media_id}",
    response_model=MediaOut,
    responses=error_responses(400, 404, 409, 422),
    summary="Change what a media follows (its `source`)",
)
def patch_media(rt: RuntimeDep, tenant: TenantDep, media_id: str, body: MediaPatch) -> MediaOut:
    return MediaOut.of(versions.follow(rt, tenant, media_id, body.source, body.filename))


@router.delete(
    "/{media_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ERRORS,
    summary="Delete a media: original, artifacts, segments and vectors",
)
def delete_media(rt: RuntimeDep, tenant: TenantDep, media_id: str) -> Response:
    media_service.delete_media(rt, tenant, media_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{media_id}/reprocess",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses={**ERRORS, 409: {"model": ErrorOut, "description": "The original was deleted by retention"}},
    summary="Run extraction again (e.g. after a model upgrade)",
)
def reprocess(rt: RuntimeDep, tenant: TenantDep, media_id: str) -> JobOut:
    return job_out(rt, media_service.reprocess_media(rt, tenant, media_id))


@router.get(
    "/{media_id}/original",
    response_class=Response,
    responses={**ERRORS, **file_responses("*/*", ranged=True)},
    summary="Download the original bytes (Range requests work)",
)
def original(request: Request, rt: RuntimeDep, tenant: TenantDep, media_id: str) -> Response:
    with rt.catalog.read_session() as s:
        m = repo.get_media(s, tenant, media_id)
        key, mime, filename = m.original_key, m.mime, m.filename
    mime = mime or "application/octet-stream"
    try:
        return _object_response(rt, key, mime, filename, request.headers.get("range"), head=is_head(request))
    except NotFound:  # said without the store's key: where a tenant's objects live is not the caller's
        if original_deleted(rt, media_id):
            raise NotFound(f"media {media_id}: its original was deleted by retention") from None
        raise NotFound(f"media {media_id}: its original is not stored") from None


_TRANSCRIPT_TYPES = {
    "json": "application/json",
    "srt": "application/x-subrip",
    "vtt": "text/vtt",
    "txt": "text/plain",
}


@router.get(
    "/{media_id}/transcript.{fmt}",
    response_class=Response,
    responses={**ERRORS, **transcript_responses()},
    summary="The transcript of a video or audio as JSON, SRT, WebVTT or plain text",
)
def transcript(
    rt: RuntimeDep, tenant: TenantDep, media_id: str, fmt: Literal["json", "srt", "vtt", "txt"]
) -> Response:
    with rt.catalog.read_session() as s:
        repo.get_media(s, tenant, media_id)
    key = processed_key(tenant, media_id, f"transcript.{fmt}")
    if not rt.store.exists(key):
        raise NotFound(f"media {media_id} has no transcript")
    return Response(rt.store.get_bytes(key), media_type=f"{_TRANSCRIPT_TYPES[fmt]}; charset=utf-8")


@router.get(
    "/{media_id}/report",
    response_class=Response,
    responses={**REPORT_RESPONSES, **ERRORS},
    summary="What a media is about, as a JSON, Markdown or self-contained HTML report",
    description="Summary (each sentence linked to its second or page in the web UI), keywords, "
    "labels, entities with their occurrences, keyframes (inlined in HTML), notes and the job's "
    "state. The JSON follows the schema `mediasift.report/1` (docs/reports.md). Each report made "
    "is also written to the store under `processed/{tenant}/reports/media/{id}.{format}`.",
)
def report(
    rt: RuntimeDep, tenant: TenantDep, base_url: PublicUrlDep, media_id: str, fmt: ReportFormat = "json"
) -> Response:
    return report_response(
        reports.media_report_file(rt, tenant, media_id, fmt, base_url), f"report-{media_id}"
    )


@router.get(
    "/{media_id}/artifacts/{name:path}",
    response_class=Response,
    responses={**ERRORS, **file_responses("image/jpeg", "*/*")},
    summary="Download an artifact (a keyframe, a page, the thumbnail, a transcript file)",
)
def artifact(request: Request, rt: RuntimeDep, tenant: TenantDep, media_id: str, name: str) -> Response:
    with rt.catalog.read_session() as s:
        repo.get_media(s, tenant, media_id)
    if any(part in ("", ".", "..") for part in name.split("/")):
        raise InvalidRequest(f"artifact name {name!r}: a path inside the media's artifacts, without . or ..")
    key = processed_key(tenant, media_id, name)
    if not rt.store.exists(key):
        raise NotFound(f"artifact {name} not found")
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    # Ranges as the original answers them: it said "Accept-Ranges: bytes" and sent the whole file.
    return _object_response(rt, key, mime, None, request.headers.get("range"), head=is_head(request))


def _object_response(  # type: ignore[no-untyped-def]
    rt, key: str, mime: str, filename: str | None, byte_range: str | None = None, *, head: bool = False
) -> Response:
    """The stored object ``key`` streamed (a redirect where the store hands out URLs); ``head``
    (``api.head.is_head``): its headers only, read from the object's size, not its bytes."""
    url = rt.store.url(key)
    if url:
        return RedirectResponse(url, status_code=307)
    stream = rt.store.open(key)
    # A seekable object answers HTTP Range requests (206): video players need them to seek.
    headers, code, remaining = {}, 200, None
    if stream.seekable():
        size = stream.seek(0, 2)
        span = _byte_span(byte_range, size)
        if isinstance(span, str):  # "unsatisfiable"
            stream.close()
            raise RangeNotSatisfiable(f"the range asked for is outside the object's {size} bytes", size)
        start, end = span or (0, size - 1)
        stream.seek(start)
        remaining = end - start + 1
        headers = {"Accept-Ranges": "bytes", "Content-Length": str(remaining)}
        if span:
            code, headers["Content-Range"] = 206, f"bytes {start}-{end}/{size}"

    def chunks():  # type: ignore[no-untyped-def]
        left = remaining
        with stream:
            while block := stream.read(256 * 1024 if left is None else min(256 * 1024, left)):
                if left is not None:
                    left -= len(block)
                yield block

    if filename:
        from urllib.parse import quote

        headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    if head and remaining is not None:
        stream.close()
        return Response(status_code=code, media_type=mime, headers=headers)  # Content-Length: the GET's
    return StreamingResponse(chunks(), status_code=code, media_type=mime, headers=headers)


def _byte_span(header: str | None, size: int) -> tuple[int, int] | str | None:
    """The inclusive byte span of a single-range ``Range`` header; None means the whole object."""
    unit, _, spec = (header or "").partition("=")
    if unit.strip() != "bytes" or "," in spec or "-" not in spec:
        return None
    first, _, last = spec.strip().partition("-")
    try:
        if not first:  # the last N bytes
            start, end = max(0, size - int(last)), size - 1
        elif last and int(last) < int(first):
            return None  # "bytes=100-50" is no range (RFC 9110, 14.1.1): the whole object, as for any other
        else:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
    except ValueError:
        return None
    return "unsatisfiable" if start >= size or start > end else (start, end)


def _nutrition_state(s: Any, tenant: str, media_id: str) -> str:
    """Where a media's nutrition stands, so a client knows before asking for it (the web UI had
    asked on every media page, a 404 in the browser's console for each one never analysed)."""
    if nutrition_rows.job_in_flight(s, media_id, [JobType.NUTRITION]) is not None:
        return "analysing"
    row = nutrition_rows.get_nutrition(s, tenant, media_id)
    if row is None:
        return "none"
    return "failed" if row.status == nutrition_rows.FAILED else "analysed"
