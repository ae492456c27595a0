"""/v1/uploads: direct uploads, the bytes sent straight to storage (services/direct_uploads.py).

``POST /v1/uploads`` answers where to send the bytes: a presigned S3 POST and PUT, a multipart
upload with one URL per part (then ``POST /v1/uploads/{id}/complete``), or on the embedded store a
signed ``PUT /v1/uploads/{id}/content``. ``GET /v1/uploads/{id}`` shows the media once it exists.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.routes.media import MAX_METADATA_DEPTH, RESERVED_METADATA, _depth
from mediasift.api.schemas import JobOut, MediaOut, error_responses
from mediasift.catalog.direct_uploads import UploadState
from mediasift.errors import InvalidRequest, LimitExceeded
from mediasift.services import direct_uploads

router = APIRouter(prefix="/v1/uploads", tags=["uploads"])
# The content route's credential is its signed URL (like a presigned S3 URL), not an API key.
content_router = APIRouter(prefix="/v1/uploads", tags=["uploads"])

_COPY_CHUNK = 1024 * 1024


class UploadIn(BaseModel):
    filename: str = Field(min_length=1, max_length=1000, description="The file's name (kept, sanitised)")
    content_type: str = Field(description="MIME type; the upload must be sent with exactly this Content-Type")
    bytes: int = Field(ge=1, description="Exact size in bytes; storage refuses any other size")
    collection: str = "default"
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="Kept on the media, as on POST /v1/media"
    )
    source: str | None = Field(
        None,
        description="Where the file came from, in your own terms (a path, a URL), up to 2,048 bytes, "
        "as on POST /v1/media: when the tenant has a media from this source, the bytes become its "
        "new version (`replaced`); the same bytes change nothing",
    )


class PresignedPost(BaseModel):
    url: str
    fields: dict[str, str] = Field(description="Form fields to send before the `file` field")


class PresignedPut(BaseModel):
    url: str
    headers: dict[str, str] = Field(description="Headers the PUT must carry (they are signed)")


class UploadPartOut(BaseModel):
    number: int
    bytes: int = Field(description="Exact size of this part")
    url: str = Field(description="Presigned PUT for this part; keep the ETag it answers")


class CompletePart(BaseModel):
    number: int = Field(ge=1, le=10_000)
    etag: str = Field(min_length=1, max_length=200)


class CompleteIn(BaseModel):
    parts: list[CompletePart] = Field(min_length=1, max_length=10_000)


class DirectUploadOut(BaseModel):
    id: str
    status: str = Field(description="pending | completed | aborted | failed")
    method: str = Field(description="post (or put) | multipart | put: how to send the bytes")
    filename: str
    content_type: str
    bytes: int
    collection: str
    created_at: datetime
    expires_at: datetime
    post: PresignedPost | None = Field(None, description="S3 store, single request: an HTML form POST")
    put: PresignedPut | None = Field(
        None, description="A single PUT (S3 presigned, or the embedded server's)"
    )
    parts: list[UploadPartOut] | None = Field(None, description="Multipart: one PUT per part, then complete")
    media: MediaOut | None = Field(None, description="Once the bytes are in: the media they became")
    job: JobOut | None = None
    duplicate: bool = Field(False, description="The tenant already had these bytes: `media` is that copy")
    source: str | None = Field(None, description="The `source` the upload named")
    replaced: bool = Field(
        False,
        description="The bytes were a new version of the media from the same `source`: it is processed again",
    )
    error: str | None = None

    @classmethod
    def of(cls, state: UploadState, target: direct_uploads.Target | None = None) -> DirectUploadOut:
        u = state.upload
        return cls(
            id=u.id,
            status=u.status,
            method="multipart" if u.multipart_id else ("post" if u.bucket else "put"),
            filename=u.filename,
            content_type=u.content_type,
            bytes=u.bytes,
            collection=u.collection,
            created_at=u.created_at,
            expires_at=u.expires_at,
            post=PresignedPost(**target.post) if target and target.post else None,
            put=PresignedPut(**target.put) if target and target.put else None,
            parts=[UploadPartOut(number=p.number, bytes=p.bytes, url=p.url) for p in target.parts]
            if target and target.parts
            else None,
            media=MediaOut.of(state.media) if state.media else None,
            job=JobOut.of(state.job, u.filename) if state.job else None,
            duplicate=u.duplicate,
            source=u.source,
            replaced=u.replaced,
            error=u.error,
        )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DirectUploadOut,
    responses=error_responses(400, 413),
    summary="Start a direct upload: where to send the bytes, size and type fixed",
)
def create_upload(body: UploadIn, request: Request, rt: RuntimeDep, tenant: TenantDep) -> DirectUploadOut:
    # the metadata rules of POST /v1/media: the same media, whichever way the bytes came
    if "extracted" in body.metadata:
        raise InvalidRequest(RESERVED_METADATA)
    if _depth(body.metadata) > MAX_METADATA_DEPTH:
        raise InvalidRequest(f"metadata nests deeper than {MAX_METADATA_DEPTH} levels")
    base_url = rt.settings.public_url or str(request.base_url)
    target = direct_uploads.create(
        rt,
        tenant,
        filename=body.filename,
        content_type=body.content_type,
        size=body.bytes,
        collection=body.collection,
        metadata=body.metadata,
        source=body.source,
        base_url=str(base_url),
    )
    return DirectUploadOut.of(target.state, target)


@router.get(
    "/{upload_id}",
    response_model=DirectUploadOut,
    responses=error_responses(404),
    summary="A direct upload: pending until its bytes have become a media",
)
def get_upload(upload_id: str, rt: RuntimeDep, tenant: TenantDep) -> DirectUploadOut:
    return DirectUploadOut.of(direct_uploads.status(rt, tenant, upload_id))


@router.post(
    "/{upload_id}/complete",
    response_model=DirectUploadOut,
    responses=error_responses(400, 404, 409),
    summary="Join a multipart upload's parts (numbers and ETags); the media follows",
)
def complete_upload(upload_id: str, body: CompleteIn, rt: RuntimeDep, tenant: TenantDep) -> DirectUploadOut:
    parts = [(p.number, p.etag) for p in body.parts]
    return DirectUploadOut.of(direct_uploads.complete(rt, tenant, upload_id, parts))


@router.delete(
    "/{upload_id}",
    response_model=DirectUploadOut,
    responses=error_responses(404, 409),
    summary="Abort a pending upload (a multipart upload's parts are dropped)",
)
def abort_upload(upload_id: str, rt: RuntimeDep, tenant: TenantDep) -> DirectUploadOut:
    return DirectUploadOut.of(direct_uploads.abort(rt, tenant, upload_id))


@content_router.put(
    "/{upload_id}/content",
    status_code=status.HTTP_201_CREATED,
    response_model=DirectUploadOut,
    responses=error_responses(400, 403, 404, 409, 413),
    summary="Embedded store: the bytes of a direct upload, to the signed URL POST /v1/uploads gave",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_content(
    upload_id: str,
    request: Request,
    rt: RuntimeDep,
    expires: Annotated[int, Query()],
    signature: Annotated[str, Query(max_length=128)],
) -> DirectUploadOut:
    direct_uploads.check_signature(rt, upload_id, expires, signature)
    state = direct_uploads.status_any(rt, upload_id)
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) != state.upload.bytes):
        raise InvalidRequest(f"Content-Length must be {state.upload.bytes}, as the upload declared")
    with tempfile.TemporaryFile(prefix="mediasift-upload-") as spool:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > state.upload.bytes:  # stop reading at the first byte over the declared size
                raise LimitExceeded(f"the body holds more than the {state.upload.bytes} bytes declared")
            await run_in_threadpool(spool.write, chunk)
        spool.seek(0)
        content_type = request.headers.get("content-type")
        done = await run_in_threadpool(direct_uploads.receive, rt, upload_id, content_type, spool, size)
    return DirectUploadOut.of(done)
