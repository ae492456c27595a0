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

import contextlib
import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, BinaryIO

from mediasift.catalog import repo
from mediasift.catalog.sources import SOURCE_PREFIX, UNNAMED, UPLOAD
from mediasift.errors import Conflict, InvalidRequest, NotFound
from mediasift.jobs import lifecycle
from mediasift.media.subtitle_tracks import sidecar_name
from mediasift.services.ingest import Ingested, _HashingReader, ingest_stream, safe_filename, subtitle_files
from mediasift.services.media import delete_media
from mediasift.services.subtitles import (
    add_subtitles,
    remember_subtitle_sources,
    remove_subtitles,
    subtitle_sources,
)
from mediasift.text_form import unstorable

if TYPE_CHECKING:
    from mediasift.catalog.models import Job, Media
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.versions")

_TIMED = ("video", "audio")
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


def all_unchanged(rt: Runtime, tenant_id: str, files: Sequence[tuple[str, int]]) -> bool:
    """Whether a media of the tenant follows each of ``files`` (source, byte size) at that size:
    most likely a folder ingested again unchanged, where no job will need a model (a guess for
    what to load ahead; an upload still compares the bytes themselves)."""
    if not files:
        return False
    try:
        sized = [(source_uri_of(source), size) for source, size in files]
    except InvalidRequest:
        return False
    with rt.catalog.read_session() as s:
        return len(repo.sources_of_size(s, tenant_id, sized)) == len(dict(sized))


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
    bytes change nothing, and bytes another media of the tenant holds make this media that one.

    A video's or audio file's ``subtitles`` are its source's: with a media that follows the
    source, the files an earlier upload from there sent and this one does not are removed (a
    ``.srt`` edited or taken away beside the video), and those it sends added; files added through
    the API stay. A media of the same bytes that follows another source takes them as its own."""
    uri = source_uri_of(source)
    if source is None:
        ingested = _ingested(rt, tenant_id, stream, filename, uri, collection, metadata, subtitles)
        return _with_job(ingested, _added_to_duplicate(rt, tenant_id, ingested, subtitles)), False
    current = _from_source(rt, tenant_id, uri)
    if current is None:
        ingested = _ingested(rt, tenant_id, stream, filename, uri, collection, metadata, subtitles)
        if not ingested.duplicate:
            if subtitles:
                checked = subtitle_files(subtitles)
                names = [sidecar_name(n, sent, text) for n, (sent, text) in enumerate(checked)]
                remember_subtitle_sources(rt, tenant_id, ingested.media.id, dict.fromkeys(names, (uri, None)))
            return ingested, False
        if ingested.media.source_uri in UNNAMED:
            ingested = replace(ingested, media=_adopt(rt, tenant_id, ingested.media.id, uri))
        if ingested.media.source_uri != uri:  # another source's media: its files are added
            return _with_job(ingested, _added_to_duplicate(rt, tenant_id, ingested, subtitles)), False
        job = _source_subtitles(rt, tenant_id, ingested.media.id, ingested.media.kind, uri, subtitles)
        return _with_job(ingested, job), False
    media_id, kind = current
    # The new bytes and the source's subtitle files are read by one job, not two.
    ingested = replace_original(rt, tenant_id, media_id, stream, metadata or {}, reprocess=False)
    if ingested.media.id != media_id:  # the bytes of another media: this one went
        return ingested, False
    if filename is not None and safe_filename(filename) != ingested.media.filename:
        # the source's file goes by another name now: hits and listings show the one it has
        ingested = replace(ingested, media=_renamed(rt, tenant_id, media_id, safe_filename(filename)))
    changed = not ingested.duplicate
    job = _source_subtitles(rt, tenant_id, media_id, kind, uri, subtitles)
    if changed and job is None:
        job = lifecycle.reprocess(rt, tenant_id, media_id)
    return _with_job(ingested, job), changed


def _ingested(
    rt: Runtime,
    tenant_id: str,
    stream: BinaryIO,
    filename: str | None,
    uri: str,
    collection: str,
    metadata: dict[str, Any] | None,
    subtitles: Sequence[tuple[str, bytes]],
) -> Ingested:
    return ingest_stream(
        rt,
        tenant_id,
        stream,
        filename,
        collection=collection,
        metadata=metadata,
        source_uri=uri,
        subtitles=subtitles,
    )


def _with_job(ingested: Ingested, job: Job | None) -> Ingested:
    return ingested if job is None else replace(ingested, job=job)


def _added_to_duplicate(
    rt: Runtime, tenant_id: str, ingested: Ingested, subtitles: Sequence[tuple[str, bytes]]
) -> Job | None:
    """The video again with subtitle files beside it (a folder ingested once more after they were
    added): they are the media's, as if added to it."""
    if not (ingested.duplicate and subtitles and ingested.media.kind in _TIMED):
        return None
    return add_subtitles(rt, tenant_id, ingested.media.id, subtitles).job


def _source_subtitles(
    rt: Runtime,
    tenant_id: str,
    media_id: str,
    kind: str | None,
    uri: str,
    subtitles: Sequence[tuple[str, bytes]],
) -> Job | None:
    """The media's subtitle files from ``uri`` made ``subtitles``; the job reading them, None
    when they did not change."""
    if kind not in _TIMED:
        return None
    sources = subtitle_sources(rt, tenant_id, media_id)
    earlier = [name for name, (from_uri, _) in sources.items() if from_uri == uri]
    job: Job | None = None
    if subtitles:
        added = add_subtitles(rt, tenant_id, media_id, subtitles, replacing=earlier)
        changes: dict[str, tuple[str, str | None] | None] = dict.fromkeys(earlier)
        changes.update(dict.fromkeys(added.names, (uri, None)))
        job = added.job
    elif earlier:
        with contextlib.suppress(NotFound):  # removed through the API meanwhile
            job = remove_subtitles(rt, tenant_id, media_id, earlier)
        changes = dict.fromkeys(earlier)
    else:
        return None
    remember_subtitle_sources(rt, tenant_id, media_id, changes)
    return job


def follow(rt: Runtime, tenant_id: str, media_id: str, source: str, filename: str | None = None) -> Media:
    """The media follows ``source`` from now on (a file moved: the same bytes at a new path), and
    is named ``filename`` where given (a file renamed: hits had kept showing the name it no longer
    has); ``Conflict`` when another media of the tenant follows it."""
    uri = source_uri_of(source)
    name = safe_filename(filename) if filename is not None else None
    with rt.catalog.session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        others = [m.id for m in repo.media_from_source(s, tenant_id, uri) if m.id != media_id]
        if others:
            raise Conflict(f"media {others[0]} follows {source!r}")
        if media.source_uri is not None and media.source_uri.startswith("s3://"):
            raise Conflict(f"media {media_id} follows its bucket object; its events move it")
        media.source_uri = uri
        if name is not None:
            media.filename = name
    with rt.catalog.read_session() as s:
        return repo.get_media(s, tenant_id, media_id)


def _renamed(rt: Runtime, tenant_id: str, media_id: str, name: str) -> Media:
    with rt.catalog.session() as s:
        repo.get_media(s, tenant_id, media_id).filename = name
    with rt.catalog.read_session() as s:
        return repo.get_media(s, tenant_id, media_id)


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
        key, old_sha, deleted = media.original_key, media.sha256, media.original_deleted_at is not None
    reader = _HashingReader(stream, rt.settings.max_upload_bytes)
    # Written in place (atomically): a job still reading the old bytes keeps them, and the
    # reprocess job below, queued after it, reads the new ones.
    size = rt.store.put_stream(key, reader)  # type: ignore[arg-type]
    sha = reader.sha256.hexdigest()
    if sha == old_sha:
        if deleted:  # the same file again, after retention took it: its original once more
            with rt.catalog.session() as s:
                repo.get_media(s, tenant_id, media_id).original_deleted_at = None
            log.info("media %s: its original, deleted by retention, was uploaded again", media_id)
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
