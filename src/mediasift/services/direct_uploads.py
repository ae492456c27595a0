"""Direct uploads: the client sends its bytes straight to storage, not through the API.

``create`` records the upload and answers where to send the bytes, with the size and type fixed:

- s3 store: a presigned POST (web forms) and PUT (mobile) for files up to
  ``direct_upload_multipart_bytes``, a multipart upload with one presigned URL per part above it
  (then ``complete`` or ``abort``). The bytes land under ``uploads/{tenant}/{upload}/{filename}``
  in ``upload_bucket``; its ObjectCreated event reaches the queue and the worker calls
  ``ingest_uploaded``, which makes the media and its job and deletes the uploaded object (the
  store keeps its own copy, as for every upload).
- embedded store: one PUT to ``/v1/uploads/{id}/content`` on this server, signed with an HMAC
  of the API-key pepper and valid until the upload expires; ``receive`` streams it to the store.

Either way the media is made by ``ingest_stream``, like an upload through ``POST /v1/media``:
same checks, same deduplication, one job.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import urlencode

from ulid import ULID

from mediasift.catalog import direct_uploads as uploads
from mediasift.catalog.direct_uploads import UploadState
from mediasift.catalog.models import DirectUpload, utcnow
from mediasift.domain import collection_name
from mediasift.errors import Conflict, Forbidden, InvalidRequest, LimitExceeded, NotFound
from mediasift.services.auth import check_tenant_id, pepper
from mediasift.services.ingest import Ingested, ingest_stream, safe_filename
from mediasift.services.versions import ingest_version, source_uri_of
from mediasift.store import s3_direct

if TYPE_CHECKING:
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.direct_uploads")

PREFIX = "uploads/"
_KEY = re.compile(r"uploads/(?P<tenant>[^/]+)/(?P<upload>[0-9A-HJKMNP-TV-Z]{26})/[^/]+")
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}")


@dataclass(frozen=True, slots=True)
class Target:
    """Where the client sends the bytes of a new upload."""

    state: UploadState
    post: dict[str, Any] | None = None
    put: dict[str, Any] | None = None
    parts: list[s3_direct.Part] | None = None


def create(
    rt: Runtime,
    tenant_id: str,
    *,
    filename: str,
    content_type: str,
    size: int,
    collection: str = "default",
    metadata: dict[str, Any] | None = None,
    source: str | None = None,
    base_url: str,
) -> Target:
    """Record the upload and answer where its bytes go. With ``source``, the media they become
    follows it, as an upload through ``POST /v1/media`` naming it (``services/versions.py``): a
    media from the same source gets these bytes as its new version."""
    settings = rt.settings
    if size < 1:
        raise InvalidRequest("bytes must be at least 1")
    if size > settings.max_upload_bytes:
        raise LimitExceeded(f"upload exceeds the limit of {settings.max_upload_bytes} bytes")
    if not _CONTENT_TYPE.fullmatch(content_type):
        raise InvalidRequest("content_type must be a MIME type such as video/mp4")
    collection = collection_name(collection)
    name = safe_filename(filename)
    if source is not None:
        source_uri_of(source)  # checked now, not when the bytes arrive
        source = source.strip()
    upload_id = str(ULID())
    now = utcnow()
    expires_s = settings.direct_upload_expires_s
    row = DirectUpload(
        id=upload_id,
        tenant_id=tenant_id,
        filename=name,
        content_type=content_type,
        bytes=size,
        collection=collection,
        meta=dict(metadata or {}),
        key=f"{PREFIX}{tenant_id}/{upload_id}/{name}",
        status=uploads.PENDING,
        duplicate=False,
        source=source,
        replaced=False,
        created_at=now,
        expires_at=now + timedelta(seconds=expires_s),
    )
    if settings.store != "s3":
        uploads.add(rt.catalog, row)
        expires = int(time.time()) + expires_s
        query = urlencode({"expires": expires, "signature": _signature(rt, upload_id, expires)})
        put = {
            "url": f"{base_url.rstrip('/')}/v1/uploads/{upload_id}/content?{query}",
            "headers": {"Content-Type": content_type},
        }
        return Target(UploadState(row, None, None), put=put)

    client, bucket = rt.bucket_reader.client, _bucket(rt)
    row.bucket = bucket
    if size > settings.direct_upload_multipart_bytes:
        row.multipart_id, parts = s3_direct.create_multipart(
            client, bucket, row.key, size, content_type, settings.direct_upload_part_bytes, expires_s
        )
        uploads.add(rt.catalog, row)
        return Target(UploadState(row, None, None), parts=parts)
    uploads.add(rt.catalog, row)
    return Target(
        UploadState(row, None, None),
        post=s3_direct.presigned_post(client, bucket, row.key, size, content_type, expires_s),
        put=s3_direct.presigned_put(client, bucket, row.key, size, content_type, expires_s),
    )


def status(rt: Runtime, tenant_id: str, upload_id: str) -> UploadState:
    return uploads.get(rt.catalog, tenant_id, upload_id)


def status_any(rt: Runtime, upload_id: str) -> UploadState:
    """The upload whatever its tenant: for its signed content URL, which names no tenant."""
    return uploads.get(rt.catalog, None, upload_id)


def complete(rt: Runtime, tenant_id: str, upload_id: str, parts: list[tuple[int, str]]) -> UploadState:
    """Join a multipart upload's parts; the object's ObjectCreated event then makes the media."""
    upload = _pending(rt, tenant_id, upload_id)
    if not upload.multipart_id or upload.bucket is None:
        raise InvalidRequest("only a multipart upload is completed; this one is a single request")
    s3_direct.complete_multipart(
        rt.bucket_reader.client, upload.bucket, upload.key, upload.multipart_id, parts, upload.bytes
    )
    return uploads.get(rt.catalog, tenant_id, upload_id)


def abort(rt: Runtime, tenant_id: str, upload_id: str) -> UploadState:
    """Give up an upload: S3 drops the parts sent so far; a late object is never ingested."""
    upload = _pending(rt, tenant_id, upload_id)
    if upload.multipart_id and upload.bucket is not None:
        s3_direct.abort_multipart(rt.bucket_reader.client, upload.bucket, upload.key, upload.multipart_id)
    uploads.finish(rt.catalog, upload_id, uploads.ABORTED)
    return uploads.get(rt.catalog, tenant_id, upload_id)


def check_signature(rt: Runtime, upload_id: str, expires: int, signature: str) -> None:
    """The embedded store's upload URL is its own credential, like a presigned S3 URL."""
    if expires < time.time():
        raise Forbidden("this upload URL has expired; ask POST /v1/uploads for a new one")
    # bytes: a forged signature may hold any character, and str comparison refuses non-ASCII
    if not hmac.compare_digest(_signature(rt, upload_id, expires).encode(), signature.encode()):
        raise Forbidden("the upload URL's signature does not match")


def receive(
    rt: Runtime, upload_id: str, content_type: str | None, stream: BinaryIO, size: int
) -> UploadState:
    """The embedded store's upload handler: ``stream`` holds exactly ``size`` bytes (the caller
    stopped reading past the declared size)."""
    state = uploads.get(rt.catalog, None, upload_id)
    upload = state.upload
    if upload.status != uploads.PENDING or upload.bucket is not None:
        raise Conflict(f"upload {upload_id} is {upload.status}; ask POST /v1/uploads for a new one")
    if (content_type or "").split(";")[0].strip().lower() != upload.content_type.lower():
        raise InvalidRequest(f"Content-Type must be {upload.content_type}, as the upload declared")
    if size != upload.bytes:
        raise InvalidRequest(f"the body holds {size} bytes, the upload declared {upload.bytes}")
    _ingest(rt, upload, stream)
    return uploads.get(rt.catalog, upload.tenant_id, upload_id)


def is_upload_key(key: str) -> bool:
    return key.startswith(PREFIX)


def ingest_uploaded(rt: Runtime, bucket: str, key: str, size: int | None) -> Ingested | None:
    """A bucket event for ``uploads/…``: make the media of the upload the key names. None when
    there is nothing to do (an unknown or finished upload: a redelivered event, or an abort)."""
    match = _KEY.fullmatch(key)
    if match is None:
        log.warning("bucket event for %s under uploads/ names no upload; ignored", key)
        return None
    try:
        upload = uploads.get(rt.catalog, check_tenant_id(match["tenant"]), match["upload"]).upload
    except (NotFound, InvalidRequest):
        log.warning("bucket event for %s: no such upload; ignored", key)
        return None
    if upload.status != uploads.PENDING or upload.bucket != bucket or upload.key != key:
        return None
    client = rt.bucket_reader.client
    if size is not None and size != upload.bytes:
        uploads.finish(
            rt.catalog, upload.id, uploads.FAILED, error=f"{size} bytes arrived, {upload.bytes} declared"
        )
        s3_direct.delete(client, bucket, key)
        return None
    with rt.bucket_reader.open(bucket, key) as stream:
        result = _ingest(rt, upload, stream)
    s3_direct.delete(client, bucket, key)  # the store holds its own copy now
    return result


def _ingest(rt: Runtime, upload: DirectUpload, stream: BinaryIO) -> Ingested:
    metadata = {**upload.meta, "upload_id": upload.id}
    replaced = False
    if upload.source is None:
        result = ingest_stream(
            rt,
            upload.tenant_id,
            stream,
            upload.filename,
            collection=upload.collection,
            metadata=metadata,
            source_uri="direct-upload",
        )
    else:
        result, replaced = ingest_version(
            rt,
            upload.tenant_id,
            stream,
            upload.filename,
            source=upload.source,
            collection=upload.collection,
            metadata=metadata,
        )
    uploads.finish(
        rt.catalog,
        upload.id,
        uploads.COMPLETED,
        media_id=result.media.id,
        job_id=result.job.id if result.job else None,
        duplicate=result.duplicate,
        replaced=replaced,
    )
    return result


def _pending(rt: Runtime, tenant_id: str, upload_id: str) -> DirectUpload:
    upload = uploads.get(rt.catalog, tenant_id, upload_id).upload
    if upload.status != uploads.PENDING:
        raise Conflict(f"upload {upload_id} is {upload.status}")
    return upload


def _bucket(rt: Runtime) -> str:
    bucket = rt.settings.upload_bucket or rt.settings.s3_bucket
    if not bucket:
        raise InvalidRequest(
            "direct uploads on the s3 store need MEDIASIFT_UPLOAD_BUCKET or MEDIASIFT_S3_BUCKET"
        )
    return bucket


def _signature(rt: Runtime, upload_id: str, expires: int) -> str:
    message = f"direct-upload:{upload_id}:{expires}".encode()
    return hmac.new(pepper(rt.settings, rt.catalog), message, hashlib.sha256).hexdigest()
