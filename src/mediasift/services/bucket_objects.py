"""The media of objects in a bucket follow the objects: a new object becomes a media, a new version
of it is processed again under the same media id, and a removed object takes its media with it.

A media remembers its object as ``source_uri`` (``s3://bucket/key``) and the S3 ``sequencer`` of
the write that made it (``s3_sequencer`` in its metadata). SQS delivers events late, twice and out
of order; comparing sequencers (``is_earlier``) keeps a late event from undoing a newer one: the
delete of a key that was written again afterwards deletes nothing, and a stale version does not
replace the current one.

Two keys holding the same bytes make one media (content addressing, as for uploads): it follows
the first key, and removing the second key leaves it alone.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, BinaryIO

from mediasift.catalog import repo
from mediasift.errors import NotFound
from mediasift.jobs import lifecycle
from mediasift.queue.s3_events import ObjectCreated, ObjectRemoved, is_earlier
from mediasift.services.ingest import Ingested, _HashingReader, ingest_stream
from mediasift.services.media import delete_media

if TYPE_CHECKING:
    from mediasift.catalog.models import Media
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.bucket_events")

SEQUENCER = "s3_sequencer"  # the media metadata key of the write the media's bytes came from


def source_uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def object_created(
    rt: Runtime, tenant_id: str, event: ObjectCreated, filename: str, metadata: dict[str, Any]
) -> Ingested | None:
    """A new media for a new object; for a new version of an object the media already follows,
    that media with the new bytes and a reprocess job (``duplicate`` when the bytes are the same:
    a redelivered event). None for a version older than the media's."""
    uri = source_uri(event.bucket, event.key)
    if event.sequencer:
        metadata = {**metadata, SEQUENCER: event.sequencer}
    with rt.catalog.read_session() as s:
        current = next(iter(repo.media_from_source(s, tenant_id, uri)), None)
        current_id = current.id if current else None
        current_sequencer = (current.meta or {}).get(SEQUENCER) if current else None
    if current_id is not None and is_earlier(event.sequencer, current_sequencer):
        log.info("bucket event for %s is older than media %s's version; ignored", event.key, current_id)
        return None
    # The event's key is the bucket's own name for the object, read as-is: it never becomes a path
    # here; only the sanitised filename and the media's own key do.
    with rt.bucket_reader.open(event.bucket, event.key) as stream:
        if current_id is None:
            return ingest_stream(rt, tenant_id, stream, filename, metadata=metadata, source_uri=uri)
        return replace_original(rt, tenant_id, current_id, stream, metadata)


def replace_original(
    rt: Runtime, tenant_id: str, media_id: str, stream: BinaryIO, metadata: dict[str, Any]
) -> Ingested:
    """Put new bytes under the media's original key and process the media again.

    The same bytes as before change nothing. Bytes the tenant already has as another media make
    this media a copy of that one, so this one is deleted and that one returned (``duplicate``).
    """
    with rt.catalog.read_session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        key, old_sha = media.original_key, media.sha256
    reader = _HashingReader(stream, rt.settings.max_upload_bytes)
    # Written in place (atomically): a job still reading the old bytes keeps them, and the
    # reprocess job below, queued after it, reads the new ones.
    size = rt.store.put_stream(key, reader)  # type: ignore[arg-type]
    sha = reader.sha256.hexdigest()
    if sha == old_sha:
        return _unchanged(rt, tenant_id, media_id)
    with rt.catalog.read_session() as s:
        twin = repo.find_media_by_sha(s, tenant_id, sha)
        twin_id = twin.id if twin else None
    if twin_id is not None and twin_id != media_id:
        log.info("new version of media %s has the bytes of media %s: one copy kept", media_id, twin_id)
        delete_media(rt, tenant_id, media_id)
        return _unchanged(rt, tenant_id, twin_id)
    with rt.catalog.session() as s:
        repo.replace_original(s, tenant_id, media_id, size, sha, metadata)
    job = lifecycle.reprocess(rt, tenant_id, media_id)
    rt.invalidate_tenant(tenant_id)
    with rt.catalog.read_session() as s:
        return Ingested(media=repo.get_media(s, tenant_id, media_id), job=job, duplicate=False)


def _unchanged(rt: Runtime, tenant_id: str, media_id: str) -> Ingested:
    with rt.catalog.read_session() as s:
        media: Media = repo.get_media(s, tenant_id, media_id)
        return Ingested(media=media, job=repo.latest_job(s, media_id), duplicate=True)


def object_removed(rt: Runtime, tenant_id: str, event: ObjectRemoved) -> list[str]:
    """Delete the media of a removed object, unless it was written again after this delete.
    Returns the ids of the media deleted."""
    with rt.catalog.read_session() as s:
        found = [
            (m.id, (m.meta or {}).get(SEQUENCER))
            for m in repo.media_from_source(s, tenant_id, source_uri(event.bucket, event.key))
        ]
    deleted = []
    for media_id, written in found:
        if is_earlier(event.sequencer, written):
            log.info(
                "bucket object %s was written again after this delete; media %s kept", event.key, media_id
            )
            continue
        try:
            delete_media(rt, tenant_id, media_id)
        except NotFound:
            continue  # deleted meanwhile (the API, or this event delivered twice at once)
        deleted.append(media_id)
    return deleted
