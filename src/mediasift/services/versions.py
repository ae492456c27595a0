"""New versions of a media: new bytes under the same media id, processed again.

A media follows where its bytes came from when that is named: a bucket's object
(``s3://bucket/key``, ``services/bucket_objects.py``) or an upload's ``source`` (a path, a URL, in
the client's own terms; ``mediasift ingest`` names each file's ``file://host/path``). An upload
from a source the tenant has a media of is a new version of that media: its results are replaced
when the job ends, and its id, collection, feedback and links stay. Without a source, every new
set of bytes is a new media, as content addressing makes it.

How ``source_uri`` keeps a source: ``catalog/sources.py``.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, BinaryIO

from mediasift.catalog import repo
from mediasift.catalog.sources import SOURCE_PREFIX, UNNAMED, UPLOAD
from mediasift.errors import InvalidRequest
from mediasift.jobs import lifecycle
from mediasift.services.ingest import Ingested, _HashingReader, ingest_stream
from mediasift.services.media import delete_media
from mediasift.services.subtitles import add_subtitles
from mediasift.text_form import unstorable

if TYPE_CHECKING:
    from mediasift.catalog.models import Media
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.versions")

MAX_SOURCE_BYTES = 2048  # UTF-8: PostgreSQL's b-tree on (tenant_id, source_uri) holds ~2,700 a row


def source_uri_of(source: str | None) -> str:
    """What the catalog keeps for an upload from ``source`` (checked: one line of text, up to
    2,048 bytes)."""
    if source is None:
        return UPLOAD
    source = source.strip()
    if not source or len(source.encode("utf-8", "surrogatepass")) > MAX_SOURCE_BYTES:
        raise InvalidRequest(f"source must be 1 to {MAX_SOURCE_BYTES} bytes of text (UTF-8)")
    if unstorable(source) or any(unicodedata.category(ch) == "Cc" for ch in source):
        raise InvalidRequest("source must be one line of text, without control characters")
    return SOURCE_PREFIX + source


def ingest_version(
    rt: Runtime,
    tenant_id: str,
    stream: BinaryIO,
    filename: str | None,
    *,
    source: str | None,
    collection: str = "default",
    metadata: dict[str, Any] | None = None,
    subtitles: Sequence[tuple[str, bytes]] = (),
) -> tuple[Ingested, bool]:
    """An upload, and whether it replaced the bytes of the media from the same ``source``.

    No media from ``source``: a new media (or the tenant's media of the same bytes, which takes
    ``source`` if it followed none). One: that media with these bytes, processed again; the same
    bytes change nothing, and bytes another media of the tenant holds make this media that one."""
    uri = source_uri_of(source)
    source = uri.removeprefix(SOURCE_PREFIX) if source is not None else None
    current = _from_source(rt, tenant_id, uri) if source is not None else None
    if current is None:
        ingested = ingest_stream(
            rt,
            tenant_id,
            stream,
            filename,
            collection=collection,
            metadata=metadata,
            source_uri=uri,
            subtitles=subtitles,
        )
        if ingested.duplicate and source is not None and ingested.media.source_uri in UNNAMED:
            ingested = replace(ingested, media=_adopt(rt, tenant_id, ingested.media.id, uri))
        return ingested, False
    media_id, kind = current
    timed = kind in ("video", "audio") and bool(subtitles)
    # With subtitles, the job that adding them queues processes the new bytes: one job, not two.
    ingested = replace_original(rt, tenant_id, media_id, stream, metadata or {}, reprocess=not timed)
    if ingested.duplicate or not timed:
        return ingested, not ingested.duplicate
    added = add_subtitles(rt, tenant_id, media_id, subtitles)
    job = added.job or lifecycle.reprocess(rt, tenant_id, media_id)
    return replace(ingested, job=job), True


def _from_source(rt: Runtime, tenant_id: str, uri: str) -> tuple[str, str | None] | None:
    """The id and kind of the tenant's newest media from ``uri``."""
    with rt.catalog.read_session() as s:
        found = next(iter(repo.media_from_source(s, tenant_id, uri)), None)
        return (found.id, found.kind) if found else None


def _adopt(rt: Runtime, tenant_id: str, media_id: str, uri: str) -> Media:
    """The media of a file uploaded before with no source, following the one named now (a folder
    ingested before sources were named, then again)."""
    with rt.catalog.session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        if media.source_uri in UNNAMED:
            media.source_uri = uri
    with rt.catalog.read_session() as s:
        return repo.get_media(s, tenant_id, media_id)


def replace_original(
    rt: Runtime,
    tenant_id: str,
    media_id: str,
    stream: BinaryIO,
    metadata: dict[str, Any],
    *,
    reprocess: bool = True,
) -> Ingested:
    """Put new bytes under the media's original key and (``reprocess``) process the media again.

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
        return unchanged(rt, tenant_id, media_id)
    with rt.catalog.read_session() as s:
        twin = repo.find_media_by_sha(s, tenant_id, sha)
        twin_id = twin.id if twin else None
    if twin_id is not None and twin_id != media_id:
        log.info("new version of media %s has the bytes of media %s: one copy kept", media_id, twin_id)
        delete_media(rt, tenant_id, media_id)
        return unchanged(rt, tenant_id, twin_id)
    with rt.catalog.session() as s:
        repo.replace_original(s, tenant_id, media_id, size, sha, metadata)
    job = lifecycle.reprocess(rt, tenant_id, media_id) if reprocess else None
    rt.invalidate_tenant(tenant_id)
    with rt.catalog.read_session() as s:
        return Ingested(media=repo.get_media(s, tenant_id, media_id), job=job, duplicate=False)


def unchanged(rt: Runtime, tenant_id: str, media_id: str) -> Ingested:
    """The media as it is, with its latest job (``duplicate``)."""
    with rt.catalog.read_session() as s:
        media: Media = repo.get_media(s, tenant_id, media_id)
        return Ingested(media=media, job=repo.latest_job(s, media_id), duplicate=True)
