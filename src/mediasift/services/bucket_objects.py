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

import contextlib
import logging
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from mediasift.catalog import repo
from mediasift.errors import InvalidRequest, LimitExceeded, NotFound
from mediasift.media.subtitle_format import TIMED_EXTENSIONS
from mediasift.media.subtitle_tracks import sidecar_name, subtitle_stem
from mediasift.queue.s3_events import ObjectCreated, ObjectRemoved, is_earlier
from mediasift.services.ingest import (
    MAX_SUBTITLE_BYTES,
    MAX_SUBTITLE_FILES,
    Ingested,
    ingest_stream,
    subtitle_files,
)
from mediasift.services.media import delete_media
from mediasift.services.subtitles import (
    add_subtitles,
    remember_subtitle_sources,
    remove_subtitles,
    subtitle_sources,
)
from mediasift.services.versions import replace_original, unchanged

if TYPE_CHECKING:
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
    if current_id is not None and event.sequencer and event.sequencer == current_sequencer:
        # The write the media already holds, delivered again: not read, nor written over its
        # original (a versioned bucket had kept a version of it per redelivery).
        log.info("bucket event for %s delivered again; media %s unchanged", event.key, current_id)
        return unchanged(rt, tenant_id, current_id)
    owner = None if current_id else _owner_of_subtitles(rt, tenant_id, event.bucket, event.key, filename)
    if owner is not None:
        added = _add_subtitles(rt, tenant_id, owner, event, filename)
        if added is not None:
            return added
    # The event's key is the bucket's own name for the object, read as-is: it never becomes a path
    # here; only the sanitised filename and the media's own key do.
    with rt.bucket_reader.open(event.bucket, event.key) as stream:
        if current_id is None:
            beside = _subtitles_beside(rt, event, filename)
            ingested = ingest_stream(
                rt,
                tenant_id,
                stream,
                filename,
                metadata=metadata,
                source_uri=uri,
                subtitles=[(name, data) for _, name, data in beside],
            )
            if beside and not ingested.duplicate:
                checked = subtitle_files([(name, data) for _, name, data in beside])
                remember_subtitle_sources(
                    rt,
                    tenant_id,
                    ingested.media.id,
                    {
                        sidecar_name(n, sent, text): (source_uri(event.bucket, key), None)
                        for n, ((key, _, _), (sent, text)) in enumerate(zip(beside, checked, strict=True))
                    },
                )
            _drop_timed_texts(rt, tenant_id, event.bucket, [key for key, _, _ in beside])
            return ingested
        return replace_original(rt, tenant_id, current_id, stream, metadata)


# -- subtitle files beside a video in the bucket ----------------------------------------------------
# As a folder holds them (``mediasift ingest`` pairs them the same way): "talk.mp4" with
# "talk.srt", "talk.es.srt", "talk.en.forced.vtt" under the same prefix. Whichever object comes
# first, the subtitles end up the video's tracks: a video reads those already there, and a
# subtitle file whose video is there is added to it (the media is processed again). A subtitle
# file that arrives before its video is a timed text of its own until the video comes.


def _folder(key: str) -> str:
    return key[: key.rfind("/") + 1]


def _owner_of_subtitles(rt: Runtime, tenant_id: str, bucket: str, key: str, filename: str) -> str | None:
    """The media of the video or audio object that the subtitle file at ``key`` is beside."""
    stem = subtitle_stem(filename)
    if stem is None:
        return None
    prefix = source_uri(bucket, _folder(key))
    with rt.catalog.read_session() as s:
        for media in repo.media_under_source(s, tenant_id, prefix):
            name = PurePosixPath((media.source_uri or "")[len(prefix) :])
            if (
                (media.source_uri or "").startswith(prefix)
                and "/" not in str(name)
                and name.suffix.lower() in TIMED_EXTENSIONS
                and name.stem.lower() == stem
            ):
                return media.id
    return None


def _add_subtitles(
    rt: Runtime, tenant_id: str, media_id: str, event: ObjectCreated, filename: str
) -> Ingested | None:
    """The subtitle file added to the media (and the job reading it), in place of the file an
    earlier version of the object became; None when it is no subtitle file after all, so that it
    becomes a media of its own, whose job says why it fails."""
    uri = source_uri(event.bucket, event.key)
    earlier = {n: seq for n, (u, seq) in subtitle_sources(rt, tenant_id, media_id).items() if u == uri}
    if any(is_earlier(event.sequencer, seq) for seq in earlier.values()):
        log.info("bucket event for %s is older than media %s's subtitles; ignored", event.key, media_id)
        return unchanged(rt, tenant_id, media_id)
    with rt.bucket_reader.open(event.bucket, event.key) as stream:
        data = stream.read(MAX_SUBTITLE_BYTES + 1)
    try:
        added = add_subtitles(rt, tenant_id, media_id, [(filename, data)], replacing=list(earlier))
    except (InvalidRequest, LimitExceeded) as exc:
        log.info("bucket object %s is not subtitles for media %s: %s", event.key, media_id, exc)
        return None
    changes: dict[str, tuple[str, str | None] | None] = dict.fromkeys(earlier)
    changes[added.names[0]] = (uri, event.sequencer)
    remember_subtitle_sources(rt, tenant_id, media_id, changes)
    log.info("bucket object %s added to media %s as subtitles", event.key, media_id)
    if added.job is None:
        return unchanged(rt, tenant_id, media_id)
    with rt.catalog.read_session() as s:
        return Ingested(media=repo.get_media(s, tenant_id, media_id), job=added.job, duplicate=False)


def _subtitle_object_removed(rt: Runtime, tenant_id: str, event: ObjectRemoved) -> None:
    """A removed subtitle object takes the file it became with it (the media is processed again)."""
    filename = event.key.rsplit("/", 1)[-1]
    owner = _owner_of_subtitles(rt, tenant_id, event.bucket, event.key, filename)
    if owner is None:
        return
    uri = source_uri(event.bucket, event.key)
    names = [
        name
        for name, (u, seq) in subtitle_sources(rt, tenant_id, owner).items()
        if u == uri and not is_earlier(event.sequencer, seq)
    ]
    if not names:
        return
    with contextlib.suppress(NotFound):  # removed meanwhile (the API, or a second delivery)
        remove_subtitles(rt, tenant_id, owner, names)
    remember_subtitle_sources(rt, tenant_id, owner, dict.fromkeys(names))
    log.info("bucket object %s removed: media %s's subtitles %s with it", event.key, owner, names)


def _subtitles_beside(rt: Runtime, event: ObjectCreated, filename: str) -> list[tuple[str, str, bytes]]:
    """(key, filename, bytes) of the subtitle objects beside a new video or audio object, those
    that read as SubRip or WebVTT (another is left to be a media of its own)."""
    path = PurePosixPath(filename)
    if path.suffix.lower() not in TIMED_EXTENSIONS:
        return []
    folder = _folder(event.key)
    stem = path.stem.lower()
    found: list[tuple[str, str, bytes]] = []
    for key in rt.bucket_reader.keys(event.bucket, f"{folder}{path.stem}."):
        name = key[len(folder) :]
        if subtitle_stem(name) != stem or len(found) == MAX_SUBTITLE_FILES:
            continue
        with rt.bucket_reader.open(event.bucket, key) as stream:
            data = stream.read(MAX_SUBTITLE_BYTES + 1)
        try:
            subtitle_files([(name, data)])
        except (InvalidRequest, LimitExceeded):
            continue
        found.append((key, name, data))
    return found


def _drop_timed_texts(rt: Runtime, tenant_id: str, bucket: str, keys: list[str]) -> None:
    """Delete the media the subtitle objects ``keys`` became before their video arrived: they are
    its tracks now."""
    for key in keys:
        with rt.catalog.read_session() as s:
            made = [m.id for m in repo.media_from_source(s, tenant_id, source_uri(bucket, key))]
        for media_id in made:
            try:
                delete_media(rt, tenant_id, media_id)
            except NotFound:
                continue


def object_removed(rt: Runtime, tenant_id: str, event: ObjectRemoved) -> list[str]:
    """Delete the media of a removed object, unless it was written again after this delete.
    Returns the ids of the media deleted."""
    with rt.catalog.read_session() as s:
        found = [
            (m.id, (m.meta or {}).get(SEQUENCER))
            for m in repo.media_from_source(s, tenant_id, source_uri(event.bucket, event.key))
        ]
    if not found:
        _subtitle_object_removed(rt, tenant_id, event)
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
